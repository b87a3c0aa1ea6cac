import FolioEmbedder
import FolioTensor
import Foundation
import Testing

/// The long inputs of `Fixtures/models/qwen3-tiny-long` (head size 128, sharp attention: layer 0's last-row scores
/// spread with a standard deviation of 7, top-8 keys holding 86% of the softmax) against transformers in float64
/// (scripts/make_long_fixtures.py). The default attention (`.auto`) runs these lengths in bf16 where the CPU has
/// AVX-512 BF16; it must keep the cosine of 0.9999, and `.f32` a tighter one.
@Suite("Long inputs against float64 references")
struct LongInputTests {
    struct Reference: Decodable {
        struct Input: Decodable { let chars: Int; let token_count: Int; let last_token_ids: [Int32]; let embedding: [Float] }
        let text_file: String
        let inputs: [Input]
    }

    static let folder = modelsFolder.appendingPathComponent("qwen3-tiny-long")

    @Test("8,192 and 32,000 tokens: cosine >= 0.9999 by default (bf16 attention here) and >= 0.99999 in f32")
    func longInputs() throws {
        let reference = try JSONDecoder().decode(Reference.self,
                                                 from: Data(contentsOf: Self.folder.appendingPathComponent("reference.json")))
        let text = String(decoding: try Data(contentsOf: Self.folder.appendingPathComponent(reference.text_file)), as: UTF8.self)
        let byDefault = try Embedder.load(path: Self.folder.path)
        let exact = try Embedder.load(path: Self.folder.path, configuration: .init(attention: .f32))
        let bf16Here = Ops.attentionBF16Available(headDim: 128)
        for input in reference.inputs {
            let ids = byDefault.tokens(for: String(text.prefix(input.chars)))
            #expect(ids.count == input.token_count)
            #expect(Array(ids.suffix(input.last_token_ids.count)) == input.last_token_ids)
            let fast = try byDefault.embed(tokenized: [ids])[0].vector
            let f32 = try exact.embed(tokenized: [ids])[0].vector
            let (cFast, cF32) = (cosine(fast, input.embedding), cosine(f32, input.embedding))
            print("long input \(ids.count) tokens: cosine to float64, default \(cFast) (bf16 attention: \(bf16Here)), f32 \(cF32)")
            #expect(cFast >= 0.9999, "\(ids.count) tokens, default attention")
            #expect(cF32 >= 0.99999, "\(ids.count) tokens, f32 attention")
            // Where bf16 exists the default really took it: rounding shows in the vector.
            #expect((fast != f32) == bf16Here)
        }
    }
}
