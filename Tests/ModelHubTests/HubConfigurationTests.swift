import Foundation
import ModelHub
import Testing

@Suite("Configuration and references")
struct HubConfigurationTests {
    @Test("The cache folder follows huggingface_hub: HF_HUB_CACHE, then HF_HOME/hub, then XDG_CACHE_HOME, then ~/.cache")
    func cacheFolder() {
        func cache(_ env: [String: String]) -> String { HubConfiguration.fromEnvironment(env).cacheDirectory.path }
        #expect(cache(["HOME": "/home/u"]) == "/home/u/.cache/huggingface/hub")
        #expect(cache(["HOME": "/home/u", "XDG_CACHE_HOME": "/x"]) == "/x/huggingface/hub")
        #expect(cache(["HOME": "/home/u", "XDG_CACHE_HOME": "/x", "HF_HOME": "/hf"]) == "/hf/hub")
        #expect(cache(["HOME": "/home/u", "HF_HOME": "~/hf"]) == "/home/u/hf/hub")
        #expect(cache(["HOME": "/home/u", "HF_HOME": "/hf", "HF_HUB_CACHE": "/c"]) == "/c")
        #expect(cache(["HOME": "/home/u", "HUGGINGFACE_HUB_CACHE": "/old"]) == "/old")
    }

    @Test("Endpoint, token and offline mode come from HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE")
    func variables() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("folio-hub-home-\(UUID().uuidString)")
        let defaults = HubConfiguration.fromEnvironment(["HOME": home.path])
        #expect(defaults.endpoint.absoluteString == "https://huggingface.co")
        #expect(defaults.token == nil && !defaults.offline && defaults.revision == "main")
        let set = HubConfiguration.fromEnvironment([
            "HOME": home.path, "HF_ENDPOINT": "https://hf-mirror.example/", "HF_TOKEN": "hf_x", "HF_HUB_OFFLINE": "true",
        ])
        #expect(set.endpoint.absoluteString == "https://hf-mirror.example")
        #expect(set.token == "hf_x" && set.offline)
        for (value, offline) in [("1", true), ("ON", true), ("yes", true), ("0", false), ("", false), ("no", false)] {
            #expect(HubConfiguration.fromEnvironment(["HOME": home.path, "HF_HUB_OFFLINE": value]).offline == offline, "\(value)")
        }
        // `huggingface-cli login` leaves the token in $HF_HOME/token.
        let hfHome = home.appendingPathComponent("hf")
        try FileManager.default.createDirectory(at: hfHome, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        try Data("hf_from_file\n".utf8).write(to: hfHome.appendingPathComponent("token"))
        #expect(HubConfiguration.fromEnvironment(["HOME": home.path, "HF_HOME": hfHome.path]).token == "hf_from_file")
        #expect(HubConfiguration.fromEnvironment(["HOME": home.path, "HF_HOME": hfHome.path, "HF_TOKEN": "hf_env"]).token == "hf_env")
    }

    @Test("Repository references are told apart from local paths")
    func repoReferences() throws {
        for text in ["Qwen/Qwen3-Embedding-0.6B-GGUF", "Qwen/Qwen3-Embedding-0.6B-GGUF:Q8_0",
                     "Qwen/Qwen3-Embedding-0.6B-GGUF/Qwen3-Embedding-0.6B-Q8_0.gguf", "sentence-transformers/all-MiniLM-L6-v2"] {
            #expect(ModelHub.isRepoReference(text), "\(text)")
        }
        let existing = fixtures.appendingPathComponent("models").path
        for text in ["/models/x.gguf", "./a/b", "../a/b", "~/a/b", "model.gguf", "models/missing.gguf", "a", "a/b:",
                     "-a/b", "a--b/c", "a/b/../c", existing, "Fixtures/models"] {
            #expect(!ModelHub.isRepoReference(text), "\(text)")
        }
    }

    @Test("A reference parses into repository and choice of file")
    func parsing() {
        #expect(ModelReference(parsing: "Qwen/M-GGUF") == nil ? false : ModelReference(parsing: "Qwen/M-GGUF")!.selector == .repository)
        let tagged = ModelReference(parsing: "Qwen/M-GGUF:Q4_K_M")
        #expect(tagged?.repository == "Qwen/M-GGUF" && tagged?.selector == .quantization("Q4_K_M"))
        let file = ModelReference(parsing: "Qwen/M/sub/dir/model.gguf")
        #expect(file?.repository == "Qwen/M" && file?.selector == .file("sub/dir/model.gguf"))
        #expect(file?.description == "Qwen/M/sub/dir/model.gguf" && tagged?.description == "Qwen/M-GGUF:Q4_K_M")
    }
}
