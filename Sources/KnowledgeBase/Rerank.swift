import Foundation
import KnowledgeStore

/// What the knowledge base needs from a reranker (a cross-encoder or Qwen3-Reranker): a relevance score for each
/// document given the query, higher is better. The server passes one that shares its request queue.
public protocol RerankingEngine: Sendable {
    /// One score per document, in order.
    func relevance(query: String, documents: [String]) async throws -> [Double]
}

extension KnowledgeBase {
    /// Most first-stage results one search may rerank.
    static let maxCandidates = 1000

    /// The reranker, checked to be loaded, with `candidates` checked to be in range.
    func requireReranker(candidates: Int) throws -> any RerankingEngine {
        guard let reranker else { throw KnowledgeBaseError.noReranker }
        guard (1...Self.maxCandidates).contains(candidates) else {
            throw KnowledgeBaseError.badSearchParameter(
                name: "candidates", value: "\(candidates)", expected: "1 to \(Self.maxCandidates)")
        }
        return reranker
    }

    /// The second stage: `ranked` (the first stage's order) reordered by the reranker's scores of the query against
    /// each passage (a chunk's text, or a whole document's text). Ties keep the first stage's order.
    func rerank(_ ranked: [Ranked], query: String, with reranker: any RerankingEngine) async throws -> [Ranked] {
        guard !ranked.isEmpty else { return [] }
        var passages: [String] = []
        passages.reserveCapacity(ranked.count)
        for r in ranked {
            if let chunk = r.hit.chunk { passages.append(chunk.text) } else { passages.append(try await store.documentText(id: r.hit.documentID).text) }
        }
        let scores = try await reranker.relevance(query: query, documents: passages)
        guard scores.count == ranked.count else {
            throw KnowledgeBaseError.badSearchParameter(
                name: "reranker", value: "\(scores.count) scores", expected: "one score per candidate (\(ranked.count))")
        }
        return ranked.enumerated().map { i, r in
            var out = r
            out.firstStage = (r.score, i + 1)
            out.rerank = scores[i]
            out.score = scores[i]
            return out
        }.enumerated().sorted { a, b in
            a.element.score != b.element.score ? a.element.score > b.element.score : a.offset < b.offset
        }.map(\.element)
    }
}
