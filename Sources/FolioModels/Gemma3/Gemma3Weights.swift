import FolioTensor

/// Weights of one Gemma 3 layer, as stored in the model file (any stored type for projections). Norm vectors hold
/// the factor RMSNorm multiplies by: 1 + w.
struct Gemma3LayerWeights: @unchecked Sendable {
    let attentionNorm: [Float]      // [C], input_layernorm
    let wq: Tensor                  // [Hq * D, C]
    let wk: Tensor                  // [Hkv * D, C]
    let wv: Tensor                  // [Hkv * D, C]
    let wo: Tensor                  // [C, Hq * D]
    let qNorm: [Float]              // [D], per-head RMSNorm
    let kNorm: [Float]              // [D]
    let postAttentionNorm: [Float]  // [C], on attention's output before the residual
    let mlpNorm: [Float]            // [C], pre_feedforward_layernorm
    let postMLPNorm: [Float]        // [C], on the MLP's output before the residual
    let wGate: Tensor               // [F, C]
    let wUp: Tensor                 // [F, C]
    let wDown: Tensor               // [C, F]
}

/// All weights of a Gemma 3 encoder. Projections stay views of the mapped file; norm vectors (a few KB) are converted
/// to f32 once, as the factor 1 + w.
struct Gemma3Weights: @unchecked Sendable {
    let tokenEmbedding: Tensor      // [V, C]
    let layers: [Gemma3LayerWeights]
    let finalNorm: [Float]          // [C]

    /// `normsStoreOnePlusW`: GGUF files from llama.cpp's converter hold 1 + w already; Hugging Face files hold w.
    init(config c: Gemma3Config, reader: WeightReader, normsStoreOnePlusW: Bool) throws {
        func load(_ w: Gemma3WeightName, _ shape: [Int]) throws -> Tensor { try reader.tensor(w, shape) }
        func norm(_ w: Gemma3WeightName, _ n: Int) throws -> [Float] {
            let values = try reader.floats(w, [n])
            return normsStoreOnePlusW ? values : values.map { 1 + $0 }
        }
        let (C, F, D) = (c.hiddenSize, c.intermediateSize, c.headDim)
        let (q, kv) = (c.queryHeads * D, c.keyValueHeads * D)
        tokenEmbedding = try load(.tokenEmbedding, [c.vocabularySize, C])
        finalNorm = try norm(.finalNorm, C)
        layers = try (0..<c.layerCount).map { i in
            Gemma3LayerWeights(
                attentionNorm: try norm(.attentionNorm(i), C),
                wq: try load(.wq(i), [q, C]),
                wk: try load(.wk(i), [kv, C]),
                wv: try load(.wv(i), [kv, C]),
                wo: try load(.wo(i), [C, q]),
                qNorm: try norm(.qNorm(i), D),
                kNorm: try norm(.kNorm(i), D),
                postAttentionNorm: try norm(.postAttentionNorm(i), C),
                mlpNorm: try norm(.mlpNorm(i), C),
                postMLPNorm: try norm(.postMLPNorm(i), C),
                wGate: try load(.wGate(i), [F, C]),
                wUp: try load(.wUp(i), [F, C]),
                wDown: try load(.wDown(i), [C, F]))
        }
    }
}
