import Foundation
import ModelHub
import Testing

/// A GGUF repository with several quantisations, as Qwen/Qwen3-Embedding-0.6B-GGUF is.
private func addQuantizations(_ hub: FakeHub) throws -> [String: Data] {
    let files = [
        "tiny-Q8_0.gguf": try fixture("models/qwen3-tiny-gqa2/qwen3-tiny-gqa2-q8_0.gguf"),
        "tiny-f16.gguf": try fixture("models/qwen3-tiny-gqa2/qwen3-tiny-gqa2-f16.gguf"),
        "tiny-BF16.gguf": try fixture("models/qwen3-tiny-gqa2/qwen3-tiny-gqa2-bf16.gguf"),
        "tiny-Q4_K_M.gguf": try fixture("models/qwen3-tiny-gqa4/qwen3-tiny-gqa4-q4_k_m.gguf"),
    ]
    try hub.add(repo: "test/tiny-quants-GGUF", files: files.merging(["README.md": Data("hi".utf8)]) { $1 }, lfs: Set(files.keys))
    return files
}

private func hubError(_ body: () async throws -> some Any) async -> HubError? {
    do { _ = try await body() } catch let error as HubError { return error } catch {
        Issue.record("expected a HubError, got \(error)")
    }
    return nil
}

@Suite("Choosing the files of a repository")
struct FileSelectionTests {
    @Test("A quantisation tag picks the matching .gguf, whatever its case, and F16 does not match BF16")
    func quantizationTag() async throws {
        try await withFakeHub { hub, cache in
            let files = try addQuantizations(hub)
            let modelHub = ModelHub(configuration: configuration(hub, cache: cache))
            let q8 = try await modelHub.resolve("test/tiny-quants-GGUF:q8_0")
            #expect(q8.lastPathComponent == "tiny-Q8_0.gguf")
            #expect(try Data(contentsOf: q8) == files["tiny-Q8_0.gguf"])
            let f16 = try await modelHub.resolve("test/tiny-quants-GGUF:F16")
            #expect(f16.lastPathComponent == "tiny-f16.gguf")
            #expect(try Data(contentsOf: f16) == files["tiny-f16.gguf"])
            let k = try await modelHub.resolve("test/tiny-quants-GGUF:Q4_K_M")
            #expect(k.lastPathComponent == "tiny-Q4_K_M.gguf")
            // Only the chosen files were fetched.
            let fetched = Set(hub.requests.filter { $0.method == "GET" && $0.path.hasPrefix("/cdn/") }.map(\.path))
            #expect(fetched.count == 3)
        }
    }

    @Test("Several .gguf files and none named is an error that lists them; a tag matching none too")
    func ambiguous() async throws {
        try await withFakeHub { hub, cache in
            let files = try addQuantizations(hub)
            let modelHub = ModelHub(configuration: configuration(hub, cache: cache))
            let listed = files.keys.sorted()
            let error = await hubError { try await modelHub.resolve("test/tiny-quants-GGUF") }
            #expect(error == .ambiguousModelFile(repository: "test/tiny-quants-GGUF", available: listed))
            #expect(error?.description.contains("tiny-Q4_K_M.gguf") == true && error?.description.contains(":Q8_0") == true)
            // Q4_K is a prefix of Q4_K_M, not its tag.
            let partial = await hubError { try await modelHub.resolve("test/tiny-quants-GGUF:Q4_K") }
            #expect(partial == .noMatchingQuantization(repository: "test/tiny-quants-GGUF", tag: "Q4_K", available: listed))
            #expect(!hub.requests.contains { $0.path.hasPrefix("/cdn/") })
        }
    }

    @Test("A named file resolves; a missing one lists the repository's .gguf files")
    func namedFile() async throws {
        try await withFakeHub { hub, cache in
            let files = try addQuantizations(hub)
            let modelHub = ModelHub(configuration: configuration(hub, cache: cache))
            let path = try await modelHub.resolve("test/tiny-quants-GGUF/tiny-BF16.gguf")
            #expect(try Data(contentsOf: path) == files["tiny-BF16.gguf"])
            let error = await hubError { try await modelHub.resolve("test/tiny-quants-GGUF/tiny-Q2_K.gguf") }
            #expect(error == .fileNotFound(repository: "test/tiny-quants-GGUF", file: "tiny-Q2_K.gguf", available: files.keys.sorted()))
        }
    }

    @Test("A missing repository names it and mentions HF_TOKEN")
    func missingRepository() async throws {
        try await withFakeHub { hub, cache in
            let error = await hubError { try await ModelHub(configuration: configuration(hub, cache: cache)).resolve("test/nothing") }
            #expect(error == .unauthorized(repository: "test/nothing", status: 401, tokenSent: false))
            #expect(error?.description.contains("may not exist") == true)
        }
    }

    @Test("A safetensors repository resolves to a snapshot folder with the model's files and nothing else")
    func safetensorsFolder() async throws {
        try await withFakeHub { hub, cache in
            let dir = "models/qwen3-tiny-gqa2/"
            let model: [String: Data] = [
                "config.json": try fixture(dir + "config.json"),
                "tokenizer.json": try fixture(dir + "tokenizer.json"),
                "tokenizer_config.json": try fixture(dir + "tokenizer_config.json"),
                "model.safetensors": try fixture(dir + "model.safetensors"),
                "modules.json": Data(#"[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"}]"#.utf8),
                "1_Pooling/config.json": Data(#"{"pooling_mode_lasttoken":true}"#.utf8),
            ]
            let extra: [String: Data] = ["README.md": Data("x".utf8), "onnx/model.onnx": Data("onnx".utf8), ".gitattributes": Data()]
            try hub.add(repo: "test/tiny-st", files: model.merging(extra) { $1 }, lfs: ["model.safetensors", "onnx/model.onnx"])
            let modelHub = ModelHub(configuration: configuration(hub, cache: cache))
            let folder = try await modelHub.resolve("test/tiny-st")
            #expect(folder.path.hasSuffix("models--test--tiny-st/snapshots/\(hub.commit("test/tiny-st"))"))
            for (path, bytes) in model {
                #expect(try Data(contentsOf: folder.appendingPathComponent(path)) == bytes, "\(path)")
            }
            // A file in a subfolder links one level further up.
            let pooling = try FileManager.default.destinationOfSymbolicLink(atPath: folder.appendingPathComponent("1_Pooling/config.json").path)
            #expect(pooling.hasPrefix("../../../blobs/"))
            for path in extra.keys {
                #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path), "\(path)")
                #expect(!hub.requests.contains { $0.path.hasSuffix("/" + path) }, "\(path) was requested")
            }
            let count = hub.requests.count
            #expect(try await modelHub.resolve("test/tiny-st") == folder)
            #expect(hub.requests.count == count)
        }
    }
}
