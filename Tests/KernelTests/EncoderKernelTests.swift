import CKernels
import FolioTensor
import Foundation
import Testing

@Suite("Encoder kernels")
struct EncoderKernelTests {
    @Test("LayerNorm equals its double-precision reference, in place and over a pool, even with a large row mean")
    func layerNorm() {
        var rng = SeededRandom(seed: 21)
        for (rows, dim, shift) in [(5, 37, Float(0)), (300, 384, 40)] {
            let x = rng.floats(rows * dim, scale: 3).map { $0 + shift }
            let w = rng.floats(dim), b = rng.floats(dim)
            var ref = [Float](repeating: 0, count: rows * dim)
            ck_layernorm_ref(x, w, b, &ref, Int64(rows), Int64(dim), 1e-12)
            var y = x
            y.withUnsafeMutableBufferPointer { p in
                Ops.layerNorm(p.baseAddress!, rows: rows, dim: dim, weight: w, bias: b, eps: 1e-12,
                              into: p.baseAddress!, pool: ThreadPool(threads: 2))
            }
            // Outputs are of order 1; a float row near 40 carries ulp(40) = 4e-6 of rounding, so compare absolutely.
            #expect(maxRelativeError(y, ref, floor: 1) < 1e-5, "rows \(rows), dim \(dim), shift \(shift)")
        }
    }

    @Test("LayerNorm of a row gives zero mean and unit variance before the affine step")
    func layerNormStatistics() {
        let x: [Float] = [1, 2, 3, 4, 10]
        var y = [Float](repeating: 0, count: 5)
        ck_layernorm(x, [1, 1, 1, 1, 1], [0, 0, 0, 0, 0], &y, 1, 5, 0)
        let mean = y.reduce(0, +) / 5, variance = y.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5
        #expect(abs(mean) < 1e-6 && abs(variance - 1) < 1e-5)
    }

    @Test("GELU equals the erf form within 1e-6 over [-12, 12] and its known values")
    func gelu() {
        var rng = SeededRandom(seed: 22)
        let x = rng.floats(4099, scale: 12) + [0, 1, -1, 30, -30]
        var ref = x, fast = x
        ck_gelu_ref(&ref, Int64(ref.count))
        fast.withUnsafeMutableBufferPointer { Ops.gelu($0.baseAddress!, count: $0.count, pool: nil) }
        var worst: Float = 0
        for i in x.indices { worst = max(worst, abs(fast[i] - ref[i]) / max(1, abs(x[i]))) }
        #expect(worst < 1e-6)
        // gelu(1) = 0.8413447 (Φ(1)), gelu(-1) = -0.1586553, gelu(0) = 0.
        #expect(abs(ref[4099 + 1] - 0.8413447) < 1e-6 && abs(ref[4099 + 2] + 0.1586553) < 1e-6 && ref[4099] == 0)
    }

    @Test("Bidirectional attention equals its reference for lengths around the query block, over a pool")
    func attention() {
        var rng = SeededRandom(seed: 23)
        for (T, H, D) in [(1, 2, 8), (17, 3, 32), (40, 12, 32), (5, 1, 64)] {
            let q = rng.floats(T * H * D, scale: 2), k = rng.floats(T * H * D, scale: 2), v = rng.floats(T * H * D)
            var ref = [Float](repeating: 0, count: T * H * D), out = ref
            ck_encoder_attention_ref(q, k, v, &ref, Int64(T), Int64(H), Int64(D))
            out.withUnsafeMutableBufferPointer {
                Ops.encoderAttention(q: q, k: k, v: v, out: $0.baseAddress!, tokens: T, heads: H, headDim: D,
                                     pool: ThreadPool(threads: 2))
            }
            #expect(maxRelativeError(out, ref, floor: 1e-2) < 1e-4, "T \(T), H \(H), D \(D)")
        }
    }

    @Test("Packed sequences attend only to themselves: the packed call equals each sequence alone")
    func packed() {
        var rng = SeededRandom(seed: 24)
        let (H, D, lengths) = (3, 16, [5, 1, 33, 16])
        let n = lengths.reduce(0, +) * H * D
        let q = rng.floats(n, scale: 2), k = rng.floats(n, scale: 2), v = rng.floats(n)
        var packed = [Float](repeating: 0, count: n), alone = packed
        packed.withUnsafeMutableBufferPointer {
            Ops.encoderAttention(q: q, k: k, v: v, out: $0.baseAddress!, lengths: lengths, heads: H, headDim: D,
                                 pool: ThreadPool(threads: 2))
        }
        var start = 0
        for t in lengths {
            let o = start * H * D
            alone.withUnsafeMutableBufferPointer { p in
                q.withUnsafeBufferPointer { qp in k.withUnsafeBufferPointer { kp in v.withUnsafeBufferPointer { vp in
                    ck_encoder_attention_ref(qp.baseAddress! + o, kp.baseAddress! + o, vp.baseAddress! + o,
                                             p.baseAddress! + o, Int64(t), Int64(H), Int64(D))
                } } }
            }
            start += t
        }
        #expect(maxRelativeError(packed, alone, floor: 1e-2) < 1e-4)
    }

    @Test("A token attends to later tokens too: changing the last value changes the first output")
    func notCausal() {
        let (T, H, D) = (3, 1, 4)
        let q = [Float](repeating: 0.1, count: T * D), k = q
        var v = [Float](repeating: 0, count: T * D)
        var a = [Float](repeating: 0, count: T * D), b = a
        ck_encoder_attention(q, k, v, &a, Int64(T), Int64(H), Int64(D), 0, ck_encoder_attention_items(Int64(T), Int64(H)))
        v[(T - 1) * D] = 3
        ck_encoder_attention(q, k, v, &b, Int64(T), Int64(H), Int64(D), 0, ck_encoder_attention_items(Int64(T), Int64(H)))
        #expect(a[0] == 0 && abs(b[0] - 1) < 1e-5)  // equal scores: the mean of the values
    }

    @Test("Grouped-query windowed attention equals its reference, over a pool, with and without a window")
    func groupedWindowed() {
        var rng = SeededRandom(seed: 25)
        for (lengths, Hq, Hkv, D, window) in [([40, 3], 4, 2, 16, 4), ([17], 4, 1, 32, nil), ([50], 2, 2, 16, 0),
                                               ([33, 20], 6, 3, 16, 100)] as [([Int], Int, Int, Int, Int?)] {
            let T = lengths.reduce(0, +)
            let q = rng.floats(T * Hq * D, scale: 2), k = rng.floats(T * Hkv * D, scale: 2), v = rng.floats(T * Hkv * D)
            var out = [Float](repeating: 0, count: T * Hq * D), ref = out
            out.withUnsafeMutableBufferPointer {
                Ops.encoderAttention(q: q, k: k, v: v, out: $0.baseAddress!, lengths: lengths, qHeads: Hq, kvHeads: Hkv,
                                     headDim: D, scale: 0.3, window: window, pool: ThreadPool(threads: 2))
            }
            var start = 0
            for t in lengths {
                let (qo, kvo) = (start * Hq * D, start * Hkv * D)
                ref.withUnsafeMutableBufferPointer { p in
                    q.withUnsafeBufferPointer { qp in k.withUnsafeBufferPointer { kp in v.withUnsafeBufferPointer { vp in
                        ck_encoder_attention_gqa_ref(qp.baseAddress! + qo, kp.baseAddress! + kvo, vp.baseAddress! + kvo,
                                                     p.baseAddress! + qo, Int64(t), Int64(Hq), Int64(Hkv), Int64(D), 0.3,
                                                     Int64(window ?? -1))
                    } } }
                }
                start += t
            }
            #expect(maxRelativeError(out, ref, floor: 1e-2) < 1e-4, "lengths \(lengths), Hq \(Hq), Hkv \(Hkv), window \(String(describing: window))")
        }
    }

    @Test("A window of r keeps token 0 from seeing token r + 1 and lets it see token r")
    func windowEdge() {
        let (T, H, D, r) = (6, 1, 4, 2)
        let q = [Float](repeating: 0.1, count: T * D), k = q
        var v = [Float](repeating: 0, count: T * D), a = v, b = v
        func run(_ out: inout [Float]) {
            ck_encoder_attention_gqa(q, k, v, &out, Int64(T), Int64(H), Int64(H), Int64(D), 0.5, Int64(r), 0,
                                     ck_encoder_attention_items(Int64(T), Int64(H)))
        }
        v[(r + 1) * D] = 3
        run(&a)
        #expect(a[0] == 0)                          // token r + 1 is outside token 0's window
        v[(r + 1) * D] = 0; v[r * D] = 3
        run(&b)
        #expect(abs(b[0] - 1) < 1e-5)               // equal scores over r + 1 keys: 3 / 3
    }

    @Test("Bias add adds the bias to every row")
    func bias() {
        var y: [Float] = [1, 2, 3, 4, 5, 6]
        Ops.addBias(&y, rows: 2, bias: [10, 20, 30])
        #expect(y == [11, 22, 33, 14, 25, 36])
    }
}
