import FolioEmbedder
import Foundation
import Hummingbird
import KnowledgeBase
import KnowledgeStore
import ServiceLifecycle

/// The HTTP face of embedders and rerankers: OpenAI, TEI and Ollama embedding routes, Cohere-style and TEI rerank
/// routes, and with a store the knowledge base and its page.
///
/// ```swift
/// let server = try EmbeddingServer(embedder: embedder, configuration: .init(port: 0))
/// try await server.run { url in print("serving at \(url)") }
/// ```
public final class EmbeddingServer: Sendable {
    /// Reported by `GET /info` and the OpenAPI document.
    public static let version = "0.1.0"

    /// The settings the server was made with (checked by `init`).
    public let configuration: ServerConfiguration
    let metrics = ServerMetrics()
    let models: ModelRegistry
    /// The knowledge base and its upload queue, when the server was given a store.
    public let knowledge: KnowledgeService?
    let draining = Flag()
    private let group = Box<ServiceGroup>()

    /// One embedding model, answering to `names` (any name when empty).
    public convenience init(
        embedder: Embedder, names: [String] = [], configuration: ServerConfiguration,
        knowledgeStore: (any KnowledgeStore)? = nil, knowledgeConfiguration: KnowledgeBaseConfiguration? = nil
    ) throws(ServerSetupError) {
        try self.init(
            models: [ServedModel(.embedder(embedder), names: names)], configuration: configuration,
            knowledgeStore: knowledgeStore, knowledgeConfiguration: knowledgeConfiguration)
    }

    /// Checks the configuration (a non-loopback host needs a key or `allowNoAuth`; several models need distinct
    /// names) and starts one engine thread per embedder. With a `knowledgeStore`, the server also answers the
    /// knowledge-base routes and the page, with the first embedder, and the first reranker as search's second
    /// stage; their work shares the models' queues with the API routes, so neither starves the other.
    public init(
        models served: [ServedModel], configuration: ServerConfiguration, knowledgeStore: (any KnowledgeStore)? = nil,
        knowledgeConfiguration: KnowledgeBaseConfiguration? = nil
    ) throws(ServerSetupError) {
        try configuration.validate()
        try Self.validate(served, knowledge: knowledgeStore != nil)
        self.configuration = configuration
        let metrics = self.metrics
        var embedders: [ModelRegistry.Entry<EmbeddingService>] = []
        var rerankers: [ModelRegistry.Entry<RerankService>] = []
        for model in served {
            switch model.engine {
            case let .embedder(embedder):
                let batcher = EmbeddingBatcher(
                    configuration: configuration.batching, engine: EmbeddingService.engine(for: embedder),
                    onBatch: { metrics.recordBatch($0) })
                let policy = EmbeddingService.InputPolicy(
                    allowTokenIDs: configuration.allowTokenIDs, maxInputs: configuration.maxClientBatchSize)
                embedders.append(.init(
                    names: model.names, service: EmbeddingService(embedder: embedder, batcher: batcher, metrics: metrics, policy: policy)))
            case let .reranker(reranker):
                let service = RerankService(reranker: reranker, metrics: metrics, maxQueuedTokens: configuration.batching.maxQueuedTokens)
                rerankers.append(.init(names: model.names, service: service))
            }
        }
        self.models = ModelRegistry(models: served, embedders: embedders, rerankers: rerankers)
        self.knowledge = knowledgeStore.flatMap { store in
            guard let first = embedders.first else { return nil }
            let embedder = first.service.embedder
            let settings = knowledgeConfiguration ?? KnowledgeBaseConfiguration(
                model: first.reportedName,
                queryInstruction: KnowledgeBaseConfiguration.defaultQueryInstruction(for: embedder.encoder))
            let kb = KnowledgeBase(
                store: store, engine: BatchedEngine(embedder: embedder, batcher: first.service.batcher), configuration: settings,
                reranker: rerankers.first.map { QueuedReranker(service: $0.service) })
            return KnowledgeService(knowledgeBase: kb, queue: IngestQueue(knowledgeBase: kb), names: first.names)
        }
    }

    /// At least one model; with several, each has names and no name is used twice; a store needs an embedder.
    static func validate(_ models: [ServedModel], knowledge: Bool) throws(ServerSetupError) {
        if models.isEmpty { throw .badSetting(name: "models", value: "none", expected: "at least one model") }
        if models.count > 1, let unnamed = models.firstIndex(where: \.names.isEmpty) {
            throw .badSetting(name: "model \(unnamed + 1)", value: "no name", expected: "a name for each of several models")
        }
        var seen = Set<String>()
        for name in models.flatMap(\.names) where !seen.insert(name).inserted {
            throw .badSetting(name: "model name", value: "\"\(name)\" (given to two models)", expected: "a name per model; rename one with NAME=PATH")
        }
        if knowledge, !models.contains(where: { if case .embedder = $0.engine { true } else { false } }) {
            throw .badSetting(name: "knowledge base", value: "no embedding model", expected: "an embedding model among --model, or --no-knowledge-base")
        }
    }

    deinit { stopEngines() }

    private func stopEngines() { for e in models.embedders { e.service.batcher.stop() } }

    /// Listens until SIGTERM or SIGINT (with `handleSignals`), `shutdown()`, or until the calling task is
    /// cancelled; on the first two, in-flight requests finish first. `onReady` gets the base URL (with the bound port when
    /// `port` is 0) once `GET /health` answers.
    public func run(handleSignals: Bool = true, onReady: @escaping @Sendable (_ baseURL: String) async -> Void = { _ in }) async throws {
        let router = Router(context: Context.self)
        // Outermost first: metrics see the final status; CORS headers reach error responses too.
        router.add(middleware: MetricsMiddleware(metrics: metrics, routes: Routes.paths))
        if !configuration.corsOrigins.isEmpty { router.add(middleware: CORSOriginsMiddleware(origins: Set(configuration.corsOrigins))) }
        router.add(middleware: ErrorMiddleware(maxBodyBytes: configuration.maxBodyBytes))
        router.add(middleware: CrossSiteMiddleware(configuration: configuration))
        router.add(middleware: DrainMiddleware(draining: draining))
        router.add(middleware: ConcurrencyLimitMiddleware(limit: configuration.maxConcurrentRequests))
        router.add(middleware: AuthMiddleware(keys: configuration.apiKeys))
        let routes = Routes(
            models: models, metrics: metrics, configuration: configuration, reader: BodyReader(maxBytes: configuration.maxBodyBytes),
            startTime: Int(Date().timeIntervalSince1970), knowledge: knowledge)
        routes.add(to: router)
        // Uploads left queued or half-done by an earlier run start again.
        await knowledge?.queue.start()

        let host = configuration.host
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "folio"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                await onReady("http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
            })
        let group = ServiceGroup(
            services: [DrainingService(app: app, draining: draining)],
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [])
        self.group.value = group
        defer { stopEngines() }
        try await group.run()
        await knowledge?.queue.stop()
    }

    /// Stops gracefully: the listener closes, new requests get 503, in-flight requests finish, then
    /// `run` returns. The same as SIGTERM.
    public func shutdown() async {
        draining.value = true
        await group.value?.triggerGracefulShutdown()
    }
}

/// The application, marking the server as draining once graceful shutdown begins.
private struct DrainingService: Service {
    let app: Application<RouterResponder<Context>>
    let draining: Flag

    func run() async throws {
        let draining = self.draining
        try await withGracefulShutdownHandler {
            try await app.run()
        } onGracefulShutdown: {
            draining.value = true
        }
    }
}

/// A value shared across threads behind a lock.
final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    var value: T? {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}

/// A Boolean shared across threads.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = false
    var value: Bool {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
