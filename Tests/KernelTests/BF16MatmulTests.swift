import CKernels
import FolioTensor
import Testing

/// bf16 rounding as torch does it (`tensor.to(torch.bfloat16)`): round to nearest, ties to even.
/// Values checked against torch 2.x: 1 + 2^-8 ties down to 1, 1 + 3·2^-8 ties up to 1 + 2^-6.
private let roundingCases: [(Float, UInt16)] = [
    (1.0, 0x3F80), (1.00390625, 0x3F80), (1.01171875, 0x3F82), (-2.5, 0xC020),
    (3.14159274, 0x4049), (65504, 0x4780), (1e-3, 0x3A83), (.infinity, 0x7F80),
]

/// The largest |a - b| as a fraction of the largest |b|.
private func maxError(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max()! / b.map(abs).max()!
}

@Suite("bf16 matmul")
struct BF16MatmulTests {
    @Test("Activations round to bf16 to nearest even, as torch's .to(torch.bfloat16)")
    func rounding() {
        let x = roundingCases.map(\.0) + [Float](repeating: 1.01171875, count: 20)  // a 16-wide vector body too
        var xb = [UInt16](repeating: 0, count: x.count)
        ck_round_bf16(x, &xb, Int64(x.count))
        for (i, (value, bits)) in roundingCases.enumerated() {
            #expect(xb[i] == bits, "bf16(\(value)) = \(String(xb[i], radix: 16)), expected \(String(bits, radix: 16))")
        }
        #expect(xb[roundingCases.count...].allSatisfy { $0 == 0x3F82 })
    }

    @Test("The bf16 kernel equals ck_matmul_bf16_ref (odd M, partial panel, K over two chunks, column ranges)",
          arguments: [DType.f32, .f16, .bf16])
    func fastEqualsReference(type: DType) {
        let (M, N, K) = (11, 45, 768)
        var rng = SeededRandom(seed: 800 + UInt64(type.rawValue))
        let w = randomWeights(type, rows: N, cols: K, rng: &rng)
        let x = rng.floats(M * K)
        var xb = [UInt16](repeating: 0, count: M * K)
        ck_round_bf16(x, &xb, Int64(M * K))
        var ref = [Float](repeating: 0, count: M * N), y = [Float](repeating: .nan, count: M * N)
        ck_matmul_bf16_ref(ckType(type), w, xb, &ref, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        ck_matmul_bf16(ckType(type), w, xb, &y, Int64(M), Int64(K), Int64(N), 0, 19)
        ck_matmul_bf16(ckType(type), w, xb, &y, Int64(M), Int64(K), Int64(N), 19, Int64(N))
        // Products of bf16 values are exact in f32; only the order of the f32 sums differs.
        #expect(maxError(y, ref) < 1e-5, "\(type), AVX-512 BF16: \(ck_bf16_fast() != 0)")
    }

    @Test("From 2,048 rows the kernel runs rows in blocks over groups of packed panels: the same sums, bit for bit, as row slices",
          arguments: [DType.f32, .f16])
    func rowBlocksEqualSlices(type: DType) {
        // M past the threshold, not a multiple of a block; K over three chunks; N over two groups of panels
        // (CK_PANEL_STORE holds 42 panels of 3 chunks), the last panel partial.
        let (M, N, K) = (2_100, 1_400, 1_088)
        var rng = SeededRandom(seed: 1_000 + UInt64(type.rawValue))
        let w = randomWeights(type, rows: N, cols: K, rng: &rng)
        var xb = [UInt16](repeating: 0, count: M * K)
        ck_round_bf16(rng.floats(M * K), &xb, Int64(M * K))
        var whole = [Float](repeating: .nan, count: M * N), sliced = whole
        ck_matmul_bf16(ckType(type), w, xb, &whole, Int64(M), Int64(K), Int64(N), 0, 19)
        ck_matmul_bf16(ckType(type), w, xb, &whole, Int64(M), Int64(K), Int64(N), 19, Int64(N))
        // 100-row slices take the one-pass path; each row's K chunks are summed in the same order either way.
        for m0 in stride(from: 0, to: M, by: 100) {
            let rows = min(100, M - m0)
            xb.withUnsafeBufferPointer { x in
                sliced.withUnsafeMutableBufferPointer { y in
                    ck_matmul_bf16(ckType(type), w, x.baseAddress! + m0 * K, y.baseAddress! + m0 * N, Int64(rows), Int64(K),
                                   Int64(N), 0, Int64(N))
                }
            }
        }
        #expect(whole == sliced, "\(type), AVX-512 BF16: \(ck_bf16_fast() != 0)")
        var ref = [Float](repeating: 0, count: 7 * N)
        ck_matmul_bf16_ref(ckType(type), w, xb, &ref, 7, Int64(K), Int64(N), 0, Int64(N))
        #expect(maxError(Array(whole[..<(7 * N)]), ref) < 1e-5)
    }

    @Test("bf16 arithmetic stays within bf16 rounding of the f32 product", arguments: [DType.f32, .f16])
    func closeToF32(type: DType) {
        let (M, N, K) = (5, 40, 512)
        var rng = SeededRandom(seed: 900 + UInt64(type.rawValue))
        let w = randomWeights(type, rows: N, cols: K, rng: &rng)
        let x = rng.floats(M * K)
        var wf = [Float](repeating: 0, count: N * K)
        ck_dequantize_ref(ckType(type), w, &wf, Int64(N * K))
        var xb = [UInt16](repeating: 0, count: M * K)
        ck_round_bf16(x, &xb, Int64(M * K))
        var exact = [Float](repeating: 0, count: M * N), y = exact
        ck_matmul_ref(ckType(type), w, x, &exact, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        ck_matmul_bf16(ckType(type), w, xb, &y, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        // Each operand moves by at most 2^-9 of itself, so |y - exact| <= 2 * 2^-9 * sum_k |x_k w_k|.
        var worst: Float = 0
        for m in 0..<M {
            for n in 0..<N {
                var bound: Float = 0
                for k in 0..<K { bound += abs(x[m * K + k] * wf[n * K + k]) }
                worst = max(worst, abs(y[m * N + n] - exact[m * N + n]) / (bound * 2 / 512 * 1.01 + 1e-6))
            }
        }
        #expect(worst <= 1, "\(type): error \(worst) of the rounding bound")
        #expect(worst > 0.001, "\(type): suspiciously exact; are the operands really rounded?")
    }

    @Test("Ops.matmul at bf16 uses bf16 only for float weights on a CPU that has it, and matches the kernel")
    func opsPrecision() {
        #expect(Ops.precisionUsed(.bf16, weights: .q8_0) == .f32)
        #expect(Ops.precisionUsed(.f32, weights: .f16) == .f32)
        #expect(Ops.precisionUsed(.bf16, weights: .f16) == (ck_bf16_fast() != 0 ? .bf16 : .f32))
        let (M, N, K) = (6, 70, 256)
        var rng = SeededRandom(seed: 17)
        let w = randomWeights(.f16, rows: N, cols: K, rng: &rng)
        let x = rng.floats(M * K)
        let storage = Storage(byteCount: w.count)
        w.withUnsafeBytes { storage.base.copyMemory(from: $0.baseAddress!, byteCount: w.count) }
        let weight = Tensor(shape: [N, K], dtype: .f16, storage: storage)
        var y = [Float](repeating: .nan, count: M * N), expected = y
        y.withUnsafeMutableBufferPointer {
            Ops.matmul(x, rows: M, weight: weight, into: $0.baseAddress!, pool: ThreadPool(threads: 3), precision: .bf16)
        }
        if Ops.bf16Available {
            var xb = [UInt16](repeating: 0, count: M * K)
            ck_round_bf16(x, &xb, Int64(M * K))
            ck_matmul_bf16_ref(CK_F16, w, xb, &expected, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        } else {
            ck_matmul_ref(CK_F16, w, x, &expected, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        }
        #expect(maxError(y, expected) < 1e-5)
    }
}
