import FolioEmbedder
import Foundation
import KnowledgeBase
import KnowledgeStore
import Testing

/// A knowledge base embeds chunks and document vectors with the model's document prompt and queries with its query
/// prompt: the tiny e5-style XLM-RoBERTa fixture (`query: ` / `passage: ` in its sentence-transformers config),
/// against sentence-transformers' `encode(prompt_name=...)` vectors in its reference.json.
@Suite("Knowledge-base prompts per model")
struct DocumentPromptTests {
    struct Reference: Decodable {
        struct Input: Decodable {
            let text: String
            let vector: [Float]
        }
        let queries: [Input]
        let documents: [Input]
    }

    static let folder = fixtures.appendingPathComponent("xlmr/mean")

    @Test("Chunks and document vectors are embedded after passage:, queries after query:, chunks leave room for the prompt, and a query past the context is reported cut")
    func e5Prompts() async throws {
        let reference = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: Self.folder.appendingPathComponent("reference.json")))
        let embedder = try Embedder.load(path: Self.folder.path)
        let configuration = KnowledgeBaseConfiguration.forModel(Self.folder.path, prompts: embedder.prompts)
        #expect(configuration.documentPrefix == "passage: " && configuration.queryPrefix == "query: ")
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let kb = KnowledgeBase(store: store, engine: embedder, configuration: configuration)
        let spec = try await kb.createCollection(name: "e5")
        let promptTokens = embedder.encoder.ids(for: "passage: ", raw: true).count
        #expect(promptTokens > 0)
        #expect(spec.maxChunkTokens + promptTokens + embedder.encoder.specialSuffix.count + 1 <= embedder.contextLength)

        var compared = 0
        for (i, document) in reference.documents.enumerated() {
            let outcome = try await kb.ingest(IngestRequest(
                collection: "e5", fileName: "doc\(i).txt", data: Data(document.text.utf8)))
            let stored = try await store.exportDocument(id: outcome.document.id)
            // Only documents stored as one chunk of exactly the reference text are compared (the text is the chunk).
            guard stored.chunks.count == 1, stored.chunks[0].text == document.text else { continue }
            compared += 1
            #expect(cosine(stored.chunks[0].vector, document.vector) >= 0.9999, "chunk of \(document.text.prefix(30))")
            let vectors = try await store.documentVectors(in: "e5")
            let whole = try #require(vectors.first { $0.documentID == outcome.document.id })
            #expect(cosine(whole.vector, document.vector) >= 0.9999, "document vector of \(document.text.prefix(30))")
        }
        #expect(compared >= 4)

        let queries = try await kb.embedQueries(reference.queries.map(\.text), dimensions: spec.dimensions)
        for (v, r) in zip(queries, reference.queries) { #expect(cosine(v, r.vector) >= 0.9999, "query \(r.text.prefix(30))") }
        // Without the prompt the chunk vector would differ: the check above can fail.
        let plain = try embedder.embed([reference.documents[0].text])[0].vector
        #expect(cosine(plain, reference.documents[0].vector) < 0.9999)

        // The fixture's context is 256 tokens: a 400-word query is embedded from its first tokens and reported cut.
        let short = try await kb.searchReport(SearchRequest(collection: "e5", query: "library", k: 3, mode: .vector))
        #expect(!short.queryTruncated && !short.results.isEmpty)
        let long = String(repeating: "library opening hours ", count: 400)
        #expect(kb.queryTokens(long).count > embedder.contextLength)
        let cut = try await kb.searchReport(SearchRequest(collection: "e5", query: long, k: 3, mode: .vector))
        #expect(cut.queryTruncated && !cut.results.isEmpty)
        let keywordsOnly = try await kb.searchReport(SearchRequest(collection: "e5", query: long, k: 3, mode: .keyword))
        #expect(!keywordsOnly.queryTruncated)  // keywords read all 8,800 characters
    }
}
