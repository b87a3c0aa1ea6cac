import CKernels

extension Ops {
    /// Causal grouped-query self-attention of one sequence, softmax scale 1/sqrt(headDim).
    ///
    /// q: [tokens, qHeads, headDim]; k, v: [tokens, kvHeads, headDim]; out: [tokens, qHeads, headDim].
    /// Query head h reads key/value head h / (qHeads / kvHeads); token t attends to tokens 0...t.
    /// Flash-attention style (online softmax over key tiles): no tokens × tokens buffer is allocated.
    /// Work items of (16 query rows, one head) are spread over `pool`.
    public static func causalAttention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                       out: UnsafeMutablePointer<Float>, tokens: Int, qHeads: Int, kvHeads: Int,
                                       headDim: Int, pool: ThreadPool) {
        precondition(kvHeads > 0 && qHeads % kvHeads == 0, "qHeads (\(qHeads)) must be a multiple of kvHeads (\(kvHeads))")
        precondition(headDim > 0 && headDim <= Int(CK_ATTN_MAX_D), "headDim \(headDim) outside 1...\(CK_ATTN_MAX_D)")
        guard tokens > 0 else { return }
        let (T, Hq, Hkv, D) = (Int64(tokens), Int64(qHeads), Int64(kvHeads), Int64(headDim))
        let items = Int(ck_attention_items(T, Hq))
        pool.parallelFor(items) { item in
            ck_attention(q, k, v, out, T, Hq, Hkv, D, Int64(item), Int64(item + 1))
        }
    }
}
