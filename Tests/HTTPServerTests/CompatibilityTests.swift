import FolioEmbedder
import Foundation
import HTTPServer
import Testing

@Suite("TEI, Ollama and service routes")
struct CompatibilityTests {
    let reference = Reference.tiny

    @Test("TEI /embed returns transformers' vectors; prompt_name query applies the instruction")
    func teiEmbed() async throws {
        try await LiveServer.with { server in
            let reply = try await server.post("/embed", json: ["inputs": reference.inputs.map(\.text)])
            #expect(reply.status == 200)
            let rows = floatRows(reply.json)
            #expect(rows.count == reference.inputs.count)
            for (v, ref) in zip(rows, reference.inputs) { #expect(cosine(v, ref.embedding) >= 0.9999, "\(ref.label)") }
            let one = try await server.post("/embed", json: ["inputs": reference.queries.inputs[0].text, "prompt_name": "query"])
            #expect(cosine(floatRows(one.json).first ?? [], reference.queries.inputs[0].embedding) >= 0.9999)
            let cut = try await server.post("/embed", json: ["inputs": reference.inputs[0].text, "dimensions": reference.dimensions])
            #expect(cosine(floatRows(cut.json).first ?? [], reference.inputs[0].embedding_dimensions ?? []) >= 0.9999)
            // normalize: false gives the pooled vector itself: the reference's direction, not unit length.
            let raw = try await server.post("/embed", json: ["inputs": reference.inputs[0].text, "normalize": false])
            #expect(raw.status == 200)
            let v = floatRows(raw.json).first ?? []
            #expect(cosine(v, reference.inputs[0].embedding) >= 0.9999)
            let norm = v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) > 0.01, "norm \(norm)")
        }
    }

    @Test("TEI /tokenize gives the ids the model sees; /info gives the limits")
    func teiTokenizeAndInfo() async throws {
        try await LiveServer.with { server in
            let texts = reference.inputs.prefix(3).map(\.text)
            let reply = try await server.post("/tokenize", json: ["inputs": Array(texts)])
            #expect(reply.status == 200)
            let ids = (reply.json as? [[[String: Any]]] ?? []).map { $0.compactMap { $0["id"] as? Int } }
            #expect(ids == reference.inputs.prefix(3).map { $0.token_ids.map(Int.init) })
            let last = (reply.json as? [[[String: Any]]])?.first?.last
            #expect(last?["special"] as? Bool == true)
            let info = try await server.get("/info")
            #expect(info.status == 200)
            #expect(info.object["max_input_length"] as? Int == tinyEmbedder.contextLength)
            #expect(info.object["dimension"] as? Int == tinyEmbedder.dimension)
        }
    }

    @Test("Ollama /api/embed returns {model, embeddings} with transformers' vectors")
    func ollama() async throws {
        try await LiveServer.with(names: ServedModel.names(forPath: tinyModelPath)) { server in
            let reply = try await server.post("/api/embed", json: ["model": "qwen3-tiny-gqa2", "input": reference.inputs.map(\.text)])
            #expect(reply.status == 200)
            #expect(reply.object["model"] as? String == "qwen3-tiny-gqa2")
            let rows = floatRows(reply.object["embeddings"])
            #expect(rows.count == reference.inputs.count)
            for (v, ref) in zip(rows, reference.inputs) { #expect(cosine(v, ref.embedding) >= 0.9999, "\(ref.label)") }
            #expect(reply.object["prompt_eval_count"] as? Int == reference.inputs.reduce(0) { $0 + $1.token_ids.count })
        }
    }

    @Test("/health answers 200; /metrics counts requests, tokens and batches in Prometheus text")
    func healthAndMetrics() async throws {
        try await LiveServer.with { server in
            #expect(try await server.get("/health").status == 200)
            _ = try await server.post("/v1/embeddings", json: ["input": reference.inputs[0].text])
            _ = try await server.post("/v1/embeddings", json: ["input": "x", "dimensions": 1])
            let metrics = try await server.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
            let text = metrics.text
            #expect(text.contains("folio_http_requests_total{route=\"/v1/embeddings\",method=\"POST\",status=\"200\"} 1"))
            #expect(text.contains("folio_http_requests_total{route=\"/v1/embeddings\",method=\"POST\",status=\"400\"} 1"))
            #expect(text.contains("folio_embedded_tokens_total \(reference.inputs[0].token_ids.count)"))
            #expect(text.contains("folio_batch_inputs_count 1"))
            #expect(text.contains("folio_queue_tokens 0"))
            #expect(text.contains("folio_http_request_duration_seconds_bucket{route=\"/v1/embeddings\",le=\"+Inf\"} 2"))
        }
    }

    @Test("/openapi.json is valid JSON describing every route")
    func openAPI() async throws {
        try await LiveServer.with { server in
            let reply = try await server.get("/openapi.json")
            #expect(reply.status == 200)
            let paths = reply.object["paths"] as? [String: Any] ?? [:]
            // An empty object is a 400 where the route needs a field; Ollama answers it with no vectors.
            let posts = ["/v1/embeddings": 400, "/embeddings": 400, "/embed": 400, "/": 400, "/invocations": 400, "/tokenize": 400,
                         "/decode": 400, "/rerank": 400, "/v1/rerank": 400, "/v2/rerank": 400, "/api/embed": 200,
                         "/api/embeddings": 200, "/api/show": 400]
            for (path, status) in posts {
                #expect((paths[path] as? [String: Any])?["post"] != nil, "\(path)")
                #expect(try await server.post(path, json: [String: Any]()).status == status, "\(path) is served")
            }
            for path in ["/v1/models", "/info", "/health", "/metrics", "/openapi.json", "/ping", "/api/tags", "/api/ps", "/api/version"] {
                #expect((paths[path] as? [String: Any])?["get"] != nil, "\(path)")
                #expect(try await server.get(path).status == 200, "\(path) is served")
            }
        }
    }

    @Test("CORS headers appear only for configured origins")
    func cors() async throws {
        try await LiveServer.with { server in
            let reply = try await server.get("/v1/models", headers: ["Origin": "https://app.example"])
            #expect(reply.headers["access-control-allow-origin"] == nil)
        }
        try await LiveServer.with(ServerConfiguration(apiKeys: ["k"], corsOrigins: ["https://app.example"])) { server in
            let preflight = try await server.send("OPTIONS", "/v1/embeddings", headers: [
                "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
            ])
            #expect(preflight.status == 204)
            #expect(preflight.headers["access-control-allow-origin"] == "https://app.example")
            let denied = try await server.get("/v1/models", headers: ["Origin": "https://app.example"])
            #expect(denied.status == 401)
            #expect(denied.headers["access-control-allow-origin"] == "https://app.example")
            let other = try await server.get("/v1/models", headers: ["Origin": "https://evil.example", "Authorization": "Bearer k"])
            #expect(other.status == 200)
            #expect(other.headers["access-control-allow-origin"] == nil)
        }
    }
}
