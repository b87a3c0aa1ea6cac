import Foundation
import FolioTensor

/// EmbeddingGemma: Gemma 3 layers with bidirectional attention (sliding-window layers see |i - j| <= W / 2), mean
/// pooling, then the sentence-transformers Dense head.
///
/// Glossary: T = tokens in the packed batch, C = hidden, F = MLP size, Hq / Hkv = heads, D = head size,
/// S = sequences.
public final class Gemma3Model: EmbeddingModel, @unchecked Sendable {
    public let config: Gemma3Config
    let weights: Gemma3Weights
    let head: DenseHead
    let pool: ThreadPool
    /// One forward pass at a time: the scratch buffers are shared.
    private let scratch = ExclusiveScratch(Gemma3Scratch())

    public var dimension: Int { head.outputDimension(hidden: config.hiddenSize) }
    public var contextLength: Int { config.contextLength }
    public var pooling: Pooling { config.pooling }
    /// The sizes of the Dense head's layers' outputs (EmbeddingGemma: [3072, 768]); empty without a head.
    public var denseOutputs: [Int] { head.layers.map { $0.shape[0] } }

    init(config: Gemma3Config, weights: Gemma3Weights, head: DenseHead, pool: ThreadPool) {
        self.config = config
        self.weights = weights
        self.head = head
        self.pool = pool
    }

    /// The same weights (shared, not copied) with another sliding window W; for experiments that measure what the
    /// window does.
    public func withSlidingWindow(_ window: Int) -> Gemma3Model {
        var c = config
        c.slidingWindow = window
        return Gemma3Model(config: c, weights: weights, head: head, pool: pool)
    }

    public func embed(_ sequences: [[Int32]]) throws -> [[Float]] {
        try forward(sequences, observe: nil)
    }

    /// Every row after the final norm (Hugging Face's `last_hidden_state`), before pooling and the Dense head.
    public func tokenStates(_ sequences: [[Int32]]) throws -> [[[Float]]] {
        var states: [[[Float]]] = []
        _ = try forward(sequences) { stage, x, _ in
            if stage == self.config.layerCount + 1 { states = PackedBatch.split(x, lengths: sequences.map(\.count), dim: self.config.hiddenSize) }
        }
        return states
    }

    /// Runs the packed batch and returns each sequence's vector after pooling and the Dense head (not normalised).
    /// `observe(stage, x, T)` sees [T, C]: stage 0 the scaled embeddings, stage i the residual stream after layer
    /// i - 1, stage L + 1 every row after the final norm; for layer-by-layer checks against PyTorch.
    public func forward(_ sequences: [[Int32]],
                        observe: ((Int, UnsafePointer<Float>, Int) -> Void)?) throws -> [[Float]] {
        let c = config
        let (C, F, D) = (c.hiddenSize, c.intermediateSize, c.headDim)
        let (Hq, Hkv) = (c.queryHeads, c.keyValueHeads)
        let batch = PackedBatch(sequences, maxLength: c.contextLength, vocabularySize: c.vocabularySize)
        let (lengths, T) = (batch.lengths, batch.tokens)
        guard T > 0 else { return [] }

        let s = scratch.acquire()
        defer { scratch.release() }
        s.reserve(tokens: T, config: c)
        let (x, h, q, k, v, attn, gate, up) = (s.x.floats, s.h.floats, s.q.floats, s.k.floats, s.v.floats,
                                               s.attn.floats, s.gate.floats, s.up.floats)
        let (qw, kvw) = (Hq * D, Hkv * D)
        // Quantised weights multiply f32 activations, as in BERT: 8-bit activations cost the tiny fixture's Q8_0 file
        // cosine 0.99906 against its dequantised weights, too close to the 0.999 bar.
        let int8 = false
        func norm(_ rows: UnsafeMutablePointer<Float>, _ n: Int, _ dim: Int, _ weight: [Float],
                  into out: UnsafeMutablePointer<Float>) {
            weight.withUnsafeBufferPointer {
                Ops.rmsNorm(rows, rows: n, dim: dim, weight: $0.baseAddress!, eps: c.rmsNormEps, into: out, pool: pool)
            }
        }

        // 1. Token embedding scaled by sqrt(C), as Gemma3TextScaledWordEmbedding: ids [T] -> x [T, C].
        Ops.dequantizeRows(weights.tokenEmbedding, rows: batch.rows, into: x)
        let scale = Float(C).squareRoot()
        for i in 0..<(T * C) { x[i] *= scale }
        observe?(0, x, T)

        for (layerIndex, l) in weights.layers.enumerated() {
            let sliding = c.slidingLayers[layerIndex]
            // 2. RMSNorm (x · (1 + w)) before attention: x [T, C] -> h [T, C].
            norm(x, T, C, l.attentionNorm, into: h)
            // 3. Projections: h [T, C] -> q [T, Hq * D], k and v [T, Hkv * D].
            Ops.matmul(h, rows: T, weights: [(l.wq, q), (l.wk, k), (l.wv, v)], pool: pool, int8Activations: int8)
            // 4. Per-head RMSNorm on q and k: [T * H, D] -> [T * H, D].
            norm(q, T * Hq, D, l.qNorm, into: q)
            norm(k, T * Hkv, D, l.kNorm, into: k)
            // 5. RoPE per sequence (positions restart at 0), base by layer kind: local for sliding layers.
            var start = 0
            for t in lengths {
                let theta = sliding ? c.ropeLocalTheta : c.ropeTheta
                Ops.rope(q + start * qw, tokens: t, heads: Hq, headDim: D, firstPosition: 0, theta: theta, pool: pool)
                Ops.rope(k + start * kvw, tokens: t, heads: Hkv, headDim: D, firstPosition: 0, theta: theta, pool: pool)
                start += t
            }
            // 6. Bidirectional grouped-query attention, each sequence on its own; sliding layers within |i - j| <= W / 2:
            //    q [t, Hq, D], k, v [t, Hkv, D] -> attn [t, Hq, D].
            Ops.encoderAttention(q: q, k: k, v: v, out: attn, lengths: lengths, qHeads: Hq, kvHeads: Hkv, headDim: D,
                                 scale: c.attentionScale, window: sliding ? c.windowRadius : nil, pool: pool)
            // 7. Output projection, post-attention RMSNorm, residual: attn [T, Hq * D] -> h [T, C]; x += norm(h).
            Ops.matmul(attn, rows: T, weight: l.wo, into: h, pool: pool, int8Activations: int8)
            norm(h, T, C, l.postAttentionNorm, into: h)
            Ops.add(x, h, count: T * C, pool: pool)
            // 8. GeGLU MLP in row chunks, between the pre- and post-feedforward norms:
            //    x [n, C] -> h [n, C] -> gate, up [n, F] -> gelu_tanh(gate) * up [n, F] -> h [n, C]; x += norm(h).
            for r0 in stride(from: 0, to: T, by: Gemma3Scratch.rowChunk) {
                let n = min(Gemma3Scratch.rowChunk, T - r0)
                let (xr, hr) = (x + r0 * C, h + r0 * C)
                norm(xr, n, C, l.mlpNorm, into: hr)
                Ops.matmul(hr, rows: n, weights: [(l.wGate, gate), (l.wUp, up)], pool: pool, int8Activations: int8)
                Ops.geluTanhMul(gate: gate, up: up, count: n * F, pool: pool)
                Ops.matmul(gate, rows: n, weight: l.wDown, into: hr, pool: pool, int8Activations: int8)
                norm(hr, n, C, l.postMLPNorm, into: hr)
                Ops.add(xr, hr, count: n * C, pool: pool)
            }
            observe?(layerIndex + 1, x, T)
        }

        // 9. Final RMSNorm of every row (mean pooling reads them all): x [T, C] -> x [T, C].
        norm(x, T, C, weights.finalNorm, into: x)
        observe?(c.layerCount + 1, x, T)
        // 10. Mean pooling, then the Dense head: x [T, C] -> [S, C] -> [S, 3072] -> [S, C].
        return head.apply(c.pooling.pool(x, lengths: lengths, dim: C), pool: pool)
    }
}
