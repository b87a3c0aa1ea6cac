import CKernels

/// Operations of encoder models (BERT and its family). Shapes as in ``Ops``: T = tokens, H = heads,
/// D = head size; activations are f32 with contiguous rows.
extension Ops {
    /// Linear-layer bias: y[r] += bias for each of `rows` rows of `bias.count` values.
    public static func addBias(_ y: UnsafeMutablePointer<Float>, rows: Int, bias: [Float]) {
        bias.withUnsafeBufferPointer { ck_add_bias(y, $0.baseAddress!, Int64(rows), Int64($0.count)) }
    }

    /// LayerNorm over each row, as `torch.nn.LayerNorm`: (x - mean) / sqrt(var + eps) · weight + bias,
    /// with the population variance.
    ///
    /// x, into: [rows, dim] (`x` may equal `into`); weight, bias: [dim]. Splits rows across `pool` when given.
    public static func layerNorm(_ x: UnsafePointer<Float>, rows: Int, dim: Int, weight: [Float], bias: [Float],
                                 eps: Float, into: UnsafeMutablePointer<Float>, pool: ThreadPool?) {
        precondition(weight.count == dim && bias.count == dim, "LayerNorm weight and bias must have \(dim) values")
        guard rows > 0 else { return }
        // Below ~64K elements a thread hand-off costs more than the work.
        let tasks = pool.map { rows * dim >= 1 << 16 ? min(rows, $0.threadCount * 2) : 1 } ?? 1
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                if tasks <= 1 {
                    ck_layernorm(x, w.baseAddress!, b.baseAddress!, into, Int64(rows), Int64(dim), eps)
                    return
                }
                pool!.parallelFor(tasks) { task in
                    let r0 = rows * task / tasks, r1 = rows * (task + 1) / tasks
                    ck_layernorm(x + r0 * dim, w.baseAddress!, b.baseAddress!, into + r0 * dim,
                                 Int64(r1 - r0), Int64(dim), eps)
                }
            }
        }
    }

    /// GELU in place, the exact erf form (Hugging Face `"gelu"`): x · (1 + erf(x / √2)) / 2. x: [count].
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int, pool: ThreadPool?) {
        let tasks = pool.map { count >= 1 << 16 ? $0.threadCount * 2 : 1 } ?? 1
        if tasks <= 1 { ck_gelu(x, Int64(count)); return }
        pool!.parallelFor(tasks) { task in
            let i0 = count * task / tasks, i1 = count * (task + 1) / tasks
            ck_gelu(x + i0, Int64(i1 - i0))
        }
    }

    /// Bidirectional multi-head self-attention of one sequence (every token sees every token; no mask,
    /// because sequences are never padded), softmax scale 1/sqrt(headDim).
    ///
    /// q, k, v, out: [tokens, heads, headDim]. Work items of (16 query rows, one head) are spread over `pool`.
    public static func encoderAttention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                        out: UnsafeMutablePointer<Float>, tokens: Int, heads: Int, headDim: Int,
                                        pool: ThreadPool) {
        precondition(heads > 0 && headDim > 0, "attention needs heads and headDim above 0")
        guard tokens > 0 else { return }
        let (T, H, D) = (Int64(tokens), Int64(heads), Int64(headDim))
        let items = Int(ck_encoder_attention_items(T, H))
        pool.parallelFor(items) { item in
            ck_encoder_attention(q, k, v, out, T, H, D, Int64(item), Int64(item + 1))
        }
    }

    /// ``encoderAttention(q:k:v:out:tokens:heads:headDim:pool:)`` over sequences packed end to end, each
    /// attending only to itself, in one parallel loop (short sequences alone would leave threads idle).
    ///
    /// q, k, v, out: [Σ lengths, heads, headDim]; `lengths` are the sequences' token counts in order.
    public static func encoderAttention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                        out: UnsafeMutablePointer<Float>, lengths: [Int], heads: Int, headDim: Int,
                                        pool: ThreadPool, precision: ComputePrecision = .f32) {
        encoderAttention(q: q, k: k, v: v, out: out, lengths: lengths, qHeads: heads, kvHeads: heads, headDim: headDim,
                         scale: 1 / Float(headDim).squareRoot(), window: nil, pool: pool, precision: precision)
    }

    /// Bidirectional grouped-query attention over packed sequences (EmbeddingGemma): query head h reads kv head
    /// h / (qHeads / kvHeads), softmax scale `scale`; with `window` r, token i sees only tokens j with |i - j| <= r
    /// of its own sequence (a bidirectional sliding window), else all of them. With `precision` `.bf16`, no window
    /// and ``attentionBF16Available(headDim:)``, both products run in bf16 as in ``causalAttention``.
    ///
    /// q, out: [Σ lengths, qHeads, headDim]; k, v: [Σ lengths, kvHeads, headDim].
    public static func encoderAttention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                        out: UnsafeMutablePointer<Float>, lengths: [Int], qHeads: Int, kvHeads: Int,
                                        headDim: Int, scale: Float, window: Int?, pool: ThreadPool,
                                        precision: ComputePrecision = .f32) {
        precondition(qHeads > 0 && headDim > 0 && kvHeads > 0 && qHeads % kvHeads == 0,
                     "attention needs heads and headDim above 0, and kv heads dividing query heads")
        if precision == .bf16 && window == nil && attentionBF16Available(headDim: headDim) {
            attentionBF16(q: q, k: k, v: v, out: out, lengths: lengths, Hq: Int64(qHeads), Hkv: Int64(kvHeads),
                          D: Int64(headDim), scale: scale, causal: false, pool: pool)
            return
        }
        // firstItem[s]: the packed item where sequence s starts; its rows start at row[s].
        var firstItem = [0], row = [0]
        for t in lengths {
            firstItem.append(firstItem.last! + Int(ck_encoder_attention_items(Int64(t), Int64(qHeads))))
            row.append(row.last! + t)
        }
        let (Hq, Hkv, D, radius) = (Int64(qHeads), Int64(kvHeads), Int64(headDim), Int64(window ?? -1))
        let (qWidth, kvWidth) = (qHeads * headDim, kvHeads * headDim)
        pool.parallelFor(firstItem.last!) { item in
            let lo = sequence(of: item, starts: firstItem)
            let (qo, kvo, local) = (row[lo] * qWidth, row[lo] * kvWidth, Int64(item - firstItem[lo]))
            ck_encoder_attention_gqa(q + qo, k + kvo, v + kvo, out + qo, Int64(lengths[lo]), Hq, Hkv, D, scale, radius,
                                     local, local + 1)
        }
    }
}
