import FolioEmbedder
import FolioModels
import Foundation
import Testing

/// Fixtures/models/embeddinggemma-tiny (scripts/make_embeddinggemma_fixtures.py): a tiny random EmbeddingGemma (6
/// Gemma 3 layers with bidirectional attention, sliding window 8, mean pooling, Dense 64 -> 96 -> 64, Normalize) over
/// the 269-piece Gemma-layout tokenizer, as a sentence-transformers folder and as llama.cpp `gemma-embedding` GGUF files.
enum EGemma {
    static let folder = modelsFolder.appendingPathComponent("embeddinggemma-tiny")
    static let hf = folder.appendingPathComponent("hf")
    static func gguf(_ type: String) -> URL { folder.appendingPathComponent("tiny-\(type).gguf") }

    /// reference.json: sentence-transformers `encode` (float32; float64 beside it), normalised.
    struct Reference: Decodable {
        let texts: [String]
        let ids: [[Int32]]
        let embeddings: [[Float]]
        let embeddings_f64: [[Float]]
        let queries: [String]
        let query_ids: [[Int32]]
        let query_embeddings: [[Float]]
        let documents: [String]
        let document_embeddings: [[Float]]
        /// The queries behind the folder's other prompts (`Clustering`, `STS`).
        let named_prompt_embeddings: [String: [[Float]]]
        let embeddings_q8_0_dequantized: [[Float]]
        let sliding_window_radius: Int

        static func load() throws -> Reference {
            try JSONDecoder().decode(Reference.self, from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let path: String
        /// Compared with the vectors of the exactly dequantised Q8_0 weights instead of the folder's.
        let q8: Bool
        let minimumCosine: Double
        var testDescription: String { URL(fileURLWithPath: path).lastPathComponent }
    }

    static let cases = [
        Case(path: hf.path, q8: false, minimumCosine: 0.9999),
        Case(path: gguf("f32").path, q8: false, minimumCosine: 0.9999),
        Case(path: gguf("f16").path, q8: false, minimumCosine: 0.9999),
        Case(path: gguf("q8_0").path, q8: true, minimumCosine: 0.999),
    ]
}

@Suite("EmbeddingGemma (Gemma 3, bidirectional) against sentence-transformers")
struct EmbeddingGemmaTests {
    @Test("Vectors match sentence-transformers: folder and F32/F16 GGUF at cosine ≥ 0.9999, Q8_0 at ≥ 0.999",
          arguments: EGemma.cases)
    func vectors(_ c: EGemma.Case) throws {
        let embedder = try Embedder.load(path: c.path)
        let r = try EGemma.Reference.load()
        let expected = c.q8 ? r.embeddings_q8_0_dequantized : r.embeddings
        // Inputs longer than the window (radius 4) and than several windows: the window is exercised.
        #expect(r.ids.contains { $0.count > 4 * (r.sliding_window_radius + 1) })
        let vectors = try embedder.embed(r.texts)
        var lowest = 1.0
        for (i, text) in r.texts.enumerated() {
            #expect(embedder.tokens(for: text) == r.ids[i], "ids of \(text.prefix(30).debugDescription)")
            let cos = cosine(vectors[i].vector, expected[i])
            lowest = min(lowest, cos)
            #expect(cos >= c.minimumCosine, "cosine \(cos) for \(text.prefix(30).debugDescription)")
        }
        print("EmbeddingGemma \(c.testDescription): lowest cosine to sentence-transformers \(lowest) over \(r.texts.count) inputs")
    }

    @Test("The float32 reference agrees with the float64 one, so 0.9999 is a meaningful bar")
    func referencePrecision() throws {
        let r = try EGemma.Reference.load()
        for (a, b) in zip(r.embeddings, r.embeddings_f64) { #expect(cosine(a, b) > 0.999999) }
    }

    @Test("Queries and documents get EmbeddingGemma's prompts, from the folder and for GGUF files",
          arguments: [EGemma.hf.path, EGemma.gguf("f32").path])
    func prompts(_ path: String) throws {
        let embedder = try Embedder.load(path: path)
        #expect(embedder.prompts.queryPrefix == "task: search result | query: ")
        #expect(embedder.prompts.documentPrefix == "title: none | text: ")
        #expect(embedder.prompts.queryTask == nil)
        let r = try EGemma.Reference.load()
        for (i, q) in r.queries.enumerated() {
            let text = embedder.prompts.query(q).text
            #expect(embedder.tokens(for: text) == r.query_ids[i])
            let v = try embedder.embed([text])[0].vector
            #expect(cosine(v, r.query_embeddings[i]) >= 0.9999, "query \(q)")
            // Without the prompt the vector is another one: the test can tell.
            #expect(cosine(try embedder.embed([q])[0].vector, r.query_embeddings[i]) < 0.9999)
        }
        for (i, d) in r.documents.enumerated() {
            let v = try embedder.embed([embedder.prompts.document(d)])[0].vector
            #expect(cosine(v, r.document_embeddings[i]) >= 0.9999, "document \(d)")
        }
    }

    @Test("Every named prompt gives sentence-transformers' vector; GGUF files get the published table, which agrees with the folder's",
          arguments: [EGemma.hf.path, EGemma.gguf("f32").path])
    func namedPrompts(_ path: String) throws {
        let embedder = try Embedder.load(path: path)
        let folder = try Embedder.load(path: EGemma.hf.path).prompts.named
        #expect(folder.keys.sorted() == ["Clustering", "STS", "document", "query"])
        for (name, text) in folder { #expect(embedder.prompts.named[name] == text, "\(name)") }
        let r = try EGemma.Reference.load()
        for (name, expected) in r.named_prompt_embeddings {
            for (i, q) in r.queries.enumerated() {
                let written = try #require(embedder.prompts.written(q, prompt: name))
                #expect(written.instruction == nil)
                #expect(cosine(try embedder.embed([written.text])[0].vector, expected[i]) >= 0.9999, "\(name): \(q)")
            }
        }
        #expect(embedder.prompts.written("ab", prompt: "Nope") == nil)
        #expect(embedder.prompts.written("ab", prompt: "passage")?.text == "title: none | text: ab")
    }

    @Test("A batch gives the same vectors as each input alone", arguments: EGemma.cases)
    func batchEqualsSingle(_ c: EGemma.Case) throws {
        let embedder = try Embedder.load(path: c.path)
        let ids = try EGemma.Reference.load().ids
        let batch = try embedder.embed(tokenized: ids)
        var worst: Float = 0
        for (i, sequence) in ids.enumerated() {
            let alone = try embedder.embed(tokenized: [sequence])[0]
            worst = max(worst, zip(alone.vector, batch[i].vector).map { abs($0 - $1) }.max() ?? 0)
        }
        #expect(worst <= 1e-6, "largest difference \(worst)")
    }

    @Test("Matryoshka dimensions keep the first values of the full vector and renormalise them")
    func matryoshka() throws {
        let embedder = try Embedder.load(path: EGemma.hf.path)
        let r = try EGemma.Reference.load()
        for dims in [48, 32] {
            let vectors = try embedder.embed(r.texts, options: EmbedOptions(dimensions: dims))
            for (v, full) in zip(vectors, r.embeddings) {
                #expect(v.vector.count == dims)
                let cut = Array(full.prefix(dims))
                let norm = cut.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                #expect(cosine(v.vector, cut) >= 0.9999)
                #expect(abs(v.vector.reduce(0.0) { $0 + Double($1) * Double($1) } - 1) < 1e-5 && norm < 0.9999)
            }
        }
    }

    @Test("The files describe themselves: family, pooling, the window and the Dense head")
    func descriptions() throws {
        for path in [EGemma.hf.path, EGemma.gguf("q8_0").path] {
            let embedder = try Embedder.load(path: path)
            let d = embedder.description
            #expect(d.architecture == "gemma-embedding" && d.pooling == .mean && d.layers == 6 && d.hiddenSize == 64
                    && d.queryHeads == 4 && d.keyValueHeads == 2 && d.headDim == 16, "\(path): \(d)")
            #expect(embedder.dimension == 64 && embedder.contextLength == 512, "\(path)")
            let loaded = try ModelLoader.load(path: path)
            let model = try #require(loaded.model as? Gemma3Model)
            #expect(model.denseOutputs == [96, 64])
            #expect(model.config.windowRadius == 4 && model.config.slidingLayers == [true, true, true, true, true, false])
        }
    }

    @Test("A causal Gemma 3 and a Dense module with an activation are refused with the key to fix")
    func refusals() throws {
        let fm = FileManager.default
        for (file, key, edit) in [("config.json", "use_bidirectional_attention", { (o: inout [String: Any]) in o["use_bidirectional_attention"] = false }),
                                  ("2_Dense/config.json", "activation_function", { (o: inout [String: Any]) in o["activation_function"] = "torch.nn.modules.activation.Tanh" })] {
            let copy = fm.temporaryDirectory.appendingPathComponent("egemma-\(UUID().uuidString)")
            try fm.copyItem(at: EGemma.hf, to: copy)
            defer { try? fm.removeItem(at: copy) }
            let url = copy.appendingPathComponent(file)
            var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            edit(&object)
            try JSONSerialization.data(withJSONObject: object).write(to: url)
            #expect {
                _ = try ModelLoader.load(path: copy.path)
            } throws: { error in
                guard case let ModelError.badConfiguration(k, _, _)? = error as? ModelError else { return false }
                return k == key
            }
        }
    }

    @Test("The sliding window matters: every layer attending to all tokens changes long inputs, not short ones")
    func windowMatters() throws {
        let loaded = try ModelLoader.load(path: EGemma.hf.path)
        let model = try #require(loaded.model as? Gemma3Model)
        let wide = model.withSlidingWindow(100_000)
        let r = try EGemma.Reference.load()
        for (ids, expected) in zip(r.ids, r.embeddings) {
            let cos = cosine(Embedder.finish(try wide.embed([ids])[0], dimensions: nil), expected)
            if ids.count <= r.sliding_window_radius + 1 {
                #expect(cos >= 0.9999, "\(ids.count) tokens: all within the window")
            } else if ids.count > 20 {
                #expect(cos < 0.9999, "\(ids.count) tokens: cosine \(cos) without the window")
            }
        }
    }
}

/// The same tiny model over the real Gemma 3 vocabulary (262,144 ids, a 67 MB folder, not committed):
/// Optional (it needs torch): `python3 scripts/make_embeddinggemma_fixtures.py realvocab TOKENIZER_JSON DIR`, then
/// FOLIO_EMBEDDINGGEMMA_DIR=DIR.
@Suite("EmbeddingGemma over the real Gemma 3 vocabulary against sentence-transformers",
       .enabled(if: ProcessInfo.processInfo.environment["FOLIO_EMBEDDINGGEMMA_DIR"].map { !$0.isEmpty } ?? false,
                "FOLIO_EMBEDDINGGEMMA_DIR is not set; make the real-vocabulary model with scripts/make_embeddinggemma_fixtures.py realvocab"))
struct EmbeddingGemmaRealVocabularyTests {
    struct Reference: Decodable {
        let texts: [String]
        let ids: [[Int32]]
        let embeddings: [[Float]]
    }

    @Test("Ids (<bos> … <eos>) and vectors match sentence-transformers at cosine ≥ 0.9999 on multilingual text")
    func vectors() throws {
        let dir = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment["FOLIO_EMBEDDINGGEMMA_DIR"]))
        let r = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: dir.appendingPathComponent("reference.json")))
        let embedder = try Embedder.load(path: dir.appendingPathComponent("hf").path)
        #expect(embedder.description.vocabularySize == 262_144)
        let vectors = try embedder.embed(r.texts)
        var lowest = 1.0
        for (i, text) in r.texts.enumerated() {
            #expect(embedder.tokens(for: text) == r.ids[i], "ids of \(text.prefix(30).debugDescription)")
            let cos = cosine(vectors[i].vector, r.embeddings[i])
            lowest = min(lowest, cos)
            #expect(cos >= 0.9999, "cosine \(cos) for \(text.prefix(30).debugDescription)")
        }
        print("EmbeddingGemma real vocabulary: lowest cosine \(lowest) over \(r.texts.count) inputs")
    }
}
