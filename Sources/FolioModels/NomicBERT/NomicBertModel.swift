import Foundation
import FolioTensor

/// A nomic-bert encoder as an embedding model (nomic-embed-text v1, v1.5): rotary positions, post-LayerNorm blocks,
/// bidirectional attention, a SwiGLU MLP, then mean pooling. Queries and documents take the `search_query: ` and
/// `search_document: ` prefixes (see `PromptConvention`); v1.5 is trained for Matryoshka dimensions (768 to 64).
///
/// Glossary: T = tokens in the packed batch, C = hidden, F = MLP size, H = heads, D = head size.
public final class NomicBertModel: EmbeddingModel, @unchecked Sendable {
    public let config: NomicBertConfig
    let weights: NomicBertWeights
    let pool: ThreadPool
    /// One forward pass at a time: the scratch buffers are shared.
    private let scratch = ExclusiveScratch(NomicBertScratch())

    public var dimension: Int { config.hiddenSize }
    public var contextLength: Int { config.contextLength }
    public var pooling: Pooling { config.pooling }

    init(config: NomicBertConfig, weights: NomicBertWeights, pool: ThreadPool) {
        self.config = config
        self.weights = weights
        self.pool = pool
    }

    public func embed(_ sequences: [[Int32]]) throws -> [[Float]] {
        forward(sequences) { x, lengths in self.config.pooling.pool(x, lengths: lengths, dim: self.config.hiddenSize) }
    }

    public func tokenStates(_ sequences: [[Int32]]) throws -> [[[Float]]] {
        // The output of the last layer (no final norm beyond the layer's own).
        forward(sequences) { x, lengths in PackedBatch.split(x, lengths: lengths, dim: self.config.hiddenSize) }
    }

    /// Runs the packed batch and hands the final hidden states x [T, C] and the sequence lengths to `finish`.
    func forward<Result>(_ sequences: [[Int32]], finish: (UnsafePointer<Float>, [Int]) -> [Result]) -> [Result] {
        let c = config
        let (C, F, H, D) = (c.hiddenSize, c.intermediateSize, c.heads, c.headDim)
        let batch = PackedBatch(sequences, maxLength: c.contextLength, vocabularySize: c.vocabularySize)
        let (lengths, T) = (batch.lengths, batch.tokens)
        guard T > 0 else { return [] }

        let s = scratch.acquire()
        defer { scratch.release() }
        s.reserve(tokens: T, config: c)
        let (x, h, q, k, v, attn, up, gate) = (s.x.floats, s.h.floats, s.q.floats, s.k.floats, s.v.floats,
                                               s.attn.floats, s.up.floats, s.gate.floats)
        let w = weights

        // 1. Embeddings: word [ids] + token type row 0 -> x [T, C]. No position table: positions enter through RoPE.
        Ops.dequantizeRows(w.wordEmbedding, rows: batch.rows, into: x)
        w.typeEmbedding.withUnsafeBufferPointer { type in
            for row in 0..<T { Ops.add(x + row * C, type.baseAddress!, count: C) }
        }
        // 2. Embedding LayerNorm (`emb_ln`): x [T, C] -> x [T, C].
        Ops.layerNorm(x, rows: T, dim: C, weight: w.embeddingNorm, bias: w.embeddingNormBias, eps: c.layerNormEps,
                      into: x, pool: pool)

        // f32 activations against quantised weights, as for BERT (see BertModel): small encoders lose more cosine
        // to 8-bit activations than they gain in speed.
        for l in w.layers {
            // 3. q, k, v from the fused Wqkv (three row views, no bias): x [T, C] -> q, k, v [T, H * D].
            Ops.matmul(x, rows: T, weight: l.wq, into: q, pool: pool, int8Activations: false)
            Ops.matmul(x, rows: T, weight: l.wk, into: k, pool: pool, int8Activations: false)
            Ops.matmul(x, rows: T, weight: l.wv, into: v, pool: pool, int8Activations: false)
            // 4. RoPE on q and k, NeoX halves over the whole head, positions restarting at 0 in each sequence:
            //    q, k [t, H, D] -> [t, H, D].
            var start = 0
            for t in lengths {
                Ops.rope(q + start * C, tokens: t, heads: H, headDim: D, firstPosition: 0, theta: c.ropeTheta, pool: pool)
                Ops.rope(k + start * C, tokens: t, heads: H, headDim: D, firstPosition: 0, theta: c.ropeTheta, pool: pool)
                start += t
            }
            // 5. Bidirectional attention, each sequence on its own: q, k, v [t, H, D] -> attn [t, H, D].
            Ops.encoderAttention(q: q, k: k, v: v, out: attn, lengths: lengths, heads: H, headDim: D, pool: pool)
            // 6. Output projection + residual, then LayerNorm (`norm1`): attn [T, C] -> h; x = LN(x + h).
            Ops.matmul(attn, rows: T, weight: l.wo, into: h, pool: pool, int8Activations: false)
            Ops.add(h, x, count: T * C)
            Ops.layerNorm(h, rows: T, dim: C, weight: l.attentionNorm, bias: l.attentionNormBias,
                          eps: c.layerNormEps, into: x, pool: pool)
            // 7. SwiGLU MLP: x [T, C] -> up = fc11(x), gate = fc12(x) [T, F]; gate = silu(gate) * up;
            //    h = fc2(gate) [T, C]; x = LN(x + h) (`norm2`).
            Ops.matmul(x, rows: T, weight: l.wUp, into: up, pool: pool, int8Activations: false)
            Ops.matmul(x, rows: T, weight: l.wGate, into: gate, pool: pool, int8Activations: false)
            Ops.siluMul(gate: gate, up: up, count: T * F, pool: pool)
            Ops.matmul(gate, rows: T, weight: l.wDown, into: h, pool: pool, int8Activations: false)
            Ops.add(h, x, count: T * C)
            Ops.layerNorm(h, rows: T, dim: C, weight: l.outputNorm, bias: l.outputNormBias,
                          eps: c.layerNormEps, into: x, pool: pool)
        }

        // 8. Pooling (mean for nomic-embed-text) or the token states: x [T, C] -> the caller's result.
        return finish(x, lengths)
    }
}
