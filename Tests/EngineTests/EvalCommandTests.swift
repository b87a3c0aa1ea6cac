import Foundation
import Testing

@Suite("folio eval")
struct EvalCommandTests {
    struct Report: Decodable {
        struct Metrics: Decodable {
            let ndcg: Double, recall: Double, mrr: Double, queries: Int
            enum CodingKeys: String, CodingKey { case ndcg = "ndcg@10", recall = "recall@100", mrr = "mrr@10", queries }
        }
        let mode: String
        let metrics: Metrics
        let documents: Int
        let tokens: Int
        let tokensPerSecond: Double
    }

    /// A BEIR folder whose queries are exactly their relevant documents' texts, so a working pipeline
    /// ranks each relevant document first (cosine 1) whatever the model.
    static func selfRetrievalSet() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("folio-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("qrels"), withIntermediateDirectories: true)
        let texts = ["red apples in autumn", "a train leaves at noon", "the river floods in spring",
                     "quantum bits entangle", "bread rises overnight"]
        let corpus = texts.enumerated().map { "{\"_id\": \"d\($0)\", \"title\": \"\", \"text\": \"\($1)\"}" }
        let queries = texts.enumerated().map { "{\"_id\": \"q\($0)\", \"text\": \"\($1)\"}" }
        let qrels = ["query-id\tcorpus-id\tscore"] + texts.indices.map { "q\($0)\td\($0)\t1" }
        try Data(corpus.joined(separator: "\n").utf8).write(to: dir.appendingPathComponent("corpus.jsonl"))
        try Data(queries.joined(separator: "\n").utf8).write(to: dir.appendingPathComponent("queries.jsonl"))
        try Data(qrels.joined(separator: "\n").utf8).write(to: dir.appendingPathComponent("qrels/test.tsv"))
        return dir
    }

    @Test("folio eval --json finds each query's own document first, in vector and hybrid modes", arguments: ["vector", "hybrid"])
    func selfRetrieval(mode: String) throws {
        let data = try Self.selfRetrievalSet()
        defer { try? FileManager.default.removeItem(at: data) }
        let model = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path
        let run = try runFolio(["eval", "--model", model, "--dataset", data.path, "--mode", mode, "--plain-queries", "--json"])
        #expect(run.status == 0, "\(run.err)")
        let report = try JSONDecoder().decode(Report.self, from: Data(run.out.utf8))
        #expect(report.mode == mode && report.documents == 5 && report.metrics.queries == 5)
        #expect(report.metrics.ndcg == 1 && report.metrics.recall == 1 && report.metrics.mrr == 1)
        #expect(report.tokens > 10 && report.tokensPerSecond > 0)
    }

    /// One model of each family, from a folder and from GGUF (relative to Fixtures/).
    static let families = ["xlmr/mean", "xlmr/cls-q8_0.gguf", "nomic/model", "nomic/nomic-f16.gguf",
                           "models/embeddinggemma-tiny/hf", "models/embeddinggemma-tiny/tiny-q8_0.gguf"]

    @Test("folio eval runs with every family (XLM-RoBERTa, nomic-bert, EmbeddingGemma) and finds each query's own document",
          arguments: families)
    func everyFamily(model: String) throws {
        let data = try Self.selfRetrievalSet()
        defer { try? FileManager.default.removeItem(at: data) }
        let path = modelsFolder.deletingLastPathComponent().appendingPathComponent(model).path
        let run = try runFolio(["eval", "--model", path, "--dataset", data.path, "--mode", "hybrid", "--plain-queries", "--json"])
        #expect(run.status == 0, "\(run.err)")
        let report = try JSONDecoder().decode(Report.self, from: Data(run.out.utf8))
        #expect(report.documents == 5 && report.metrics.queries == 5)
        #expect(report.metrics.ndcg == 1 && report.metrics.mrr == 1, "\(model): \(report.metrics)")
    }

    @Test("folio eval --mode hybrid ranks each query exactly as folio kb search --mode hybrid does on its collection")
    func evalRanksAsKnowledgeBaseSearch() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("folio-eval-kb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("set/qrels"), withIntermediateDirectories: true)
        // Documents share words with several queries, and one query word is only in a title, so keyword and
        // vector rankings disagree and the fusion decides.
        let docs = [("Trains", "the night train leaves the station at noon"), ("", "apples and pears ripen in autumn"),
                    ("Rivers", "the river floods the station in spring"), ("", "bread rises overnight in a warm kitchen"),
                    ("Orchards", "autumn apples fall near the river"), ("", "a warm train carriage in spring"),
                    ("Zeppelin", "airships cross the lake")]
        let queries = ["train station", "autumn apples", "warm spring river", "zeppelin lake"]
        try Data(docs.enumerated().map { "{\"_id\": \"d\($0)\", \"title\": \"\($1.0)\", \"text\": \"\($1.1)\"}" }
            .joined(separator: "\n").utf8).write(to: dir.appendingPathComponent("set/corpus.jsonl"))
        try Data(queries.enumerated().map { "{\"_id\": \"q\($0)\", \"text\": \"\($1)\"}" }
            .joined(separator: "\n").utf8).write(to: dir.appendingPathComponent("set/queries.jsonl"))
        try Data((["query-id\tcorpus-id\tscore"] + queries.indices.map { "q\($0)\td\($0)\t1" })
            .joined(separator: "\n").utf8).write(to: dir.appendingPathComponent("set/qrels/test.tsv"))

        let model = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path
        let data = dir.appendingPathComponent("kb").path, rankings = dir.appendingPathComponent("rankings.jsonl")
        let run = try runFolio(["eval", "--model", model, "--dataset", dir.appendingPathComponent("set").path,
                                "--mode", "hybrid", "--data", data, "--collection", "xq", "--rankings", rankings.path])
        #expect(run.status == 0, "\(run.err)")
        let lines = try String(contentsOf: rankings, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == queries.count)
        for (line, query) in zip(lines, queries) {
            let evaluated = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let ranking = evaluated["ranking"] as! [String]
            #expect(ranking.count == docs.count, "every document shares a word or a vector with the query")
            let search = try runFolio(["kb", "search", "xq", query, "-k", "100", "--mode", "hybrid", "--target", "documents",
                                       "--json", "--data", data])
            #expect(search.status == 0, "\(search.err)")
            let object = try JSONSerialization.jsonObject(with: Data(search.out.utf8)) as! [String: Any]
            let sources = (object["results"] as! [[String: Any]]).map { $0["source"] as! String }
            #expect(sources == ranking, "\(query)")
        }
    }

    @Test("folio eval on a folder without qrels says what it expected and exits non-zero")
    func missingQrels() throws {
        let data = try Self.selfRetrievalSet()
        defer { try? FileManager.default.removeItem(at: data) }
        let model = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path
        let run = try runFolio(["eval", "--model", model, "--dataset", data.path, "--split", "dev"])
        #expect(run.status != 0)
        #expect(run.err.contains("qrels/dev.tsv") && run.err.contains("expected a BEIR folder"))
    }
}
