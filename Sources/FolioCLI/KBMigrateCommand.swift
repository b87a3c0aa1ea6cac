import ArgumentParser
import Foundation
import KnowledgeBase
import KnowledgeStore
import PostgresStore
import SQLiteStore

/// `folio kb migrate --from DIR --to postgres://…`: copies a SQLite knowledge base into PostgreSQL (or between any
/// two stores) without embedding again.
struct KBMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a knowledge base to another store (e.g. SQLite to PostgreSQL) without embedding again.")

    @Option(help: "The source: a data folder (holding knowledge.sqlite) or a postgres:// URL.") var from: String
    @Option(help: "The destination: a postgres:// URL or a data folder.") var to: String
    @Option(name: .customLong("collection"), help: "Only this collection; repeat for several (default: all).")
    var collections: [String] = []

    func run() async throws {
        try await reportingErrors {
            let source = try await Self.open(from, creating: false)
            let destination = try await Self.open(to, creating: true)
            let line = ProgressLine()
            let report = try await StoreMigration.copy(
                from: source, to: destination, collections: collections.isEmpty ? nil : collections
            ) { name, done, total in line.update("\(name): \(done)/\(total) documents") }
            line.finish()
            print("copied \(report.copied) documents in \(report.collections) collections (\(report.skipped) already there)")
        }
    }

    /// A postgres:// URL or a data folder's SQLite file.
    static func open(_ location: String, creating: Bool) async throws -> any KnowledgeStore {
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            let store = try PostgresStore(url: location)
            try await store.migrate()
            return store
        }
        let file = URL(fileURLWithPath: location).appendingPathComponent("knowledge.sqlite")
        guard creating || FileManager.default.fileExists(atPath: file.path) else {
            throw ValidationError("\(location) holds no knowledge base (knowledge.sqlite); give the --data folder used with `folio kb`")
        }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        return try SQLiteStore(path: file.path)
    }
}
