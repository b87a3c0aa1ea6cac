import ArgumentParser
import Foundation
import KnowledgeStore
import PostgresStore
import SQLiteStore

/// Where the knowledge base lives: `--store postgres://…` (or FOLIO_STORE) for a shared PostgreSQL, else a
/// SQLite file in `--data DIR` (or FOLIO_DATA, or the platform's user data folder).
struct StoreOptions: ParsableArguments {
    @Option(help: "Folder for Folio's data (FOLIO_DATA; default: the user data folder, e.g. ~/.local/share/folio).")
    var data: String?
    @Option(help: "A PostgreSQL URL (postgres://user:pass@host:port/db) to use instead of SQLite (FOLIO_STORE).")
    var store: String?

    /// The data folder after flags, environment and platform default.
    var dataFolder: URL {
        let env = ProcessInfo.processInfo.environment
        if let path = data ?? env["FOLIO_DATA"], !path.isEmpty { return URL(fileURLWithPath: path) }
        #if os(macOS)
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent("Library/Application Support/Folio")
        #else
        if let xdg = env["XDG_DATA_HOME"], !xdg.isEmpty { return URL(fileURLWithPath: xdg).appendingPathComponent("folio") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/folio")
        #endif
    }

    var storeURL: String? {
        let value = store ?? ProcessInfo.processInfo.environment["FOLIO_STORE"]
        return value?.isEmpty == false ? value : nil
    }

    /// Opens (and migrates) the store.
    func open() async throws -> any KnowledgeStore {
        if let url = storeURL {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw ValidationError("--store must be a postgres:// URL; leave it out to use SQLite in --data")
            }
            let store = try PostgresStore(url: url)
            try await store.migrate()
            return store
        }
        let folder = dataFolder
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("cannot create the data folder \(folder.path): \(error.localizedDescription); pass --data DIR")
        }
        return try SQLiteStore(path: folder.appendingPathComponent("knowledge.sqlite").path)
    }
}
