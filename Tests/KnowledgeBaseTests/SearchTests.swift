import FolioEmbedder
import Foundation
import KnowledgeBase
import KnowledgeStore
import Testing

@Suite("Searching a collection")
struct SearchTests {
    @Test("Meaning search ranks chunks by the cosine with the query embedded with the model's query instruction")
    func vectorRankingMatchesBruteForce() async throws {
        let (kb, folder) = try makeKnowledgeBase()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await kb.createCollection(name: "notes", maxChunkTokens: 32, overlapTokens: 4)
        let doc = try await kb.ingest(.init(collection: "notes", fileName: "a.md", data: Data(sampleText.utf8))).document
        let chunks = try await kb.store.chunks(of: doc.id)
        let query = "which methods reduce attention cost?"
        let q = try tinyEmbedder.embed([query], options: .init(instruction: EmbedOptions.defaultRetrievalTask))[0].vector
        let vectors = try tinyEmbedder.embed(chunks.map(\.text)).map(\.vector)
        let expected = chunks.indices.sorted { dot(q, vectors[$0]) > dot(q, vectors[$1]) }.prefix(5).map { chunks[$0].ordinal }
        let results = try await kb.search(SearchRequest(collection: "notes", query: query, k: 5, mode: .vector))
        #expect(results.map(\.ordinal) == expected.map { Optional($0) })
        #expect(results.map(\.rank) == Array(1...results.count))
        for r in results { #expect(abs(r.score - dot(q, vectors[r.ordinal!])) < 1e-4) }
    }

    @Test("A query past 16,384 characters is cut there, searched for by its start, and reported as cut")
    func longQueryIsCut() async throws {
        let (kb, folder) = try makeKnowledgeBase()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await kb.createCollection(name: "notes", maxChunkTokens: 64, overlapTokens: 0)
        _ = try await kb.ingest(.init(collection: "notes", fileName: "en.md", data: Data(sampleText.utf8)))
        let filler = String(repeating: "zq ", count: 6_000)   // 18,000 characters, no stored word
        let limit = KnowledgeBase.maxQueryScalars
        let inside = try await kb.searchReport(SearchRequest(collection: "notes", query: "Longformer " + filler, k: 3, mode: .keyword))
        #expect(inside.queryTruncated)
        #expect(inside.results.first?.text.contains("Longformer") == true)
        // The word past the cut is not searched for.
        let past = try await kb.searchReport(SearchRequest(collection: "notes", query: filler + "Longformer", k: 3, mode: .keyword))
        #expect(past.queryTruncated && past.results.isEmpty)
        // At the limit nothing is cut, and hybrid search embeds the long query too.
        let exact = String(repeating: "x", count: limit - 11) + " Longformer"
        #expect(exact.unicodeScalars.count == limit)
        let whole = try await kb.searchReport(SearchRequest(collection: "notes", query: exact, k: 3, mode: .hybrid))
        #expect(!whole.queryTruncated && whole.results.contains { $0.text.contains("Longformer") })
    }

    @Test("Keyword search finds English and Chinese words and marks them in the passage")
    func keywordsAndHighlights() async throws {
        let (kb, folder) = try makeKnowledgeBase()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await kb.createCollection(name: "notes", maxChunkTokens: 64, overlapTokens: 0)
        _ = try await kb.ingest(.init(collection: "notes", fileName: "en.md", data: Data(sampleText.utf8)))
        let chinese = "稀疏注意力机制只让每个词关注部分位置，从而降低计算成本。\n\n番茄需要充足的阳光和规律的浇水。"
        let zh = try await kb.ingest(.init(collection: "notes", fileName: "zh.txt", data: Data(chinese.utf8))).document

        let english = try await kb.search(SearchRequest(collection: "notes", query: "Longformer", k: 3, mode: .keyword))
        let top = try #require(english.first)
        #expect(top.text.contains("Longformer"))
        let marked = top.highlights.map { String(String.UnicodeScalarView(Array(top.text.unicodeScalars)[$0])) }
        #expect(marked.contains("Longformer"))

        let results = try await kb.search(SearchRequest(collection: "notes", query: "注意力", k: 3, mode: .keyword))
        let hit = try #require(results.first)
        #expect(hit.documentID == zh.id)
        #expect(hit.text.contains("注意力"))
        let spans = hit.highlights.map { String(String.UnicodeScalarView(Array(hit.text.unicodeScalars)[$0])) }
        #expect(spans == ["注意力"])
        #expect(!results.contains { $0.text.contains("番茄") && !$0.text.contains("注意力") })
    }

    @Test("Hybrid ranking is reciprocal rank fusion of the two lists with their weights")
    func fusion() async throws {
        let (kb, folder) = try makeKnowledgeBase()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await kb.createCollection(name: "notes", maxChunkTokens: 32, overlapTokens: 0)
        _ = try await kb.ingest(.init(collection: "notes", fileName: "a.md", data: Data(sampleText.utf8)))
        let query = "sparse attention window"
        for (wv, wk) in [(1.0, 1.0), (1.0, 3.0)] {
            let vector = try await kb.search(SearchRequest(collection: "notes", query: query, k: 50, mode: .vector))
            let keyword = try await kb.search(SearchRequest(collection: "notes", query: query, k: 50, mode: .keyword))
            var fused: [Int: Double] = [:]
            for (i, r) in vector.enumerated() { fused[r.ordinal!, default: 0] += wv / (60 + Double(i + 1)) }
            for (i, r) in keyword.enumerated() { fused[r.ordinal!, default: 0] += wk / (60 + Double(i + 1)) }
            let hybrid = try await kb.search(SearchRequest(
                collection: "notes", query: query, k: 5, mode: .hybrid, vectorWeight: wv, keywordWeight: wk))
            #expect(!hybrid.isEmpty)
            for r in hybrid { #expect(abs(r.score - fused[r.ordinal!]!) < 1e-12) }
            #expect(hybrid.map(\.score) == hybrid.map(\.score).sorted(by: >))
            let best = fused.values.max()!
            #expect(abs(hybrid[0].score - best) < 1e-12)
        }
    }

    @Test("Bad search parameters are refused with what was expected")
    func badParameters() async throws {
        let (kb, folder) = try makeKnowledgeBase()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await kb.createCollection(name: "notes")
        await #expect(throws: KnowledgeBaseError.emptyQuery) { try await kb.search(.init(collection: "notes", query: "  ")) }
        await #expect(throws: KnowledgeBaseError.self) { try await kb.search(.init(collection: "notes", query: "x", k: 0)) }
        await #expect(throws: StoreError.collectionNotFound("nope")) { try await kb.search(.init(collection: "nope", query: "x")) }
    }
}

@Suite("Retrieval with a real model (all-MiniLM-L6-v2)")
struct RealModelTests {
    static let papers: [(String, String)] = [
        ("attention.md", "Sparse attention patterns such as sliding windows and global tokens reduce the quadratic cost of self-attention in Transformers, letting models read long documents."),
        ("tomatoes.md", "Tomato plants need full sun, deep watering twice a week, and stakes or cages to support the stems once the fruit sets."),
        ("rates.md", "The central bank raised interest rates by a quarter point to slow inflation, and bond yields rose after the announcement."),
    ]

    @Test("A question finds the passage that answers it, by meaning and in hybrid mode")
    func semanticSearch() async throws {
        let embedder = try miniLMEmbedder.get()
        let (kb, folder) = try makeKnowledgeBase(embedder: embedder, model: "all-MiniLM-L6-v2")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await kb.createCollection(name: "papers")
        for (name, text) in Self.papers { _ = try await kb.ingest(.init(collection: "papers", fileName: name, data: Data(text.utf8))) }
        for mode in [SearchMode.vector, .hybrid] {
            let results = try await kb.search(.init(
                collection: "papers", query: "which methods make Transformer attention cheaper for long inputs?", k: 3, mode: mode))
            #expect(results.first?.source == "attention.md", "\(mode): \(results.map(\.source))")
            let garden = try await kb.search(.init(collection: "papers", query: "how do I grow vegetables in my garden", k: 1, mode: mode))
            #expect(garden.first?.source == "tomatoes.md", "\(mode)")
        }
    }

    @Test("Near-duplicate documents cluster above the threshold; unrelated ones do not")
    func nearDuplicates() async throws {
        let embedder = try miniLMEmbedder.get()
        let (kb, folder) = try makeKnowledgeBase(embedder: embedder, model: "all-MiniLM-L6-v2")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await kb.createCollection(name: "papers")
        for (name, text) in Self.papers { _ = try await kb.ingest(.init(collection: "papers", fileName: name, data: Data(text.utf8))) }
        let edited = Self.papers[0].1.replacingOccurrences(of: "letting models read", with: "so models can read")
        _ = try await kb.ingest(.init(collection: "papers", fileName: "attention-v2.md", data: Data(edited.utf8)))

        let vectors = try embedder.embed(Self.papers.map(\.1) + [edited]).map(\.vector)
        let pair = dot(vectors[0], vectors[3])
        let unrelated = [dot(vectors[0], vectors[1]), dot(vectors[0], vectors[2]), dot(vectors[1], vectors[2])].max()!
        #expect(pair > 0.9 && unrelated < 0.5, "premise: the edit is a near-duplicate (\(pair)), the rest are not (\(unrelated))")
        let threshold = (pair + unrelated) / 2
        let clusters = try await kb.duplicates(in: "papers", threshold: threshold)
        #expect(clusters.count == 1)
        #expect(Set(clusters.first?.documents.map(\.source) ?? []) == ["attention.md", "attention-v2.md"])
        #expect(abs((clusters.first?.similarity ?? 0) - pair) < 1e-4)
        #expect(try await kb.duplicates(in: "papers", threshold: min(1, pair + 0.001)).isEmpty)
    }
}
