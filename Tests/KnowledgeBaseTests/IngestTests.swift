import FolioEmbedder
import Foundation
import Ingestion
import KnowledgeBase
import KnowledgeStore
import SQLiteStore
import Testing

@Suite("Ingestion into a collection")
struct IngestTests {
    @Test("Every stored chunk vector is the model's vector of that chunk's text, and the document vector is the whole text's")
    func vectorsMatchTheEngine() async throws {
        let (kb, folder) = try makeKnowledgeBase()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await kb.createCollection(name: "notes", maxChunkTokens: 48, overlapTokens: 8)
        let outcome = try await kb.ingest(IngestRequest(collection: "notes", fileName: "attention.md", data: Data(sampleText.utf8)))
        guard case .added(let doc) = outcome else { Issue.record("expected a new document, got \(outcome)"); return }
        let chunks = try await kb.store.chunks(of: doc.id)
        #expect(chunks.count >= 3)
        #expect(doc.chunkCount == chunks.count)

        // The chunks' own vectors, one at a time (batch == single), against a vector search with each chunk as the query.
        let direct = try tinyEmbedder.embed(chunks.map(\.text))
        for (i, chunk) in chunks.enumerated() {
            let hits = try await kb.store.vectorSearch(
                collection: "notes", query: direct[i].vector, k: 1, target: .chunks, filter: .none)
            #expect(hits.first?.chunk?.ordinal == chunk.ordinal, "chunk \(i) is not its own nearest neighbour")
            #expect(abs((hits.first?.score ?? 0) - 1) < 1e-5, "chunk \(i) stored vector differs from the engine's")
        }
        let whole = try tinyEmbedder.embed([try await kb.store.documentText(id: doc.id).text])[0].vector
        let stored = try await kb.store.documentVectors(in: "notes")
        #expect(stored.count == 1)
        #expect(maxAbsDifference(stored[0].vector, whole) < 1e-5)
    }

    @Test("Re-adding unchanged content is a no-op; the same content under another name is named as a duplicate")
    func unchangedAndDuplicate() async throws {
        let (kb, folder) = try makeKnowledgeBase()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await kb.createCollection(name: "notes")
        let first = try await kb.ingest(IngestRequest(collection: "notes", fileName: "a.md", data: Data(sampleText.utf8)))
        let again = try await kb.ingest(IngestRequest(collection: "notes", fileName: "a.md", data: Data(sampleText.utf8)))
        let copy = try await kb.ingest(IngestRequest(collection: "notes", fileName: "copy.md", data: Data(sampleText.utf8)))
        #expect(again == .unchanged(first.document))
        #expect(copy == .duplicate(of: first.document))
        #expect(copy.message.contains("document \(first.document.id)"))
        #expect(try await kb.store.documents(in: "notes", offset: 0, limit: 10).count == 1)
    }

    @Test("Changed content under the same name replaces the old version, and unchanged chunks keep their vectors")
    func replace() async throws {
        let (kb, folder) = try makeKnowledgeBase()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await kb.createCollection(name: "notes", maxChunkTokens: 48, overlapTokens: 0)
        let old = try await kb.ingest(IngestRequest(collection: "notes", fileName: "a.md", data: Data(sampleText.utf8))).document
        let edited = sampleText.replacingOccurrences(of: "Tomatoes need full sun", with: "Peppers need full sun")
        let outcome = try await kb.ingest(IngestRequest(collection: "notes", fileName: "a.md", data: Data(edited.utf8)))
        guard case .replaced(let new, let previous) = outcome else { Issue.record("expected a replacement, got \(outcome)"); return }
        #expect(previous == old.id)
        #expect(try await kb.store.document(id: old.id) == nil)
        let docs = try await kb.store.documents(in: "notes", offset: 0, limit: 10)
        #expect(docs.map(\.id) == [new.id])
        #expect(try await kb.store.documentText(id: new.id).text.contains("Peppers"))
    }

    @Test("A file that cannot be read fails with its reason and leaves the stored documents untouched")
    func badFileTouchesNothing() async throws {
        let (kb, folder) = try makeKnowledgeBase()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await kb.createCollection(name: "notes")
        _ = try await kb.ingest(IngestRequest(collection: "notes", fileName: "a.md", data: Data(sampleText.utf8)))
        let zip = Data([0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 60))
        for (name, data) in [("archive.zip", zip), ("empty.txt", Data()), ("blank.md", Data("  \n\n ".utf8))] {
            await #expect(throws: IngestionError.self, "\(name) should be refused") {
                try await kb.ingest(IngestRequest(collection: "notes", fileName: name, data: data))
            }
        }
        let collections = try await kb.store.collections()
        #expect(collections.first?.documentCount == 1)
    }

    @Test("A collection refuses a model it was not made with")
    func modelBinding() async throws {
        let (kb, folder) = try makeKnowledgeBase()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await kb.store.createCollection(CollectionSpec(name: "other", model: "/models/bge-small", dimensions: 64))
        await #expect(throws: KnowledgeBaseError.modelMismatch(collection: "other", boundTo: "bge-small", serving: "qwen3-tiny-gqa2")) {
            try await kb.ingest(IngestRequest(collection: "other", fileName: "a.md", data: Data(sampleText.utf8)))
        }
        await #expect(throws: KnowledgeBaseError.self) { try await kb.createCollection(name: "big", dimensions: 100_000) }
    }

    @Test("Matryoshka collections store the first N values renormalised")
    func dimensions() async throws {
        let (kb, folder) = try makeKnowledgeBase()
        defer { try? FileManager.default.removeItem(at: folder) }
        let spec = try await kb.createCollection(name: "small", dimensions: 32)
        #expect(spec.dimensions == 32)
        _ = try await kb.ingest(IngestRequest(collection: "small", fileName: "a.txt", data: Data("A short note about sparse attention.".utf8)))
        let stored = try await kb.store.documentVectors(in: "small")
        let text = try await kb.store.documentText(id: stored[0].documentID).text
        let expected = try tinyEmbedder.embed([text], options: .init(dimensions: 32))[0].vector
        #expect(stored.first?.vector.count == 32)
        #expect(maxAbsDifference(stored[0].vector, expected) < 1e-5)
    }

    @Test("Chunk settings in the database that Folio cannot use fail the ingestion with a clear error and store nothing")
    func foreignChunkSettings() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let kb = KnowledgeBase(store: store, engine: tinyEmbedder, configuration: .init(model: tinyModelPath))
        _ = try await kb.createCollection(name: "notes")
        try await store.execute(sql: "UPDATE collections SET max_chunk_tokens = 4, overlap_tokens = 9 WHERE name = 'notes'")
        await #expect(throws: KnowledgeBaseError.badStoredChunking(collection: "notes", maxTokens: 4, overlapTokens: 9)) {
            try await kb.ingest(IngestRequest(collection: "notes", fileName: "a.md", data: Data(sampleText.utf8)))
        }
        #expect(try await store.documents(in: "notes", offset: 0, limit: 10).isEmpty)
    }
}
