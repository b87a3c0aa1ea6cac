import CKernels

extension Ops {
    /// RMSNorm over each row (Qwen3 / Llama): into[r] = weight * x[r] / sqrt(mean(x[r]²) + eps).
    ///
    /// x, into: [rows, dim] (`x` may equal `into`); weight: [dim]. Splits rows across `pool` when given.
    public static func rmsNorm(_ x: UnsafePointer<Float>, rows: Int, dim: Int, weight: UnsafePointer<Float>,
                               eps: Float, into: UnsafeMutablePointer<Float>, pool: ThreadPool?) {
        guard rows > 0 else { return }
        // Below ~64K elements a thread hand-off costs more than the work.
        let tasks = pool.map { rows * dim >= 1 << 16 ? min(rows, $0.threadCount * 2) : 1 } ?? 1
        if tasks <= 1 {
            ck_rmsnorm(x, weight, into, Int64(rows), Int64(dim), eps)
            return
        }
        pool!.parallelFor(tasks) { task in
            let r0 = rows * task / tasks, r1 = rows * (task + 1) / tasks
            ck_rmsnorm(x + r0 * dim, weight, into + r0 * dim, Int64(r1 - r0), Int64(dim), eps)
        }
    }

    /// Rotary position embedding in place, Hugging Face `rotate_half` layout (dimension i pairs with
    /// i + headDim/2), angles computed in float32 exactly as transformers does.
    ///
    /// x: [tokens, heads, headDim]; token t sits at position `firstPosition + t`; `theta` is the RoPE base
    /// (Qwen3: 1e6).
    public static func rope(_ x: UnsafeMutablePointer<Float>, tokens: Int, heads: Int, headDim: Int,
                            firstPosition: Int, theta: Float) {
        precondition(headDim % 2 == 0, "RoPE needs an even head dimension, got \(headDim)")
        ck_rope(x, Int64(tokens), Int64(heads), Int64(headDim), Int64(firstPosition), theta)
    }

    /// SwiGLU activation in place: gate = silu(gate) * up, silu(g) = g · sigmoid(g). Both [count].
    public static func siluMul(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        ck_silu_mul(gate, up, Int64(count))
    }

    /// Residual connection: a += b, both [count].
    public static func add(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
        ck_add(a, b, Int64(count))
    }

    /// Scales v to unit Euclidean length (v / max(‖v‖, 1e-12), as `torch.nn.functional.normalize`).
    public static func l2Normalize(_ v: UnsafeMutablePointer<Float>, count: Int) {
        ck_l2_normalize(v, Int64(count))
    }
}
