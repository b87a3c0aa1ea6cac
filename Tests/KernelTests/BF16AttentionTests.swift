import CKernels
import FolioTensor
import Testing

/// Attention in bf16 is only offered where the CPU has AVX-512 BF16; elsewhere this checks that it says so
/// (and Ops.causalAttention then takes the f32 kernel, which the other suites cover). The forced-path
/// suite checks that FOLIO_KERNELS below AVX-512 turns it off.
@Suite("Causal attention in bf16")
struct BF16AttentionTests {
    @Test("bf16 attention equals its reference (bf16-rounded q, k, v) and stays near f32, in place, split in two",
          arguments: [1, 17, 32, 33, 100, 257])
    func equalsReference(T: Int) {
        guard Ops.attentionBF16Available(headDim: 128) else {
            #expect(!Ops.bf16Available || ck_attention_bf16_supported(128) == 0)
            return
        }
        #expect(!Ops.attentionBF16Available(headDim: 80), "head sizes that are not whole 32-column panels fall back")
        for (Hq, Hkv, D) in [(4, 2, 64), (8, 2, 128), (16, 8, 128)] {
            var rng = SeededRandom(seed: UInt64(T * 31 + Hq))
            let q = rng.floats(T * Hq * D, scale: 2), k = rng.floats(T * Hkv * D, scale: 2), v = rng.floats(T * Hkv * D)
            var bfRef = [Float](repeating: .nan, count: T * Hq * D), f32Ref = bfRef
            ck_attention_bf16_ref(q, k, v, &bfRef, Int64(T), Int64(Hq), Int64(Hkv), Int64(D))
            ck_attention_ref(q, k, v, &f32Ref, Int64(T), Int64(Hq), Int64(Hkv), Int64(D))
            // The kernel itself (Ops.causalAttention consults the FOLIO_KERNELS cap, which the forced-path
            // suite lowers while this runs), packed and run in uneven halves as two threads would.
            let (t, hq, hkv, d) = (Int64(T), Int64(Hq), Int64(Hkv), Int64(D))
            let words = Int(ck_attention_bf16_packed_words(t, hkv, d))
            let kp = UnsafeMutableRawPointer.allocate(byteCount: words * 4, alignment: 64).bindMemory(to: UInt32.self, capacity: words)
            let vp = UnsafeMutableRawPointer.allocate(byteCount: words * 4, alignment: 64).bindMemory(to: UInt32.self, capacity: words)
            defer { kp.deallocate(); vp.deallocate() }
            let packItems = ck_attention_pack_items(t, hkv), items = ck_attention_items(t, hq)
            ck_attention_pack_bf16(k, nil, v, t, hkv, d, kp, vp, 0, packItems / 3)
            ck_attention_pack_bf16(k, nil, v, t, hkv, d, kp, vp, packItems / 3, packItems)
            var out = q  // written over q, as the Qwen3 forward pass does
            out.withUnsafeMutableBufferPointer { p in
                ck_attention_packed_bf16(p.baseAddress!, kp, vp, p.baseAddress!, t, hq, hkv, d, 0, items / 3)
                ck_attention_packed_bf16(p.baseAddress!, kp, vp, p.baseAddress!, t, hq, hkv, d, items / 3, items)
            }
            // Beyond the reference, the kernel rounds each probability to bf16 (2^-9 relative): outputs, convex
            // combinations of v rows (|v| <= 1), move by a few 1e-3 at most.
            #expect(maxRelativeError(out, bfRef, floor: 1) < 4e-3, "T \(T) Hq \(Hq) Hkv \(Hkv) D \(D)")
            #expect(maxRelativeError(out, f32Ref, floor: 1) < 2e-2, "T \(T) Hq \(Hq) Hkv \(Hkv) D \(D)")
            // And it is not silently the f32 kernel: bf16 rounding must show.
            #expect(maxRelativeError(out, f32Ref, floor: 1) > 1e-5)
        }
    }
}

@Suite("Bidirectional attention in bf16")
struct BF16EncoderAttentionTests {
    @Test("Packed sequences at bf16 equal the bf16 reference of each alone, and stay near f32")
    func packedEqualsReference() {
        guard Ops.attentionBF16Available(headDim: 64) else {
            #expect(!Ops.bf16Available || ck_attention_bf16_supported(64) == 0)
            return
        }
        var rng = SeededRandom(seed: 91)
        // Lengths across the 32-row query blocks and the 128-key chunks: one row, a partial panel, several chunks.
        for (lengths, Hq, Hkv, D, scale) in [([1, 33, 300, 17], 4, 4, 64, 0.125), ([129, 2], 6, 2, 32, 0.3)]
            as [([Int], Int, Int, Int, Float)] {
            let T = lengths.reduce(0, +)
            let q = rng.floats(T * Hq * D, scale: 2), k = rng.floats(T * Hkv * D, scale: 2), v = rng.floats(T * Hkv * D)
            var out = q  // in place, as the encoders may call it
            out.withUnsafeMutableBufferPointer { p in
                Ops.encoderAttention(q: p.baseAddress!, k: k, v: v, out: p.baseAddress!, lengths: lengths, qHeads: Hq,
                                     kvHeads: Hkv, headDim: D, scale: scale, window: nil, pool: ThreadPool(threads: 3),
                                     precision: .bf16)
            }
            var bfRef = [Float](repeating: .nan, count: T * Hq * D), f32Ref = bfRef
            var start = 0
            for t in lengths {
                let (qo, kvo) = (start * Hq * D, start * Hkv * D)
                q.withUnsafeBufferPointer { qp in k.withUnsafeBufferPointer { kp in v.withUnsafeBufferPointer { vp in
                    bfRef.withUnsafeMutableBufferPointer { b in f32Ref.withUnsafeMutableBufferPointer { f in
                        ck_encoder_attention_bf16_ref(qp.baseAddress! + qo, kp.baseAddress! + kvo, vp.baseAddress! + kvo,
                                                      b.baseAddress! + qo, Int64(t), Int64(Hq), Int64(Hkv), Int64(D), Double(scale))
                        ck_encoder_attention_gqa_ref(qp.baseAddress! + qo, kp.baseAddress! + kvo, vp.baseAddress! + kvo,
                                                     f.baseAddress! + qo, Int64(t), Int64(Hq), Int64(Hkv), Int64(D),
                                                     Double(scale), -1)
                    } }
                } } }
                start += t
            }
            // The kernel subtracts each sequence's key mean (exact in the reals, not in bf16) and rounds the
            // probabilities to bf16: a few 1e-3 from the bf16 reference, about 1e-2 from f32.
            #expect(maxRelativeError(out, bfRef, floor: 1) < 6e-3, "lengths \(lengths) Hq \(Hq) Hkv \(Hkv) D \(D)")
            #expect(maxRelativeError(out, f32Ref, floor: 1) < 2e-2, "lengths \(lengths) Hq \(Hq) Hkv \(Hkv) D \(D)")
            #expect(maxRelativeError(out, f32Ref, floor: 1) > 1e-5, "bf16 rounding must show")
        }
    }
}
