import FolioEmbedder
import FolioModels
import Foundation
import ModelFiles
import Testing

/// all-MiniLM-L6-v2 converted to GGUF (`bert`) by scripts/convert_bert_gguf.py, which follows llama.cpp's
/// convert_hf_to_gguf.py. The 90 MB files are not committed: CI writes them from the PyPI model.
enum MiniLMGGUF {
    struct NotFound: Error, CustomStringConvertible {
        let reason: String
        var description: String {
            "all-MiniLM-L6-v2 GGUF files were not found (\(reason)). Run the tests with `bash scripts/test.sh` "
                + "(it writes them), or make them with "
                + "`for t in f32 f16 q8_0; do python3 scripts/convert_bert_gguf.py \"$FOLIO_MINILM_PATH\" "
                + "\"$DIR/minilm-$t.gguf\" --outtype $t; done` (needs `pip install gguf numpy safetensors`) "
                + "and set FOLIO_MINILM_GGUF_DIR=$DIR."
        }
    }

    /// FOLIO_MINILM_GGUF_DIR/minilm-{type}.gguf. Never skips: missing files are a failure that says how to make them.
    static func path(_ type: String) throws -> String {
        guard let dir = ProcessInfo.processInfo.environment["FOLIO_MINILM_GGUF_DIR"], !dir.isEmpty else {
            throw NotFound(reason: "FOLIO_MINILM_GGUF_DIR is not set")
        }
        let path = URL(fileURLWithPath: dir).appendingPathComponent("minilm-\(type).gguf").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw NotFound(reason: "FOLIO_MINILM_GGUF_DIR=\(dir) has no minilm-\(type).gguf")
        }
        return path
    }

    static let embedders: [String: Result<Embedder, any Error>] = Dictionary(uniqueKeysWithValues: ["f32", "f16", "q8_0"].map { t in
        (t, Result { try Embedder.load(path: try path(t), configuration: .init(maxBatchTokens: 2048)) })
    })

    static func embedder(_ type: String) throws -> Embedder { try embedders[type]!.get() }

    /// The committed vocabulary-only file (`convert_bert_gguf.py --vocab-only`, 0.6 MB).
    static let vocabularyFile = fixtures.appendingPathComponent("minilm/minilm-vocab.gguf").path
}

@Suite("all-MiniLM-L6-v2 from GGUF against sentence-transformers")
struct MiniLMGGUFTests {
    struct Golden: Decodable {
        let text: String
        let raw: [Int32]
        let ids: [Int32]
    }

    @Test("The GGUF vocabulary (phantom-space form) gives Hugging Face's ids on every tokenizer golden text and every vector golden text")
    func vocabularyMatchesHuggingFace() throws {
        let encoder = try InputEncoder.load(path: MiniLMGGUF.vocabularyFile)
        let lines = try String(contentsOf: fixtures.appendingPathComponent("tokenizers/golden/minilm.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count >= 90)
        for line in lines {
            let golden = try JSONDecoder().decode(Golden.self, from: Data(line.utf8))
            #expect(encoder.ids(for: golden.text, raw: true) == golden.raw, "\(golden.text.prefix(40).debugDescription)")
            #expect(encoder.ids(for: golden.text) == golden.ids, "\(golden.text.prefix(40).debugDescription)")
        }
        for g in try MiniLM.golden().inputs {
            let ids = encoder.ids(for: g.text)
            let cut = ids.count > 256 ? Array(ids.prefix(255)) + [ids.last!] : ids
            #expect(cut == g.ids, "ids of \(g.text.prefix(40).debugDescription)")
        }
        #expect(encoder.tokenizer.postProcessor.prefix == [101] && encoder.tokenizer.postProcessor.suffix == [102])
        #expect(encoder.tokenizer.padTokenID == 0 && encoder.tokenizer.vocabularySize == 30522)
    }

    @Test("Each GGUF loads as a 6-layer mean-pooled BERT with llama.cpp's 512-token context", arguments: ["f32", "f16", "q8_0"])
    func description(type: String) throws {
        let embedder = try MiniLMGGUF.embedder(type)
        let d = embedder.description
        #expect(d.format == "gguf" && d.architecture == "bert" && d.layers == 6 && d.hiddenSize == 384 && d.queryHeads == 12)
        #expect(d.pooling == .mean && d.ropeTheta == nil && d.vocabularySize == 30522)
        // bert.context_length is max_position_embeddings; sentence-transformers' 256 is not in the file.
        #expect(embedder.contextLength == 512 && embedder.dimension == 384)
        #expect(d.tensorTypes["F32", default: 0] >= 64)
    }

    /// F32: the same weights as the folder, so the same vectors. F16 rounds each projection and the word
    /// table to 11 significant bits. Q8_0 stores 8-bit values with one F16 scale per 32; BERT runs them with
    /// f32 activations (8-bit activations measured 0.9978 on the 4-token "?!"), so the loss is the weights'
    /// alone (0.9994 there when PyTorch runs the rounded weights): Q8_0 is held to the quantised bar, 0.999.
    @Test("GGUF vectors match sentence-transformers: F32 and F16 at cosine ≥ 0.9999, Q8_0 at ≥ 0.999",
          arguments: [("f32", 0.9999, 0.9999), ("f16", 0.9999, 0.9999), ("q8_0", 0.999, 0.9995)])
    func golden(type: String, each: Double, average: Double) throws {
        let embedder = try MiniLMGGUF.embedder(type)
        let golden = try MiniLM.golden()
        let fromIDs = try embedder.embed(tokenized: golden.inputs.map(\.ids))
        var cosines: [Double] = []
        for (g, e) in zip(golden.inputs, fromIDs) {
            let c = cosine(e.vector, g.vector)
            cosines.append(c)
            #expect(c >= each, "\(type): cosine \(c) for \(g.text.prefix(40).debugDescription)")
        }
        let mean = cosines.reduce(0, +) / Double(cosines.count)
        #expect(mean >= average, "\(type): mean cosine \(mean)")
        // From text: the tokenizer built from the GGUF vocabulary gives the same ids, hence the same vectors.
        let short = golden.inputs.filter { $0.ids.count < 256 }
        let fromText = try embedder.embed(short.map(\.text))
        for (g, e) in zip(short, fromText) {
            #expect(embedder.tokens(for: g.text) == g.ids, "\(type): ids of \(g.text.prefix(40).debugDescription)")
            #expect(cosine(e.vector, g.vector) >= each, "\(type): cosine from text for \(g.text.prefix(40).debugDescription)")
        }
        print("MiniLM GGUF \(type): cosine to sentence-transformers lowest \(cosines.min()!), mean \(mean) over \(cosines.count) inputs")
    }

    @Test("The F32 GGUF gives the folder's vectors to 1e-6")
    func f32EqualsFolder() throws {
        let gguf = try MiniLMGGUF.embedder("f32")
        let folder = try MiniLM.embedder.get()
        let ids = try MiniLM.golden().inputs.map(\.ids)
        let a = try gguf.embed(tokenized: ids), b = try folder.embed(tokenized: ids)
        for (i, (x, y)) in zip(a, b).enumerated() {
            let worst = zip(x.vector, y.vector).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-6, "input \(i): largest difference \(worst)")
        }
    }

    /// A copy of the Q8_0 file with `edit` applied to its bytes.
    static func editedCopy(_ edit: (inout Data) throws -> Void) throws -> URL {
        var data = try Data(contentsOf: URL(fileURLWithPath: try MiniLMGGUF.path("q8_0")))
        try edit(&data)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("folio-bert-\(UUID().uuidString).gguf")
        try data.write(to: url)
        return url
    }

    @Test("A bert GGUF without bert.attention.head_count names the key")
    func missingKey() throws {
        let url = try Self.editedCopy { data in
            // Same length, so every offset after it stays valid.
            let range = try #require(data.range(of: Data("bert.attention.head_count".utf8)))
            data.replaceSubrange(range, with: Data("bert.attention.head_cnt__".utf8))
        }
        defer { try? FileManager.default.removeItem(at: url) }
        let error = #expect(throws: ModelError.self) { try Embedder.load(path: url.path) }
        #expect(error == .badConfiguration(key: "bert.attention.head_count", path: url.path, expected: "an integer"))
        #expect(error?.description.contains("bert.attention.head_count") == true)
    }

    @Test("A bert GGUF with pooling type 0 (none) is refused with the values Folio accepts")
    func badPooling() throws {
        let url = try Self.editedCopy { data in
            // key, then u32 type 4 (uint32), then the u32 value 1 (mean).
            let key = Data("bert.pooling_type".utf8) + Data([4, 0, 0, 0, 1, 0, 0, 0])
            let range = try #require(data.range(of: key))
            data[range.upperBound - 4] = 0
        }
        defer { try? FileManager.default.removeItem(at: url) }
        let error = #expect(throws: ModelError.self) { try Embedder.load(path: url.path) }
        #expect(error == .badConfiguration(key: "bert.pooling_type", path: url.path,
                                           expected: "1 (mean), 2 (cls) or 3 (last token); found 0"))
    }
}
