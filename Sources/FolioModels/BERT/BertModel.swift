import Foundation
import FolioTensor

/// A BERT encoder as an embedding model (all-MiniLM-L6-v2, bge, e5, gte …): absolute positions,
/// post-LayerNorm blocks, bidirectional attention, then mean, CLS or last-token pooling.
///
/// Glossary: T = tokens in the packed batch, C = hidden, F = MLP size, H = heads, D = head size.
public final class BertModel: EmbeddingModel, @unchecked Sendable {
    public let config: BertConfig
    let weights: BertWeights
    let pool: ThreadPool
    /// Arithmetic of the linear layers over float weights (`.bf16`: AVX-512 BF16 products, f32 sums).
    public let precision: ComputePrecision
    /// One forward pass at a time: the scratch buffers are shared.
    private let scratch = ExclusiveScratch(BertScratch())

    public var dimension: Int { config.hiddenSize }
    public var contextLength: Int { config.contextLength }
    public var pooling: Pooling { config.pooling }

    init(config: BertConfig, weights: BertWeights, pool: ThreadPool, precision: ComputePrecision = .f32) {
        self.config = config
        self.weights = weights
        self.pool = pool
        self.precision = precision
    }

    /// The same weights (shared, not copied) run at another precision.
    public func using(precision: ComputePrecision) -> BertModel {
        precision == self.precision ? self : BertModel(config: config, weights: weights, pool: pool, precision: precision)
    }

    /// The precision the projections really run: bf16 only for float weights on a CPU with AVX-512 BF16.
    public var precisionUsed: ComputePrecision { Ops.precisionUsed(precision, weights: weights.layers.first?.wq.dtype ?? .f32) }

    public func embed(_ sequences: [[Int32]]) throws -> [[Float]] {
        try forward(sequences, observe: nil)
    }

    public func tokenStates(_ sequences: [[Int32]]) throws -> [[[Float]]] {
        var states: [[[Float]]] = []
        // The last stage `forward` shows is the output of the last layer (BERT has no final norm).
        _ = try forward(sequences) { stage, x, _ in
            if stage == self.config.layerCount { states = PackedBatch.split(x, lengths: sequences.map(\.count), dim: self.config.hiddenSize) }
        }
        return states
    }

    /// Runs the packed batch and returns each sequence's pooled vector (not normalised).
    /// `observe(stage, x, T)` sees [T, C]: stage 0 the normalised embeddings, stage i the hidden states
    /// after layer i - 1 (Hugging Face `hidden_states[i]`); for layer-by-layer checks against PyTorch.
    public func forward(_ sequences: [[Int32]],
                        observe: ((Int, UnsafePointer<Float>, Int) -> Void)?) throws -> [[Float]] {
        run(sequences, secondSegmentStarts: nil, observe: observe)
    }

    /// The forward pass. `secondSegmentStarts[i]` is where sequence i's token type 1 begins (a cross-encoder's
    /// `document [SEP]`); nil: every token is type 0, as for single sentences.
    func run(_ sequences: [[Int32]], secondSegmentStarts: [Int]?,
             observe: ((Int, UnsafePointer<Float>, Int) -> Void)?) -> [[Float]] {
        let c = config
        let (C, F, H, D) = (c.hiddenSize, c.intermediateSize, c.heads, c.headDim)
        let batch = PackedBatch(sequences, maxLength: c.maxSequenceLength, vocabularySize: c.vocabularySize)
        let (lengths, T) = (batch.lengths, batch.tokens)
        guard T > 0 else { return [] }

        let s = scratch.acquire()
        defer { scratch.release() }
        s.reserve(tokens: T, config: c)
        let (x, h, q, k, v, attn, up) = (s.x.floats, s.h.floats, s.q.floats, s.k.floats, s.v.floats,
                                         s.attn.floats, s.up.floats)
        let w = weights

        // 1. Embeddings: word [ids] + position (row p, or RoBERTa's rows after the padding id) + token
        //    type (0, or 1 from the second segment on) -> x [T, C].
        precondition(secondSegmentStarts.map { $0.count == lengths.count && c.typeVocabularySize > 1 } ?? true,
                     "one segment start per sequence, and a type table with two rows")
        Ops.dequantizeRows(w.wordEmbedding, rows: batch.rows, into: x)
        w.positionEmbedding.withUnsafeBufferPointer { pos in
            w.typeEmbedding.withUnsafeBufferPointer { type in
                var row = 0
                for (i, t) in lengths.enumerated() {
                    let second = secondSegmentStarts?[i] ?? t
                    var counted = 0   // RoBERTa: non-padding tokens so far
                    for p in 0..<t {
                        let position: Int
                        switch c.positions {
                        case .fromZero: position = p
                        case let .afterPadding(padID):
                            if sequences[i][p] == padID { position = Int(padID) } else { counted += 1; position = Int(padID) + counted }
                        }
                        Ops.add(x + row * C, pos.baseAddress! + position * C, count: C)
                        Ops.add(x + row * C, type.baseAddress! + (p < second ? 0 : C), count: C)
                        row += 1
                    }
                }
            }
        }
        // 2. Embedding LayerNorm: x [T, C] -> x [T, C].
        Ops.layerNorm(x, rows: T, dim: C, weight: w.embeddingNorm, bias: w.embeddingNormBias, eps: c.layerNormEps,
                      into: x, pool: pool)
        observe?(0, x, T)

        // Quantised weights multiply f32 activations here (int8Activations: false): in encoders this small
        // (all-MiniLM: 384 wide) 8-bit activations cost 0.2% of cosine on short inputs (0.9978 against
        // sentence-transformers on a 4-token input, 0.9994 with the weights alone rounded), below the 0.999
        // bar; the model is cheap enough that f32 costs little.
        for (layerIndex, l) in w.layers.enumerated() {
            // 3. Projections with bias: x [T, C] -> q, k, v [T, H * D].
            Ops.matmul(x, rows: T, weight: l.wq, into: q, pool: pool, int8Activations: false, precision: precision)
            Ops.matmul(x, rows: T, weight: l.wk, into: k, pool: pool, int8Activations: false, precision: precision)
            Ops.matmul(x, rows: T, weight: l.wv, into: v, pool: pool, int8Activations: false, precision: precision)
            Ops.addBias(q, rows: T, bias: l.bq)
            Ops.addBias(k, rows: T, bias: l.bk)
            Ops.addBias(v, rows: T, bias: l.bv)
            // 4. Bidirectional attention, each sequence on its own (no padding, so no mask), in bf16 at
            //    `precision` bf16 whatever the weights: q, k, v [t, H, D] -> attn [t, H, D].
            Ops.encoderAttention(q: q, k: k, v: v, out: attn, lengths: lengths, heads: H, headDim: D, pool: pool,
                                 precision: precision)
            // 5. Output projection + bias + residual, then LayerNorm: attn [T, C] -> h; x = LN(x + h).
            Ops.matmul(attn, rows: T, weight: l.wo, into: h, pool: pool, int8Activations: false, precision: precision)
            Ops.addBias(h, rows: T, bias: l.bo)
            Ops.add(h, x, count: T * C)
            Ops.layerNorm(h, rows: T, dim: C, weight: l.attentionNorm, bias: l.attentionNormBias,
                          eps: c.layerNormEps, into: x, pool: pool)
            // 6. MLP: x [T, C] -> up [T, F] (+ bias, GELU) -> h [T, C] (+ bias) ; x = LN(x + h).
            Ops.matmul(x, rows: T, weight: l.wUp, into: up, pool: pool, int8Activations: false, precision: precision)
            Ops.addBias(up, rows: T, bias: l.bUp)
            Ops.gelu(up, count: T * F, pool: pool)
            Ops.matmul(up, rows: T, weight: l.wDown, into: h, pool: pool, int8Activations: false, precision: precision)
            Ops.addBias(h, rows: T, bias: l.bDown)
            Ops.add(h, x, count: T * C)
            Ops.layerNorm(h, rows: T, dim: C, weight: l.outputNorm, bias: l.outputNormBias,
                          eps: c.layerNormEps, into: x, pool: pool)
            observe?(layerIndex + 1, x, T)
        }

        // 7. Pooling per sequence: x [T, C] -> [sequences, C]. Mean runs over every token, [CLS] and
        //    [SEP] included, as sentence-transformers does (its attention mask is all ones for real tokens).
        return c.pooling.pool(x, lengths: lengths, dim: C)
    }
}
