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
    private let lock = NSLock()
    private let scratch = Qwen3Scratch()

    public var dimension: Int { config.hiddenSize }
    public var contextLength: Int { config.contextLength }
    public var pooling: Pooling { .lastToken }

    init(config: Qwen3Config, weights: Qwen3Weights, pool: ThreadPool) {
        self.config = config
        self.weights = weights
        self.pool = pool
    }

    public func embed(_ sequences: [[Int32]]) throws -> [[Float]] {
        try forward(sequences, observe: nil)
    }

    /// Runs the packed batch and returns the final-normed hidden state of each sequence's last token.
    /// `observe(stage, x, T)` sees [T, C]: stage 0 the embeddings, stage i the residual stream after
    /// layer i - 1, stage L + 1 every row after the final norm; for layer-by-layer checks against PyTorch.
    public func forward(_ sequences: [[Int32]],
                        observe: ((Int, UnsafePointer<Float>, Int) -> Void)?) throws -> [[Float]] {
        let c = config
        let (C, F, D) = (c.hiddenSize, c.intermediateSize, c.headDim)
        let (Hq, Hkv) = (c.queryHeads, c.keyValueHeads)
        let lengths = sequences.map(\.count)
        precondition(lengths.allSatisfy { $0 > 0 && $0 <= c.contextLength }, "sequence length checked by the embedder")
        let T = lengths.reduce(0, +)
        guard T > 0 else { return [] }
        let ids = sequences.flatMap { $0 }
        precondition(ids.allSatisfy { $0 >= 0 && Int($0) < c.vocabularySize }, "token ids checked by the embedder")

        lock.lock(); defer { lock.unlock() }
        let s = scratch
        s.reserve(tokens: T, config: c)
        let (x, h, q, k, v, attn, gate, up) = (s.x.floats, s.h.floats, s.q.floats, s.k.floats, s.v.floats,
                                               s.attn.floats, s.gate.floats, s.up.floats)

        // 1. Token embedding: ids [T] -> x [T, C].
        Ops.dequantizeRows(weights.tokenEmbedding, rows: ids.map { Int($0) }, into: x)
        observe?(0, x, T)

        for (layerIndex, l) in weights.layers.enumerated() {
            // 2. RMSNorm before attention: x [T, C] -> h [T, C].
            l.attentionNorm.withUnsafeBufferPointer {
                Ops.rmsNorm(x, rows: T, dim: C, weight: $0.baseAddress!, eps: c.rmsNormEps, into: h, pool: pool)
            }
            // 3. Projections: h [T, C] -> q [T, Hq * D], k and v [T, Hkv * D].
            Ops.matmul(h, rows: T, weight: l.wq, into: q, pool: pool)
            Ops.matmul(h, rows: T, weight: l.wk, into: k, pool: pool)
            Ops.matmul(h, rows: T, weight: l.wv, into: v, pool: pool)
            // 4. Per-head RMSNorm on q and k: [T * H, D] -> [T * H, D].
            l.qNorm.withUnsafeBufferPointer {
                Ops.rmsNorm(q, rows: T * Hq, dim: D, weight: $0.baseAddress!, eps: c.rmsNormEps, into: q, pool: pool)
            }
            l.kNorm.withUnsafeBufferPointer {
                Ops.rmsNorm(k, rows: T * Hkv, dim: D, weight: $0.baseAddress!, eps: c.rmsNormEps, into: k, pool: pool)
            }
            // 5. RoPE and causal grouped-query attention, each sequence on its own (positions restart at 0):
            //    q [t, Hq, D], k, v [t, Hkv, D] -> attn [t, Hq, D].
            var start = 0
            for t in lengths {
                Ops.rope(q + start * Hq * D, tokens: t, heads: Hq, headDim: D, firstPosition: 0, theta: c.ropeTheta)
                Ops.rope(k + start * Hkv * D, tokens: t, heads: Hkv, headDim: D, firstPosition: 0, theta: c.ropeTheta)
                Ops.causalAttention(q: q + start * Hq * D, k: k + start * Hkv * D, v: v + start * Hkv * D,
                                    out: attn + start * Hq * D, tokens: t, qHeads: Hq, kvHeads: Hkv,
                                    headDim: D, pool: pool)
                start += t
            }
            // 6. Output projection and residual: attn [T, Hq * D] -> h [T, C]; x += h.
            Ops.matmul(attn, rows: T, weight: l.wo, into: h, pool: pool)
            Ops.add(x, h, count: T * C)
            // 7. RMSNorm before the MLP: x [T, C] -> h [T, C].
            l.mlpNorm.withUnsafeBufferPointer {
                Ops.rmsNorm(x, rows: T, dim: C, weight: $0.baseAddress!, eps: c.rmsNormEps, into: h, pool: pool)
            }
            // 8. SwiGLU: h [T, C] -> gate, up [T, F] -> silu(gate) * up [T, F] -> h [T, C]; x += h.
            Ops.matmul(h, rows: T, weight: l.wGate, into: gate, pool: pool)
            Ops.matmul(h, rows: T, weight: l.wUp, into: up, pool: pool)
            Ops.siluMul(gate: gate, up: up, count: T * F)
            Ops.matmul(gate, rows: T, weight: l.wDown, into: h, pool: pool)
            Ops.add(x, h, count: T * C)
            observe?(layerIndex + 1, x, T)
        }

        // 9. Last-token pooling, then the final RMSNorm of the pooled rows: x [T, C] -> [sequences, C].
        //    (Normalising every row, as Hugging Face's last hidden state does, only when observed.)
        if let observe {
            weights.finalNorm.withUnsafeBufferPointer {
                Ops.rmsNorm(x, rows: T, dim: C, weight: $0.baseAddress!, eps: c.rmsNormEps, into: h, pool: pool)
            }
            observe(c.layerCount + 1, h, T)
        }
        var pooled = [Float](repeating: 0, count: lengths.count * C)
        var end = 0
        for (i, t) in lengths.enumerated() {
            end += t
            pooled.withUnsafeMutableBufferPointer { p in
                (p.baseAddress! + i * C).update(from: x + (end - 1) * C, count: C)
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
}
