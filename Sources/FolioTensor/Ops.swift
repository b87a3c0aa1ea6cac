import CKernels

/// CPU operations of a transformer forward pass, over raw f32 buffers and weight tensors.
///
/// Letters: M = rows of activations (tokens), N = output features, K = input features,
/// T = tokens, H = heads, D = head dimension. All activations are f32, rows contiguous.
/// Shapes are preconditions (programmer errors), checked cheaply; bad files are caught by the readers.
public enum Ops {
    /// Linear layer without bias: y = x · Wᵀ.
    ///
    /// - x: [M, K] f32; `weight`: [N, K] of any ``DType``; y: [M, N] f32.
    /// - Float weights (F32, F16, BF16) and, without `int8Activations`, every type: panels of
    ///   ``matmulPanelWidth`` weight rows are dequantised to f32 on the fly and multiplied in f32.
    /// - Quantised weights (Q8_0, Q5_0, Q4_K, Q5_K, Q6_K) with `int8Activations` on a CPU with AVX-512 VNNI:
    ///   x is quantised to int8 per 32 values (as llama.cpp does) and the products are summed exactly in
    ///   int32; the error is that of rounding x to 8 bits (about 0.4% of a block's largest value).
    /// - Float weights with `precision` ``ComputePrecision/bf16`` on a CPU with AVX-512 BF16: x and the
    ///   weights are rounded to bf16 and the products summed in f32 (see ``precisionUsed(_:weights:)``).
    /// The N columns are split across the pool in multiples of the panel width.
    public static func matmul(_ x: UnsafePointer<Float>, rows M: Int, weight: Tensor,
                              into y: UnsafeMutablePointer<Float>, pool: ThreadPool, int8Activations: Bool = true,
                              precision: ComputePrecision = .f32) {
        precondition(weight.shape.count == 2, "matmul weight must be [N, K], got \(weight.shape)")
        let (N, K) = (weight.shape[0], weight.shape[1])
        guard M > 0, N > 0 else { return }
        let type = ck_type(rawValue: weight.dtype.rawValue)
        let w = weight.rawPointer
        let tasks = columnTasks(N, pool: pool)
        func columns(_ task: Int) -> (Int64, Int64) { columnSpan(task, of: tasks, columns: N) }
        if int8Activations && usesInt8(weight.dtype) && K % 32 == 0 {
            matmulInt8(x, rows: M, weights: [(weight, y)], pool: pool)
            return
        }
        if precisionUsed(precision, weights: weight.dtype) == .bf16 && K % 2 == 0 {
            matmulBF16(x, rows: M, weight: weight, into: y, pool: pool, columnTasks: tasks, columns: columns)
            return
        }
        pool.parallelFor(tasks) { task in
            let (n0, n1) = columns(task)
            ck_matmul(type, w, x, y, Int64(M), Int64(K), Int64(N), n0, n1)
        }
    }

    /// Several linear layers over the same x (Qwen3's q, k and v; gate and up): y_i = x · W_iᵀ.
    ///
    /// When every weight takes the int8 path, x is quantised once for all of them and their column
    /// panels run as one set of tasks (one wake-up of the pool, shorter layers balanced with the rest);
    /// otherwise each runs through ``matmul(_:rows:weight:into:pool:int8Activations:precision:)``. The
    /// results are the same either way, bit for bit.
    public static func matmul(_ x: UnsafePointer<Float>, rows M: Int, weights: [(Tensor, UnsafeMutablePointer<Float>)],
                              pool: ThreadPool, int8Activations: Bool = true, precision: ComputePrecision = .f32) {
        guard M > 0, let K = weights.first?.0.shape.last else { return }
        let shared = int8Activations && K % 32 == 0
            && weights.allSatisfy { $0.0.shape.count == 2 && $0.0.shape[1] == K && usesInt8($0.0.dtype) }
        guard shared else {
            for (w, y) in weights {
                matmul(x, rows: M, weight: w, into: y, pool: pool, int8Activations: int8Activations, precision: precision)
            }
            return
        }
        matmulInt8(x, rows: M, weights: weights, pool: pool)
    }

    /// The int8 path over weights that share x ([M, K], K a multiple of 32): x quantised once (rows split
    /// over the pool; every thread then reads the same int8 rows), then every weight's column panels as
    /// one set of tasks, each weight split in a few tasks per thread so a thread slowed by others on the
    /// machine does not hold up the rest.
    static func matmulInt8(_ x: UnsafePointer<Float>, rows M: Int, weights: [(Tensor, UnsafeMutablePointer<Float>)],
                           pool: ThreadPool) {
        let K = weights[0].0.shape[1]
        let act = UnsafeMutableRawPointer.allocate(byteCount: ck_act_bytes(Int64(M), Int64(K)), alignment: 64)
        defer { act.deallocate() }
        let rowTasks = min(M, pool.threadCount * 2)
        pool.parallelFor(rowTasks) { task in
            ck_quantize_act(x, Int64(M), Int64(K), act, Int64(M * task / rowTasks), Int64(M * (task + 1) / rowTasks))
        }
        // Tasks of (weight, column range).
        var tasks: [(weight: Int, n0: Int64, n1: Int64)] = []
        for (i, (w, _)) in weights.enumerated() {
            let N = w.shape[0], count = columnTasks(N, pool: pool)
            for t in 0..<count {
                let (n0, n1) = columnSpan(t, of: count, columns: N)
                tasks.append((i, n0, n1))
            }
        }
        pool.parallelFor(tasks.count) { t in
            let (i, n0, n1) = tasks[t]
            let (w, y) = weights[i]
            ck_matmul_int8(ck_type(rawValue: w.dtype.rawValue), w.rawPointer, act, y, Int64(M), Int64(K),
                           Int64(w.shape[0]), n0, n1)
        }
    }

    /// Tasks N columns are split into: a few per thread, so a thread slowed by others on the machine does
    /// not hold up the rest, and never more than there are panels.
    static func columnTasks(_ N: Int, pool: ThreadPool) -> Int {
        min((N + matmulPanelWidth - 1) / matmulPanelWidth, pool.threadCount * 4)
    }

    /// Columns [n0, n1) of `task` out of `tasks`: whole panels, the last one cut at N.
    static func columnSpan(_ task: Int, of tasks: Int, columns N: Int) -> (Int64, Int64) {
        let panels = (N + matmulPanelWidth - 1) / matmulPanelWidth
        return (Int64(min(panels * task / tasks * matmulPanelWidth, N)),
                Int64(min(panels * (task + 1) / tasks * matmulPanelWidth, N)))
    }

    /// Whether ``matmul(_:rows:weight:into:pool:int8Activations:)`` multiplies weights of `type` with int8
    /// activations on this CPU (a quantised type and AVX-512 VNNI).
    public static func usesInt8(_ type: DType) -> Bool {
        ck_int8_type(ck_type(rawValue: type.rawValue)) != 0 && ck_int8_fast() != 0
    }

    /// Weight rows dequantised together by ``matmul(_:rows:weight:into:pool:)``.
    public static let matmulPanelWidth = Int(CK_MATMUL_NR)

    /// Embedding lookup: row `rows[i]` of `t` ([R, C], any ``DType``) -> `into[i * C ..< (i + 1) * C]`.
    public static func dequantizeRows(_ t: Tensor, rows: [Int], into: UnsafeMutablePointer<Float>) {
        let (R, C) = (t.rowCount, t.rowLength)
        let type = ck_type(rawValue: t.dtype.rawValue)
        let rowBytes = t.rowBytes
        for (i, r) in rows.enumerated() {
            precondition(r >= 0 && r < R, "row \(r) outside a tensor of \(R) rows")
            ck_dequantize(type, t.rawPointer + r * rowBytes, into + i * C, Int64(C))
        }
    }

    /// The whole tensor as f32, in row-major order (for small tensors such as norm weights).
    public static func toFloats(_ t: Tensor) -> [Float] {
        let n = t.elementCount
        return [Float](unsafeUninitializedCapacity: n) { buffer, count in
            if n > 0 { ck_dequantize(ck_type(rawValue: t.dtype.rawValue), t.rawPointer, buffer.baseAddress!, Int64(n)) }
            count = n
        }
    }
}
