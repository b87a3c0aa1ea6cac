import FolioEmbedder
import Foundation
import KnowledgeBase
import KnowledgeStore
import Testing

/// A reranker whose scores are known in advance: how often the passage contains the letter "z", so the order it
/// should produce can be computed independently of any model.
struct LetterCountReranker: RerankingEngine {
    func relevance(query: String, documents: [String]) async throws -> [Double] {
        documents.map { Double($0.filter { $0 == "z" }.count) }
    }
}

@Suite("Searching with a second stage")
struct RerankSearchTests {
    static let notes = [("a.md", "zebra zone zero"), ("b.md", "apple banana cherry"), ("c.md", "zest of lemon"),
                        ("d.md", "lazy dozen pizza puzzle"), ("e.md", "banana split")]

    static func knowledgeBase(reranker: (any RerankingEngine)?) async throws -> (KnowledgeBase, URL) {
        let (store, folder) = try temporaryStore()
        let kb = KnowledgeBase(
            store: store, engine: tinyEmbedder, configuration: .init(model: tinyModelPath), reranker: reranker)
        _ = try await kb.createCollection(name: "notes")
        for (name, text) in notes { _ = try await kb.ingest(.init(collection: "notes", fileName: name, data: Data(text.utf8))) }
        return (kb, folder)
    }

    @Test("The reranker reorders the first stage's candidates; each result keeps its first-stage score and rank")
    func reorders() async throws {
        let (kb, folder) = try await Self.knowledgeBase(reranker: LetterCountReranker())
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try await kb.search(.init(collection: "notes", query: "banana zebra", k: 5, mode: .vector))
        let reranked = try await kb.search(.init(collection: "notes", query: "banana zebra", k: 3, mode: .vector,
                                                 rerank: true, candidates: 5))
        // Expected: the first stage's five, sorted by "z" count (ties in first-stage order), cut to k = 3.
        let zs = { (s: String) in Double(s.filter { $0 == "z" }.count) }
        let expected = first.enumerated().sorted { a, b in
            zs(a.element.text) != zs(b.element.text) ? zs(a.element.text) > zs(b.element.text) : a.offset < b.offset
        }.prefix(3)
        #expect(reranked.map(\.source) == expected.map(\.element.source))
        #expect(reranked.map(\.rank) == [1, 2, 3])
        for (r, e) in zip(reranked, expected) {
            #expect(r.score == zs(r.text) && r.rerankScore == r.score)
            #expect(r.firstStageRank == e.offset + 1 && r.firstStageScore == e.element.score)
        }
        #expect(first.allSatisfy { $0.rerankScore == nil && $0.firstStageRank == nil })
    }

    @Test("Only the first stage's best candidates are reranked")
    func candidatesBoundTheSecondStage() async throws {
        let (kb, folder) = try await Self.knowledgeBase(reranker: LetterCountReranker())
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try await kb.search(.init(collection: "notes", query: "banana", k: 2, mode: .keyword))
        #expect(Set(first.map(\.source)) == ["b.md", "e.md"], "premise: only two notes say banana")
        let reranked = try await kb.search(.init(collection: "notes", query: "banana", k: 5, mode: .keyword,
                                                 rerank: true, candidates: 2))
        #expect(Set(reranked.map(\.source)) == Set(first.map(\.source)))
    }

    @Test("Reranking without a reranker, or with candidates out of range, is refused with what to do")
    func refusals() async throws {
        let (kb, folder) = try await Self.knowledgeBase(reranker: nil)
        defer { try? FileManager.default.removeItem(at: folder) }
        await #expect(throws: KnowledgeBaseError.noReranker) {
            try await kb.search(.init(collection: "notes", query: "zebra", rerank: true))
        }
        #expect(KnowledgeBaseError.noReranker.description.contains("--model RERANKER"))
        let (ranked, folder2) = try await Self.knowledgeBase(reranker: LetterCountReranker())
        defer { try? FileManager.default.removeItem(at: folder2) }
        await #expect(throws: KnowledgeBaseError.badSearchParameter(name: "candidates", value: "0", expected: "1 to 1000")) {
            try await ranked.search(.init(collection: "notes", query: "zebra", rerank: true, candidates: 0))
        }
    }
}
