import CKernels

extension Ops {
    /// Largest head size causal attention takes (its tiles live on the stack); model configs are checked against it.
    public static let maxAttentionHeadDim = Int(CK_ATTN_MAX_D)

    /// Causal grouped-query self-attention of one sequence, softmax scale 1/sqrt(headDim).
    ///
    /// q: [tokens, qHeads, headDim]; k, v: [tokens, kvHeads, headDim]; out: [tokens, qHeads, headDim].
    /// Query head h reads key/value head h / (qHeads / kvHeads); token t attends to tokens 0...t.
    /// Flash-attention style (online softmax over key tiles): no tokens × tokens buffer is allocated.
    /// Work items of (32 query rows, one head) are spread over `pool`. `out` may be `q` itself (in place).
    /// With `precision` `.bf16`, where ``attentionBF16Available(headDim:)``, q, k and v are rounded to
    /// bfloat16 and both products run on `vdpbf16ps` (softmax and sums stay f32): about 1.7 times faster.
    public static func causalAttention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                       out: UnsafeMutablePointer<Float>, tokens: Int, qHeads: Int, kvHeads: Int,
                                       headDim: Int, pool: ThreadPool, precision: ComputePrecision = .f32) {
        precondition(kvHeads > 0 && qHeads % kvHeads == 0, "qHeads (\(qHeads)) must be a multiple of kvHeads (\(kvHeads))")
        precondition(headDim > 0 && headDim <= Int(CK_ATTN_MAX_D), "headDim \(headDim) outside 1...\(CK_ATTN_MAX_D)")
        guard tokens > 0 else { return }
        let (T, Hq, Hkv, D) = (Int64(tokens), Int64(qHeads), Int64(kvHeads), Int64(headDim))
        if precision == .bf16 && attentionBF16Available(headDim: headDim) {
            causalAttentionBF16(q: q, k: k, v: v, out: out, T: T, Hq: Hq, Hkv: Hkv, D: D, pool: pool)
            return
        }
        // Keys and values packed once as matmul panels (shared by every query block and head), instead of
        // once per work item: [Hkv, T / 32, D, 32] each, about the size of k and v.
        packedAttention(Float.self, count: Int(ck_attention_packed_floats(T, Hkv, D)), T: T, Hq: Hq, Hkv: Hkv, pool: pool,
                        pack: { kp, vp, i0, i1 in ck_attention_pack(k, v, T, Hkv, D, kp, vp, i0, i1) },
                        attend: { kp, vp, item in ck_attention_packed(q, kp, vp, out, T, Hq, Hkv, D, item, item + 1) })
    }

    /// Attention of one sequence's last query row only: q [qHeads, headDim] at position tokens - 1, against k, v
    /// [tokens, kvHeads, headDim] -> out [qHeads, headDim] (may be q). What last-token pooling needs from the last layer.
    public static func lastRowAttention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                        out: UnsafeMutablePointer<Float>, tokens: Int, qHeads: Int, kvHeads: Int, headDim: Int) {
        precondition(kvHeads > 0 && qHeads % kvHeads == 0, "qHeads (\(qHeads)) must be a multiple of kvHeads (\(kvHeads))")
        precondition(headDim > 0 && headDim <= maxAttentionHeadDim, "headDim \(headDim) outside 1...\(maxAttentionHeadDim)")
        guard tokens > 0 else { return }
        ck_attention_last_row(q, k, v, out, Int64(tokens), Int64(qHeads), Int64(kvHeads), Int64(headDim))
    }

    /// Whether attention can run in bf16 here: AVX-512 BF16 (allowed by `FOLIO_KERNELS`) and a head size
    /// that is a multiple of 32.
    public static func attentionBF16Available(headDim: Int) -> Bool { ck_attention_bf16_supported(Int64(headDim)) != 0 }

    /// The bf16 kernel: keys and values rounded and packed once ([Hkv, T / 32, D * 16] words each), then
    /// the same work items as the f32 path.
    static func causalAttentionBF16(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                    out: UnsafeMutablePointer<Float>, T: Int64, Hq: Int64, Hkv: Int64, D: Int64,
                                    pool: ThreadPool) {
        // Keys less their mean (a constant per query row's scores, which softmax ignores): less for bf16 to round.
        var mean = [Float](repeating: 0, count: Int(Hkv * D))
        ck_attention_key_mean(k, T, Hkv, D, &mean)
        packedAttention(UInt32.self, count: Int(ck_attention_bf16_packed_words(T, Hkv, D)), T: T, Hq: Hq, Hkv: Hkv, pool: pool,
                        pack: { kp, vp, i0, i1 in ck_attention_pack_bf16(k, mean, v, T, Hkv, D, kp, vp, i0, i1) },
                        attend: { kp, vp, item in ck_attention_packed_bf16(q, kp, vp, out, T, Hq, Hkv, D, item, item + 1) })
    }

    /// The schedule both precisions share: k and v panels of `count` elements each (64-byte aligned, freed on
    /// return), packed over `pool` in up to four tasks a thread (`pack(kp, vp, item0, item1)` over the
    /// `ck_attention_pack_items` items), then one `attend(kp, vp, item)` per attention work item.
    private static func packedAttention<Element>(
        _: Element.Type, count: Int, T: Int64, Hq: Int64, Hkv: Int64, pool: ThreadPool,
        pack: (UnsafeMutablePointer<Element>, UnsafeMutablePointer<Element>, Int64, Int64) -> Void,
        attend: (UnsafePointer<Element>, UnsafePointer<Element>, Int64) -> Void
    ) {
        let bytes = count * MemoryLayout<Element>.stride
        let kRaw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let vRaw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { kRaw.deallocate(); vRaw.deallocate() }
        let kp = kRaw.bindMemory(to: Element.self, capacity: count), vp = vRaw.bindMemory(to: Element.self, capacity: count)
        let packItems = Int(ck_attention_pack_items(T, Hkv))
        let packTasks = min(packItems, pool.threadCount * 4)
        pool.parallelFor(packTasks) { task in
            pack(kp, vp, Int64(packItems * task / packTasks), Int64(packItems * (task + 1) / packTasks))
        }
        let items = Int(ck_attention_items(T, Hq))
        pool.parallelFor(items) { item in attend(UnsafePointer(kp), UnsafePointer(vp), Int64(item)) }
    }
}
