import CKernels

extension Ops {
    /// Causal grouped-query self-attention of one sequence, softmax scale 1/sqrt(headDim).
    ///
    /// q: [tokens, qHeads, headDim]; k, v: [tokens, kvHeads, headDim]; out: [tokens, qHeads, headDim].
    /// Query head h reads key/value head h / (qHeads / kvHeads); token t attends to tokens 0...t.
    /// Flash-attention style (online softmax over key tiles): no tokens × tokens buffer is allocated.
    /// Work items of (32 query rows, one head) are spread over `pool`. `out` may be `q` itself (in place).
    public static func causalAttention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                       out: UnsafeMutablePointer<Float>, tokens: Int, qHeads: Int, kvHeads: Int,
                                       headDim: Int, pool: ThreadPool) {
        precondition(kvHeads > 0 && qHeads % kvHeads == 0, "qHeads (\(qHeads)) must be a multiple of kvHeads (\(kvHeads))")
        precondition(headDim > 0 && headDim <= Int(CK_ATTN_MAX_D), "headDim \(headDim) outside 1...\(CK_ATTN_MAX_D)")
        guard tokens > 0 else { return }
        let (T, Hq, Hkv, D) = (Int64(tokens), Int64(qHeads), Int64(kvHeads), Int64(headDim))
        // Keys and values packed once as matmul panels (shared by every query block and head), instead of
        // once per work item: [Hkv, T / 32, D, 32] each, about the size of k and v.
        let floats = Int(ck_attention_packed_floats(T, Hkv, D))
        let kRaw = UnsafeMutableRawPointer.allocate(byteCount: floats * 4, alignment: 64)
        let vRaw = UnsafeMutableRawPointer.allocate(byteCount: floats * 4, alignment: 64)
        defer { kRaw.deallocate(); vRaw.deallocate() }
        let kp = kRaw.bindMemory(to: Float.self, capacity: floats), vp = vRaw.bindMemory(to: Float.self, capacity: floats)
        let packItems = Int(ck_attention_pack_items(T, Hkv))
        let packTasks = min(packItems, pool.threadCount * 4)
        pool.parallelFor(packTasks) { task in
            ck_attention_pack(k, v, T, Hkv, D, kp, vp, Int64(packItems * task / packTasks), Int64(packItems * (task + 1) / packTasks))
        }
        let items = Int(ck_attention_items(T, Hq))
        pool.parallelFor(items) { item in
            ck_attention_packed(q, kp, vp, out, T, Hq, Hkv, D, Int64(item), Int64(item + 1))
        }
    }
}
