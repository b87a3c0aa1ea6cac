import ArgumentParser
import FolioEmbedder
import Foundation
import HTTPServer
import KnowledgeBase

/// `folio serve`: the embedding server. Each flag may also come from a `FOLIO_*` environment variable;
/// a flag wins over the environment.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve embeddings over HTTP (OpenAI /v1/embeddings, TEI /embed, Ollama /api/embed).",
        discussion: """
            Environment: FOLIO_MODEL, FOLIO_HOST, FOLIO_PORT, FOLIO_API_KEYS (comma-separated), FOLIO_ALLOW_NO_AUTH=1,
            FOLIO_MAX_BATCH_TOKENS, FOLIO_CORS_ORIGINS (comma-separated), FOLIO_SERVED_MODEL_NAMES (comma-separated),
            FOLIO_DATA (the knowledge base's folder), FOLIO_STORE (a postgres:// URL instead of SQLite).
            The knowledge base (REST API under /v1/kb and the page at /) is on unless --no-knowledge-base.
            """)

    @Option(help: "A .gguf file or a Hugging Face model folder (FOLIO_MODEL).") var model: String?
    @Option(help: "Address to listen on (FOLIO_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port; 0 picks a free one (FOLIO_PORT; default 8080).") var port: Int?
    @Option(name: .customLong("api-key"), help: "A bearer key clients must send; repeat for several (FOLIO_API_KEYS).")
    var apiKeys: [String] = []
    @Flag(help: "Allow a non-loopback address without an API key (FOLIO_ALLOW_NO_AUTH=1).") var allowNoAuth = false
    @Option(help: "Most tokens one engine call packs (FOLIO_MAX_BATCH_TOKENS; default 8192).") var maxBatchTokens: Int?
    @Option(name: .customLong("cors-origin"), help: "A browser origin allowed to call the API; repeat for several (FOLIO_CORS_ORIGINS).")
    var corsOrigins: [String] = []
    @Option(name: .customLong("served-model-name"), help: "Another name the model answers to; the first given is reported (FOLIO_SERVED_MODEL_NAMES).")
    var servedModelNames: [String] = []
    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var precisionOption: PrecisionOption
    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: "Serve embeddings only: no knowledge base, no page.") var noKnowledgeBase = false

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        func list(_ flag: [String], _ key: String) -> [String] {
            flag.isEmpty ? (env[key] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } : flag
        }
        try await reportingErrors {
            guard let path = model ?? env["FOLIO_MODEL"] else {
                throw ValidationError("give the model: --model PATH (a .gguf file or a model folder) or FOLIO_MODEL")
            }
            var config = ServerConfiguration()
            config.host = host ?? env["FOLIO_HOST"] ?? config.host
            if let p = port ?? env["FOLIO_PORT"].flatMap({ Int($0) }) { config.port = p }
            config.apiKeys = list(apiKeys, "FOLIO_API_KEYS")
            config.allowNoAuth = allowNoAuth || ["1", "true", "yes"].contains(env["FOLIO_ALLOW_NO_AUTH"]?.lowercased() ?? "")
            if let n = maxBatchTokens ?? env["FOLIO_MAX_BATCH_TOKENS"].flatMap({ Int($0) }) { config.batching.maxBatchTokens = n }
            config.corsOrigins = list(corsOrigins, "FOLIO_CORS_ORIGINS")
            config.modelNames = list(servedModelNames, "FOLIO_SERVED_MODEL_NAMES") + ServerConfiguration.modelNames(forPath: path)
            // Refuse a bad address before spending seconds loading the model.
            try config.validate()
            let localPath = try await ModelLocator.localPath(for: path)
            let embedder = try Embedder.load(
                path: localPath,
                configuration: .init(
                    threads: threadOptions.threads, maxBatchTokens: config.batching.maxBatchTokens,
                    precision: precisionOption.precision))
            let store = noKnowledgeBase ? nil : try await storeOptions.open()
            let locator = FileManager.default.fileExists(atPath: path) ? URL(fileURLWithPath: path).standardizedFileURL.path : path
            let knowledge = KnowledgeBaseConfiguration.forModel(locator, at: localPath, encoder: embedder.encoder)
            let server = try EmbeddingServer(
                embedder: embedder, configuration: config, knowledgeStore: store, knowledgeConfiguration: knowledge)
            let name = config.reportedModelName
            try await server.run { url in
                // One line a launcher can wait for; written at once, not left in a pipe's buffer.
                FileHandle.standardOutput.write(Data("folio: serving \(name) at \(url) (OpenAI base URL: \(url)/v1)\n".utf8))
            }
        }
    }
}
