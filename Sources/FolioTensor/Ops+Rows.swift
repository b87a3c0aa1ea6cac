import CKernels

extension Ops {
    /// RMSNorm over each row (Qwen3 / Llama): into[r] = weight * x[r] / sqrt(mean(x[r]²) + eps).
    ///
    /// x, into: [rows, dim] (`x` may equal `into`); weight: [dim]. Splits rows across `pool` when given.
    public static func rmsNorm(_ x: UnsafePointer<Float>, rows: Int, dim: Int, weight: UnsafePointer<Float>,
                               eps: Float, into: UnsafeMutablePointer<Float>, pool: ThreadPool?) {
        forSpans(of: rows, elementsEach: dim, pool: pool) { r0, r1 in
            ck_rmsnorm(x + r0 * dim, weight, into + r0 * dim, Int64(r1 - r0), Int64(dim), eps)
        }
    }

    /// Rotary position embedding in place, Hugging Face `rotate_half` layout (dimension i pairs with
    /// i + headDim/2), angles computed in float32 exactly as transformers does.
    ///
    /// x: [tokens, heads, headDim]; token t sits at position `firstPosition + t`; `theta` is the RoPE base
    /// (Qwen3: 1e6). Tokens are split across `pool` when given (each token is independent).
    public static func rope(_ x: UnsafeMutablePointer<Float>, tokens: Int, heads: Int, headDim: Int,
                            firstPosition: Int, theta: Float, pool: ThreadPool? = nil) {
        precondition(headDim % 2 == 0, "RoPE needs an even head dimension, got \(headDim)")
        let row = heads * headDim
        forSpans(of: tokens, elementsEach: row, pool: pool) { t0, t1 in
            ck_rope(x + t0 * row, Int64(t1 - t0), Int64(heads), Int64(headDim), Int64(firstPosition + t0), theta)
        }
    }

    /// SwiGLU activation in place: gate = silu(gate) * up, silu(g) = g · sigmoid(g). Both [count].
    /// Split across `pool` when given, in spans of whole 64-value blocks (the same values as one call).
    public static func siluMul(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int,
                               pool: ThreadPool? = nil) {
        forSpans(of: count, blockedBy: 64, pool: pool) { i0, i1 in ck_silu_mul(gate + i0, up + i0, Int64(i1 - i0)) }
    }

    /// GeGLU activation in place (Gemma): gate = gelu_tanh(gate) * up, the tanh approximation of GELU. Both [count].
    public static func geluTanhMul(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int,
                                   pool: ThreadPool? = nil) {
        forSpans(of: count, blockedBy: 64, pool: pool) { i0, i1 in ck_gelu_tanh_mul(gate + i0, up + i0, Int64(i1 - i0)) }
    }

    /// Residual connection: a += b, both [count]; split across `pool` when given.
    public static func add(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count: Int, pool: ThreadPool? = nil) {
        forSpans(of: count, blockedBy: 64, pool: pool) { i0, i1 in ck_add(a + i0, b + i0, Int64(i1 - i0)) }
    }

    /// Runs `body(start, end)` over spans covering 0..<count: one span without a pool or below ~64K
    /// values of work (a hand-off costs more), else two a thread. With `blockedBy`, spans start at
    /// multiples of it, so vector loops split where one call's would have.
    private static func forSpans(of count: Int, elementsEach: Int = 1, blockedBy block: Int = 1, pool: ThreadPool?,
                                 _ body: (Int, Int) -> Void) {
        guard count > 0 else { return }
        let blocks = (count + block - 1) / block
        let tasks = pool.map { count * elementsEach >= 1 << 16 ? min(blocks, $0.threadCount * 2) : 1 } ?? 1
        guard tasks > 1, let pool else { body(0, count); return }
        pool.parallelFor(tasks) { task in
            let (b0, b1) = (blocks * task / tasks, blocks * (task + 1) / tasks)
            body(b0 * block, min(b1 * block, count))
        }
    }

    /// Scales v to unit Euclidean length (v / max(‖v‖, 1e-12), as `torch.nn.functional.normalize`).
    public static func l2Normalize(_ v: UnsafeMutablePointer<Float>, count: Int) {
        ck_l2_normalize(v, Int64(count))
    }
}
