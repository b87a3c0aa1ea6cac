import ArgumentParser
import FolioEmbedder
import FolioModels
import Foundation
import HTTPServer
import KnowledgeBase

/// `folio serve`: the embedding server. Each flag may also come from a `FOLIO_*` environment variable;
/// a flag wins over the environment.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve embeddings and reranking over HTTP (OpenAI /v1/embeddings, TEI /embed and /rerank, Ollama /api/embed, /v1/rerank).",
        discussion: """
            Several models: repeat --model, for example --model qwen3-embedding-0.6b-q8_0.gguf --model rerank=Qwen3-Reranker-0.6B.
            Each model is an embedder or a reranker (read from its files) and answers to its file or folder name, to that
            name without .gguf, and to NAME when given as NAME=PATH; requests pick one with their "model" field, and go
            to the first model of the route's kind when they name none. The knowledge base uses the first embedder, and
            the first reranker for searches with rerank.
            Environment: FOLIO_MODEL (comma-separated for several), FOLIO_HOST, FOLIO_PORT, FOLIO_API_KEYS (comma-separated), FOLIO_ALLOW_NO_AUTH=1,
            FOLIO_ALLOW_TOKEN_IDS=1, FOLIO_MAX_CLIENT_BATCH_SIZE, FOLIO_MAX_CONCURRENT_REQUESTS,
            FOLIO_MAX_BATCH_TOKENS, FOLIO_CORS_ORIGINS (comma-separated), FOLIO_ALLOWED_HOSTS (comma-separated), FOLIO_SERVED_MODEL_NAMES (comma-separated),
            FOLIO_DATA (the knowledge base's folder), FOLIO_STORE (a postgres:// URL instead of SQLite).
            The knowledge base (REST API under /v1/kb and the page at /) is on unless --no-knowledge-base.
            """)

    @Option(help: "A .gguf file or a Hugging Face model folder, as PATH or NAME=PATH; repeat for several (FOLIO_MODEL).")
    var model: [String] = []
    @Option(help: "Address to listen on (FOLIO_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port; 0 picks a free one (FOLIO_PORT; default 8080).") var port: Int?
    @Option(name: .customLong("api-key"), help: "A bearer key clients must send; repeat for several (FOLIO_API_KEYS).")
    var apiKeys: [String] = []
    @Flag(help: "Allow a non-loopback address without an API key (FOLIO_ALLOW_NO_AUTH=1).") var allowNoAuth = false
    @Option(help: "Most tokens one engine call packs (FOLIO_MAX_BATCH_TOKENS; default 8192).") var maxBatchTokens: Int?
    @Option(name: .customLong("cors-origin"), help: "A browser origin allowed to call the API; repeat for several (FOLIO_CORS_ORIGINS).")
    var corsOrigins: [String] = []
    @Option(name: .customLong("allowed-host"), help: "A host name clients may use to reach this server besides the loopback ones (the Host header; DNS rebinding protection); repeat for several (FOLIO_ALLOWED_HOSTS).")
    var allowedHosts: [String] = []
    @Option(name: .customLong("served-model-name"), help: "Another name the first model answers to; the first given is reported (FOLIO_SERVED_MODEL_NAMES).")
    var servedModelNames: [String] = []
    @Flag(help: "Embed token-id inputs as this model's ids (FOLIO_ALLOW_TOKEN_IDS=1). Off: they get a 400, since ids from another tokenizer (LangChain's tiktoken default) would give wrong vectors.")
    var allowTokenIds = false
    @Option(help: "Most inputs one embedding request may hold (FOLIO_MAX_CLIENT_BATCH_SIZE; default 2048).") var maxClientBatchSize: Int?
    @Option(help: "Most requests in flight; more get 429 (FOLIO_MAX_CONCURRENT_REQUESTS; default 512).") var maxConcurrentRequests: Int?
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
            let specs = list(model, "FOLIO_MODEL").map(Self.modelSpec)
            guard !specs.isEmpty else {
                throw ValidationError("give the model: --model PATH (a .gguf file or a model folder) or FOLIO_MODEL")
            }
            var config = ServerConfiguration()
            config.host = host ?? env["FOLIO_HOST"] ?? config.host
            if let p = port ?? env["FOLIO_PORT"].flatMap({ Int($0) }) { config.port = p }
            config.apiKeys = list(apiKeys, "FOLIO_API_KEYS")
            config.allowNoAuth = allowNoAuth || ["1", "true", "yes"].contains(env["FOLIO_ALLOW_NO_AUTH"]?.lowercased() ?? "")
            if let n = maxBatchTokens ?? env["FOLIO_MAX_BATCH_TOKENS"].flatMap({ Int($0) }) { config.batching.maxBatchTokens = n }
            config.corsOrigins = list(corsOrigins, "FOLIO_CORS_ORIGINS")
            config.allowedHosts = list(allowedHosts, "FOLIO_ALLOWED_HOSTS")
            config.allowTokenIDs = allowTokenIds || ["1", "true", "yes"].contains(env["FOLIO_ALLOW_TOKEN_IDS"]?.lowercased() ?? "")
            if let n = maxClientBatchSize ?? env["FOLIO_MAX_CLIENT_BATCH_SIZE"].flatMap({ Int($0) }) { config.maxClientBatchSize = n }
            if let n = maxConcurrentRequests ?? env["FOLIO_MAX_CONCURRENT_REQUESTS"].flatMap({ Int($0) }) { config.maxConcurrentRequests = n }
            // Refuse a bad address before spending seconds loading models.
            try config.validate()
            let extraNames = list(servedModelNames, "FOLIO_SERVED_MODEL_NAMES")
            var served: [ServedModel] = []
            var knowledge: KnowledgeBaseConfiguration?
            for (i, spec) in specs.enumerated() {
                let names = (i == 0 ? extraNames : []) + (spec.name.map { [$0] } ?? []) + ServedModel.names(forPath: spec.path)
                let localPath = try await ModelLocator.localPath(for: spec.path)
                let engine = EmbedderConfiguration(
                    threads: threadOptions.threads, maxBatchTokens: config.batching.maxBatchTokens, precision: precisionOption.precision,
                    attention: precisionOption.attention)
                switch try ModelKind.of(path: localPath) {
                case .embedder:
                    let embedder = try Embedder.load(path: localPath, configuration: engine)
                    if knowledge == nil {
                        let locator = FileManager.default.fileExists(atPath: spec.path)
                            ? URL(fileURLWithPath: spec.path).standardizedFileURL.path : spec.path
                        knowledge = KnowledgeBaseConfiguration.forModel(locator, prompts: embedder.prompts)
                    }
                    served.append(ServedModel(.embedder(embedder), names: Self.unique(names)))
                case .reranker:
                    served.append(ServedModel(.reranker(try Reranker.load(path: localPath, configuration: engine)), names: Self.unique(names)))
                }
            }
            // A server of rerankers only has no knowledge base: it needs an embedder.
            let store = noKnowledgeBase || knowledge == nil ? nil : try await storeOptions.open()
            let server = try EmbeddingServer(
                models: served, configuration: config, knowledgeStore: store, knowledgeConfiguration: knowledge)
            let name = served.map { $0.names.first ?? "folio" }.joined(separator: ", ")
            try await server.run { url in
                // One line a launcher can wait for; written at once, not left in a pipe's buffer.
                FileHandle.standardOutput.write(Data("folio: serving \(name) at \(url) (OpenAI base URL: \(url)/v1)\n".utf8))
            }
        }
    }

    /// `NAME=PATH` or `PATH`. A path that exists, or whose part before `=` holds a `/`, is a path as it is.
    static func modelSpec(_ text: String) -> (name: String?, path: String) {
        guard let eq = text.firstIndex(of: "="), !FileManager.default.fileExists(atPath: text) else { return (nil, text) }
        let name = String(text[..<eq]), path = String(text[text.index(after: eq)...])
        return name.isEmpty || name.contains("/") || path.isEmpty ? (nil, text) : (name, path)
    }

    /// The names in order, each once (a NAME equal to the file name is not listed twice).
    static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
