import Foundation
import KnowledgeStore
import PostgresStore
import SQLiteStore
import Testing

@Suite("Store contract: one document per source and per content in a collection")
struct UniqueDocumentContractTests {
    /// Adds `document` from four stores on the same data at once; the outcomes, in no order.
    private func race(_ made: TestStore, _ document: (NewDocument, [NewChunk])) async throws -> [Result<DocumentID, StoreError>] {
        var peers: [(store: any KnowledgeStore, close: @Sendable () async -> Void)] = []
        for _ in 0..<4 { peers.append(try await made.peer()) }
        let outcomes = await withTaskGroup(of: Result<DocumentID, StoreError>.self) { group in
            for peer in peers {
                group.addTask {
                    do {
                        return .success(try await peer.store.addDocument(document.0, chunks: document.1, replacing: nil).id)
                    } catch let error as StoreError {
                        return .failure(error)
                    } catch {
                        return .failure(.unusable("\(error)"))
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for peer in peers { await peer.close() }
        return outcomes
    }

    @Test("Four writers adding the same source at once store one document; the others are told it is already stored",
          arguments: StoreKind.available)
    func sameSource(kind: StoreKind) async throws {
        try await withTestStore(kind) { made in
            var rng = SeededRandom(seed: 5)
            _ = try await made.store.createCollection(Make.spec("race"))
            for round in 0..<2 {
                // Round 0: the same file. Round 1: another content under one source name.
                let doc = Make.document("race", source: round == 0 ? "same.txt" : "other.txt",
                                        chunkTexts: ["round \(round)", "text"], rng: &rng)
                let outcomes = try await race(made, doc)
                #expect(outcomes.filter { if case .success = $0 { true } else { false } }.count == 1, "\(outcomes)")
                for case .failure(let error) in outcomes {
                    #expect(error == .alreadyStored(collection: "race", source: doc.0.source))
                }
            }
            let stored = try await made.store.documents(in: "race", offset: 0, limit: 10)
            #expect(stored.map(\.source).sorted() == ["other.txt", "same.txt"])
        }
    }

    @Test("The same content under a new source is refused as already stored; a replaced source can be added again",
          arguments: StoreKind.available)
    func sameContent(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 6)
            _ = try await store.createCollection(Make.spec("race"))
            let (doc, chunks) = Make.document("race", source: "a.txt", chunkTexts: ["alpha"], rng: &rng)
            let first = try await store.addDocument(doc, chunks: chunks, replacing: nil)
            var copy = doc
            copy.source = "b.txt"
            await #expect(throws: StoreError.alreadyStored(collection: "race", source: "b.txt")) {
                try await store.addDocument(copy, chunks: chunks, replacing: nil)
            }
            // Replacing deletes the old row in the same transaction, so the unique indexes allow it.
            let again = try await store.addDocument(doc, chunks: chunks, replacing: first.id)
            #expect(try await store.documents(in: "race", offset: 0, limit: 10).map(\.id) == [again.id])
            _ = try await store.createCollection(Make.spec("other"))
            var elsewhere = doc
            elsewhere.collection = "other"
            _ = try await store.addDocument(elsewhere, chunks: chunks, replacing: nil)  // unique per collection only
        }
    }

    /// Turns a fresh store's schema back into the version before unique documents and job leases (SQLite `v1`,
    /// PostgreSQL 2), as a store written by an older Folio has it.
    private func plantOldSchema(_ store: any KnowledgeStore, _ kind: StoreKind) async throws {
        switch kind {
        case .sqlite:
            try await (store as! SQLiteStore).execute(sql: """
                DROP INDEX documents_hash; DROP INDEX documents_source;
                CREATE INDEX documents_hash ON documents(collection, content_hash);
                CREATE INDEX documents_source ON documents(collection, source);
                ALTER TABLE jobs DROP COLUMN holder; ALTER TABLE jobs DROP COLUMN lease_expires_at;
                ALTER TABLE jobs DROP COLUMN attempts; ALTER TABLE jobs DROP COLUMN warnings;
                DELETE FROM grdb_migrations WHERE identifier = 'v2';
                """)
        case .postgres:
            try await (store as! PostgresStore).executeForTesting([
                "DROP INDEX documents_unique_hash", "DROP INDEX documents_unique_source",
                "CREATE INDEX documents_by_hash ON documents (collection_id, content_hash)",
                "CREATE INDEX documents_by_source ON documents (collection_id, source, id)",
                "ALTER TABLE jobs DROP COLUMN holder, DROP COLUMN lease_expires_at, DROP COLUMN attempts, DROP COLUMN warnings",
                "DELETE FROM folio_schema_migrations WHERE version = 3",
            ])
        }
    }

    @Test("The migration to unique documents keeps the oldest of each duplicate and removes the rest with their chunks",
          arguments: StoreKind.available)
    func migrationKeepsOldest(kind: StoreKind) async throws {
        try await withTestStore(kind) { made in
            let store = made.store
            var rng = SeededRandom(seed: 7)
            _ = try await store.createCollection(Make.spec("dups"))
            _ = try await store.enqueueJob(collection: "dups", fileName: "q.txt", payload: Data("q".utf8), metadata: [:])
            try await plantOldSchema(store, kind)
            // Stored by two servers before uniqueness: a.txt twice (same content), b.txt with a.txt's content,
            // a.txt again with new content, and one document that is no duplicate.
            let (a, aChunks) = Make.document("dups", source: "a.txt", chunkTexts: ["alpha"], rng: &rng)
            var ids: [DocumentID] = []
            ids.append(try await store.addDocument(a, chunks: aChunks, replacing: nil).id)
            ids.append(try await store.addDocument(a, chunks: aChunks, replacing: nil).id)
            var b = a
            b.source = "b.txt"
            ids.append(try await store.addDocument(b, chunks: aChunks, replacing: nil).id)
            let (newer, newerChunks) = Make.document("dups", source: "a.txt", chunkTexts: ["alpha two"], rng: &rng)
            ids.append(try await store.addDocument(newer, chunks: newerChunks, replacing: nil).id)
            let (c, cChunks) = Make.document("dups", source: "c.txt", chunkTexts: ["gamma"], rng: &rng)
            ids.append(try await store.addDocument(c, chunks: cChunks, replacing: nil).id)

            try await withPeer(made) { migrated in
                let kept = try await migrated.documents(in: "dups", offset: 0, limit: 10)
                #expect(kept.map(\.id) == [ids[0], ids[4]], "the oldest a.txt and c.txt stay")
                for removed in ids[1...3] { #expect(try await migrated.document(id: removed) == nil) }
                let hits = try await migrated.keywordSearch(
                    collection: "dups", query: "alpha", k: 10, target: .chunks, filter: .init())
                #expect(Set(hits.map(\.documentID)) == [ids[0]])
                // The queued job survived and can be claimed under the new schema.
                #expect(try await migrated.claimJob(holder: "w", lease: 60)?.fileName == "q.txt")
                await #expect(throws: StoreError.alreadyStored(collection: "dups", source: "a.txt")) {
                    try await migrated.addDocument(newer, chunks: newerChunks, replacing: nil)
                }
            }
        }
    }
}
