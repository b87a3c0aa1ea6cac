import FolioEmbedder
import FolioModels
import Foundation
import Testing

/// Fixtures/nomic (scripts/make_nomic_fixtures.py): a tiny random nomic-bert encoder over a cut-down bert-base-uncased
/// WordPiece vocabulary, as a Hugging Face folder and as F32, F16 and Q8_0 GGUF files.
enum Nomic {
    static let folder = fixtures.appendingPathComponent("nomic")
    static let model = folder.appendingPathComponent("model")
    static func gguf(_ type: String) -> URL { folder.appendingPathComponent("nomic-\(type).gguf") }

    /// reference.json: per input its text (with its prefix), Hugging Face ids, the float64 forward pass of the
    /// folder's weights (`vector`) and llama.cpp's embedding on each GGUF (`llama`), all normalised.
    struct Reference: Decodable {
        struct Input: Decodable {
            let role: String
            let text: String
            let ids: [Int32]
            let vector: [Float]
            let llama: [String: [Float]]
        }
        let query_prefix: String
        let document_prefix: String
        let inputs: [Input]

        static func load() throws -> Reference {
            try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Nomic.folder.appendingPathComponent("reference.json")))
        }
    }

    /// One file to check, the reference it must reach (nil: the float64 forward pass; else llama.cpp on that GGUF).
    struct Case: CustomTestStringConvertible, Sendable {
        let path: String
        let llama: String?
        let minimumCosine: Double
        var testDescription: String { URL(fileURLWithPath: path).lastPathComponent }

        func expected(_ input: Reference.Input) throws -> [Float] {
            guard let llama else { return input.vector }
            return try #require(input.llama[llama])
        }
    }

    static let cases = [
        Case(path: model.path, llama: nil, minimumCosine: 0.9999),
        Case(path: gguf("f32").path, llama: "f32", minimumCosine: 0.9999),
        Case(path: gguf("f16").path, llama: "f16", minimumCosine: 0.9999),
        Case(path: gguf("q8_0").path, llama: "q8_0", minimumCosine: 0.999),
    ]
}

@Suite("nomic-bert encoders (nomic-embed-text v1 / v1.5) against llama.cpp and a float64 reference")
struct NomicBertTests {
    @Test("Vectors match the references: folder and F32/F16 GGUF at cosine ≥ 0.9999, Q8_0 at ≥ 0.999",
          arguments: Nomic.cases)
    func vectors(_ c: Nomic.Case) throws {
        let embedder = try Embedder.load(path: c.path)
        let reference = try Nomic.Reference.load()
        let vectors = try embedder.embed(reference.inputs.map(\.text))
        var lowest = 1.0
        for (input, e) in zip(reference.inputs, vectors) {
            #expect(embedder.tokens(for: input.text) == input.ids, "ids of \(input.text.prefix(40).debugDescription)")
            let cos = cosine(e.vector, try c.expected(input))
            lowest = min(lowest, cos)
            #expect(cos >= c.minimumCosine, "cosine \(cos) for \(input.text.prefix(40).debugDescription)")
        }
        #expect(reference.inputs.contains { $0.ids.count > 200 }, "a long input exercises far rotary positions")
        print("nomic-bert \(c.testDescription): lowest cosine \(lowest) over \(vectors.count) inputs")
    }

    @Test("A batch gives the same vectors as each input alone", arguments: Nomic.cases)
    func batchEqualsSingle(_ c: Nomic.Case) throws {
        let embedder = try Embedder.load(path: c.path)
        let ids = try Nomic.Reference.load().inputs.map(\.ids)
        let batch = try embedder.embed(tokenized: ids)
        var worst: Float = 0
        for (i, sequence) in ids.enumerated() {
            let alone = try embedder.embed(tokenized: [sequence])[0]
            worst = max(worst, zip(alone.vector, batch[i].vector).map { abs($0 - $1) }.max() ?? 0)
        }
        #expect(worst <= 1e-6, "largest difference \(worst)")
    }

    @Test("Matryoshka dimensions keep the first N values of the vector, then renormalise", arguments: [Nomic.cases[0], Nomic.cases[2]])
    func dimensions(_ c: Nomic.Case) throws {
        let embedder = try Embedder.load(path: c.path)
        let reference = try Nomic.Reference.load()
        let cut = try embedder.embed(reference.inputs.map(\.text), options: EmbedOptions(dimensions: 32))
        for (input, e) in zip(reference.inputs, cut) {
            #expect(e.vector.count == 32)
            let norm = e.vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5, "norm \(norm)")
            let expected = Array(try c.expected(input).prefix(32))
            #expect(cosine(e.vector, expected) >= c.minimumCosine, "\(input.text.prefix(40).debugDescription)")
        }
        #expect(throws: EmbedderError.self) { try embedder.embed(["x"], options: EmbedOptions(dimensions: 65)) }
    }

    @Test("Queries take `search_query: ` and documents `search_document: `, from the folder and from GGUF", arguments: Nomic.cases)
    func prompts(_ c: Nomic.Case) throws {
        let embedder = try Embedder.load(path: c.path)
        let reference = try Nomic.Reference.load()
        #expect(embedder.prompts.queryPrefix == "search_query: " && embedder.prompts.documentPrefix == "search_document: ")
        #expect(embedder.prompts.queryTask == nil && embedder.prompts.queryPromptText == "search_query: ")
        #expect(reference.query_prefix == "search_query: " && reference.document_prefix == "search_document: ")
        for input in reference.inputs {
            let prefix = input.role == "query" ? reference.query_prefix : reference.document_prefix
            try #require(input.text.hasPrefix(prefix))
            let raw = String(input.text.dropFirst(prefix.count))
            let written: (text: String, instruction: String?) =
                input.role == "query" ? embedder.prompts.query(raw) : (embedder.prompts.document(raw), nil)
            #expect(written.text == input.text && written.instruction == nil)
        }
        // The prefix changes the vector: without it the query is another input.
        let query = try #require(reference.inputs.first { $0.role == "query" })
        let bare = try embedder.embed([String(query.text.dropFirst(reference.query_prefix.count))])[0]
        #expect(cosine(bare.vector, try c.expected(query)) < 0.999)
    }

    @Test("The files describe themselves: nomic-bert, rotary base 1000, mean pooling, context 2048")
    func descriptions() throws {
        for c in Nomic.cases {
            let d = try Embedder.load(path: c.path).description
            #expect(d.architecture == "nomic-bert" && d.pooling == .mean && d.layers == 2 && d.hiddenSize == 64,
                    "\(c.testDescription): \(d.architecture) \(d.pooling)")
            #expect(d.ropeTheta == 1000 && d.queryHeads == 4 && d.headDim == 16 && d.intermediateSize == 192)
            #expect(d.contextLength == 2048 && d.vocabularySize % 64 == 0, "\(c.testDescription): \(d.contextLength)")
        }
        #expect(try Embedder.load(path: Nomic.gguf("q8_0").path).description.tensorTypes["Q8_0", default: 0] == 11)
    }
}

@Suite("nomic-bert variants Folio does not run are refused by key")
struct NomicBertRefusalTests {
    /// A copy of the fixture folder with config.json edited, in a temporary folder.
    func edited(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("folio-nomic-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Nomic.model, to: dir)
        let url = dir.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: url)
        return dir
    }

    @Test("MoE, pre-norm, biases and partial rotary give a configuration error naming the key",
          arguments: [("moe_every_n_layers", "2"), ("prenorm", "true"), ("qkv_proj_bias", "true"), ("rotary_emb_fraction", "0.5"),
                      ("activation_function", "\"gelu\"")])
    func refused(_ key: String, _ json: String) throws {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        let dir = try edited { $0[key] = value }
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: ModelError.self) { try Embedder.load(path: dir.path) }
        guard case let .badConfiguration(found, _, _)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(found == key)
    }

    @Test("The unchanged copy loads, so the refusals above come from the edited key")
    func unchangedLoads() throws {
        let dir = try edited { _ in }
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try Embedder.load(path: dir.path).description.architecture == "nomic-bert")
    }
}

@Suite("nomic-bert from the command line")
struct NomicBertCLITests {
    @Test("folio inspect --json shows the family, rotary base and prompts of a GGUF file")
    func inspect() throws {
        let run = try runFolio(["inspect", Nomic.gguf("q8_0").path, "--json"])
        #expect(run.status == 0, "\(run.err)")
        let object = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as! [String: Any]
        #expect(object["architecture"] as? String == "nomic-bert" && object["pooling"] as? String == "mean")
        #expect((object["ropeTheta"] as? NSNumber)?.doubleValue == 1000)
        #expect((object["tokenizer"] as? [String: Any])?["type"] as? String == "WordPieceTokenizer")
        let prompts = object["prompts"] as? [String: Any]
        #expect(prompts?["query"] as? String == "search_query: " && prompts?["document"] as? String == "search_document: ")
    }

    @Test("folio embed --model <gguf> gives llama.cpp's vectors")
    func embed() throws {
        let reference = try Nomic.Reference.load()
        let stdin = reference.inputs.map {
            String(decoding: try! JSONSerialization.data(withJSONObject: $0.text, options: .fragmentsAllowed), as: UTF8.self)
        }.joined(separator: "\n")
        let run = try runFolio(["embed", "--model", Nomic.gguf("f16").path], stdin: stdin)
        #expect(run.status == 0, "\(run.err)")
        let lines = try run.out.split(separator: "\n").map { try JSONDecoder().decode(CLITests.Line.self, from: Data($0.utf8)) }
        #expect(lines.count == reference.inputs.count)
        for (line, input) in zip(lines, reference.inputs) {
            #expect(line.tokens == input.ids.count)
            #expect(cosine(line.embedding, try #require(input.llama["f16"])) >= 0.9999)
        }
    }
}
