import FolioEmbedder
import Foundation
import HTTPServer
import Testing

let rerankerFixtures = fixtures.appendingPathComponent("rerankers")

/// The reference scores of scripts/make_reranker_fixtures.py (transformers for Qwen3-Reranker, sentence-transformers'
/// CrossEncoder for the BERT cross-encoder).
struct RerankFixture: Decodable {
    struct Pair: Decodable {
        let document: String
        let score: Double
        let raw: Double
    }
    struct Group: Decodable {
        let label: String
        let instruction: String?
        let query: String
        let pairs: [Pair]
    }
    let groups: [Group]

    static func load(_ name: String) -> RerankFixture {
        let url = rerankerFixtures.appendingPathComponent(name).appendingPathComponent("reference.json")
        do { return try JSONDecoder().decode(RerankFixture.self, from: Data(contentsOf: url)) } catch { fatalError("\(error)") }
    }
}

let tinyQwen3Reranker: Reranker = {
    do { return try Reranker.load(path: rerankerFixtures.appendingPathComponent("qwen3-reranker-tiny").path) } catch {
        fatalError("cannot load the tiny reranker: \(error)")
    }
}()

let tinyCrossEncoder: Reranker = {
    do { return try Reranker.load(path: rerankerFixtures.appendingPathComponent("bert-cross-encoder-tiny").path) } catch {
        fatalError("cannot load the tiny cross-encoder: \(error)")
    }
}()

/// The tiny embedder and both rerankers in one server, as `folio serve --model E --model R --model C` makes it.
let threeModels: [ServedModel] = [
    ServedModel(.embedder(tinyEmbedder), names: ["qwen3-tiny-gqa2"]),
    ServedModel(.reranker(tinyQwen3Reranker), names: ["qwen3-reranker-tiny"]),
    ServedModel(.reranker(tinyCrossEncoder), names: ["bert-cross-encoder-tiny"]),
]

@Suite("Rerank routes")
struct RerankRoutesTests {
    let qwen3 = RerankFixture.load("qwen3-reranker-tiny")
    let cross = RerankFixture.load("bert-cross-encoder-tiny")

    /// Every result's score equals the reference's for its document, and results come best first.
    func expectRanked(_ results: [[String: Any]], _ group: RerankFixture.Group, scoreKey: String, raw: Bool = false) {
        #expect(results.count == group.pairs.count)
        var previous = Double.infinity
        for r in results {
            let index = r["index"] as? Int ?? -1, score = r[scoreKey] as? Double ?? .nan
            guard group.pairs.indices.contains(index) else { Issue.record("index \(index) out of range"); return }
            let expected = raw ? group.pairs[index].raw : group.pairs[index].score
            #expect(abs(score - expected) <= 1e-5 * max(1, abs(expected)), "\(group.label) document \(index): \(score) vs \(expected)")
            #expect(score <= previous)
            previous = score
        }
    }

    @Test("POST /v1/rerank scores like transformers, best first, for Qwen3-Reranker and the cross-encoder by name")
    func cohereShape() async throws {
        try await LiveServer.with(models: threeModels) { server in
            for (name, reference) in [("qwen3-reranker-tiny", qwen3), ("bert-cross-encoder-tiny", cross)] {
                for group in reference.groups where group.instruction == nil {
                    var body: [String: Any] = ["model": name, "query": group.query, "documents": group.pairs.map(\.document)]
                    if name == "bert-cross-encoder-tiny" { body["documents"] = group.pairs.map { ["text": $0.document] } }
                    let reply = try await server.post("/v1/rerank", json: body)
                    #expect(reply.status == 200, "\(reply.text)")
                    #expect(reply.object["model"] as? String == name)
                    expectRanked(reply.object["results"] as? [[String: Any]] ?? [], group, scoreKey: "relevance_score")
                    let usage = reply.object["usage"] as? [String: Any] ?? [:]
                    #expect((usage["total_tokens"] as? Int ?? 0) > group.pairs.count)
                }
            }
        }
    }

    @Test("top_n keeps the best, return_documents echoes them, instruction and raw_scores follow the reference")
    func options() async throws {
        try await LiveServer.with(models: threeModels) { server in
            let group = try #require(qwen3.groups.first { $0.instruction != nil })
            let documents = group.pairs.map(\.document)
            let reply = try await server.post("/v2/rerank", json: [
                "model": "qwen3-reranker-tiny", "query": group.query, "documents": documents,
                "instruction": group.instruction!, "top_n": 2, "return_documents": true,
            ])
            #expect(reply.status == 200, "\(reply.text)")
            let results = reply.object["results"] as? [[String: Any]] ?? []
            #expect(results.count == 2)
            let best = group.pairs.indices.max { group.pairs[$0].score < group.pairs[$1].score }
            #expect(results.first?["index"] as? Int == best)
            for r in results {
                let index = r["index"] as? Int ?? 0
                #expect((r["document"] as? [String: Any])?["text"] as? String == documents[index])
                #expect(abs((r["relevance_score"] as? Double ?? 0) - group.pairs[index].score) <= 1e-5)
            }
            #expect(((reply.object["meta"] as? [String: Any])?["api_version"] as? [String: Any])?["version"] as? String == "2")

            let plain = try #require(cross.groups.first)
            let raw = try await server.post("/v1/rerank", json: [
                "model": "bert-cross-encoder-tiny", "query": plain.query, "documents": plain.pairs.map(\.document), "raw_scores": true,
            ])
            expectRanked(raw.object["results"] as? [[String: Any]] ?? [], plain, scoreKey: "relevance_score", raw: true)
        }
    }

    @Test("TEI POST /rerank answers [{index, score, text?}] with the first reranker")
    func tei() async throws {
        try await LiveServer.with(models: threeModels) { server in
            let group = try #require(qwen3.groups.first { $0.instruction == nil })
            let reply = try await server.post("/rerank", json: [
                "query": group.query, "texts": group.pairs.map(\.document), "return_text": true,
            ])
            #expect(reply.status == 200, "\(reply.text)")
            let results = reply.json as? [[String: Any]] ?? []
            expectRanked(results, group, scoreKey: "score")
            #expect(results.allSatisfy { ($0["text"] as? String) == group.pairs[$0["index"] as? Int ?? 0].document })
            let raw = try await server.post("/rerank", json: ["query": group.query, "texts": group.pairs.map(\.document), "raw_scores": true])
            expectRanked(raw.json as? [[String: Any]] ?? [], group, scoreKey: "score", raw: true)
            #expect(((raw.json as? [[String: Any]])?.first?["text"]) == nil)
        }
    }

    @Test("/v1/models lists every model with its kind; a model of the wrong kind is a 400 that names the right route")
    func wrongKind() async throws {
        try await LiveServer.with(models: threeModels) { server in
            let list = try await server.get("/v1/models")
            let data = list.object["data"] as? [[String: Any]] ?? []
            #expect(data.map { $0["id"] as? String } == ["qwen3-tiny-gqa2", "qwen3-reranker-tiny", "bert-cross-encoder-tiny"])
            #expect(data.map { $0["kind"] as? String } == ["embedding", "rerank", "rerank"])
            #expect(try await server.get("/v1/models/bert-cross-encoder-tiny").status == 200)

            let embed = try await server.post("/v1/embeddings", json: ["model": "qwen3-reranker-tiny", "input": "hello"])
            expectOpenAIShape(embed, status: 400)
            #expect(embed.error["code"] as? String == "wrong_model_kind")
            #expect((embed.error["message"] as? String ?? "").contains("/v1/rerank"))
            let ollama = try await server.post("/api/embed", json: ["model": "bert-cross-encoder-tiny", "input": "hello"])
            #expect(ollama.status == 400)
            let rerank = try await server.post("/v1/rerank", json: ["model": "qwen3-tiny-gqa2", "query": "q", "documents": ["d"]])
            expectOpenAIShape(rerank, status: 400)
            #expect(rerank.error["code"] as? String == "wrong_model_kind")
            #expect((rerank.error["message"] as? String ?? "").contains("\"qwen3-reranker-tiny\""))
            let unknown = try await server.post("/v1/rerank", json: ["model": "rerank-v3.5", "query": "q", "documents": ["d"]])
            expectOpenAIShape(unknown, status: 404)

            // The embedder still answers by name and without one, with transformers' vectors.
            let reference = Reference.tiny.inputs[0]
            let vectors = try await server.post("/v1/embeddings", json: ["model": "qwen3-tiny-gqa2", "input": reference.text])
            let v = ((vectors.object["data"] as? [[String: Any]])?.first?["embedding"] as? [Double] ?? []).map(Float.init)
            #expect(cosine(v, reference.embedding) >= 0.9999)
        }
    }

    @Test("A server without a reranker says so; bad rerank requests are 400s that say what to send")
    func badRequests() async throws {
        try await LiveServer.with { server in
            let none = try await server.post("/v1/rerank", json: ["query": "q", "documents": ["d"]])
            expectOpenAIShape(none, status: 400)
            #expect(none.error["code"] as? String == "model_not_loaded")
            #expect(try await server.post("/rerank", json: ["query": "q", "texts": ["d"]]).status == 400)
            #expect((try await server.get("/info")).object["rerank_model"] is NSNull)
        }
        try await LiveServer.with(models: threeModels) { server in
            #expect((try await server.get("/info")).object["rerank_model"] as? String == "qwen3-reranker-tiny")
            let cases: [([String: Any], String)] = [
                (["query": "q", "documents": []], "documents"),
                (["query": "", "documents": ["d"]], "query"),
                (["query": "q", "documents": ["d", ""]], "documents"),
                (["query": "q", "documents": ["d"], "top_n": 0], "top_n"),
                (["query": "q", "documents": [["title": "no text"]]], "documents"),
                (["query": "q", "documents": Array(repeating: "d", count: 1001)], "documents"),
            ]
            for (body, param) in cases {
                let reply = try await server.post("/v1/rerank", json: body)
                expectOpenAIShape(reply, status: 400)
                #expect((reply.error["param"] as? String)?.hasPrefix(param) == true, "\(body.keys.sorted()): \(reply.text)")
            }
            // TEI refuses an over-long pair unless truncate, as TEI does; the Cohere shape cuts it.
            let long = String(repeating: "paris ", count: 9000)
            let tei = try await server.post("/rerank", json: ["query": "q", "texts": [long]])
            #expect(tei.status == 400 && tei.object["error_type"] as? String == "Validation")
            #expect((tei.object["error"] as? String ?? "").contains("truncate"), "\(tei.text)")
            #expect(try await server.post("/rerank", json: ["query": "q", "texts": [long], "truncate": true]).status == 200)
            #expect(try await server.post("/v1/rerank", json: ["query": "q", "documents": [long]]).status == 200)
        }
    }
}
