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
            attentionBF16(q: q, k: k, v: v, out: out, lengths: [tokens], Hq: Hq, Hkv: Hkv, D: D,
                          scale: 1 / Float(headDim).squareRoot(), causal: true, pool: pool)
            return
        }
        // Keys and values packed once as matmul panels (shared by every query block and head), instead of
        // once per work item: [Hkv, T / 32, D, 32] each, about the size of k and v.
        packedAttention(Float.self, lengths: [tokens], Hq: Hq, Hkv: Hkv, pool: pool,
                        count: { ck_attention_packed_floats($0, Hkv, D) },
                        pack: { _, kp, vp, i0, i1 in ck_attention_pack(k, v, T, Hkv, D, kp, vp, i0, i1) },
                        attend: { _, kp, vp, item in ck_attention_packed(q, kp, vp, out, T, Hq, Hkv, D, item, item + 1) })
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

    /// The bf16 kernel over sequences packed end to end, each attending only to itself, causally (decoders: one
    /// sequence) or to all its tokens (the encoders' `--precision bf16`): per sequence, keys less their mean (a
    /// constant per query row's scores, which softmax ignores: less for bf16 to round), keys and values rounded and
    /// packed once ([Hkv, T / 32, D * 16] words each), then the same work items as the f32 path.
    ///
    /// q, out: [Σ lengths, Hq, D] (`out` may be `q`); k, v: [Σ lengths, Hkv, D]. Causal attention's kernel scales by
    /// 1/sqrt(D) itself, the only `scale` its caller passes.
    static func attentionBF16(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                              out: UnsafeMutablePointer<Float>, lengths: [Int], Hq: Int64, Hkv: Int64, D: Int64,
                              scale: Float, causal: Bool, pool: ThreadPool) {
        var row = [0]  // row[s]: sequence s's first row
        for t in lengths { row.append(row.last! + t) }
        let (qWidth, kvWidth) = (Int(Hq * D), Int(Hkv * D))
        var means = [Float](repeating: 0, count: lengths.count * kvWidth)  // [sequences, Hkv, D]
        means.withUnsafeMutableBufferPointer { m in
            let m = m.baseAddress!
            pool.parallelFor(lengths.count) { s in
                ck_attention_key_mean(k + row[s] * kvWidth, Int64(lengths[s]), Hkv, D, m + s * kvWidth)
            }
            packedAttention(UInt32.self, lengths: lengths, Hq: Hq, Hkv: Hkv, pool: pool,
                            count: { ck_attention_bf16_packed_words($0, Hkv, D) },
                            pack: { s, kp, vp, i0, i1 in
                                ck_attention_pack_bf16(k + row[s] * kvWidth, m + s * kvWidth, v + row[s] * kvWidth,
                                                       Int64(lengths[s]), Hkv, D, kp, vp, i0, i1)
                            },
                            attend: { s, kp, vp, item in
                                let (qs, os, T) = (q + row[s] * qWidth, out + row[s] * qWidth, Int64(lengths[s]))
                                if causal {
                                    ck_attention_packed_bf16(qs, kp, vp, os, T, Hq, Hkv, D, item, item + 1)
                                } else {
                                    ck_encoder_attention_packed_bf16(qs, kp, vp, os, T, Hq, Hkv, D, scale, item, item + 1)
                                }
                            })
        }
    }

    /// The schedule every packed attention shares, over sequences packed end to end (one, for causal attention):
    /// per sequence s of T tokens, k and v panels of `count(T)` elements each (64-byte aligned, freed on return),
    /// packed over `pool` in up to four tasks a thread (`pack(s, kp, vp, item0, item1)` over its
    /// `ck_attention_pack_items` items), then one `attend(s, kp, vp, item)` per attention work item of every sequence.
    private static func packedAttention<Element>(
        _: Element.Type, lengths: [Int], Hq: Int64, Hkv: Int64, pool: ThreadPool, count: (Int64) -> Int,
        pack: (Int, UnsafeMutablePointer<Element>, UnsafeMutablePointer<Element>, Int64, Int64) -> Void,
        attend: (Int, UnsafePointer<Element>, UnsafePointer<Element>, Int64) -> Void
    ) {
        // Per sequence: its panels' first element, and its first pack and attention items in the global numbering.
        var panel = [0], firstPack = [0], firstItem = [0]
        let align = 64 / MemoryLayout<Element>.stride  // each sequence's panels 64-byte aligned
        for t in lengths {
            panel.append(panel.last! + (count(Int64(t)) + align - 1) / align * align)
            firstPack.append(firstPack.last! + Int(ck_attention_pack_items(Int64(t), Hkv)))
            firstItem.append(firstItem.last! + Int(ck_attention_items(Int64(t), Hq)))
        }
        let bytes = max(panel.last!, 1) * MemoryLayout<Element>.stride
        let kRaw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let vRaw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { kRaw.deallocate(); vRaw.deallocate() }
        let kp = kRaw.bindMemory(to: Element.self, capacity: panel.last!)
        let vp = vRaw.bindMemory(to: Element.self, capacity: panel.last!)
        let packItems = firstPack.last!
        let packTasks = min(packItems, pool.threadCount * 4)
        pool.parallelFor(packTasks) { task in
            var (item, end) = (packItems * task / packTasks, packItems * (task + 1) / packTasks)
            while item < end {  // a task's items may span sequences
                let s = sequence(of: item, starts: firstPack), stop = min(end, firstPack[s + 1])
                pack(s, kp + panel[s], vp + panel[s], Int64(item - firstPack[s]), Int64(stop - firstPack[s]))
                item = stop
            }
        }
        pool.parallelFor(firstItem.last!) { item in
            let s = sequence(of: item, starts: firstItem)
            attend(s, UnsafePointer(kp + panel[s]), UnsafePointer(vp + panel[s]), Int64(item - firstItem[s]))
        }
    }

    /// Packed sequences' work: the sequence s that global item `item` belongs to, the last one with
    /// starts[s] <= item (`starts`: each sequence's first item, then the total).
    static func sequence(of item: Int, starts: [Int]) -> Int {
        var lo = 0, hi = starts.count - 2
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= item { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}
