import FolioTensor

/// Weights of one Qwen3 decoder layer, as stored in the model file (any stored type for projections).
struct Qwen3LayerWeights: @unchecked Sendable {
    let attentionNorm: [Float]  // [C]
    let wq: Tensor              // [Hq * D, C]
    let wk: Tensor              // [Hkv * D, C]
    let wv: Tensor              // [Hkv * D, C]
    let wo: Tensor              // [C, Hq * D]
    let qNorm: [Float]          // [D], per-head RMSNorm
    let kNorm: [Float]          // [D]
    let mlpNorm: [Float]        // [C]
    let wGate: Tensor           // [F, C]
    let wUp: Tensor             // [F, C]
    let wDown: Tensor           // [C, F]
}

/// All weights of a Qwen3 embedding model. Projections stay views of the mapped file; norm vectors
/// (a few KB) are converted to f32 once.
struct Qwen3Weights: @unchecked Sendable {
    let tokenEmbedding: Tensor  // [V, C]
    let layers: [Qwen3LayerWeights]
    let finalNorm: [Float]      // [C]

    init(config c: Qwen3Config, reader: WeightReader) throws {
        func load(_ w: Qwen3WeightName, _ shape: [Int]) throws -> Tensor { try reader.tensor(w, shape) }
        func vector(_ w: Qwen3WeightName, _ n: Int) throws -> [Float] { try reader.floats(w, [n]) }

        let (C, F, D) = (c.hiddenSize, c.intermediateSize, c.headDim)
        let (q, kv) = (c.queryHeads * D, c.keyValueHeads * D)
        tokenEmbedding = try load(.tokenEmbedding, [c.vocabularySize, C])
        finalNorm = try vector(.finalNorm, C)
        layers = try (0..<c.layerCount).map { i in
            Qwen3LayerWeights(
                attentionNorm: try vector(.attentionNorm(i), C),
                wq: try load(.wq(i), [q, C]),
                wk: try load(.wk(i), [kv, C]),
                wv: try load(.wv(i), [kv, C]),
                wo: try load(.wo(i), [C, q]),
                qNorm: try vector(.qNorm(i), D),
                kNorm: try vector(.kNorm(i), D),
                mlpNorm: try vector(.mlpNorm(i), C),
                wGate: try load(.wGate(i), [F, C]),
                wUp: try load(.wUp(i), [F, C]),
                wDown: try load(.wDown(i), [C, F]))
        }
    }
}
