import FolioTensor

/// Weights of one nomic-bert layer (post-LayerNorm, no biases).
struct NomicBertLayerWeights: @unchecked Sendable {
    /// Views of the fused `Wqkv` [3C, C]: rows 0..<C are q, then k, then v (nomic's "(three h d)" order).
    let wq: Tensor, wk: Tensor, wv: Tensor    // [C, C] each, any stored type
    let wo: Tensor                            // [C, C]
    let attentionNorm: [Float]                // [C]
    let attentionNormBias: [Float]            // [C]
    let wUp: Tensor                           // [F, C] fc11 / ffn_up
    let wGate: Tensor                         // [F, C] fc12 / ffn_gate
    let wDown: Tensor                         // [C, F] fc2 / ffn_down
    let outputNorm: [Float]                   // [C]
    let outputNormBias: [Float]               // [C]
}

/// All weights of a nomic-bert encoder. Projections and the word table stay views of the mapped file; norms and the
/// type table are converted to f32 once.
struct NomicBertWeights: @unchecked Sendable {
    let wordEmbedding: Tensor          // [V, C], any stored type
    let typeEmbedding: [Float]         // [types, C]; row 0 for every token, as llama.cpp and Hugging Face do
    let embeddingNorm: [Float]         // [C]
    let embeddingNormBias: [Float]     // [C]
    let layers: [NomicBertLayerWeights]

    init(config c: NomicBertConfig, reader: WeightReader) throws {
        func load(_ w: NomicBertWeightName, _ shape: [Int]) throws -> Tensor { try reader.tensor(w, shape) }
        func floats(_ w: NomicBertWeightName, _ shape: [Int]) throws -> [Float] { try reader.floats(w, shape) }

        let (C, F) = (c.hiddenSize, c.intermediateSize)
        wordEmbedding = try load(.wordEmbedding, [c.vocabularySize, C])
        typeEmbedding = try floats(.typeEmbedding, [c.typeVocabularySize, C])
        embeddingNorm = try floats(.embeddingNorm, [C])
        embeddingNormBias = try floats(.embeddingNormBias, [C])
        layers = try (0..<c.layerCount).map { i in
            let wqkv = try load(.wqkv(i), [3 * C, C])
            return NomicBertLayerWeights(
                wq: wqkv.rows(0 ..< C), wk: wqkv.rows(C ..< 2 * C), wv: wqkv.rows(2 * C ..< 3 * C),
                wo: try load(.wo(i), [C, C]),
                attentionNorm: try floats(.attentionNorm(i), [C]),
                attentionNormBias: try floats(.attentionNormBias(i), [C]),
                wUp: try load(.wUp(i), [F, C]), wGate: try load(.wGate(i), [F, C]), wDown: try load(.wDown(i), [C, F]),
                outputNorm: try floats(.outputNorm(i), [C]),
                outputNormBias: try floats(.outputNormBias(i), [C]))
        }
    }
}
