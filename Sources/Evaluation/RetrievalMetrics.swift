import Foundation

/// Retrieval quality as BEIR reports it (pytrec_eval / trec_eval definitions), averaged over the
/// queries that have relevance judgements.
public struct RetrievalMetrics: Sendable, Equatable, Codable {
    /// Normalised discounted cumulative gain of the top 10: Σ rel_i / log2(i + 1) over ranks i = 1...10,
    /// divided by the same sum for the ideal order of the judged documents (linear gain, as trec_eval).
    public var ndcgAt10: Double
    /// Share of the relevant documents found in the top 100.
    public var recallAt100: Double
    /// 1 / rank of the first relevant document within the top 10 (0 when none).
    public var mrrAt10: Double
    /// Queries averaged over.
    public var queryCount: Int

    enum CodingKeys: String, CodingKey {
        case ndcgAt10 = "ndcg@10", recallAt100 = "recall@100", mrrAt10 = "mrr@10", queryCount = "queries"
    }

    /// Metrics from already averaged values.
    public init(ndcgAt10: Double, recallAt100: Double, mrrAt10: Double, queryCount: Int) {
        self.ndcgAt10 = ndcgAt10
        self.recallAt100 = recallAt100
        self.mrrAt10 = mrrAt10
        self.queryCount = queryCount
    }

    /// nDCG@k of one ranking: `ranked` document ids best first, `judged` their graded relevance.
    public static func ndcg(ranked: [String], judged: [String: Int], k: Int) -> Double {
        var dcg = 0.0
        for (i, id) in ranked.prefix(k).enumerated() {
            let rel = judged[id] ?? 0
            if rel > 0 { dcg += Double(rel) / log2(Double(i + 2)) }
        }
        let ideal = judged.values.filter { $0 > 0 }.sorted(by: >).prefix(k)
        var idcg = 0.0
        for (i, rel) in ideal.enumerated() { idcg += Double(rel) / log2(Double(i + 2)) }
        return idcg > 0 ? dcg / idcg : 0
    }

    /// Recall@k of one ranking: relevant documents in the top k over all relevant documents.
    public static func recall(ranked: [String], judged: [String: Int], k: Int) -> Double {
        let relevant = judged.filter { $0.value > 0 }.count
        guard relevant > 0 else { return 0 }
        let found = ranked.prefix(k).filter { (judged[$0] ?? 0) > 0 }.count
        return Double(found) / Double(relevant)
    }

    /// Reciprocal rank of the first relevant document within the top k; 0 when none.
    public static func reciprocalRank(ranked: [String], judged: [String: Int], k: Int) -> Double {
        for (i, id) in ranked.prefix(k).enumerated() where (judged[id] ?? 0) > 0 { return 1 / Double(i + 1) }
        return 0
    }

    /// Averages over every query that has judgements and a ranking (pytrec_eval's set).
    public static func evaluate(rankings: [String: [String]], qrels: [String: [String: Int]]) -> RetrievalMetrics {
        var n = 0, ndcg = 0.0, recall = 0.0, mrr = 0.0
        for (query, judged) in qrels {
            guard let ranked = rankings[query] else { continue }
            n += 1
            ndcg += Self.ndcg(ranked: ranked, judged: judged, k: 10)
            recall += Self.recall(ranked: ranked, judged: judged, k: 100)
            mrr += Self.reciprocalRank(ranked: ranked, judged: judged, k: 10)
        }
        let d = Double(max(n, 1))
        return RetrievalMetrics(ndcgAt10: ndcg / d, recallAt100: recall / d, mrrAt10: mrr / d, queryCount: n)
    }
}
