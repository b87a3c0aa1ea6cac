import Foundation
import KnowledgeStore
import PostgresNIO
import Synchronization

/// A knowledge store in PostgreSQL with pgvector, for several Folio servers sharing one database.
///
/// Vectors live in pgvector columns with one HNSW index per collection (see `Migrations.swift` for the schema
/// and why), keyword search ranks with BM25 over `tsvector` columns, and every write is one transaction.
/// A server that goes away turns into `StoreError.unavailable`; the connection pool reconnects by itself, so
/// the next call after the server is back succeeds.
///
/// The schema is created or upgraded on first use (or by `migrate()`). Call `close()` before dropping the store.
public final class PostgresStore: KnowledgeStore {
    public let configuration: PostgresConfiguration
    let client: PostgresClient
    let logger: Logger
    private let runTask: Task<Void, Never>
    /// The migration run that every operation waits for; reset after a failure so the next call retries.
    private let migration = Mutex<Task<Void, any Error>?>(nil)

    /// Connects lazily to the server the URL names (see `PostgresConfiguration.init(url:)` for the options).
    public convenience init(url: String) throws(StoreError) {
        try self.init(configuration: PostgresConfiguration(url: url))
    }

    /// Starts the connection pool; nothing is sent to the server until the first operation.
    public init(configuration: PostgresConfiguration) {
        self.configuration = configuration
        let tls: PostgresClient.Configuration.TLS = switch configuration.tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
        var config = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: tls)
        config.options.maximumConnections = configuration.maximumConnections
        config.options.connectTimeout = configuration.connectTimeout
        var startup = [("application_name", configuration.applicationName)]
        if let path = configuration.effectiveSearchPath { startup.append(("search_path", path)) }
        config.options.additionalStartupParameters = startup
        logger = Logger(label: "folio.postgres")
        client = PostgresClient(configuration: config)
        let client = self.client
        runTask = Task { await client.run() }
    }

    deinit { runTask.cancel() }

    /// Closes every connection. The store cannot be used afterwards.
    public func close() async {
        runTask.cancel()
        await runTask.value
    }

    /// Creates Folio's tables, or brings an older schema up to date, once per store; safe to call again and
    /// from several servers at once (an advisory lock serialises them). Every operation calls it first.
    public func migrate() async throws {
        let task = migration.withLock { current -> Task<Void, any Error> in
            if let current { return current }
            let task = Task { try await self.runMigrations() }
            current = task
            return task
        }
        do {
            try await task.value
        } catch {
            migration.withLock { if $0 == task { $0 = nil } }
            throw error
        }
    }

    // MARK: Connections

    /// Runs `body` on a pooled connection after the schema is ready. Waits at most `acquireTimeout` for the
    /// connection; database failures come out as `StoreError`.
    func withConnection<R: Sendable>(
        migrating: Bool = true, _ body: @escaping @Sendable (PostgresConnection) async throws -> R
    ) async throws -> R {
        if migrating { try await migrate() }
        let leased = LeaseFlag()
        let client = self.client, timeout = configuration.acquireTimeout
        do {
            return try await withThrowingTaskGroup(of: R?.self) { group in
                group.addTask {
                    try await client.withConnection { connection in
                        leased.value.store(true, ordering: .relaxed)
                        return try await body(connection)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    if !leased.value.load(ordering: .relaxed) { throw LeaseTimeout() }
                    return nil
                }
                while let result = try await group.next() {
                    if let value = result {
                        group.cancelAll()
                        return value
                    }
                }
                throw CancellationError()
            }
        } catch {
            throw Self.storeError(error, acquireTimeout: timeout)
        }
    }

    /// Runs `body` inside BEGIN … COMMIT on one connection, rolling back when it throws (the error is rethrown
    /// as it was, not wrapped).
    func inTransaction<R: Sendable>(
        migrating: Bool = true, _ body: @escaping @Sendable (PostgresConnection) async throws -> R
    ) async throws -> R {
        let logger = self.logger
        return try await withConnection(migrating: migrating) { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Runs one statement and collects its rows.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let logger = self.logger
        return try await withConnection { try await $0.query(query, logger: logger).collect() }
    }

    private struct LeaseTimeout: Error {}
    private final class LeaseFlag: Sendable { let value = Atomic<Bool>(false) }

    /// Database failures as `StoreError`: lost or refused connections become `.unavailable`; everything
    /// else is passed through (a bug or a broken schema shows as itself).
    static func storeError(_ error: any Error, acquireTimeout: Duration) -> any Error {
        if error is StoreError { return error }
        if error is LeaseTimeout {
            return StoreError.unavailable("no database connection within \(acquireTimeout)")
        }
        // The pool's own errors (e.g. its circuit breaker after a minute of failed connects) come from a module
        // PostgresNIO does not export, so they are recognised by type name.
        if String(reflecting: type(of: error)).contains("ConnectionPoolError") {
            return StoreError.unavailable("the connection pool gave up: \(error)")
        }
        if let psql = error as? PSQLError {
            switch psql.code {
            case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed:
                let cause = psql.underlying.map { "\($0)" } ?? "\(psql.code)"
                return StoreError.unavailable("connection lost or refused (\(cause))")
            case .server:
                let state = psql.serverInfo?[.sqlState] ?? ""
                // Class 08: connection exceptions; 57P01–57P03: the server is shutting down or starting up.
                if state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state) {
                    return StoreError.unavailable(psql.serverInfo?[.message] ?? "the server is shutting down")
                }
            default:
                break
            }
        }
        if error is CancellationError { return error }
        if let io = error as? IOError { return StoreError.unavailable("connection failed: \(io)") }
        return error
    }
}
