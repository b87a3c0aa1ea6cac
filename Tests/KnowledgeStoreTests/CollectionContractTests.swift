import Foundation
import KnowledgeStore
import Testing

@Suite("Store contract: collections")
struct CollectionContractTests {
    @Test("A created collection is listed, read back and deleted", arguments: StoreKind.available)
    func createListDelete(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let spec = Make.spec("papers", d: 16, encoding: .f16)
            #expect(try await store.createCollection(spec) == spec)
            _ = try await store.createCollection(Make.spec("alpha"))

            let got = try #require(try await store.collection(named: "papers"))
            #expect(got.name == "papers" && got.model == "test-model" && got.dimensions == 16)
            #expect(got.vectorEncoding == .f16 && got.maxChunkTokens == 512 && got.overlapTokens == 64)
            #expect(abs(got.createdAt.timeIntervalSince1970 - 1_700_000_000) < 0.001)

            let list = try await store.collections()
            #expect(list.map(\.spec.name) == ["alpha", "papers"])
            #expect(list.allSatisfy { $0.documentCount == 0 && $0.chunkCount == 0 })

            try await store.deleteCollection(named: "papers")
            #expect(try await store.collection(named: "papers") == nil)
            #expect(try await store.collections().map(\.spec.name) == ["alpha"])
        }
    }

    @Test("A taken name, an invalid name and a missing collection are refused", arguments: StoreKind.available)
    func refusals(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            _ = try await store.createCollection(Make.spec("notes"))
            await #expect(throws: StoreError.collectionExists("notes")) { try await store.createCollection(Make.spec("notes")) }
            for bad in ["", ".hidden", "has space", "slash/name", String(repeating: "a", count: 65), "naïve"] {
                await #expect(throws: StoreError.invalidName(bad)) { try await store.createCollection(Make.spec(bad)) }
            }
            await #expect(throws: StoreError.collectionNotFound("nope")) { try await store.deleteCollection(named: "nope") }
            await #expect(throws: StoreError.collectionNotFound("nope")) {
                try await store.documents(in: "nope", offset: 0, limit: 10)
            }
            await #expect(throws: StoreError.collectionNotFound("nope")) {
                try await store.vectorSearch(collection: "nope", query: [Float](repeating: 0, count: 8), k: 3,
                                             target: .chunks, filter: .none)
            }
            #expect(try await store.collection(named: "nope") == nil)
        }
    }

    @Test("Deleting a collection removes its documents, chunks, vectors and jobs", arguments: StoreKind.available)
    func cascade(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 1)
            _ = try await store.createCollection(Make.spec("gone"))
            _ = try await store.createCollection(Make.spec("kept"))
            let (doc, chunks) = Make.document("gone", chunkTexts: ["alpha words", "beta words"], rng: &rng)
            let added = try await store.addDocument(doc, chunks: chunks, replacing: nil)
            let (keptDoc, keptChunks) = Make.document("kept", chunkTexts: ["alpha words"], rng: &rng)
            let kept = try await store.addDocument(keptDoc, chunks: keptChunks, replacing: nil)
            let job = try await store.enqueueJob(collection: "gone", fileName: "a.txt", payload: Data("x".utf8), metadata: [:])
            // Warm the search caches first, so the test also covers their invalidation.
            _ = try await store.vectorSearch(collection: "gone", query: chunks[0].vector, k: 5, target: .chunks, filter: .none)

            try await store.deleteCollection(named: "gone")
            #expect(try await store.document(id: added.id) == nil)
            #expect(try await store.job(id: job.id) == nil)
            #expect(try await store.pendingJobs().isEmpty)

            // A new collection of the same name starts empty, also for search.
            _ = try await store.createCollection(Make.spec("gone"))
            let hits = try await store.vectorSearch(collection: "gone", query: chunks[0].vector, k: 5, target: .chunks, filter: .none)
            #expect(hits.isEmpty)
            let words = try await store.keywordSearch(collection: "gone", query: "alpha", k: 5, target: .chunks, filter: .none)
            #expect(words.isEmpty)
            // The other collection is untouched.
            #expect(try await store.document(id: kept.id) == kept)
            let keptHits = try await store.keywordSearch(collection: "kept", query: "alpha", k: 5, target: .chunks, filter: .none)
            #expect(keptHits.map(\.documentID) == [kept.id])
        }
    }
}
