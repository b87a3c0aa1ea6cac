import CKernels
import FolioTensor
import Testing

@Suite("Row-wise ops")
struct RowOpsTests {
    @Test("RMSNorm equals its reference, in place and over a pool")
    func rmsNorm() {
        let (rows, dim) = (37, 131)
        var rng = SeededRandom(seed: 11)
        let x = rng.floats(rows * dim, scale: 3), w = rng.floats(dim)
        var ref = [Float](repeating: 0, count: rows * dim)
        ck_rmsnorm_ref(x, w, &ref, Int64(rows), Int64(dim), 1e-6)
        var y = x
        y.withUnsafeMutableBufferPointer { p in
            Ops.rmsNorm(p.baseAddress!, rows: rows, dim: dim, weight: w, eps: 1e-6, into: p.baseAddress!, pool: nil)
        }
        #expect(maxRelativeError(y, ref) < 1e-5)
        // Large enough to be split across the pool.
        let (bigRows, bigDim) = (300, 256)
        let bx = rng.floats(bigRows * bigDim), bw = rng.floats(bigDim)
        var bref = [Float](repeating: 0, count: bigRows * bigDim), by = bref
        ck_rmsnorm_ref(bx, bw, &bref, Int64(bigRows), Int64(bigDim), 1e-6)
        by.withUnsafeMutableBufferPointer {
            Ops.rmsNorm(bx, rows: bigRows, dim: bigDim, weight: bw, eps: 1e-6, into: $0.baseAddress!, pool: ThreadPool(threads: 2))
        }
        #expect(maxRelativeError(by, bref) < 1e-5)
    }

    @Test("silu(gate) * up equals its reference")
    func siluMul() {
        var rng = SeededRandom(seed: 12)
        let gate = rng.floats(1001, scale: 12), up = rng.floats(1001)
        var ref = gate, fast = gate
        ck_silu_mul_ref(&ref, up, 1001)
        fast.withUnsafeMutableBufferPointer { Ops.siluMul(gate: $0.baseAddress!, up: up, count: 1001) }
        #expect(maxRelativeError(fast, ref, floor: 1e-6) < 1e-5)
        // silu(0) = 0, silu(large) ~ large, silu(-large) ~ 0.
        var edge: [Float] = [0, 30, -30]
        ck_silu_mul(&edge, [1, 1, 1], 3)
        #expect(edge[0] == 0 && abs(edge[1] - 30) < 1e-5 && abs(edge[2]) < 1e-10)
    }

    @Test("gelu_tanh(gate) * up equals its reference and PyTorch's tanh GELU at known points")
    func geluTanhMul() {
        var rng = SeededRandom(seed: 14)
        let gate = rng.floats(1001, scale: 12), up = rng.floats(1001)
        var ref = gate, fast = gate
        ck_gelu_tanh_mul_ref(&ref, up, 1001)
        fast.withUnsafeMutableBufferPointer { Ops.geluTanhMul(gate: $0.baseAddress!, up: up, count: 1001, pool: nil) }
        #expect(maxRelativeError(fast, ref, floor: 1e-6) < 1e-5)
        // torch.nn.functional.gelu(x, approximate="tanh") at 1, -1, 0, 30, -30.
        var edge: [Float] = [1, -1, 0, 30, -30]
        ck_gelu_tanh_mul(&edge, [1, 1, 1, 1, 1], 5)
        #expect(abs(edge[0] - 0.8411920) < 1e-6 && abs(edge[1] + 0.1588080) < 1e-6 && edge[2] == 0)
        #expect(abs(edge[3] - 30) < 1e-5 && abs(edge[4]) < 1e-10)
    }

    @Test("add and l2Normalize agree with direct double-precision arithmetic")
    func addAndNormalize() {
        var rng = SeededRandom(seed: 13)
        var a = rng.floats(77)
        let b = rng.floats(77)
        let sum = zip(a, b).map { $0 + $1 }
        a.withUnsafeMutableBufferPointer { Ops.add($0.baseAddress!, b, count: 77) }
        #expect(a == sum)
        let norm = (a.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
        let expected = a.map { Float(Double($0) / norm) }
        a.withUnsafeMutableBufferPointer { Ops.l2Normalize($0.baseAddress!, count: 77) }
        #expect(maxRelativeError(a, expected, floor: 1e-6) < 1e-6)
        var zero = [Float](repeating: 0, count: 4)
        Ops.l2Normalize(&zero, count: 4)
        #expect(zero == [0, 0, 0, 0])
    }

    @Test("RoPE matches Hugging Face's Qwen3 rotary embedding at large positions")
    func ropeMatchesTransformers() throws {
        var x = try QuantFixtures.floats("rope_input.f32")
        let expected = try QuantFixtures.floats("rope_expected.f32")
        var ref = x
        x.withUnsafeMutableBufferPointer {
            Ops.rope($0.baseAddress!, tokens: 6, heads: 3, headDim: 64, firstPosition: 3000, theta: 1_000_000)
        }
        ck_rope_ref(&ref, 6, 3, 64, 3000, 1_000_000)
        #expect(maxRelativeError(x, expected) < 1e-5)
        #expect(maxRelativeError(ref, expected) < 1e-5)
        #expect(maxRelativeError(x, ref, floor: 1e-6) == 0)
    }

    @Test("RoPE, silu(gate) * up and the residual add split over a pool give the bits of one call")
    func pooledRowOps() {
        let pool = ThreadPool(threads: 3)
        var rng = SeededRandom(seed: 13)
        // RoPE: 700 tokens x 4 heads x 64 (above the split threshold), positions from 5 on.
        let x = rng.floats(700 * 4 * 64, scale: 2)
        var one = x, split = x
        one.withUnsafeMutableBufferPointer {
            Ops.rope($0.baseAddress!, tokens: 700, heads: 4, headDim: 64, firstPosition: 5, theta: 1_000_000)
        }
        split.withUnsafeMutableBufferPointer {
            Ops.rope($0.baseAddress!, tokens: 700, heads: 4, headDim: 64, firstPosition: 5, theta: 1_000_000, pool: pool)
        }
        #expect(one == split)
        // silu and add over a count that is not a multiple of the 64-value spans.
        let n = 100_003
        let gate = rng.floats(n, scale: 8), up = rng.floats(n)
        var g1 = gate, g2 = gate
        g1.withUnsafeMutableBufferPointer { Ops.siluMul(gate: $0.baseAddress!, up: up, count: n) }
        g2.withUnsafeMutableBufferPointer { Ops.siluMul(gate: $0.baseAddress!, up: up, count: n, pool: pool) }
        #expect(g1 == g2 && g1 != gate)
        var a1 = gate, a2 = gate
        a1.withUnsafeMutableBufferPointer { Ops.add($0.baseAddress!, up, count: n) }
        a2.withUnsafeMutableBufferPointer { Ops.add($0.baseAddress!, up, count: n, pool: pool) }
        #expect(a1 == a2 && a1 != gate)
        #expect(a2[n - 1] == gate[n - 1] + up[n - 1], "the last span reaches the end")
    }
}
