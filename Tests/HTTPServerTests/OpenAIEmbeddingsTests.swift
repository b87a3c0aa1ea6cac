import FolioEmbedder
import Foundation
import HTTPServer
import Testing

@Suite("OpenAI embeddings over HTTP")
struct OpenAIEmbeddingsTests {
    let reference = Reference.tiny

    @Test("Texts come back as transformers' vectors, in order, with token usage")
    func textsMatchReference() async throws {
        try await LiveServer.with { server in
            let reply = try await server.post("/v1/embeddings", json: [
                "input": reference.inputs.map(\.text), "model": "qwen3-tiny-gqa2", "encoding_format": "float",
            ])
            #expect(reply.status == 200)
            #expect(reply.object["object"] as? String == "list")
            #expect(reply.object["model"] as? String == "qwen3-tiny-gqa2")
            let got = vectors(reply)
            #expect(got.count == reference.inputs.count)
            for (v, ref) in zip(got, reference.inputs) {
                #expect(cosine(v, ref.embedding) >= 0.9999, "\(ref.label)")
            }
            let usage = reply.object["usage"] as? [String: Any]
            let tokens = reference.inputs.reduce(0) { $0 + $1.token_ids.count }
            #expect(usage?["prompt_tokens"] as? Int == tokens)
            #expect(usage?["total_tokens"] as? Int == tokens)
            let data = reply.object["data"] as? [[String: Any]] ?? []
            #expect(data.map { $0["index"] as? Int } == Array(0 ..< reference.inputs.count))
            #expect(data.allSatisfy { $0["object"] as? String == "embedding" })
        }
    }

    @Test("With --allow-token-ids, a single string, token ids and arrays of token ids give the same vectors as text")
    func inputShapes() async throws {
        try await LiveServer.with(ServerConfiguration(allowTokenIDs: true)) { server in
            let first = reference.inputs[0]
            let single = try await server.post("/v1/embeddings", json: ["input": first.text, "encoding_format": "float"])
            #expect(cosine(vectors(single).first ?? [], first.embedding) >= 0.9999)
            let ids = try await server.post("/v1/embeddings", json: ["input": first.token_ids.map(Int.init), "encoding_format": "float"])
            #expect(cosine(vectors(ids).first ?? [], first.embedding) >= 0.9999)
            let many = try await server.post("/v1/embeddings", json: [
                "input": reference.inputs.map { $0.token_ids.map(Int.init) }, "encoding_format": "float",
            ])
            let got = vectors(many)
            #expect(got.count == reference.inputs.count)
            for (v, ref) in zip(got, reference.inputs) { #expect(cosine(v, ref.embedding) >= 0.9999, "\(ref.label)") }
            // Ids as `encode(text, add_special_tokens=False)` gives them: the server adds <|endoftext|> as for text,
            // and counts it in usage.
            let bare = reference.inputs.map { Array($0.token_ids.dropLast()).map(Int.init) }
            #expect(reference.inputs.allSatisfy { $0.token_ids.last == tinyEmbedder.encoder.appendedEOS })
            let added = try await server.post("/v1/embeddings", json: ["input": bare, "encoding_format": "float"])
            for (v, ref) in zip(vectors(added), reference.inputs) { #expect(cosine(v, ref.embedding) >= 0.9999, "\(ref.label) without EOS") }
            let usage = added.object["usage"] as? [String: Any]
            #expect(usage?["prompt_tokens"] as? Int == reference.inputs.reduce(0) { $0 + $1.token_ids.count })
        }
    }

    @Test("By default token ids are refused with a 400 that names LangChain's setting and the server option")
    func tokenIDsRefused() async throws {
        try await LiveServer.with { server in
            // What LangChain's OpenAIEmbeddings sends for "hello world" by default: tiktoken cl100k ids.
            let reply = try await server.post("/v1/embeddings", json: ["input": [[15339, 1917]], "model": "text-embedding-ada-002"])
            expectOpenAIShape(reply, status: 400)
            #expect(reply.error["code"] as? String == "token_ids_not_allowed")
            let message = reply.error["message"] as? String ?? ""
            #expect(message.contains("check_embedding_ctx_length=False") && message.contains("--allow-token-ids"), "\(message)")
            let tei = try await server.post("/embed", json: ["inputs": [15339, 1917]])
            #expect(tei.status == 400)
            #expect(tei.object["error_type"] as? String == "Validation")
        }
    }

    @Test("base64 (the SDK default) decodes to the same floats as encoding_format float")
    func base64MatchesFloat() async throws {
        try await LiveServer.with { server in
            let texts = reference.inputs.map(\.text)
            let floats = try await server.post("/v1/embeddings", json: ["input": texts, "encoding_format": "float"])
            let packed = try await server.post("/v1/embeddings", json: ["input": texts, "encoding_format": "base64"])
            #expect(packed.status == 200)
            let first = (packed.object["data"] as? [[String: Any]])?.first?["embedding"]
            #expect(first is String)
            // Two requests may share engine calls with other tests' requests; summation order may then differ in the
            // last bit, never more. A wrong byte order or offset would be off by orders of magnitude.
            #expect(vectors(packed).count == texts.count)
            for (a, b) in zip(vectors(packed), vectors(floats)) {
                #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 })
            }
            for (v, ref) in zip(vectors(packed), reference.inputs) { #expect(cosine(v, ref.embedding) >= 0.9999) }
        }
    }

    @Test("dimensions gives transformers' cut-and-renormalised vectors")
    func dimensions() async throws {
        try await LiveServer.with { server in
            let reply = try await server.post("/v1/embeddings", json: [
                "input": reference.inputs.map(\.text), "dimensions": reference.dimensions, "encoding_format": "float",
            ])
            #expect(reply.status == 200)
            for (v, ref) in zip(vectors(reply), reference.inputs) {
                let expected = try #require(ref.embedding_dimensions)
                #expect(v.count == reference.dimensions)
                #expect(cosine(v, expected) >= 0.9999, "\(ref.label)")
                let norm = v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
                #expect(abs(norm - 1) < 1e-5)
            }
        }
    }

    @Test("input_type query applies the default retrieval instruction; instruction sets another")
    func queries() async throws {
        try await LiveServer.with { server in
            let queries = reference.queries.inputs
            let byType = try await server.post("/v1/embeddings", json: [
                "input": queries.map(\.text), "input_type": "query", "encoding_format": "float",
            ])
            for (v, ref) in zip(vectors(byType), queries) { #expect(cosine(v, ref.embedding) >= 0.9999, "\(ref.label)") }
            #expect(vectors(byType).count == queries.count)
            let byTask = try await server.post("/v1/embeddings", json: [
                "input": queries.map(\.text), "instruction": reference.queries.task, "encoding_format": "float",
            ])
            // Separate requests may share engine calls with other tests' inputs: equal to the last bits, not bit for bit.
            #expect(vectors(byTask).count == vectors(byType).count)
            for (a, b) in zip(vectors(byTask), vectors(byType)) {
                #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 })
            }
            let asDocuments = try await server.post("/v1/embeddings", json: [
                "input": queries.map(\.text), "input_type": "document", "encoding_format": "float",
            ])
            #expect(cosine(vectors(asDocuments).first ?? [], queries[0].embedding) < 0.9999)
        }
    }

    @Test("GET /v1/models lists the served model; the model answers to its aliases")
    func models() async throws {
        try await LiveServer.with(names: ["folio-tiny"] + ServedModel.names(forPath: tinyModelPath)) { server in
            let list = try await server.get("/v1/models")
            #expect(list.status == 200)
            let data = list.object["data"] as? [[String: Any]] ?? []
            #expect(data.first?["id"] as? String == "folio-tiny")
            #expect(data.first?["object"] as? String == "model")
            for name in ["folio-tiny", "qwen3-tiny-gqa2"] {
                let reply = try await server.post("/v1/embeddings", json: ["input": "hello", "model": name])
                #expect(reply.status == 200, "\(name)")
                #expect(reply.object["model"] as? String == name)
            }
        }
    }
}
