import FolioEmbedder
import FolioModels
import Foundation
import Testing

/// Fixtures/xlmr (scripts/make_xlmr_fixtures.py): tiny random XLM-RoBERTa encoders over a trained SentencePiece
/// vocabulary, as Hugging Face folders and as GGUF files from llama.cpp's own converter.
enum XLMR {
    static let folder = fixtures.appendingPathComponent("xlmr")
    static let cls = folder.appendingPathComponent("cls")     // bge-m3 style: CLS pooling
    static let mean = folder.appendingPathComponent("mean")   // multilingual-e5 style: mean pooling, prompts

    /// reference.json: sentence-transformers vectors (float64, normalised), each text with its prompt.
    struct Reference: Decodable {
        struct Input: Decodable {
            let text: String
            let ids: [Int32]
            let vector: [Float]
        }
        struct Inputs: Decodable {
            let queries: [Input]
            let documents: [Input]
            var all: [Input] { queries + documents }
        }
        let queries: [Input]
        let documents: [Input]
        let reference_f16: Inputs?
        let reference_q8_0: Inputs?
        var main: Inputs { Inputs(queries: queries, documents: documents) }

        static func load(_ folder: URL) throws -> Reference {
            try JSONDecoder().decode(Reference.self, from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
        }
    }

    /// One file to check: the model folder or a GGUF beside it, which reference it must reach and how closely.
    struct Case: CustomTestStringConvertible, Sendable {
        let path: String
        let folder: URL
        /// nil: the float64 reference of the folder's weights; "f16", "q8_0": the reference recomputed with the
        /// GGUF's dequantised weights.
        let dequantised: String?
        let minimumCosine: Double
        var testDescription: String { URL(fileURLWithPath: path).lastPathComponent }

        func reference() throws -> Reference.Inputs {
            let r = try Reference.load(folder)
            switch dequantised {
            case nil: return r.main
            case "f16": return try #require(r.reference_f16)
            default: return try #require(r.reference_q8_0)
            }
        }
    }

    static let cases = [
        Case(path: cls.path, folder: cls, dequantised: nil, minimumCosine: 0.9999),
        Case(path: folder.appendingPathComponent("cls-f32.gguf").path, folder: cls, dequantised: nil, minimumCosine: 0.9999),
        Case(path: folder.appendingPathComponent("cls-f16.gguf").path, folder: cls, dequantised: "f16", minimumCosine: 0.9999),
        Case(path: folder.appendingPathComponent("cls-q8_0.gguf").path, folder: cls, dequantised: "q8_0", minimumCosine: 0.999),
        Case(path: mean.path, folder: mean, dequantised: nil, minimumCosine: 0.9999),
        Case(path: folder.appendingPathComponent("mean-f16.gguf").path, folder: mean, dequantised: "f16", minimumCosine: 0.9999),
    ]

    /// The prompts sentence-transformers put before queries and documents (from the folder; GGUF records none).
    static func prompts(_ folder: URL) -> (query: String, document: String) {
        (ModelPrompts.sentenceTransformersQueryPrompt(modelPath: folder.path) ?? "",
         ModelPrompts.sentenceTransformersDocumentPrompt(modelPath: folder.path) ?? "")
    }
}

@Suite("XLM-RoBERTa encoders (bge-m3, multilingual-e5 style) against sentence-transformers")
struct XLMRobertaTests {
    @Test("Vectors match sentence-transformers: folder and F32/F16 GGUF at cosine ≥ 0.9999, Q8_0 at ≥ 0.999",
          arguments: XLMR.cases)
    func vectors(_ c: XLMR.Case) throws {
        let embedder = try Embedder.load(path: c.path)
        let reference = try c.reference()
        let (queryPrompt, documentPrompt) = XLMR.prompts(c.folder)
        var lowest = 1.0
        // From text, with the folder's prompts, cut to the context as sentence-transformers cuts.
        let texts = reference.queries.map { queryPrompt + $0.text } + reference.documents.map { documentPrompt + $0.text }
        let vectors = try embedder.embed(texts, options: EmbedOptions(truncate: true))
        for (input, (text, e)) in zip(reference.all, zip(texts, vectors)) {
            #expect(embedder.truncated(embedder.tokens(for: text), to: embedder.contextLength) == input.ids,
                    "ids of \(text.prefix(40).debugDescription)")
            let cos = cosine(e.vector, input.vector)
            lowest = min(lowest, cos)
            #expect(cos >= c.minimumCosine, "cosine \(cos) for \(text.prefix(40).debugDescription)")
        }
        print("XLM-R \(c.testDescription): lowest cosine to sentence-transformers \(lowest) over \(texts.count) inputs")
    }

    @Test("A batch gives the same vectors as each input alone", arguments: XLMR.cases)
    func batchEqualsSingle(_ c: XLMR.Case) throws {
        let embedder = try Embedder.load(path: c.path)
        let ids = try c.reference().all.map(\.ids)
        let batch = try embedder.embed(tokenized: ids)
        var worst: Float = 0
        for (i, sequence) in ids.enumerated() {
            let alone = try embedder.embed(tokenized: [sequence])[0]
            worst = max(worst, zip(alone.vector, batch[i].vector).map { abs($0 - $1) }.max() ?? 0)
        }
        #expect(worst <= 1e-6, "largest difference \(worst)")
    }

    @Test("The files describe themselves: family, pooling, context, prompts")
    func descriptions() throws {
        for (path, pooling) in [(XLMR.cls.path, "cls"), (XLMR.folder.appendingPathComponent("cls-q8_0.gguf").path, "cls"),
                                (XLMR.mean.path, "mean"), (XLMR.folder.appendingPathComponent("mean-f16.gguf").path, "mean")] {
            let embedder = try Embedder.load(path: path)
            let d = embedder.description
            #expect(d.architecture == "xlm-roberta" && d.pooling.rawValue == pooling && d.layers == 2 && d.hiddenSize == 64,
                    "\(path): \(d.architecture) \(d.pooling)")
            // 258 rows, positions from pad_token_id + 1: 256 tokens (llama.cpp cuts the two rows off).
            #expect(embedder.contextLength == 256, "\(path): context \(embedder.contextLength)")
        }
        #expect(XLMR.prompts(XLMR.mean) == ("query: ", "passage: "))
        #expect(XLMR.prompts(XLMR.cls) == ("", ""))
    }

    @Test("The GGUF vocabulary (llama.cpp's t5 model with the charsmap) gives Hugging Face's ids on the golden texts")
    func ggufTokenizer() throws {
        struct Golden: Decodable {
            struct Line: Decodable { let text: String; let ids: [Int32] }
            let texts: [Line]
        }
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: XLMR.folder.appendingPathComponent("tokenizer-golden.json")))
        let encoder = try InputEncoder.load(path: XLMR.folder.appendingPathComponent("cls-f32.gguf").path)
        // llama.cpp's converter, reading sentencepiece.bpe.model, stores `<mask>` as an unused `[PAD…]` filler
        // (its `tokens[3:-1]` drops it), so the GGUF cannot match texts that spell `<mask>`.
        let lines = golden.texts.filter { !$0.text.contains("<mask>") }
        #expect(lines.count >= 200)
        var mismatches = 0
        for line in lines {
            let ids = encoder.ids(for: line.text)
            if ids != line.ids { mismatches += 1 }
            #expect(ids == line.ids, "\(line.text.prefix(40).debugDescription)")
        }
        #expect(mismatches == 0, "\(mismatches) of \(lines.count) texts differ")
        #expect(encoder.tokenizer.postProcessor.pairSeparator == [2, 2])
    }
}

@Suite("XLM-RoBERTa from the command line")
struct XLMRobertaCLITests {
    @Test("folio inspect --json shows the family, pooling, tokenizer and sentence-transformers prompts")
    func inspect() throws {
        let run = try runFolio(["inspect", XLMR.mean.path, "--json"])
        #expect(run.status == 0, "\(run.err)")
        let object = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as! [String: Any]
        #expect(object["architecture"] as? String == "xlm-roberta")
        #expect(object["pooling"] as? String == "mean")
        #expect((object["tokenizer"] as? [String: Any])?["type"] as? String == "UnigramTokenizer")
        let prompts = object["prompts"] as? [String: Any]
        #expect(prompts?["query"] as? String == "query: " && prompts?["document"] as? String == "passage: ")
        let gguf = try runFolio(["inspect", XLMR.folder.appendingPathComponent("cls-q8_0.gguf").path, "--json"])
        let g = try JSONSerialization.jsonObject(with: Data(gguf.out.utf8)) as! [String: Any]
        #expect(g["architecture"] as? String == "xlm-roberta" && g["pooling"] as? String == "cls")
        #expect((g["tensorTypes"] as? [String: Int])?["Q8_0", default: 0] ?? 0 > 0)
    }
}
