import FolioEmbedder
import Foundation
import HTTPServer
import Testing

/// `input_type` / `prompt_name` follow each model's own convention: e5's `query: ` and `passage: ` prompts from its
/// sentence-transformers folder, Qwen3's instruction (the other tests' tiny model).
@Suite("Query and document prompts per model")
struct PromptTests {
    struct Reference: Decodable {
        struct Input: Decodable {
            let text: String
            let vector: [Float]
        }
        let queries: [Input]
        let documents: [Input]
    }

    static let folder = fixtures.appendingPathComponent("xlmr/mean")

    @Test("An e5-style model gets query: and passage: on /v1/embeddings and TEI's /embed, as sentence-transformers encodes them")
    func e5Prompts() async throws {
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Self.folder.appendingPathComponent("reference.json")))
        let embedder = try Embedder.load(path: Self.folder.path)
        #expect(embedder.prompts == PromptConvention(queryTask: nil, queryPrefix: "query: ", documentPrefix: "passage: ",
                                                     named: ["query": "query: ", "passage": "passage: "]))
        try await LiveServer.with(models: [ServedModel(.embedder(embedder), names: ["e5"])]) { server in
            let queries = reference.queries.map(\.text), documents = reference.documents.map(\.text)
            let asQueries = vectors(try await server.post("/v1/embeddings", json: ["input": queries, "input_type": "query", "truncate": true]))
            let asDocuments = vectors(try await server.post("/v1/embeddings", json: ["input": documents, "input_type": "passage", "truncate": true]))
            let teiQueries = floatRows(try await server.post("/embed", json: ["inputs": queries, "prompt_name": "query", "truncate": true]).json)
            #expect(asQueries.count == queries.count && asDocuments.count == documents.count && teiQueries.count == queries.count)
            for (v, r) in zip(asQueries, reference.queries) { #expect(cosine(v, r.vector) >= 0.9999, "query \(r.text.prefix(30))") }
            for (v, r) in zip(teiQueries, reference.queries) { #expect(cosine(v, r.vector) >= 0.9999, "TEI query \(r.text.prefix(30))") }
            for (v, r) in zip(asDocuments, reference.documents) { #expect(cosine(v, r.vector) >= 0.9999, "document \(r.text.prefix(30))") }
            // Without an input type the text is embedded as it is: not the prompted vector.
            let plain = vectors(try await server.post("/v1/embeddings", json: ["input": [queries[0]], "truncate": true]))
            #expect(cosine(plain.first ?? [], reference.queries[0].vector) < 0.9999)

            let info = try await server.get("/info")
            #expect(info.object["query_prompt"] as? String == "query: ")
            #expect(info.object["document_prompt"] as? String == "passage: ")
            let tokens = try await server.post("/tokenize", json: ["inputs": queries[0], "prompt_name": "query"])
            let ids = ((tokens.json as? [[[String: Any]]])?.first ?? []).compactMap { $0["id"] as? Int }
            #expect(ids == embedder.tokens(for: "query: " + queries[0]).map(Int.init))
        }
    }

    @Test("A nomic-bert GGUF gets search_query: and search_document: on /v1/embeddings, as llama.cpp embeds them; /info shows them")
    func nomicPrompts() async throws {
        struct NomicReference: Decodable {
            struct Input: Decodable { let role: String; let text: String; let llama: [String: [Float]] }
            let query_prefix: String
            let document_prefix: String
            let inputs: [Input]
        }
        let folder = fixtures.appendingPathComponent("nomic")
        let reference = try JSONDecoder().decode(NomicReference.self, from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
        let embedder = try Embedder.load(path: folder.appendingPathComponent("nomic-f16.gguf").path)
        try await LiveServer.with(models: [ServedModel(.embedder(embedder), names: ["nomic"])]) { server in
            for role in ["query", "document"] {
                let prefix = role == "query" ? reference.query_prefix : reference.document_prefix
                let inputs = reference.inputs.filter { $0.role == role }
                let bare = inputs.map { String($0.text.dropFirst(prefix.count)) }
                let got = vectors(try await server.post("/v1/embeddings", json: ["input": bare, "input_type": role]))
                #expect(got.count == inputs.count)
                for (v, r) in zip(got, inputs) { #expect(cosine(v, r.llama["f16"] ?? []) >= 0.9999, "\(role) \(r.text.prefix(40))") }
            }
            let info = try await server.get("/info")
            #expect(info.object["query_prompt"] as? String == "search_query: ")
            #expect(info.object["document_prompt"] as? String == "search_document: ")
        }
    }

    @Test("EmbeddingGemma's other named prompts on TEI's prompt_name and input_type give sentence-transformers' vectors; unknown names are refused with the list",
          arguments: ["hf", "tiny-f32.gguf"])
    func namedPrompts(_ file: String) async throws {
        struct GemmaReference: Decodable {
            let queries: [String]
            let named_prompt_embeddings: [String: [[Float]]]
        }
        let folder = fixtures.appendingPathComponent("models/embeddinggemma-tiny")
        let reference = try JSONDecoder().decode(GemmaReference.self, from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
        #expect(reference.named_prompt_embeddings.keys.sorted() == ["Clustering", "STS"])
        let embedder = try Embedder.load(path: folder.appendingPathComponent(file).path)
        try await LiveServer.with(models: [ServedModel(.embedder(embedder), names: ["gemma"])]) { server in
            for (name, expected) in reference.named_prompt_embeddings.sorted(by: { $0.key < $1.key }) {
                let tei = floatRows(try await server.post("/embed", json: ["inputs": reference.queries, "prompt_name": name]).json)
                let openAI = vectors(try await server.post("/v1/embeddings", json: ["input": reference.queries, "input_type": name]))
                #expect(tei.count == expected.count && openAI.count == expected.count, "\(name)")
                for (v, r) in zip(tei, expected) { #expect(cosine(v, r) >= 0.9999, "TEI \(name)") }
                for (v, r) in zip(openAI, expected) { #expect(cosine(v, r) >= 0.9999, "OpenAI \(name)") }
                // Another prompt gives another vector: the test can tell them apart.
                let query = floatRows(try await server.post("/embed", json: ["inputs": [reference.queries[0]], "prompt_name": "query"]).json)
                #expect(cosine(query.first ?? [], expected[0]) < 0.9999, "\(name) against query")
            }
            let info = try await server.get("/info")
            let prompts = info.object["prompts"] as? [String: String] ?? [:]
            #expect(prompts["STS"] == "task: sentence similarity | query: ")
            // The folder lists its four; a GGUF file records none, so it gets the family's published table.
            #expect(prompts.count == (file == "hf" ? 4 : 14), "\(prompts.keys.sorted())")

            let bad = try await server.post("/embed", json: ["inputs": ["ab"], "prompt_name": "Nope"])
            #expect(bad.status == 400)
            let message = bad.object["error"] as? String ?? bad.text // TEI's error body: {"error", "error_type"}
            #expect(message.contains("\"Nope\"") && message.contains("\"STS\"") && message.contains("\"query\""), "\(message)")
        }
    }

    @Test("Qwen3 queries get the instruction, documents nothing; /info shows the instruction")
    func qwen3Prompts() async throws {
        try await LiveServer.with { server in
            let info = try await server.get("/info")
            #expect(info.object["query_prompt"] as? String == InputEncoder.formatQuery("", task: EmbedOptions.defaultRetrievalTask))
            #expect(info.object["document_prompt"] is NSNull)
            let text = "what is a knowledge base"
            let query = vectors(try await server.post("/v1/embeddings", json: ["input": [text], "input_type": "query"]))
            let direct = try tinyEmbedder.embed([text], options: EmbedOptions(instruction: EmbedOptions.defaultRetrievalTask))
            #expect(cosine(query.first ?? [], direct[0].vector) >= 0.999999)
            let document = vectors(try await server.post("/v1/embeddings", json: ["input": [text], "input_type": "document"]))
            #expect(cosine(document.first ?? [], try tinyEmbedder.embed([text])[0].vector) >= 0.999999)
        }
    }
}
