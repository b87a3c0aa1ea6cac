import Foundation
import KnowledgeStore
import PostgresStore
import SQLiteStore
import Testing

// Ingestion's two phases as the store sees them: a document stored without its whole-document vector, then
// `setDocumentVector` in a transaction of its own.

@Suite("Store contract: document vectors after the chunks")
struct DocumentVectorContractTests {
    @Test("A document stored without its vector is found by chunks and keywords, and by document vector once it is set",
          arguments: StoreKind.available)
    func pendingThenSet(kind: StoreKind) async throws {
        try await withTestStore(kind) { made in
            let store = made.store
            var rng = SeededRandom(seed: 31)
            _ = try await store.createCollection(Make.spec("two"))
            let (done, doneChunks) = Make.document("two", source: "done.txt", chunkTexts: ["finished words"], rng: &rng)
            let first = try await store.addDocument(done, chunks: doneChunks, replacing: nil)
            var (doc, chunks) = Make.document("two", source: "late.txt", chunkTexts: ["searchable words", "second part"], rng: &rng)
            let vector = doc.vector!
            doc.vector = nil
            let added = try await store.addDocument(doc, chunks: chunks, replacing: nil)
            #expect(first.hasVector && !added.hasVector)
            #expect(try await store.document(id: added.id)?.hasVector == false)
            // A document search loads the (SQLite in-memory) index before the vector exists.
            let before = try await store.vectorSearch(collection: "two", query: vector, k: 5, target: .documents, filter: .none)
            #expect(before.map(\.documentID) == [first.id])

            // Searchable already: its chunks by meaning, it and its chunks by keywords.
            let chunkHits = try await store.vectorSearch(collection: "two", query: chunks[1].vector, k: 1, target: .chunks, filter: .none)
            #expect(chunkHits.first?.chunk?.ordinal == 1 && chunkHits.first?.documentID == added.id)
            let keywordHits = try await store.keywordSearch(collection: "two", query: "searchable", k: 5, target: .documents, filter: .none)
            #expect(keywordHits.map(\.documentID) == [added.id])
            #expect(try await store.documentVectors(in: "two").map(\.documentID) == [first.id])
            let pending = try await store.pendingDocumentVectors(in: "two", limit: 10)
            #expect(pending.total == 1 && pending.documents.map(\.id) == [added.id])
            #expect(try await store.pendingDocumentVectors(in: nil, limit: 0) == PendingDocumentVectors(total: 1, documents: []))
            #expect(try await store.exportDocument(id: added.id).document.vector == nil)

            // Phase two: stored once; a second worker's write leaves the first vector.
            #expect(try await store.setDocumentVector(id: added.id, vector: vector))
            #expect(try await store.setDocumentVector(id: added.id, vector: rng.unitVector(8)) == false)
            #expect(try await store.exportDocument(id: added.id).document.vector == vector)
            #expect(try await store.document(id: added.id)?.hasVector == true)
            #expect(try await store.pendingDocumentVectors(in: "two", limit: 10).total == 0)
            let after = try await store.vectorSearch(collection: "two", query: vector, k: 5, target: .documents, filter: .none)
            #expect(after.map(\.documentID) == [added.id, first.id], "the index took the new row exactly once")
            #expect(abs((after.first?.score ?? 0) - 1) < 1e-5)
            #expect(Set(try await store.documentVectors(in: "two").map(\.documentID)) == [first.id, added.id])
            // Another process on the same data sees it too.
            try await withPeer(made) { peer in
                let seen = try await peer.vectorSearch(collection: "two", query: vector, k: 1, target: .documents, filter: .none)
                #expect(seen.first?.documentID == added.id)
            }
        }
    }

    @Test("Storing a vector for a deleted document or of the wrong length throws", arguments: StoreKind.available)
    func setRefusals(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 32)
            _ = try await store.createCollection(Make.spec("refuse"))
            var (doc, chunks) = Make.document("refuse", chunkTexts: ["gone soon"], rng: &rng)
            doc.vector = nil
            let added = try await store.addDocument(doc, chunks: chunks, replacing: nil)
            await #expect(throws: StoreError.dimensionMismatch(expected: 8, got: 3)) {
                try await store.setDocumentVector(id: added.id, vector: [1, 0, 0])
            }
            try await store.deleteDocument(id: added.id)
            await #expect(throws: StoreError.documentNotFound(added.id)) {
                try await store.setDocumentVector(id: added.id, vector: rng.unitVector(8))
            }
            #expect(try await store.pendingDocumentVectors(in: "refuse", limit: 10).total == 0)
        }
    }

    @Test("A collection without document vectors keeps the setting and counts no document as pending",
          arguments: StoreKind.available)
    func optionOff(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 33)
            var spec = Make.spec("plain")
            spec.documentVectors = false
            _ = try await store.createCollection(spec)
            _ = try await store.createCollection(Make.spec("full"))
            #expect(try await store.collection(named: "plain")?.documentVectors == false)
            #expect(try await store.collection(named: "full")?.documentVectors == true)
            #expect(try await store.collections().map(\.spec.documentVectors) == [true, false])
            for name in ["plain", "full"] {
                var (doc, chunks) = Make.document(name, chunkTexts: ["no vector here"], rng: &rng)
                doc.vector = nil
                _ = try await store.addDocument(doc, chunks: chunks, replacing: nil)
            }
            #expect(try await store.pendingDocumentVectors(in: "plain", limit: 10).total == 0)
            #expect(try await store.pendingDocumentVectors(in: nil, limit: 10).documents.map(\.collection) == ["full"])
        }
    }

    /// Turns a fresh store's schema back into the one before two-phase ingestion (SQLite `v2`: `documents.vector`
    /// NOT NULL; PostgreSQL 3), as a store written by an older Folio has it.
    private func plantOldSchema(_ store: any KnowledgeStore, _ kind: StoreKind) async throws {
        switch kind {
        case .sqlite:
            // Outside a transaction, where turning foreign keys off takes effect (dropping the table must not cascade).
            try await (store as! SQLiteStore).executeWithoutTransaction(sql: """
                PRAGMA foreign_keys = OFF;
                CREATE TEMP TABLE old_sequence AS SELECT seq FROM sqlite_sequence WHERE name = 'documents';
                CREATE TABLE documents_v2 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    collection TEXT NOT NULL REFERENCES collections(name) ON DELETE CASCADE,
                    title TEXT NOT NULL, source TEXT NOT NULL, media_type TEXT NOT NULL, content_hash TEXT NOT NULL,
                    byte_size INTEGER NOT NULL, metadata TEXT NOT NULL, text TEXT NOT NULL, pages TEXT NOT NULL,
                    page_count INTEGER NOT NULL, chunk_count INTEGER NOT NULL, token_count INTEGER NOT NULL,
                    vector BLOB NOT NULL, added_at REAL NOT NULL);
                INSERT INTO documents_v2 SELECT * FROM documents;
                DROP TABLE documents;
                ALTER TABLE documents_v2 RENAME TO documents;
                UPDATE sqlite_sequence SET seq = (SELECT seq FROM temp.old_sequence) WHERE name = 'documents';
                DROP TABLE temp.old_sequence;
                CREATE UNIQUE INDEX documents_hash ON documents(collection, content_hash);
                CREATE UNIQUE INDEX documents_source ON documents(collection, source);
                CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
                    DELETE FROM document_fts WHERE rowid = old.id;
                END;
                ALTER TABLE collections DROP COLUMN document_vectors;
                DELETE FROM grdb_migrations WHERE identifier = 'v3';
                PRAGMA foreign_keys = ON;
                """)
        case .postgres:
            try await (store as! PostgresStore).executeForTesting([
                "DROP INDEX documents_pending_vector",
                "ALTER TABLE collections DROP COLUMN document_vectors",
                "DELETE FROM folio_schema_migrations WHERE version = 4",
            ])
        }
    }

    @Test("The migration to two-phase ingestion keeps every document, chunk, vector and id of an old store",
          arguments: StoreKind.available)
    func migrationKeepsData(kind: StoreKind) async throws {
        try await withTestStore(kind) { made in
            let store = made.store
            var rng = SeededRandom(seed: 34)
            _ = try await store.createCollection(Make.spec("old", encoding: .f16))
            var stored: [(DocumentSummary, [Float])] = []
            for name in ["a.txt", "b.txt", "c.txt"] {
                let (doc, chunks) = Make.document("old", source: name, chunkTexts: ["words of \(name)", "more \(name)"], rng: &rng)
                stored.append((try await store.addDocument(doc, chunks: chunks, replacing: nil), doc.vector!))
            }
            try await store.deleteDocument(id: stored[2].0.id)  // the highest id: never handed out again
            let job = try await store.enqueueJob(collection: "old", fileName: "q.txt", payload: Data("q".utf8), metadata: [:])
            try await plantOldSchema(store, kind)

            try await withPeer(made) { migrated in
                #expect(try await migrated.collection(named: "old")?.documentVectors == true)
                let kept = try await migrated.documents(in: "old", offset: 0, limit: 10)
                #expect(kept == stored.prefix(2).map(\.0))
                for (summary, vector) in stored.prefix(2) {
                    let exported = try await migrated.exportDocument(id: summary.id)
                    #expect(maxDifference(exported.document.vector ?? [], vector) < 1e-3)
                    #expect(exported.chunks.count == 2)
                }
                let hits = try await migrated.keywordSearch(collection: "old", query: "words", k: 5, target: .documents, filter: .none)
                #expect(Set(hits.map(\.documentID)) == Set(stored.prefix(2).map(\.0.id)))
                #expect(try await migrated.pendingJobs().map(\.id) == [job.id])
                // The new schema takes a pending document, with a fresh id.
                var (doc, chunks) = Make.document("old", source: "d.txt", chunkTexts: ["after the migration"], rng: &rng)
                doc.vector = nil
                let added = try await migrated.addDocument(doc, chunks: chunks, replacing: nil)
                #expect(added.id > stored[2].0.id)
                #expect(try await migrated.pendingDocumentVectors(in: "old", limit: 10).documents.map(\.id) == [added.id])
                // Deleting still cascades to chunks and keyword rows.
                try await migrated.deleteDocument(id: stored[0].0.id)
                let left = try await migrated.keywordSearch(collection: "old", query: "words", k: 5, target: .chunks, filter: .none)
                #expect(Set(left.map(\.documentID)) == [stored[1].0.id])
            }
        }
    }
}

private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
