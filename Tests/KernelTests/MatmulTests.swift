import CKernels
import FolioTensor
import Testing

/// Checks y against y_ref within 1e-5 of the magnitude of the terms summed (sum_k |x_k w_k|): the fast
/// path sums in another order, so exact equality is not expected, but any indexing error is far larger.
private func expectClose(_ y: [Float], _ ref: [Float], x: [Float], w: [Float], M: Int, N: Int, K: Int,
                         columns: Range<Int>, _ what: String) {
    var worst: Float = 0
    for m in 0..<M {
        for n in columns {
            var bound: Float = 0
            for k in 0..<K { bound += abs(x[m * K + k] * w[n * K + k]) }
            worst = max(worst, abs(y[m * N + n] - ref[m * N + n]) / max(bound, 1e-20))
        }
    }
    #expect(worst <= 1e-5, "\(what): worst error \(worst) of the term magnitude")
}

@Suite("Matmul")
struct MatmulTests {
    @Test("Every SIMD path equals ck_matmul_ref for every weight type (odd M, partial panel, K over chunks)",
          arguments: DType.allCases)
    func pathsEqualReference(type: DType) {
        let (M, N, K) = (13, 45, 768)  // 45 = one full panel of 32 + 13; K spans two 512-column chunks
        var rng = SeededRandom(seed: 7 + UInt64(type.rawValue))
        let w = randomWeights(type, rows: N, cols: K, rng: &rng)
        let x = rng.floats(M * K)
        var wf = [Float](repeating: 0, count: N * K)
        ck_dequantize_ref(ckType(type), w, &wf, Int64(N * K))
        var ref = [Float](repeating: 0, count: M * N)
        ck_matmul_ref(ckType(type), w, x, &ref, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        for isa in supportedISAs {
            var y = [Float](repeating: .nan, count: M * N)
            ck_matmul_isa(isa, ckType(type), w, x, &y, Int64(M), Int64(K), Int64(N), 0, Int64(N))
            expectClose(y, ref, x: x, w: wf, M: M, N: N, K: K, columns: 0..<N, "\(type) isa \(isa.rawValue)")
        }
    }

    @Test("Plain-float weights with an odd K (chunk and transpose tails) equal the reference",
          arguments: [DType.f32, .f16, .bf16])
    func oddK(type: DType) {
        let (M, N, K) = (5, 37, 525)
        var rng = SeededRandom(seed: 21 + UInt64(type.rawValue))
        let w = randomWeights(type, rows: N, cols: K, rng: &rng)
        let x = rng.floats(M * K)
        var wf = [Float](repeating: 0, count: N * K)
        ck_dequantize_ref(ckType(type), w, &wf, Int64(N * K))
        var ref = [Float](repeating: 0, count: M * N)
        ck_matmul_ref(ckType(type), w, x, &ref, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        for isa in supportedISAs {
            var y = [Float](repeating: .nan, count: M * N)
            ck_matmul_isa(isa, ckType(type), w, x, &y, Int64(M), Int64(K), Int64(N), 0, Int64(N))
            expectClose(y, ref, x: x, w: wf, M: M, N: N, K: K, columns: 0..<N, "\(type) K \(K) isa \(isa.rawValue)")
        }
    }

    @Test("From 2,048 rows every path runs rows in blocks over groups of packed panels: the same sums, bit for bit, as row slices",
          arguments: [DType.f32, .q8_0])
    func rowBlocksEqualSlices(type: DType) {
        // M past the threshold, not a multiple of a block; K over three chunks; N over several groups of panels
        // (CK_PANEL_STORE holds 21 f32 panels of 3 chunks), the last panel partial.
        let (M, N, K) = (2_100, 1_400, 1_088)
        var rng = SeededRandom(seed: 500 + UInt64(type.rawValue))
        let w = randomWeights(type, rows: N, cols: K, rng: &rng)
        let x = rng.floats(M * K)
        for isa in [CK_ISA_PORTABLE, ck_cpu_isa()] {
            var whole = [Float](repeating: .nan, count: M * N), sliced = whole
            ck_matmul_isa(isa, ckType(type), w, x, &whole, Int64(M), Int64(K), Int64(N), 0, 19)
            ck_matmul_isa(isa, ckType(type), w, x, &whole, Int64(M), Int64(K), Int64(N), 19, Int64(N))
            // 100-row slices take the one-pass path; each row's K chunks are summed in the same order either way.
            for m0 in stride(from: 0, to: M, by: 100) {
                let rows = min(100, M - m0)
                x.withUnsafeBufferPointer { x in
                    sliced.withUnsafeMutableBufferPointer { y in
                        ck_matmul_isa(isa, ckType(type), w, x.baseAddress! + m0 * K, y.baseAddress! + m0 * N, Int64(rows),
                                      Int64(K), Int64(N), 0, Int64(N))
                    }
                }
            }
            #expect(whole == sliced, "\(type) isa \(isa.rawValue)")
            var wf = [Float](repeating: 0, count: N * K), ref = [Float](repeating: 0, count: 7 * N)
            ck_dequantize_ref(ckType(type), w, &wf, Int64(N * K))
            ck_matmul_ref(ckType(type), w, x, &ref, 7, Int64(K), Int64(N), 0, Int64(N))
            expectClose(Array(whole[..<(7 * N)]), ref, x: x, w: wf, M: 7, N: N, K: K, columns: 0..<N,
                        "\(type) isa \(isa.rawValue), first rows")
        }
    }

    @Test("A column range writes only its columns", arguments: [CK_ISA_PORTABLE, ck_cpu_isa()])
    func columnRange(isa: ck_isa) {
        let (M, N, K) = (3, 70, 256)
        var rng = SeededRandom(seed: 99)
        let w = randomWeights(.q8_0, rows: N, cols: K, rng: &rng)
        let x = rng.floats(M * K)
        var wf = [Float](repeating: 0, count: N * K)
        ck_dequantize_ref(CK_Q8_0, w, &wf, Int64(N * K))
        var ref = [Float](repeating: 0, count: M * N)
        ck_matmul_ref(CK_Q8_0, w, x, &ref, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        var y = [Float](repeating: -7, count: M * N)
        ck_matmul_isa(isa, CK_Q8_0, w, x, &y, Int64(M), Int64(K), Int64(N), 21, 58)
        expectClose(y, ref, x: x, w: wf, M: M, N: N, K: K, columns: 21..<58, "range 21..<58")
        for m in 0..<M {
            #expect((0..<21).allSatisfy { y[m * N + $0] == -7 } && (58..<N).allSatisfy { y[m * N + $0] == -7 })
        }
    }

    @Test("Ops.matmul over a thread pool (f32 arithmetic) equals the reference", arguments: [DType.q4_K, .f32, .q6_K])
    func opsMatmul(type: DType) {
        let (M, N, K) = (9, 333, 512)
        var rng = SeededRandom(seed: 3)
        let w = randomWeights(type, rows: N, cols: K, rng: &rng)
        let x = rng.floats(M * K)
        let storage = Storage(byteCount: w.count)
        w.withUnsafeBytes { storage.base.copyMemory(from: $0.baseAddress!, byteCount: w.count) }
        let weight = Tensor(shape: [N, K], dtype: type, storage: storage)
        var wf = [Float](repeating: 0, count: N * K)
        ck_dequantize_ref(ckType(type), w, &wf, Int64(N * K))
        var ref = [Float](repeating: 0, count: M * N)
        ck_matmul_ref(ckType(type), w, x, &ref, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        let pool = ThreadPool(threads: 3)
        var y = [Float](repeating: .nan, count: M * N)
        y.withUnsafeMutableBufferPointer { yp in
            x.withUnsafeBufferPointer { Ops.matmul($0.baseAddress!, rows: M, weight: weight, into: yp.baseAddress!, pool: pool,
                                                    int8Activations: false) }
        }
        expectClose(y, ref, x: x, w: wf, M: M, N: N, K: K, columns: 0..<N, "Ops.matmul \(type)")
    }
}
