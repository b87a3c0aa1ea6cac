import Foundation
import GRDB
import KnowledgeStore
import Synchronization

/// The embedded knowledge store: one SQLite file (WAL mode) through GRDB, with an in-memory exact vector index
/// per collection and target, scanned by the SIMD kernels of `ck_vecsearch.c`.
///
/// Several processes may open the same file: writes are serialised by SQLite, and each process notices the
/// others' writes through the collection's generation stamp (see `Schema`) and reloads its vector index.
public final class SQLiteStore: KnowledgeStore, Sendable {
    /// The database file.
    public let path: String
    let pool: DatabasePool
    /// In-memory vector indexes, loaded on first search and kept up to date by this store's writes.
    let indexes = Mutex<[IndexKey: VectorIndex]>([:])

    struct IndexKey: Hashable {
        var collection: String
        var target: SearchTarget
    }

    /// Opens (or creates, with its folders) the store at `path` and brings its schema up to date.
    ///
    /// Throws `StoreError.unusable` when the file is not a SQLite database, belongs to another program, or was
    /// written by a newer Folio.
    public init(path: String) throws(StoreError) {
        self.path = path
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw .unusable("cannot create the folder for \(path) (\(error.localizedDescription)); check the path and permissions")
        }
        var config = Configuration()
        config.foreignKeysEnabled = true
        // Another process may hold the write lock for a moment (a concurrent ingest).
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // With WAL, NORMAL loses no committed-and-checkpointed data and never corrupts the file on a crash.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw Self.openFailure(path: path, error)
        }
        do {
            try pool.write { db in
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                if !tables.isEmpty, !tables.contains("grdb_migrations") {
                    throw StoreError.unusable(
                        "\(path) is a SQLite database of another program (it has tables but no Folio schema); "
                            + "choose another file for the knowledge base")
                }
            }
            if try pool.read({ try Schema.migrator.hasBeenSuperseded($0) }) {
                throw StoreError.unusable(
                    "\(path) was written by a newer version of Folio (its schema has migrations this one does not know); "
                        + "upgrade Folio to open it")
            }
            try Schema.migrator.migrate(pool)
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.openFailure(path: path, error)
        }
    }

    static func openFailure(path: String, _ error: any Error) -> StoreError {
        if let db = error as? DatabaseError, db.resultCode == .SQLITE_NOTADB {
            return .unusable("\(path) is not a SQLite database; move it away or choose another file for the knowledge base")
        }
        return .unusable("cannot open \(path): \(error)")
    }

    // MARK: Database access with errors translated to StoreError

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.read(body) } catch { throw Self.translate(error) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.write(body) } catch { throw Self.translate(error) }
    }

    static func translate(_ error: any Error) -> StoreError {
        switch error {
        case let e as StoreError: return e
        case let e as DatabaseError where e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED:
            return .unavailable("the database file is locked by another process for too long (\(e.message ?? ""))")
        case let e as DatabaseError where e.resultCode == .SQLITE_FULL:
            return .unusable("the disk is full; free space and retry")
        default: return .unusable("SQLite failed: \(error)")
        }
    }

    /// The collection's settings and vector generation, or `collectionNotFound`.
    static func requireCollection(_ db: Database, _ name: String) throws -> (spec: CollectionSpec, generation: Int64) {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM collections WHERE name = ?", arguments: [name]) else {
            throw StoreError.collectionNotFound(name)
        }
        return (try Rows.collection(row), row["generation"])
    }
}

// MARK: For tests in this package: raw SQL on the writer connection.

extension SQLiteStore {
    /// Runs statements on the writer connection (tests inject faults and inspect pragmas with it).
    package func execute(sql: String) async throws {
        try await write { db in try db.execute(sql: sql) }
    }

    /// Runs statements outside any transaction (where `PRAGMA foreign_keys` takes effect), to plant old schemas.
    package func executeWithoutTransaction(sql: String) async throws {
        do { try await pool.writeWithoutTransaction { db in try db.execute(sql: sql) } } catch { throw Self.translate(error) }
    }

    /// The first column of every row of a query, as text.
    package func strings(sql: String) async throws -> [String] {
        try await write { db in try String.fetchAll(db, sql: sql) }
    }
}
