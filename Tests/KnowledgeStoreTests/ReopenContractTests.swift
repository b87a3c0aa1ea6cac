import Foundation
import KnowledgeStore
import Testing

@Suite("Store contract: persistence")
struct ReopenContractTests {
    @Test("A store opened again on the same data sees everything", arguments: StoreKind.available)
    func reopen(kind: StoreKind) async throws {
        try await withTestStore(kind) { made in
        guard let reopen = made.reopen else { return }  // this kind cannot open its data twice
        var rng = SeededRandom(seed: 13)
        let store = made.store
        _ = try await store.createCollection(Make.spec("keep", encoding: .f16))
        let (doc, chunks) = Make.document("keep", chunkTexts: ["persistent words", "more words"], rng: &rng)
        let added = try await store.addDocument(doc, chunks: chunks, replacing: nil)
        let job = try await store.enqueueJob(collection: "keep", fileName: "x", payload: Data([1, 2, 3]), metadata: [:])
        let before = try await store.vectorSearch(collection: "keep", query: chunks[1].vector, k: 2, target: .chunks, filter: .none)

        let again = try await reopen()
        #expect(try await again.collection(named: "keep")?.vectorEncoding == .f16)
        #expect(try await again.document(id: added.id) == added)
        #expect(try await again.chunks(of: added.id).map(\.text) == ["persistent words", "more words"])
        #expect(try await again.vectorSearch(collection: "keep", query: chunks[1].vector, k: 2, target: .chunks, filter: .none) == before)
        #expect(try await again.keywordSearch(collection: "keep", query: "persistent", k: 2, target: .chunks, filter: .none)
            .map(\.chunk?.ordinal) == [0])
        #expect(try await again.pendingJobs().map(\.id) == [job.id])
        #expect(try await again.jobPayload(id: job.id)?.data == Data([1, 2, 3]))

        // A write through one store is seen by the other's search.
        let (doc2, chunks2) = Make.document("keep", source: "second", chunkTexts: ["second"], rng: &rng)
        let second = try await again.addDocument(doc2, chunks: chunks2, replacing: nil)
        let seen = try await store.vectorSearch(collection: "keep", query: chunks2[0].vector, k: 1, target: .chunks, filter: .none)
        #expect(seen.first?.documentID == second.id)
        try await again.deleteDocument(id: second.id)
        let gone = try await store.vectorSearch(collection: "keep", query: chunks2[0].vector, k: 5, target: .chunks, filter: .none)
        #expect(!gone.contains { $0.documentID == second.id })
        }
    }
}
