import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `folio serve --model E --model NAME=R`: the command line's part of serving several models.
@Suite("folio serve with several models")
struct ServeModelsTests {
    let reranker = fixtures.appendingPathComponent("rerankers/qwen3-reranker-tiny").path

    @Test("Repeated --model serves an embedder and a reranker; NAME=PATH names one; search reranks with it")
    func embedderAndReranker() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("folio-serve-models-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try ServerProcess.start([
            "serve", "--model", tinyModelPath, "--model", "judge=\(reranker)", "--port", "0", "--data", data.path,
        ])
        defer { server.stop() }
        let models = try await server.request("GET", "/v1/models").object["data"] as? [[String: Any]] ?? []
        #expect(models.map { $0["id"] as? String } == ["qwen3-tiny-gqa2", "judge"])
        #expect(models.map { $0["kind"] as? String } == ["embedding", "rerank"])
        // The reranker answers to NAME and to its folder name.
        for name in ["judge", "qwen3-reranker-tiny"] {
            let reply = try await server.request("POST", "/v1/rerank", json: ["model": name, "query": "capital of France",
                                                                               "documents": ["Paris is the capital.", "Bread"]])
            #expect(reply.status == 200, "\(reply.text)")
        }
        let wrong = try await server.request("POST", "/v1/embeddings", json: ["model": "judge", "input": "hello"])
        #expect(wrong.status == 400)

        // The knowledge base reranks with the served reranker, and the REST result says so.
        #expect(try await server.request("POST", "/v1/kb/collections", json: ["name": "notes"]).status == 201)
        for (title, text) in [("Paris", "Paris is the capital and most populous city of France."),
                              ("Bread", "Sourdough bread rises slowly overnight.")] {
            #expect(try await server.request("POST", "/v1/kb/collections/notes/documents", json: ["text": text, "title": title]).status == 202)
        }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let jobs = try await server.request("GET", "/v1/kb/collections/notes/jobs").object["data"] as? [[String: Any]] ?? []
            if jobs.count == 2, jobs.allSatisfy({ $0["state"] as? String == "done" }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let query = "What is the capital of France?"
        let found = try await server.request("POST", "/v1/kb/collections/notes/search", json: ["query": query, "rerank": true])
        #expect(found.status == 200, "\(found.text)")
        #expect(found.object["reranked"] as? Bool == true)
        let hits = found.object["data"] as? [[String: Any]] ?? []
        #expect(hits.count == 2)
        // Each hit's score is the reranker's score of its chunk, as /v1/rerank gives it.
        let texts = hits.compactMap { $0["text"] as? String }
        let direct = try await server.request("POST", "/v1/rerank", json: ["query": query, "documents": texts])
        let scores = Dictionary(uniqueKeysWithValues: (direct.object["results"] as? [[String: Any]] ?? []).map {
            ($0["index"] as? Int ?? -1, $0["relevance_score"] as? Double ?? .nan)
        })
        for (i, hit) in hits.enumerated() {
            #expect(hit["first_stage_rank"] is Int)
            let score = hit["rerank_score"] as? Double ?? .nan
            #expect(abs(score - (scores[i] ?? .nan)) <= 1e-6, "hit \(i): \(score) vs \(scores[i] ?? .nan)")
        }
    }

    @Test("Two models with one name are refused before serving, with the fix")
    func refused() throws {
        let clash = try runFolio(["serve", "--model", "same=\(tinyModelPath)", "--model", "same=\(reranker)", "--port", "0",
                                  "--no-knowledge-base"])
        #expect(clash.status != 0)
        #expect(clash.err.contains("\"same\"") && clash.err.contains("NAME=PATH"), "\(clash.err)")
    }
}
