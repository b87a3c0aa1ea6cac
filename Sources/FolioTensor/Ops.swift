import CKernels

/// CPU operations of a transformer forward pass, over raw f32 buffers and weight tensors.
///
/// Letters: M = rows of activations (tokens), N = output features, K = input features,
/// T = tokens, H = heads, D = head dimension. All activations are f32, rows contiguous.
/// Shapes are preconditions (programmer errors), checked cheaply; bad files are caught by the readers.
public enum Ops {
    /// Linear layer without bias: y = x · Wᵀ.
    ///
    /// - x: [M, K] f32; `weight`: [N, K] of any ``DType`` (quantised rows are dequantised on the fly,
    ///   a panel of ``matmulPanelWidth`` rows at a time); y: [M, N] f32.
    /// The N columns are split across the pool in multiples of the panel width.
    public static func matmul(_ x: UnsafePointer<Float>, rows M: Int, weight: Tensor,
                              into y: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        precondition(weight.shape.count == 2, "matmul weight must be [N, K], got \(weight.shape)")
        let (N, K) = (weight.shape[0], weight.shape[1])
        guard M > 0, N > 0 else { return }
        let type = ck_type(rawValue: weight.dtype.rawValue)
        let w = weight.rawPointer
        let panels = (N + matmulPanelWidth - 1) / matmulPanelWidth
        // A few tasks per thread, so a thread slowed by others on the machine does not hold up the rest.
        let tasks = min(panels, pool.threadCount * 4)
        pool.parallelFor(tasks) { task in
            let n0 = min(panels * task / tasks * matmulPanelWidth, N)
            let n1 = min(panels * (task + 1) / tasks * matmulPanelWidth, N)
            ck_matmul(type, w, x, y, Int64(M), Int64(K), Int64(N), Int64(n0), Int64(n1))
        }
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
