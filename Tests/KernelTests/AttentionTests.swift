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

    @Test("The last row alone (last-token pooling's final layer) equals the reference's last row, written over q too",
          arguments: [1, 2, 33, 700])
    func lastRow(T: Int) {
        for (Hq, Hkv, D) in [(2, 2, 24), (8, 2, 128)] {
            var rng = SeededRandom(seed: UInt64(T * 13 + D))
            let q = rng.floats(T * Hq * D, scale: 2), k = rng.floats(T * Hkv * D, scale: 2), v = rng.floats(T * Hkv * D)
            var ref = [Float](repeating: .nan, count: T * Hq * D)
            ck_attention_ref(q, k, v, &ref, Int64(T), Int64(Hq), Int64(Hkv), Int64(D))
            let expected = Array(ref[(T - 1) * Hq * D ..< T * Hq * D])
            var row = Array(q[(T - 1) * Hq * D ..< T * Hq * D])
            var out = [Float](repeating: .nan, count: Hq * D)
            row.withUnsafeBufferPointer { r in
                out.withUnsafeMutableBufferPointer {
                    Ops.lastRowAttention(q: r.baseAddress!, k: k, v: v, out: $0.baseAddress!, tokens: T, qHeads: Hq, kvHeads: Hkv, headDim: D)
                }
            }
            #expect(maxRelativeError(out, expected, floor: 1) < 1e-5, "T \(T) Hq \(Hq) D \(D)")
            row.withUnsafeMutableBufferPointer {
                Ops.lastRowAttention(q: $0.baseAddress!, k: k, v: v, out: $0.baseAddress!, tokens: T, qHeads: Hq, kvHeads: Hkv, headDim: D)
            }
            #expect(row == out, "in place")
        }
    }

    @Test("Attention written over q (in place, as the Qwen3 forward pass does) equals the reference")
    func inPlace() {
        let (T, Hq, Hkv, D) = (45, 8, 2, 128)
        var rng = SeededRandom(seed: 404)
        let q = rng.floats(T * Hq * D, scale: 2), k = rng.floats(T * Hkv * D, scale: 2), v = rng.floats(T * Hkv * D)
        var ref = [Float](repeating: .nan, count: T * Hq * D)
        ck_attention_ref(q, k, v, &ref, Int64(T), Int64(Hq), Int64(Hkv), Int64(D))
        var qo = q
        qo.withUnsafeMutableBufferPointer { p in
            Ops.causalAttention(q: p.baseAddress!, k: k, v: v, out: p.baseAddress!, tokens: T, qHeads: Hq, kvHeads: Hkv,
                                headDim: D, pool: ThreadPool(threads: 3))
        }
        #expect(maxRelativeError(qo, ref, floor: 1) < 1e-5)
    }

    @Test("Keys and values packed once give exactly what per-item packing gives", arguments: [1, 31, 32, 33, 100])
    func packedEqualsUnpacked(T: Int) {
        for (Hq, Hkv, D) in [(4, 2, 80), (8, 2, 128)] {
            var rng = SeededRandom(seed: UInt64(T * 7 + D))
            let q = rng.floats(T * Hq * D, scale: 2), k = rng.floats(T * Hkv * D, scale: 2), v = rng.floats(T * Hkv * D)
            let (t, hq, hkv, d) = (Int64(T), Int64(Hq), Int64(Hkv), Int64(D))
            let floats = Int(ck_attention_packed_floats(t, hkv, d))
            let kp = UnsafeMutableRawPointer.allocate(byteCount: floats * 4, alignment: 64).bindMemory(to: Float.self, capacity: floats)
            let vp = UnsafeMutableRawPointer.allocate(byteCount: floats * 4, alignment: 64).bindMemory(to: Float.self, capacity: floats)
            defer { kp.deallocate(); vp.deallocate() }
            let packItems = ck_attention_pack_items(t, hkv)
            ck_attention_pack(k, v, t, hkv, d, kp, vp, 0, packItems / 2)
            ck_attention_pack(k, v, t, hkv, d, kp, vp, packItems / 2, packItems)
            var packed = [Float](repeating: .nan, count: T * Hq * D), plain = packed
            let items = ck_attention_items(t, hq)
            ck_attention_packed(q, kp, vp, &packed, t, hq, hkv, d, 0, items)
            ck_attention(q, k, v, &plain, t, hq, hkv, d, 0, items)
            #expect(packed == plain, "T \(T) Hq \(Hq) Hkv \(Hkv) D \(D)")
        }
    }
}
