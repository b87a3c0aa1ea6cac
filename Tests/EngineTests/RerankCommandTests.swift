import Foundation
import Testing

@Suite("folio rerank")
struct RerankCommandTests {
    static let rerankers = modelsFolder.deletingLastPathComponent().appendingPathComponent("rerankers")

    struct Reference: Decodable {
        struct Group: Decodable {
            let query: String
            let instruction: String?
            let pairs: [Pair]
        }
        struct Pair: Decodable { let document: String; let score: Double }
        let groups: [Group]
    }

    @Test("Scores equal the transformers reference and come best first, for the Qwen3 folder and GGUF and a cross-encoder",
          arguments: ["qwen3-reranker-tiny", "qwen3-reranker-tiny/qwen3-reranker-tiny-bf16.gguf", "bert-cross-encoder-tiny"])
    func matchesReference(model: String) throws {
        let folder = Self.rerankers.appendingPathComponent(model.split(separator: "/").first.map(String.init)!)
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
        let group = try #require(reference.groups.first { $0.instruction == nil })
        let input = group.pairs.map { "{\"text\": \(String(decoding: try! JSONEncoder().encode($0.document), as: UTF8.self))}" }
            .joined(separator: "\n")
        let run = try runFolio(["rerank", "--model", Self.rerankers.appendingPathComponent(model).path, "--query", group.query],
                               stdin: input)
        #expect(run.status == 0, "\(run.err)")
        let lines = run.out.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.count == group.pairs.count)
        let scores = lines.map { $0["score"] as! Double }
        #expect(scores == scores.sorted(by: >), "best first")
        for line in lines {
            let index = line["index"] as! Int
            #expect(abs((line["score"] as! Double) - group.pairs[index].score) < 1e-5, "pair \(index)")
        }
        let top = try runFolio(["rerank", "--model", Self.rerankers.appendingPathComponent(model).path, "--query", group.query,
                                "--top", "2"], stdin: input)
        #expect(top.out.split(separator: "\n").count == 2)
    }

    @Test("An embedding model given to folio rerank is refused with which command to use")
    func embedderRefused() throws {
        let run = try runFolio(["rerank", "--model", modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path, "--query", "q"],
                               stdin: "\"a document\"")
        #expect(run.status != 0)
        #expect(run.err.contains("embedding") || run.err.contains("embedder"), "\(run.err)")
    }

    @Test("folio eval --reranker reorders each query's first-stage candidates by folio rerank's scores")
    func evalWithReranker() throws {
        let data = try EvalCommandTests.selfRetrievalSet()
        defer { try? FileManager.default.removeItem(at: data) }
        let rankingsFile = data.appendingPathComponent("rankings.jsonl")
        let reranker = Self.rerankers.appendingPathComponent("bert-cross-encoder-tiny").path
        let run = try runFolio(["eval", "--model", modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path,
                                "--dataset", data.path, "--mode", "hybrid", "--reranker", reranker, "--rankings", rankingsFile.path])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("reranked:"))
        let corpus = try String(contentsOf: data.appendingPathComponent("corpus.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let text = Dictionary(uniqueKeysWithValues: corpus.map { ($0["_id"] as! String, $0["text"] as! String) })
        let queries = try String(contentsOf: data.appendingPathComponent("queries.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let queryText = Dictionary(uniqueKeysWithValues: queries.map { ($0["_id"] as! String, $0["text"] as! String) })
        for line in try String(contentsOf: rankingsFile, encoding: .utf8).split(separator: "\n").prefix(2) {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let first = object["ranking"] as! [String], reranked = try #require(object["reranked"] as? [String])
            let input = first.map { "{\"text\": \"\(text[$0]!)\"}" }.joined(separator: "\n")
            let scored = try runFolio(["rerank", "--model", reranker, "--query", queryText[object["query"] as! String]!], stdin: input)
            let order = scored.out.split(separator: "\n").map {
                (try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["index"] as! Int
            }
            #expect(reranked == order.map { first[$0] })
        }
    }

    @Test("folio kb search --rerank gives the reranked order folio eval --reranker measured, with both scores")
    func kbSearchReranks() throws {
        let data = try EvalCommandTests.selfRetrievalSet()
        defer { try? FileManager.default.removeItem(at: data) }
        let kb = data.appendingPathComponent("kb").path, rankingsFile = data.appendingPathComponent("rankings.jsonl")
        let reranker = Self.rerankers.appendingPathComponent("bert-cross-encoder-tiny").path
        let eval = try runFolio(["eval", "--model", modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path, "--dataset", data.path,
                                 "--mode", "hybrid", "--reranker", reranker, "--data", kb, "--rankings", rankingsFile.path])
        #expect(eval.status == 0, "\(eval.err)")
        let line = try #require(try String(contentsOf: rankingsFile, encoding: .utf8).split(separator: "\n").first)
        let evaluated = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        let search = try runFolio(["kb", "search", "eval", "red apples in autumn", "--mode", "hybrid", "--target", "documents",
                                   "-k", "100", "--candidates", "100", "--rerank", "--reranker", reranker, "--json", "--data", kb])
        #expect(search.status == 0, "\(search.err)")
        let results = (try JSONSerialization.jsonObject(with: Data(search.out.utf8)) as! [String: Any])["results"] as! [[String: Any]]
        #expect(results.map { $0["source"] as! String } == evaluated["reranked"] as! [String])
        #expect(results.allSatisfy { $0["rerank_score"] is Double && $0["first_stage_score"] is Double && $0["first_stage_rank"] is Int })
        let refused = try runFolio(["kb", "search", "eval", "apples", "--rerank", "--data", kb])
        #expect(refused.status != 0 && refused.err.contains("--reranker"))
    }
}
