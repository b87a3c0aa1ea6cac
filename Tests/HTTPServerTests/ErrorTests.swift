import FolioEmbedder
import Foundation
import HTTPServer
import Testing

@Suite("Errors: OpenAI's shape, the right status, nothing private")
struct ErrorTests {
    @Test("Malformed JSON and wrong shapes are 400")
    func malformed() async throws {
        try await LiveServer.with { server in
            let broken = try await server.send("POST", "/v1/embeddings", body: Data("{\"input\": [\"a\",".utf8))
            expectOpenAIShape(broken, status: 400)
            let missing = try await server.post("/v1/embeddings", json: ["model": "x"])
            expectOpenAIShape(missing, status: 400)
            #expect(missing.error["param"] as? String == "input")
            let mixed = try await server.post("/v1/embeddings", json: ["input": ["a", 1]])
            expectOpenAIShape(mixed, status: 400)
            let empty = try await server.post("/v1/embeddings", json: ["input": [String]()])
            expectOpenAIShape(empty, status: 400)
            let emptyText = try await server.post("/v1/embeddings", json: ["input": ["ok", ""]])
            expectOpenAIShape(emptyText, status: 400)
            let format = try await server.post("/v1/embeddings", json: ["input": "a", "encoding_format": "int8"])
            expectOpenAIShape(format, status: 400)
            #expect(format.error["param"] as? String == "encoding_format")
            let badToken = try await server.post("/v1/embeddings", json: ["input": [5, 999_999]])
            expectOpenAIShape(badToken, status: 400)
        }
    }

    @Test("An input over the context length is 400 and names both token counts")
    func overContext() async throws {
        try await LiveServer.with(ServerConfiguration(allowTokenIDs: true)) { server in
            let limit = tinyEmbedder.contextLength
            // Ending with <|endoftext|>, as text's ids do, so the server adds nothing.
            let ids = Array(repeating: 5, count: limit + 6) + [Int(tinyEmbedder.encoder.appendedEOS!)]
            let reply = try await server.post("/v1/embeddings", json: ["input": ids])
            expectOpenAIShape(reply, status: 400)
            let message = reply.error["message"] as? String ?? ""
            #expect(message.contains("\(limit + 7)") && message.contains("\(limit)"), "\(message)")
            #expect(reply.error["code"] as? String == "context_length_exceeded")
        }
    }

    @Test("dimensions outside the model's range is 400")
    func badDimensions() async throws {
        try await LiveServer.with { server in
            for n in [0, 7, tinyEmbedder.dimension + 1] {
                let reply = try await server.post("/v1/embeddings", json: ["input": "hello", "dimensions": n])
                expectOpenAIShape(reply, status: 400)
                #expect(reply.error["param"] as? String == "dimensions")
            }
        }
    }

    @Test("An unknown model is 404; an unknown route is 404 in the same shape")
    func unknownModel() async throws {
        try await LiveServer.with(names: ServedModel.names(forPath: tinyModelPath)) { server in
            let reply = try await server.post("/v1/embeddings", json: ["input": "hello", "model": "text-embedding-3-small"])
            expectOpenAIShape(reply, status: 404)
            #expect(reply.error["code"] as? String == "model_not_found")
            // Ollama's routes answer in Ollama's shape: {"error": "message"}.
            let ollama = try await server.post("/api/embed", json: ["input": "hello", "model": "nomic-embed-text"])
            #expect(ollama.status == 404 && ollama.object.keys.sorted() == ["error"] && ollama.object["error"] is String)
            expectOpenAIShape(try await server.get("/v2/nothing"), status: 404)
        }
    }

    @Test("With keys, every route but /health needs the right bearer key (401)")
    func auth() async throws {
        try await LiveServer.with(ServerConfiguration(apiKeys: ["k-one", "k-two"])) { server in
            #expect(try await server.get("/health").status == 200)
            expectOpenAIShape(try await server.post("/v1/embeddings", json: ["input": "a"]), status: 401)
            expectOpenAIShape(try await server.post("/v1/embeddings", json: ["input": "a"], headers: ["Authorization": "Bearer k-on"]), status: 401)
            expectOpenAIShape(try await server.post("/v1/embeddings", json: ["input": "a"], headers: ["Authorization": "k-one"]), status: 401)
            for path in ["/metrics", "/v1/models", "/openapi.json"] {
                expectOpenAIShape(try await server.get(path), status: 401)
            }
            // TEI's route answers in TEI's shape.
            let info = try await server.get("/info")
            #expect(info.status == 401 && info.object["error"] is String && info.object["error_type"] as? String == "Unauthorized")
            for key in ["k-one", "k-two"] {
                let ok = try await server.post("/v1/embeddings", json: ["input": "a"], headers: ["Authorization": "Bearer \(key)"])
                #expect(ok.status == 200)
            }
        }
    }

    @Test("A body over the limit is 413")
    func tooLarge() async throws {
        try await LiveServer.with(ServerConfiguration(maxBodyBytes: 4096)) { server in
            let reply = try await server.post("/v1/embeddings", json: ["input": String(repeating: "word ", count: 2000)])
            expectOpenAIShape(reply, status: 413)
            #expect(try await server.post("/v1/embeddings", json: ["input": "small"]).status == 200)
        }
    }

    @Test("A full queue answers 429 with Retry-After; the queued request still completes")
    func overload() async throws {
        // One token of queue and 64-token engine calls: while the big request is queued, any other is refused.
        let config = ServerConfiguration(maxClientBatchSize: bigRequestInputs, batching: .init(maxBatchTokens: 64, maxQueuedTokens: 1))
        try await LiveServer.with(config) { server in
            let texts = (0 ..< bigRequestInputs).map { "passage number \($0) about the queue" }
            let big = Task { try await server.post("/v1/embeddings", json: ["input": texts, "encoding_format": "float"]) }
            var refused: LiveServer.Reply?
            for _ in 0 ..< 2000 where refused == nil {
                // Send only once the big request is queued, so the short one cannot be first in line.
                guard queuedTokens(try await server.get("/metrics").text) > 0 else { continue }
                let reply = try await server.post("/v1/embeddings", json: ["input": "short"])
                if reply.status == 429 { refused = reply }
            }
            let rejected = try #require(refused)
            expectOpenAIShape(rejected, status: 429)
            #expect(Int(rejected.headers["retry-after"] ?? "") ?? 0 >= 1)
            let bigReply = try await big.value
            #expect(bigReply.status == 200)
            #expect(vectors(bigReply).count == texts.count)
        }
    }

    @Test("A non-loopback address without a key is refused unless allowed")
    func refusesOpenAddress() throws {
        #expect(throws: ServerSetupError.unprotectedAddress(host: "0.0.0.0")) {
            try ServerConfiguration(host: "0.0.0.0").validate()
        }
        try ServerConfiguration(host: "0.0.0.0", apiKeys: ["k"]).validate()
        try ServerConfiguration(host: "0.0.0.0", allowNoAuth: true).validate()
        try ServerConfiguration(host: "::1").validate()
        #expect(throws: ServerSetupError.self) { try ServerConfiguration(host: "127.example.com").validate() }
    }
}

/// `folio_queue_tokens` from a Prometheus scrape.
func queuedTokens(_ metrics: String) -> Int {
    for line in metrics.split(separator: "\n") where line.hasPrefix("folio_queue_tokens ") {
        return Int(line.split(separator: " ").last ?? "") ?? 0
    }
    return 0
}
