import Foundation
import KnowledgeStore
import SQLiteStore
import Testing

/// Behaviour only the SQLite store has: the file, its journal, its schema versions, rollback inside SQLite.
@Suite("SQLite store")
struct SQLiteStoreTests {
    static func tempPath() -> (folder: URL, path: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("folio-sqlite-\(UUID().uuidString)")
        return (folder, folder.appendingPathComponent("kb.sqlite").path)
    }

    @Test("The file is in WAL mode with foreign keys on, and passes an integrity check after writes")
    func walAndIntegrity() async throws {
        let (folder, path) = Self.tempPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: path)
        #expect(try await store.strings(sql: "PRAGMA journal_mode") == ["wal"])
        #expect(try await store.strings(sql: "PRAGMA foreign_keys") == ["1"])
        var rng = SeededRandom(seed: 20)
        _ = try await store.createCollection(Make.spec("c"))
        for i in 0..<10 {
            let (doc, chunks) = Make.document("c", source: "\(i)", chunkTexts: ["a \(i)", "b \(i)"], rng: &rng)
            let added = try await store.addDocument(doc, chunks: chunks, replacing: nil)
            if i % 3 == 0 { try await store.deleteDocument(id: added.id) }
        }
        #expect(try await store.strings(sql: "PRAGMA integrity_check") == ["ok"])
        #expect(try await store.strings(sql: "PRAGMA foreign_key_check").isEmpty)
        // The keyword index holds exactly the live chunks (the delete triggers kept it in step).
        #expect(try await store.strings(sql: "SELECT count(*) FROM chunk_fts") == ["12"])
        #expect(try await store.strings(sql: "SELECT count(*) FROM chunks") == ["12"])
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test("A write that fails inside SQLite half-way leaves nothing behind")
    func rollback() async throws {
        let (folder, path) = Self.tempPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: path)
        var rng = SeededRandom(seed: 21)
        _ = try await store.createCollection(Make.spec("c"))
        let (oldDoc, oldChunks) = Make.document("c", source: "a", chunkTexts: ["old one"], rng: &rng)
        let old = try await store.addDocument(oldDoc, chunks: oldChunks, replacing: nil)
        _ = try await store.vectorSearch(collection: "c", query: oldDoc.vector!, k: 5, target: .chunks, filter: .none)
        // SQLite itself aborts the statement inserting the fourth chunk, after the document row, its metadata,
        // three chunks and their keyword rows are in (and the old version was deleted).
        try await store.execute(sql: """
            CREATE TRIGGER fail_fourth BEFORE INSERT ON chunks WHEN NEW.ordinal = 3
            BEGIN SELECT RAISE(ABORT, 'injected failure'); END
            """)
        let (doc, chunks) = Make.document("c", source: "a", chunkTexts: (0..<6).map { "new \($0)" },
                                          metadata: ["k": "v"], rng: &rng)
        await #expect(throws: StoreError.self) { try await store.addDocument(doc, chunks: chunks, replacing: old.id) }
        try await store.execute(sql: "DROP TRIGGER fail_fourth")

        #expect(try await store.documents(in: "c", offset: 0, limit: 10) == [old])
        #expect(try await store.strings(sql: "SELECT count(*) FROM chunks") == ["1"])
        #expect(try await store.strings(sql: "SELECT count(*) FROM chunk_fts") == ["1"])
        #expect(try await store.strings(sql: "SELECT count(*) FROM document_fts") == ["1"])
        #expect(try await store.strings(sql: "SELECT count(*) FROM document_metadata") == ["0"])
        let hits = try await store.vectorSearch(collection: "c", query: chunks[0].vector, k: 5, target: .chunks, filter: .none)
        #expect(hits.map(\.documentID) == [old.id])
        #expect(try await store.keywordSearch(collection: "c", query: "new", k: 5, target: .chunks, filter: .none).isEmpty)
    }

    @Test("A file that is not a Folio SQLite store is refused with a clear error")
    func unusableFiles() async throws {
        let (folder, path) = Self.tempPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

        try Data(String(repeating: "this is a text file, not a database\n", count: 200).utf8).write(to: URL(fileURLWithPath: path))
        #expect { try SQLiteStore(path: path) } throws: { error in
            guard case StoreError.unusable(let why) = error else { return false }
            return why.contains("not a SQLite database")
        }

        // Written by a newer Folio: a migration this version does not know.
        let newer = folder.appendingPathComponent("newer.sqlite").path
        let store = try SQLiteStore(path: newer)
        try await store.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')")
        #expect { try SQLiteStore(path: newer) } throws: { error in
            guard case StoreError.unusable(let why) = error else { return false }
            return why.contains("newer version of Folio")
        }

        // Another program's database.
        let foreign = folder.appendingPathComponent("foreign.sqlite").path
        let other = try SQLiteStore(path: foreign)
        try await other.execute(sql: "DROP TABLE grdb_migrations")
        #expect { try SQLiteStore(path: foreign) } throws: { error in
            guard case StoreError.unusable(let why) = error else { return false }
            return why.contains("another program")
        }
    }

    @Test("A collection row with an unknown vector encoding is refused on export, not read as f32")
    func unknownEncodingOnExport() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("folio-enc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("kb.sqlite").path)
        var rng = SeededRandom(seed: 31)
        _ = try await store.createCollection(Make.spec("enc", encoding: .f16))
        let (doc, chunks) = Make.document("enc", chunkTexts: ["half precision"], rng: &rng)
        let stored = try await store.addDocument(doc, chunks: chunks, replacing: nil)
        try await store.execute(sql: "UPDATE collections SET vector_encoding = 'f64' WHERE name = 'enc'")
        await #expect { try await store.exportDocument(id: stored.id) } throws: { error in
            guard case StoreError.unusable(let why) = error else { return false }
            return why.contains("'f64'") && why.contains("enc")
        }
    }
}
