import CKernels
import FolioTensor
import Testing

@Suite("Causal attention")
struct AttentionTests {
    @Test("Flash attention and the reference match torch's scaled_dot_product_attention",
          arguments: [("attention_gqa2", 37, 4, 2, 32), ("attention_gqa4", 70, 8, 2, 16)])
    func matchesTorch(name: String, T: Int, Hq: Int, Hkv: Int, D: Int) throws {
        let q = try QuantFixtures.floats("\(name)_q.f32"), k = try QuantFixtures.floats("\(name)_k.f32")
        let v = try QuantFixtures.floats("\(name)_v.f32"), expected = try QuantFixtures.floats("\(name)_out.f32")
        var out = [Float](repeating: .nan, count: T * Hq * D), ref = out
        out.withUnsafeMutableBufferPointer {
            Ops.causalAttention(q: q, k: k, v: v, out: $0.baseAddress!, tokens: T, qHeads: Hq, kvHeads: Hkv,
                                headDim: D, pool: ThreadPool(threads: 3))
        }
        ck_attention_ref(q, k, v, &ref, Int64(T), Int64(Hq), Int64(Hkv), Int64(D))
        // Outputs are convex combinations of v rows (|v| ~ 1), so errors are measured against 1, not |out|.
        #expect(maxRelativeError(out, expected, floor: 1) < 1e-5)
        #expect(maxRelativeError(ref, expected, floor: 1) < 1e-5)
    }

    @Test("Flash attention equals the reference for many lengths, GQA ratios 1, 2 and 4, several head sizes",
          arguments: [1, 2, 15, 16, 17, 33, 64, 70])
    func equalsReference(T: Int) {
        // Head dimensions below, across and at whole matmul panels (Qwen3: 128); large scores at D = 80.
        for (Hq, Hkv, D) in [(2, 2, 24), (4, 2, 80), (8, 2, 128)] {
            var rng = SeededRandom(seed: UInt64(T * 100 + Hq))
            let q = rng.floats(T * Hq * D, scale: 2), k = rng.floats(T * Hkv * D, scale: 2), v = rng.floats(T * Hkv * D)
            var out = [Float](repeating: .nan, count: T * Hq * D), ref = out
            // Items run in two uneven calls, as two threads would split them.
            let items = ck_attention_items(Int64(T), Int64(Hq))
            ck_attention(q, k, v, &out, Int64(T), Int64(Hq), Int64(Hkv), Int64(D), 0, items / 3)
            ck_attention(q, k, v, &out, Int64(T), Int64(Hq), Int64(Hkv), Int64(D), items / 3, items)
            ck_attention_ref(q, k, v, &ref, Int64(T), Int64(Hq), Int64(Hkv), Int64(D))
            #expect(maxRelativeError(out, ref, floor: 1) < 1e-5, "T \(T) Hq \(Hq) Hkv \(Hkv) D \(D)")
        }
    }
}
