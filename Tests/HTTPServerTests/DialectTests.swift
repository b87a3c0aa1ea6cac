import FolioEmbedder
import Foundation
import HTTPServer
import Testing

/// Each API family in its own dialect: Ollama's model routes, names with tags and `{"error": "..."}`; TEI's extra
/// routes, `/info` types and `{"error", "error_type"}`.
@Suite("API dialects: Ollama and TEI")
struct DialectTests {
    let reference = Reference.tiny

    func norm(_ v: [Float]) -> Double { v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }

    @Test("Ollama: /api/tags lists name:latest, the tag is accepted, /api/embeddings gives the unnormalised vector")
    func ollamaModels() async throws {
        try await LiveServer.with(names: ServedModel.names(forPath: tinyModelPath)) { server in
            let tags = try await server.get("/api/tags")
            let models = tags.object["models"] as? [[String: Any]] ?? []
            #expect(models.map { $0["name"] as? String } == ["qwen3-tiny-gqa2:latest"])
            let details = models.first?["details"] as? [String: Any] ?? [:]
            #expect(details["family"] as? String == "qwen3")
            #expect((models.first?["digest"] as? String)?.count == 64)

            let text = reference.inputs[0].text
            let tagged = try await server.post("/api/embed", json: ["model": "qwen3-tiny-gqa2:latest", "input": text])
            #expect(tagged.status == 200, "\(tagged.text)")
            #expect(tagged.object["model"] as? String == "qwen3-tiny-gqa2:latest")
            let vector = ((tagged.object["embeddings"] as? [[Double]])?.first ?? []).map(Float.init)
            #expect(cosine(vector, reference.inputs[0].embedding) >= 0.9999)

            let legacy = try await server.post("/api/embeddings", json: ["model": "qwen3-tiny-gqa2", "prompt": text])
            let raw = (legacy.object["embedding"] as? [Double] ?? []).map(Float.init)
            #expect(cosine(raw, reference.inputs[0].embedding) >= 0.9999)
            #expect(abs(norm(raw) - 1) > 0.01, "Ollama's /api/embeddings does not normalise: norm \(norm(raw))")
            let empty = try await server.post("/api/embed", json: ["model": "qwen3-tiny-gqa2", "input": [String]()])
            #expect(empty.status == 200 && (empty.object["embeddings"] as? [Any])?.isEmpty == true)

            let show = try await server.post("/api/show", json: ["model": "qwen3-tiny-gqa2:latest"])
            #expect(show.status == 200)
            #expect((show.object["model_info"] as? [String: Any])?["qwen3.embedding_length"] as? Int == tinyEmbedder.dimension)
            #expect(show.object["capabilities"] as? [String] == ["embedding"])
            #expect(try await server.get("/api/version").object["version"] as? String == EmbeddingServer.version)
        }
    }

    @Test("Ollama errors are {\"error\": \"message\"}; a 401 names its scheme")
    func ollamaErrors() async throws {
        try await LiveServer.with(names: ["qwen3-tiny-gqa2"]) { server in
            let missing = try await server.post("/api/embed", json: ["model": "nomic-embed-text", "input": "x"])
            #expect(missing.status == 404)
            #expect(missing.object.keys.sorted() == ["error"])
            #expect((missing.object["error"] as? String)?.contains("nomic-embed-text") == true)
            let wrongTag = try await server.post("/api/embed", json: ["model": "qwen3-tiny-gqa2:v2", "input": "x"])
            #expect(wrongTag.status == 404)
            let badInput = try await server.post("/api/embed", json: ["model": "qwen3-tiny-gqa2", "input": 5])
            #expect(badInput.status == 400 && badInput.object["error"] is String)
        }
        try await LiveServer.with(ServerConfiguration(apiKeys: ["k"])) { server in
            let denied = try await server.post("/api/embed", json: ["input": "x"])
            #expect(denied.status == 401)
            #expect(denied.object["error"] is String)
            #expect(denied.headers["www-authenticate"] == "Bearer")
            let allowed = try await server.post("/api/embed", json: ["input": "x"], headers: ["Authorization": "Bearer k"])
            #expect(allowed.status == 200)
            let openAI = try await server.post("/v1/embeddings", json: ["input": "x"])
            #expect(openAI.status == 401 && openAI.headers["www-authenticate"] == "Bearer")
            #expect((openAI.object["error"] as? [String: Any])?["code"] as? String == "invalid_api_key")
        }
    }

    @Test("TEI: POST / and /invocations embed, /decode inverts /tokenize, /ping answers, errors are TEI's shape")
    func teiRoutes() async throws {
        try await LiveServer.with(ServerConfiguration(maxClientBatchSize: 3)) { server in
            let texts = Array(reference.inputs.prefix(2).map(\.text))
            let embed = floatRows((try await server.post("/embed", json: ["inputs": texts])).json)
            for path in ["/", "/invocations"] {
                // huggingface_hub's InferenceClient(base_url=...).feature_extraction posts here, lowercase direction.
                let reply = try await server.post(path, json: ["inputs": texts, "truncation_direction": "right", "normalize": true])
                #expect(reply.status == 200, "\(path): \(reply.text)")
                let rows = floatRows(reply.json)
                #expect(rows.count == 2)
                for (a, b) in zip(rows, embed) { #expect(cosine(a, b) >= 0.999999, "\(path)") }
            }
            let ids = reference.inputs.prefix(3).map { $0.token_ids.map(Int.init) }
            let decoded = try await server.post("/decode", json: ["ids": ids])
            #expect(decoded.json as? [String] == reference.inputs.prefix(3).map(\.text))
            let kept = try await server.post("/decode", json: ["ids": ids[0], "skip_special_tokens": false])
            #expect((kept.json as? [String])?.first == reference.inputs[0].text + "<|endoftext|>")
            let ping = try await server.get("/ping")
            #expect(ping.status == 200 && ping.body.isEmpty)

            let tooMany = try await server.post("/embed", json: ["inputs": ["a", "b", "c", "d"]])
            #expect(tooMany.status == 400)
            #expect(tooMany.object["error_type"] as? String == "Validation")
            #expect((tooMany.object["error"] as? String)?.contains("limit of 3") == true)
            let openAI = try await server.post("/v1/embeddings", json: ["input": ["a", "b", "c", "d"]])
            #expect((openAI.object["error"] as? [String: Any])?["code"] as? String == "too_many_inputs")
            let left = try await server.post("/embed", json: ["inputs": "a", "truncation_direction": "Left"])
            #expect(left.status == 400 && left.object["error_type"] as? String == "Validation")

            let info = try await server.get("/info")
            for key in ["max_concurrent_requests", "max_client_batch_size", "tokenization_workers", "max_batch_tokens", "max_input_length"] {
                #expect(info.object[key] is Int, "\(key) is an integer")
            }
            #expect(info.object["max_client_batch_size"] as? Int == 3)
            #expect(info.object["auto_truncate"] as? Bool == false)
            #expect(info.object["model_dtype"] as? String == "float32")
            #expect(info.object["weight_type"] as? String == tinyEmbedder.description.tensorTypes.max { $0.value < $1.value }?.key)
        }
    }

    @Test("TEI: /embed_all gives every token's state, whose last row is /embed's vector; /tokenize gives byte offsets")
    func teiTokens() async throws {
        try await LiveServer.with(ServerConfiguration(batching: .init(maxBatchTokens: 128))) { server in
            let texts = Array(reference.inputs.prefix(2).map(\.text))
            let reply = try await server.post("/embed_all", json: ["inputs": texts])
            #expect(reply.status == 200, "\(reply.text)")
            let states = (reply.json as? [[[Double]]] ?? []).map { $0.map { $0.map(Float.init) } }
            #expect(states.map(\.count) == reference.inputs.prefix(2).map(\.token_ids.count))
            for (rows, input) in zip(states, reference.inputs) {
                #expect(rows.allSatisfy { $0.count == tinyEmbedder.dimension })
                #expect(cosine(rows.last ?? [], input.embedding) >= 0.9999, "\(input.label)")
            }
            let long = try await server.post("/embed_all", json: ["inputs": String(repeating: "word ", count: 200)])
            #expect(long.status == 400 && long.object["error_type"] as? String == "Validation", "\(long.text)")

            // "Grüße 😀 ok": the emoji's four bytes may span several tokens, each covering the whole character.
            let text = "Grüße 😀 ok"
            let tokens = try await server.post("/tokenize", json: ["inputs": text])
            let list = (tokens.json as? [[[String: Any]]])?.first ?? []
            let bytes = Array(text.utf8)
            var covered = 0
            for token in list.dropLast() {
                let start = try #require(token["start"] as? Int), stop = try #require(token["stop"] as? Int)
                #expect(token["text"] as? String == String(decoding: bytes[start..<stop], as: UTF8.self))
                #expect(start <= covered && stop > start)
                covered = max(covered, stop)
            }
            #expect(covered == bytes.count)
            #expect(list.last?["special"] as? Bool == true && list.last?["start"] is NSNull && list.last?["text"] as? String == "<|endoftext|>")
        }
    }
}
