import CKernels
import FolioTensor
import Testing

/// The x86 / ARM paths this machine can be capped to, best last.
private let cappablePaths: [ck_isa] = supportedISAs

/// Runs `body` with every dispatcher capped to `isa` (ck_set_isa_cap, as FOLIO_KERNELS does), then
/// restores the previous cap. Other suites running meanwhile only see a slower, equally correct path.
private func withPath(_ isa: ck_isa, _ body: () throws -> Void) rethrows {
    let previous = ck_isa_cap()
    ck_set_isa_cap(Int32(isa.rawValue))
    defer { ck_set_isa_cap(previous) }
    try body()
}

/// x quantised by ck_quantize_act into a fresh buffer.
private func quantized(_ x: [Float], M: Int, K: Int) -> [UInt8] {
    var act = [UInt8](repeating: 0, count: ck_act_bytes(Int64(M), Int64(K)))
    act.withUnsafeMutableBytes { ck_quantize_act(x, Int64(M), Int64(K), $0.baseAddress!, 0, Int64(M)) }
    return act
}

/// The largest |a - b| as a fraction of the largest |b|.
private func maxError(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max()! / b.map(abs).max()!
}

@Suite("Forced kernel paths", .serialized)
struct KernelPathTests {
    @Test("Below AVX-512, attention in bf16 is turned off, so the portable and AVX2 paths run it in f32")
    func bf16AttentionFollowsTheCap() {
        for isa in cappablePaths where isa != CK_ISA_AVX512 {
            withPath(isa) { #expect(!Ops.attentionBF16Available(headDim: 128), "\(isa)") }
        }
        #expect(Ops.attentionBF16Available(headDim: 128) == Ops.bf16Available)
    }

    @Test("A cap lowers the path every dispatcher reports, never raises it, and -1 removes it")
    func capChoosesPath() {
        let previous = ck_isa_cap()
        defer { ck_set_isa_cap(previous) }
        ck_set_isa_cap(-1)
        let best = ck_cpu_isa()
        for isa in cappablePaths {
            ck_set_isa_cap(Int32(isa.rawValue))
            #expect(ck_cpu_isa() == isa, "capped to \(isa.rawValue)")
            if isa != CK_ISA_AVX512 { #expect(ck_int8_fast() == 0 && ck_bf16_fast() == 0) }
        }
        ck_set_isa_cap(-1)
        #expect(ck_cpu_isa() == best)
    }

    @Test("Under every path, ck_matmul equals ck_matmul_ref (f32 and quantised weights)",
          arguments: [DType.f32, .f16, .bf16, .q8_0, .q4_K, .q6_K])
    func matmulUnderEveryPath(type: DType) {
        let (M, N, K) = (9, 37, 512)
        var rng = SeededRandom(seed: 400 + UInt64(type.rawValue))
        let w = randomWeights(type, rows: N, cols: K, rng: &rng)
        let x = rng.floats(M * K)
        var ref = [Float](repeating: 0, count: M * N)
        ck_matmul_ref(ckType(type), w, x, &ref, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        for isa in cappablePaths {
            withPath(isa) {
                var y = [Float](repeating: .nan, count: M * N)
                ck_matmul(ckType(type), w, x, &y, Int64(M), Int64(K), Int64(N), 0, Int64(N))
                #expect(maxError(y, ref) < 1e-5, "\(type) under \(isa.rawValue)")
            }
        }
    }

    @Test("Under every path, ck_matmul_int8 (VNNI, AVX2 or reference) equals ck_matmul_int8_ref",
          arguments: [DType.q8_0, .q5_0, .q4_K, .q5_K, .q6_K])
    func int8UnderEveryPath(type: DType) {
        let (M, N, K) = (7, 45, 512)  // M over the AVX2 kernel's 3 rows, a partial panel, two K chunks
        var rng = SeededRandom(seed: 500 + UInt64(type.rawValue))
        let w = randomWeights(type, rows: N, cols: K, rng: &rng)
        let act = quantized(rng.floats(M * K), M: M, K: K)
        var ref = [Float](repeating: 0, count: M * N)
        ck_matmul_int8_ref(ckType(type), w, act, &ref, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        for isa in cappablePaths {
            withPath(isa) {
                var y = [Float](repeating: .nan, count: M * N)
                // Two uneven column ranges, as two threads would split them.
                ck_matmul_int8(ckType(type), w, act, &y, Int64(M), Int64(K), Int64(N), 0, 13)
                ck_matmul_int8(ckType(type), w, act, &y, Int64(M), Int64(K), Int64(N), 13, Int64(N))
                #expect(maxError(y, ref) < 1e-5, "\(type) under \(isa.rawValue)")
            }
        }
    }

    @Test("Under every path, flash attention equals ck_attention_ref", arguments: [1, 33, 70])
    func attentionUnderEveryPath(T: Int) {
        let (Hq, Hkv, D) = (4, 2, 64)
        var rng = SeededRandom(seed: 600 + UInt64(T))
        let q = rng.floats(T * Hq * D, scale: 2), k = rng.floats(T * Hkv * D, scale: 2), v = rng.floats(T * Hkv * D)
        var ref = [Float](repeating: 0, count: T * Hq * D)
        ck_attention_ref(q, k, v, &ref, Int64(T), Int64(Hq), Int64(Hkv), Int64(D))
        for isa in cappablePaths {
            withPath(isa) {
                var out = [Float](repeating: .nan, count: T * Hq * D)
                ck_attention(q, k, v, &out, Int64(T), Int64(Hq), Int64(Hkv), Int64(D), 0, ck_attention_items(Int64(T), Int64(Hq)))
                #expect(maxRelativeError(out, ref, floor: 1) < 1e-5, "T \(T) under \(isa.rawValue)")
            }
        }
    }

    @Test("Under every path, dequantisation equals the reference bit for bit", arguments: DType.allCases)
    func dequantUnderEveryPath(type: DType) {
        let n = 1024
        var rng = SeededRandom(seed: 700 + UInt64(type.rawValue))
        let w = randomWeights(type, rows: 1, cols: n, rng: &rng)
        var ref = [Float](repeating: 0, count: n)
        ck_dequantize_ref(ckType(type), w, &ref, Int64(n))
        for isa in cappablePaths {
            withPath(isa) {
                var y = [Float](repeating: .nan, count: n)
                ck_dequantize(ckType(type), w, &y, Int64(n))
                #expect(y.map(\.bitPattern) == ref.map(\.bitPattern), "\(type) under \(isa.rawValue)")
            }
        }
    }
}
