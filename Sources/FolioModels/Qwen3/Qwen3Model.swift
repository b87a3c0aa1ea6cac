import Foundation
import FolioTensor

/// Qwen3 decoder as an embedding model: causal attention, last-token pooling.
///
/// Glossary: T = tokens in the packed batch, C = hidden, F = MLP size, Hq / Hkv = heads, D = head size.
public final class Qwen3Model: EmbeddingModel, @unchecked Sendable {
    public let config: Qwen3Config
    let weights: Qwen3Weights
    let pool: ThreadPool
    /// One forward pass at a time: the scratch buffers are shared.
    private let scratch = ExclusiveScratch(Qwen3Scratch())

    public var dimension: Int { config.hiddenSize }
    public var contextLength: Int { config.contextLength }
    public var pooling: Pooling { .lastToken }
    /// Arithmetic of the linear layers, as asked; see ``precisionUsed``.
    public let precision: ComputePrecision
    /// Arithmetic of attention's products, per sequence length (``AttentionPrecision/auto``: bf16 for long ones).
    public let attention: AttentionPrecision

    init(config: Qwen3Config, weights: Qwen3Weights, pool: ThreadPool, precision: ComputePrecision = .f32,
         attention: AttentionPrecision = .auto) {
        self.config = config
        self.weights = weights
        self.pool = pool
        self.precision = precision
        self.attention = attention
    }

    /// The same weights (shared, not copied) run at another precision.
    public func using(precision: ComputePrecision, attention: AttentionPrecision? = nil) -> Qwen3Model {
        let attention = attention ?? self.attention
        return precision == self.precision && attention == self.attention
            ? self : Qwen3Model(config: config, weights: weights, pool: pool, precision: precision, attention: attention)
    }

    /// The precision the projections really run: bf16 only for float weights on a CPU with AVX-512 BF16.
    public var precisionUsed: ComputePrecision { Ops.precisionUsed(precision, weights: weights.layers.first?.wq.dtype ?? .f32) }

    public func embed(_ sequences: [[Int32]]) throws -> [[Float]] {
        try forward(sequences, observe: nil)
    }

    public func tokenStates(_ sequences: [[Int32]]) throws -> [[[Float]]] {
        var states: [[[Float]]] = []
        // The last stage `forward` shows is every row after the final norm.
        _ = try forward(sequences) { stage, x, _ in
            if stage == self.config.layerCount + 1 { states = PackedBatch.split(x, lengths: sequences.map(\.count), dim: self.dimension) }
        }
        return states
    }

    /// Runs the packed batch and returns the final-normed hidden state of each sequence's last token.
    /// `observe(stage, x, T)` sees [T, C]: stage 0 the embeddings, stage i the residual stream after
    /// layer i - 1, stage L + 1 every row after the final norm; for layer-by-layer checks against PyTorch.
    public func forward(_ sequences: [[Int32]],
                        observe: ((Int, UnsafePointer<Float>, Int) -> Void)?) throws -> [[Float]] {
        run(sequences, after: nil, keeping: nil, observe: observe)
    }

    /// The forward pass. With `prefix`, every sequence continues it: positions start at `prefix.count` and
    /// attention also sees the prefix's keys and values. With `keeping`, each layer's keys (after RoPE) and
    /// values of the batch's rows are stored there (for ``prefill(_:)``).
    func run(_ sequences: [[Int32]], after prefix: Qwen3KeyValues?, keeping kept: Qwen3KeyValues?,
             observe: ((Int, UnsafePointer<Float>, Int) -> Void)?) -> [[Float]] {
        let c = config
        let P = prefix?.count ?? 0
        let (C, F, D) = (c.hiddenSize, c.intermediateSize, c.headDim)
        let (Hq, Hkv) = (c.queryHeads, c.keyValueHeads)
        let batch = PackedBatch(sequences, maxLength: c.contextLength - P, vocabularySize: c.vocabularySize)
        let (lengths, T) = (batch.lengths, batch.tokens)
        guard T > 0 else { return [] }

        let s = scratch.acquire()
        defer { scratch.release() }
        s.reserve(tokens: T, config: c)
        let (x, q, k, v, h, gate, up) = (s.x.floats, s.q.floats, s.k.floats, s.v.floats,
                                         s.h.floats, s.gate.floats, s.up.floats)
        let (qw, kvw) = (Hq * D, Hkv * D)
        // Row chunks [r0, r1) of at most R tokens: everything but attention runs chunk by chunk, so only
        // x, q, k and v span the batch (bounded memory for 32k-token inputs).
        let R = Qwen3Scratch.rowChunk
        func rowChunks(_ rows: Int) -> [(Int, Int)] { stride(from: 0, to: rows, by: R).map { ($0, min($0 + R, rows)) } }
        let chunks = rowChunks(T)
        // Last-token pooling reads one row per sequence: in the last layer only those rows need attention's output
        // and the MLP (all rows still give their keys and values). Off when every row is observed or kept.
        let lastRowsOnly = observe == nil && kept == nil && prefix == nil && c.layerCount > 0

        // 1. Token embedding: ids [T] -> x [T, C].
        Ops.dequantizeRows(weights.tokenEmbedding, rows: batch.rows, into: x)
        observe?(0, x, T)

        for (layerIndex, l) in weights.layers.enumerated() {
            let pooledOnly = lastRowsOnly && layerIndex == c.layerCount - 1
            for (r0, r1) in chunks {
                let n = r1 - r0
                // 2. RMSNorm before attention: x [n, C] -> h [n, C].
                l.attentionNorm.withUnsafeBufferPointer {
                    Ops.rmsNorm(x + r0 * C, rows: n, dim: C, weight: $0.baseAddress!, eps: c.rmsNormEps, into: h, pool: pool)
                }
                // 3. Projections: h [n, C] -> q [n, Hq * D], k and v [n, Hkv * D] (rows r0..<r1 of the batch).
                Ops.matmul(h, rows: n, weights: [(l.wq, q + r0 * qw), (l.wk, k + r0 * kvw), (l.wv, v + r0 * kvw)],
                           pool: pool, precision: precision)
                // 4. Per-head RMSNorm on q and k: [n * H, D] -> [n * H, D].
                l.qNorm.withUnsafeBufferPointer {
                    Ops.rmsNorm(q + r0 * qw, rows: n * Hq, dim: D, weight: $0.baseAddress!, eps: c.rmsNormEps,
                                into: q + r0 * qw, pool: pool)
                }
                l.kNorm.withUnsafeBufferPointer {
                    Ops.rmsNorm(k + r0 * kvw, rows: n * Hkv, dim: D, weight: $0.baseAddress!, eps: c.rmsNormEps,
                                into: k + r0 * kvw, pool: pool)
                }
            }
            // 5. RoPE and causal grouped-query attention, each sequence on its own (positions restart at P,
            //    0 without a prefix): q [t, Hq, D], k, v [t, Hkv, D] -> attention output [t, Hq, D], over q.
            var start = 0
            for (i, t) in lengths.enumerated() {
                let (qs, ks, vs) = (q + start * qw, k + start * kvw, v + start * kvw)
                Ops.rope(qs, tokens: t, heads: Hq, headDim: D, firstPosition: P, theta: c.ropeTheta, pool: pool)
                Ops.rope(ks, tokens: t, heads: Hkv, headDim: D, firstPosition: P, theta: c.ropeTheta, pool: pool)
                kept?.append(layer: layerIndex, keys: ks, values: vs, rows: t)
                if let prefix {
                    attend(q: qs, k: ks, v: vs, tokens: t, after: prefix, layer: layerIndex, scratch: s)
                } else if pooledOnly {
                    // 5'. The last query row alone: q [1, Hq, D] at row start + t - 1 -> attention row i of q, which is
                    //     never a row still to be read (sequence i starts at row i or later).
                    Ops.lastRowAttention(q: qs + (t - 1) * qw, k: ks, v: vs, out: q + i * qw, tokens: t, qHeads: Hq,
                                         kvHeads: Hkv, headDim: D)
                } else {
                    Ops.causalAttention(q: qs, k: ks, v: vs, out: qs, tokens: t, qHeads: Hq, kvHeads: Hkv,
                                        headDim: D, pool: pool, precision: attention.requested(tokens: t, linear: precision))
                }
                start += t
            }
            if pooledOnly {
                // The pooled rows' residuals move up to x's first rows: x [T, C] -> [sequences, C] (row i's source, the
                // end of sequence i, is row i or later, so no source is overwritten before it is read).
                var end = 0
                for (i, t) in lengths.enumerated() {
                    end += t
                    if end - 1 != i { (x + i * C).update(from: x + (end - 1) * C, count: C) }
                }
            }
            for (r0, r1) in pooledOnly ? rowChunks(lengths.count) : chunks {
                let (n, xr) = (r1 - r0, x + r0 * C)
                // 6. Output projection and residual: attention [n, Hq * D] -> h [n, C]; x += h.
                Ops.matmul(q + r0 * qw, rows: n, weight: l.wo, into: h, pool: pool, precision: precision)
                Ops.add(xr, h, count: n * C, pool: pool)
                // 7. RMSNorm before the MLP: x [n, C] -> h [n, C].
                l.mlpNorm.withUnsafeBufferPointer {
                    Ops.rmsNorm(xr, rows: n, dim: C, weight: $0.baseAddress!, eps: c.rmsNormEps, into: h, pool: pool)
                }
                // 8. SwiGLU: h [n, C] -> gate, up [n, F] -> silu(gate) * up [n, F] -> h [n, C]; x += h.
                Ops.matmul(h, rows: n, weights: [(l.wGate, gate), (l.wUp, up)], pool: pool, precision: precision)
                Ops.siluMul(gate: gate, up: up, count: n * F, pool: pool)
                Ops.matmul(gate, rows: n, weight: l.wDown, into: h, pool: pool, precision: precision)
                Ops.add(xr, h, count: n * C, pool: pool)
            }
            observe?(layerIndex + 1, x, T)
        }

        // 9. Last-token pooling, then the final RMSNorm of the pooled rows: x [T, C] -> [sequences, C].
        //    (Normalising every row, as Hugging Face's last hidden state does, only when observed.)
        if let observe {
            let normed = Tensor.zeros([T, C])
            weights.finalNorm.withUnsafeBufferPointer {
                Ops.rmsNorm(x, rows: T, dim: C, weight: $0.baseAddress!, eps: c.rmsNormEps, into: normed.floats, pool: pool)
            }
            observe(c.layerCount + 1, normed.floats, T)
        }
        var pooled = [Float](repeating: 0, count: lengths.count * C)
        var end = 0
        for (i, t) in lengths.enumerated() {
            end += t
            let row = lastRowsOnly ? i : end - 1
            pooled.withUnsafeMutableBufferPointer { p in
                (p.baseAddress! + i * C).update(from: x + row * C, count: C)
            }
        }
        pooled.withUnsafeMutableBufferPointer { p in
            weights.finalNorm.withUnsafeBufferPointer {
                Ops.rmsNorm(p.baseAddress!, rows: lengths.count, dim: C, weight: $0.baseAddress!,
                            eps: c.rmsNormEps, into: p.baseAddress!, pool: nil)
            }
        }
        let result = (0..<lengths.count).map { Array(pooled[$0 * C ..< ($0 + 1) * C]) }
        return result
    }

    /// Attention of `tokens` rows that continue `prefix`: the prefix's keys and values, then the rows' own, go
    /// through the one causal kernel as a sequence of P + t tokens (its first P query rows are zeros and
    /// their outputs unused: P rows of extra attention, no extra projections or MLP). The rows see exactly
    /// what they would see in `prefix + rows` run whole.
    private func attend(q: UnsafeMutablePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                        tokens t: Int, after prefix: Qwen3KeyValues, layer: Int, scratch s: Qwen3Scratch) {
        let c = config
        let (qw, kvw, P) = (c.queryHeads * c.headDim, c.keyValueHeads * c.headDim, prefix.count)
        s.reserveJoined(tokens: P + t, config: c)
        let (qj, kj, vj) = (s.joinedQ.floats, s.joinedK.floats, s.joinedV.floats)
        // [P + t, Hq * D] and [P + t, Hkv * D]: prefix rows first.
        qj.update(repeating: 0, count: P * qw)
        (qj + P * qw).update(from: q, count: t * qw)
        prefix.keys[layer].withUnsafeBufferPointer { kj.update(from: $0.baseAddress!, count: P * kvw) }
        prefix.values[layer].withUnsafeBufferPointer { vj.update(from: $0.baseAddress!, count: P * kvw) }
        (kj + P * kvw).update(from: k, count: t * kvw)
        (vj + P * kvw).update(from: v, count: t * kvw)
        Ops.causalAttention(q: qj, k: kj, v: vj, out: qj, tokens: P + t, qHeads: c.queryHeads, kvHeads: c.keyValueHeads,
                            headDim: c.headDim, pool: pool, precision: attention.requested(tokens: P + t, linear: precision))
        q.update(from: qj + P * qw, count: t * qw)
    }
}
