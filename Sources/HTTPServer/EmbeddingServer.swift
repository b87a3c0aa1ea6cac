import FolioEmbedder
import Foundation
import Hummingbird
import KnowledgeBase
import KnowledgeStore
import ServiceLifecycle

/// The HTTP face of an `Embedder`: OpenAI, TEI and Ollama embedding routes over one shared batcher.
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
    let embedder: Embedder
    let metrics = ServerMetrics()
    let batcher: EmbeddingBatcher
    /// The knowledge base and its upload queue, when the server was given a store.
    public let knowledge: KnowledgeService?
    let draining = Flag()
    private let group = Box<ServiceGroup>()

    /// Checks the configuration (a non-loopback host needs a key or `allowNoAuth`) and starts the engine thread.
    /// With a `knowledgeStore`, the server also answers the knowledge-base routes and the page; its embedding work
    /// goes through the same batcher as `/v1/embeddings`, so neither starves the other.
    public init(
        embedder: Embedder, configuration: ServerConfiguration, knowledgeStore: (any KnowledgeStore)? = nil,
        knowledgeConfiguration: KnowledgeBaseConfiguration? = nil
    ) throws(ServerSetupError) {
        try configuration.validate()
        self.configuration = configuration
        self.embedder = embedder
        let metrics = self.metrics
        let batcher = EmbeddingBatcher(
            configuration: configuration.batching, engine: EmbeddingService.engine(for: embedder),
            onBatch: { metrics.recordBatch($0) })
        self.batcher = batcher
        self.knowledge = knowledgeStore.map { store in
            let settings = knowledgeConfiguration ?? KnowledgeBaseConfiguration(
                model: configuration.reportedModelName,
                queryInstruction: KnowledgeBaseConfiguration.defaultQueryInstruction(for: embedder.encoder))
            let kb = KnowledgeBase(store: store, engine: BatchedEngine(embedder: embedder, batcher: batcher), configuration: settings)
            return KnowledgeService(knowledgeBase: kb, queue: IngestQueue(knowledgeBase: kb))
        }
    }

    deinit { batcher.stop() }

    /// Listens until SIGTERM or SIGINT (with `handleSignals`), `shutdown()`, or until the calling task is
    /// cancelled; on the first two, in-flight requests finish first. `onReady` gets the base URL (with the bound port when
    /// `port` is 0) once `GET /health` answers.
    public func run(handleSignals: Bool = true, onReady: @escaping @Sendable (_ baseURL: String) async -> Void = { _ in }) async throws {
        let router = Router(context: Context.self)
        // Outermost first: metrics see the final status; CORS headers reach error responses too.
        router.add(middleware: MetricsMiddleware(metrics: metrics, routes: Routes.paths))
        if !configuration.corsOrigins.isEmpty { router.add(middleware: CORSOriginsMiddleware(origins: Set(configuration.corsOrigins))) }
        router.add(middleware: ErrorMiddleware(maxBodyBytes: configuration.maxBodyBytes))
        router.add(middleware: DrainMiddleware(draining: draining))
        router.add(middleware: AuthMiddleware(keys: configuration.apiKeys))
        let routes = Routes(
            service: EmbeddingService(embedder: embedder, batcher: batcher, metrics: metrics),
            configuration: configuration, reader: BodyReader(maxBytes: configuration.maxBodyBytes),
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
        defer { batcher.stop() }
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
