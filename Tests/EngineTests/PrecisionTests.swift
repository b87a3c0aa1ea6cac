import FolioEmbedder
import FolioTensor
import Foundation
import Testing

/// Float GGUF files of the tiny model, with the transformers (float32) reference each was checked against.
private let floatFiles = ["f32", "f16", "bf16"].map {
    modelsFolder.appendingPathComponent("qwen3-tiny-gqa2/qwen3-tiny-gqa2-\($0).gguf").path
}

@Suite("bf16 precision")
struct PrecisionTests {
    @Test("At bf16, float GGUF models keep a cosine of at least 0.999 to transformers' float32 vectors",
          arguments: floatFiles)
    func bf16MatchesReference(path: String) throws {
        let reference = try Reference.load(URL(fileURLWithPath: path + ".reference.json"))
        let embedder = try Embedder.load(path: path, configuration: .init(precision: .bf16))
        #expect(embedder.precisionUsed == (Ops.bf16Available ? .bf16 : .f32))
        let out = try embedder.embed(reference.inputs.map(\.text))
        for (e, input) in zip(out, reference.inputs) {
            let cos = cosine(e.vector, input.embedding)
            #expect(cos >= 0.999, "\(input.label): cosine \(cos) at \(embedder.precisionUsed)")
        }
        let queries = try embedder.embed(reference.queries.inputs.map(\.text),
                                         options: .init(instruction: reference.queries.task))
        for (e, query) in zip(queries, reference.queries.inputs) {
            #expect(cosine(e.vector, query.embedding) >= 0.999, "query \(query.label)")
        }
    }

    // On a CPU without AVX-512 BF16, bf16 falls back to f32 (the fallback is tested beside): nothing to compare.
    @Test("bf16 really changes the arithmetic of float weights, and f32 stays the default", .enabled(if: Ops.bf16Available))
    func bf16DiffersFromF32() throws {
        let path = floatFiles[1]
        let f32 = try Embedder.load(path: path)
        let bf16 = try Embedder.load(path: path, configuration: .init(precision: .bf16))
        #expect(f32.configuration.precision == .f32 && f32.precisionUsed == .f32)
        let text = "The quick brown fox jumps over the lazy dog."
        let (a, b) = (try f32.embed([text])[0].vector, try bf16.embed([text])[0].vector)
        #expect(a != b, "bf16 and f32 vectors are bit-identical: is the bf16 path taken?")
        #expect(cosine(a, b) >= 0.999)
    }

    @Test("Quantised weights keep their int8 linear layers at bf16; attention turns bf16 and stays at 0.999")
    func quantisedAtBF16() throws {
        let path = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2/qwen3-tiny-gqa2-q8_0.gguf").path
        let reference = try Reference.load(URL(fileURLWithPath: path + ".reference.json"))
        let plain = try Embedder.load(path: path)
        let bf16 = try Embedder.load(path: path, configuration: .init(precision: .bf16))
        #expect(bf16.precisionUsed == .f32, "linear layers over quantised weights never run in bf16")
        let texts = reference.inputs.map(\.text)
        let (a, b) = (try plain.embed(texts), try bf16.embed(texts))
        for ((x, y), input) in zip(zip(a, b), reference.inputs) {
            // The reference dequantises exactly and runs transformers in float32.
            #expect(cosine(y.vector, input.embedding) >= 0.999, "\(input.label)")
            if Ops.attentionBF16Available(headDim: 32) {
                #expect(x.vector != y.vector, "\(input.label): bf16 attention changed nothing: is it taken?")
            } else {
                #expect(x.vector == y.vector, "\(input.label)")
            }
        }
    }

    @Test("Encoders run bf16 linear layers too: XLM-RoBERTa folders (e5's mean, bge-m3's CLS) keep 0.999 to sentence-transformers",
          arguments: [XLMR.mean, XLMR.cls])
    func encoderBF16(folder: URL) throws {
        let reference = try XLMR.Reference.load(folder).main
        let (queryPrompt, documentPrompt) = XLMR.prompts(folder)
        let texts = reference.queries.map { queryPrompt + $0.text } + reference.documents.map { documentPrompt + $0.text }
        let f32 = try Embedder.load(path: folder.path)
        let bf16 = try Embedder.load(path: folder.path, configuration: .init(precision: .bf16))
        #expect(f32.precisionUsed == .f32)
        #expect(bf16.precisionUsed == (Ops.bf16Available ? .bf16 : .f32))
        let (a, b) = (try f32.embed(texts, options: .init(truncate: true)), try bf16.embed(texts, options: .init(truncate: true)))
        var lowest = 1.0
        for ((x, y), input) in zip(zip(a, b), reference.all) {
            let cos = cosine(y.vector, input.vector)
            lowest = min(lowest, cos)
            #expect(cos >= 0.999, "cosine \(cos) for \(input.text.prefix(40).debugDescription)")
            if Ops.bf16Available { #expect(x.vector != y.vector, "bf16 changed nothing: is the bf16 path taken?") }
        }
        print("XLM-R \(folder.lastPathComponent) at \(bf16.precisionUsed): lowest cosine to sentence-transformers \(lowest)")
    }
}
