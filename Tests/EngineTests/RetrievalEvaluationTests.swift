import Evaluation
import FolioEmbedder
import Foundation
import Testing

@Suite("Retrieval metrics and search")
struct RetrievalEvaluationTests {
    @Test("nDCG@10 uses linear gain and log2(rank + 1) discounts against the ideal order")
    func ndcg() {
        // Relevant a, b at ranks 2 and 4: (1/log2 3 + 1/log2 5) / (1 + 1/log2 3) = 0.6509209.
        let binary = RetrievalMetrics.ndcg(ranked: ["x", "a", "y", "b"], judged: ["a": 1, "b": 1], k: 10)
        #expect(abs(binary - 0.6509209298) < 1e-9)
        // Graded: b (1) before a (2): (1 + 2/log2 3) / (2 + 1/log2 3) = 0.8597187.
        let graded = RetrievalMetrics.ndcg(ranked: ["b", "a"], judged: ["a": 2, "b": 1], k: 10)
        #expect(abs(graded - 0.8597186999) < 1e-9)
        #expect(RetrievalMetrics.ndcg(ranked: ["a"], judged: ["a": 1], k: 10) == 1)
        // A relevant document at rank 11 is past the cut.
        let late = (0..<10).map { "n\($0)" } + ["a"]
        #expect(RetrievalMetrics.ndcg(ranked: late, judged: ["a": 1], k: 10) == 0)
        #expect(RetrievalMetrics.ndcg(ranked: ["a"], judged: ["a": 0], k: 10) == 0)
    }

    @Test("Recall@100 counts relevant documents in the top 100 over all relevant ones")
    func recall() {
        let ranked = ["a"] + (0..<99).map { "n\($0)" } + ["b"]
        #expect(RetrievalMetrics.recall(ranked: ranked, judged: ["a": 1, "b": 1, "c": 0], k: 100) == 0.5)
        #expect(RetrievalMetrics.recall(ranked: ranked, judged: ["a": 1], k: 100) == 1)
    }

    @Test("MRR@10 is 1 / rank of the first relevant document within 10, else 0")
    func mrr() {
        #expect(RetrievalMetrics.reciprocalRank(ranked: ["x", "y", "a", "b"], judged: ["a": 1, "b": 1], k: 10) == 1.0 / 3)
        let late = (0..<10).map { "n\($0)" } + ["a"]
        #expect(RetrievalMetrics.reciprocalRank(ranked: late, judged: ["a": 1], k: 10) == 0)
    }

    @Test("Averages run over judged queries that have a ranking")
    func average() {
        let metrics = RetrievalMetrics.evaluate(
            rankings: ["q1": ["a"], "q2": ["x", "b"], "q3": ["c"]],
            qrels: ["q1": ["a": 1], "q2": ["b": 1], "q4": ["d": 1]])
        #expect(metrics.queryCount == 2)
        #expect(abs(metrics.mrrAt10 - 0.75) < 1e-12 && metrics.recallAt100 == 1)
        #expect(abs(metrics.ndcgAt10 - (1 + 1 / log2(3.0)) / 2) < 1e-12)
    }

    @Test("Exact search ranks by dot product, best first, ties to the lower index")
    func exactSearch() {
        let search = ExactSearch(vectors: [[1, 0], [0, 1], [0.6, 0.8], [0, 1]], pool: .init(threads: 1))
        let hits = search.search([[0, 1], [1, 0]], k: 3)
        #expect(hits[0].map(\.index) == [1, 3, 2])
        #expect(hits[1].map(\.index) == [0, 2, 1])
        #expect(abs(hits[1][1].score - 0.6) < 1e-6)
    }

    @Test("A BEIR folder loads corpus, queries and qrels; documents embed as title + text")
    func beirFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("folio-beir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("qrels"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("""
        {"_id": "d1", "title": "Paris", "text": "Capital of France."}
        {"_id": 2, "title": "", "text": " Berlin "}
        """.utf8).write(to: dir.appendingPathComponent("corpus.jsonl"))
        try Data("{\"_id\": \"q1\", \"text\": \"capital?\"}\n".utf8).write(to: dir.appendingPathComponent("queries.jsonl"))
        try Data("query-id\tcorpus-id\tscore\nq1\td1\t1\n".utf8).write(to: dir.appendingPathComponent("qrels/test.tsv"))
        let data = try BEIRDataset.load(folder: dir.path)
        #expect(data.documents.map(\.embeddingText) == ["Paris Capital of France.", "Berlin"])
        #expect(data.documents[1].id == "2")
        #expect(data.queries.map(\.id) == ["q1"] && data.qrels == ["q1": ["d1": 1]])
        #expect(data.limited(toDocuments: 1).qrels == ["q1": ["d1": 1]])
        #expect(throws: EvaluationError.self) { try BEIRDataset.load(folder: dir.path, split: "dev") }
    }
}
