import CKernels
import FolioTensor
import Testing

/// Quantised types with an int8-activation path.
private let int8Types: [DType] = [.q8_0, .q5_0, .q4_K, .q5_K, .q6_K]

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

@Suite("Int8 matmul")
struct Int8MatmulTests {
    @Test("Activations round to int8 per 32 values within half a step, with the group sums the kernel needs")
    func activationQuantisation() {
        let (M, K) = (3, 96)
        var rng = SeededRandom(seed: 5)
        var x = rng.floats(M * K, scale: 3)
        for i in 32..<64 { x[i] = 0 }  // an all-zero block must not divide by zero
        let act = quantized(x, M: M, K: K)
        act.withUnsafeBytes { raw in
            let q = raw.bindMemory(to: Int8.self)
            let f = UnsafeRawPointer(raw.baseAddress! + M * K).assumingMemoryBound(to: Float.self)
            let (d, s32, s16) = (f, f + M * K / 32, f + 2 * M * K / 32)
            for m in 0..<M {
                for b in 0..<K / 32 {
                    let block = (0..<32).map { x[m * K + b * 32 + $0] }
                    let db = d[m * K / 32 + b]
                    #expect(db == block.map(abs).max()! / 127)
                    var sum = [0, 0]
                    for i in 0..<32 {
                        let qi = Int(q[m * K + b * 32 + i])
                        #expect(abs(Float(qi) * db - block[i]) <= db / 2 * 1.0001)
                        sum[i / 16] += qi
                    }
                    #expect(s32[m * K / 32 + b] == db * Float(sum[0] + sum[1]))
                    #expect(s16[m * K / 16 + 2 * b] == db * Float(sum[0]) && s16[m * K / 16 + 2 * b + 1] == db * Float(sum[1]))
                }
            }
        }
    }

    @Test("The vectorised activation quantiser writes exactly the reference's bytes, ties to even included")
    func quantiserMatchesReference() {
        let (M, K) = (5, 160)
        var rng = SeededRandom(seed: 11)
        var x = rng.floats(M * K, scale: 4)
        for i in 64..<96 { x[i] = 0 }  // an all-zero block
        // A block whose max is 127 so that the scale is 1 and x.5 values are ties: round half to even.
        for i in 0..<32 { x[K + i] = i == 0 ? 127 : Float(i % 9) - 4.5 }
        let fast = quantized(x, M: M, K: K)
        var reference = [UInt8](repeating: 0, count: ck_act_bytes(Int64(M), Int64(K)))
        reference.withUnsafeMutableBytes { ck_quantize_act_ref(x, Int64(M), Int64(K), $0.baseAddress!, 0, Int64(M)) }
        #expect(fast == reference)
        // The tie block: -4.5 -> -4, -3.5 -> -4, 0.5 -> 0, 1.5 -> 2 (even), as nearbyint rounds.
        let q = fast[K..<(K + 32)].map { Int8(bitPattern: $0) }
        #expect(Array(q[1...4]) == [-4, -2, -2, 0])
    }

    @Test("The VNNI kernel equals ck_matmul_int8_ref (odd M, a partial panel, K over three chunks)",
          arguments: int8Types)
    func fastEqualsReference(type: DType) {
        let (M, N, K) = (13, 45, 768)
        var rng = SeededRandom(seed: 31 + UInt64(type.rawValue))
        let w = randomWeights(type, rows: N, cols: K, rng: &rng)
        let act = quantized(rng.floats(M * K), M: M, K: K)
        var ref = [Float](repeating: .nan, count: M * N), y = ref
        ck_matmul_int8_ref(ckType(type), w, act, &ref, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        ck_matmul_int8(ckType(type), w, act, &y, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        // Same integer sums and the same order of float steps; only FMA contraction differs. The offset
        // terms cancel (Q8_0 reads q + 128), so the error is measured against the largest output.
        #expect(maxError(y, ref) < 1e-5, "\(type)")
    }

    @Test("Past ck_int8_row_block rows the row-blocked VNNI path equals ck_matmul_int8_ref, and each row its own pass",
          arguments: [DType.q8_0, .q6_K])
    func rowBlocked(type: DType) {
        let (N, K) = (45, 768)
        let block = Int(ck_int8_row_block(Int64(K)))
        let M = 2 * block + 5  // two full blocks and a partial one
        var rng = SeededRandom(seed: 41 + UInt64(type.rawValue))
        let w = randomWeights(type, rows: N, cols: K, rng: &rng)
        let x = rng.floats(M * K)
        let act = quantized(x, M: M, K: K)
        var ref = [Float](repeating: .nan, count: M * N), y = ref
        ck_matmul_int8_ref(ckType(type), w, act, &ref, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        // Columns 3..<45: the task's first panel starts inside the weight, and the last one is partial.
        for i in 0..<M { for n in 0..<3 { y[i * N + n] = ref[i * N + n] } }
        ck_matmul_int8(ckType(type), w, act, &y, Int64(M), Int64(K), Int64(N), 3, Int64(N))
        #expect(maxError(y, ref) < 1e-5, "\(type)")
        // The last row alone (M = 1, never blocked) gives the same bits as inside the blocked call.
        let last = (M - 1) * K
        var one = [Float](repeating: .nan, count: N)
        ck_matmul_int8(ckType(type), w, quantized(Array(x[last..<(last + K)]), M: 1, K: K), &one, 1, Int64(K), Int64(N), 3, Int64(N))
        #expect(Array(one[3...]) == Array(y[((M - 1) * N + 3)..<(M * N)]), "\(type)")
    }

    @Test("Int8 activations stay within the rounding bound of the exact f32 product", arguments: int8Types)
    func closeToExact(type: DType) {
        let (M, N, K) = (7, 40, 512)
        var rng = SeededRandom(seed: 77 + UInt64(type.rawValue))
        let w = randomWeights(type, rows: N, cols: K, rng: &rng)
        let x = rng.floats(M * K)
        var wf = [Float](repeating: 0, count: N * K)
        ck_dequantize_ref(ckType(type), w, &wf, Int64(N * K))
        var exact = [Float](repeating: 0, count: M * N), y = exact
        ck_matmul_ref(ckType(type), w, x, &exact, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        ck_matmul_int8(ckType(type), w, quantized(x, M: M, K: K), &y, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        // Each x moves by at most half a step, max|block| / 254, so |y - exact| <= sum_k |w_k| max|block(k)| / 254.
        var worst: Float = 0
        for m in 0..<M {
            let steps = (0..<K / 32).map { b in (0..<32).map { abs(x[m * K + b * 32 + $0]) }.max()! / 254 }
            for n in 0..<N {
                var bound: Float = 0
                for k in 0..<K { bound += abs(wf[n * K + k]) * steps[k / 32] }
                worst = max(worst, abs(y[m * N + n] - exact[m * N + n]) / (bound * 1.001 + 1e-6))
            }
        }
        #expect(worst <= 1, "\(type): error \(worst) of the rounding bound")
        #expect(worst > 0.01, "\(type): suspiciously exact; is x really quantised?")
    }

    // Without VNNI Ops.matmul takes the f32 path, which MatmulTests covers; the int8 kernels' own tests run anyway.
    @Test("Ops.matmul with int8 activations equals the int8 reference over a thread pool",
          .enabled(if: Ops.usesInt8(.q8_0)), arguments: [DType.q8_0, .q4_K, .q6_K])
    func opsMatmul(type: DType) throws {
        let (M, N, K) = (21, 333, 512)
        var rng = SeededRandom(seed: 11)
        let w = randomWeights(type, rows: N, cols: K, rng: &rng)
        let x = rng.floats(M * K)
        let storage = Storage(byteCount: w.count)
        w.withUnsafeBytes { storage.base.copyMemory(from: $0.baseAddress!, byteCount: w.count) }
        let weight = Tensor(shape: [N, K], dtype: type, storage: storage)
        var ref = [Float](repeating: 0, count: M * N), y = [Float](repeating: .nan, count: M * N)
        ck_matmul_int8_ref(ckType(type), w, quantized(x, M: M, K: K), &ref, Int64(M), Int64(K), Int64(N), 0, Int64(N))
        y.withUnsafeMutableBufferPointer { yp in
            x.withUnsafeBufferPointer { Ops.matmul($0.baseAddress!, rows: M, weight: weight, into: yp.baseAddress!, pool: ThreadPool(threads: 3)) }
        }
        #expect(maxError(y, ref) < 1e-5)
    }

    // Without VNNI the shared path falls back to separate calls.
    @Test("Linear layers sharing x (quantised once, one set of tasks) equal separate Ops.matmul calls bit for bit",
          .enabled(if: Ops.usesInt8(.q8_0)))
    func sharedInput() throws {
        let (M, K) = (19, 256)
        var rng = SeededRandom(seed: 23)
        // Q4_K_M files mix types within a layer (q and k Q4_K, v Q6_K); sizes uneven, one a partial panel.
        let specs: [(DType, Int)] = [(.q4_K, 200), (.q6_K, 40), (.q8_0, 77)]
        let weights = specs.map { type, N -> Tensor in
            let w = randomWeights(type, rows: N, cols: K, rng: &rng)
            let storage = Storage(byteCount: w.count)
            w.withUnsafeBytes { storage.base.copyMemory(from: $0.baseAddress!, byteCount: w.count) }
            return Tensor(shape: [N, K], dtype: type, storage: storage)
        }
        let x = rng.floats(M * K)
        let pool = ThreadPool(threads: 3)
        let outputs = specs.map { UnsafeMutablePointer<Float>.allocate(capacity: M * $0.1) }
        let separate = specs.map { UnsafeMutablePointer<Float>.allocate(capacity: M * $0.1) }
        defer { (outputs + separate).forEach { $0.deallocate() } }
        x.withUnsafeBufferPointer { xp in
            Ops.matmul(xp.baseAddress!, rows: M, weights: Array(zip(weights, outputs)), pool: pool)
            for (w, y) in zip(weights, separate) { Ops.matmul(xp.baseAddress!, rows: M, weight: w, into: y, pool: pool) }
        }
        for (i, spec) in specs.enumerated() {
            let a = Array(UnsafeBufferPointer(start: outputs[i], count: M * spec.1))
            let b = Array(UnsafeBufferPointer(start: separate[i], count: M * spec.1))
            #expect(a == b, "\(spec.0)")
            #expect(b.contains { $0 != 0 })
        }
    }
}
