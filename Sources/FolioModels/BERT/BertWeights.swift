import FolioTensor

/// Weights of one BERT encoder layer (post-LayerNorm: each sub-block adds its residual, then normalises).
struct BertLayerWeights: @unchecked Sendable {
    let wq: Tensor, wk: Tensor, wv: Tensor   // [C, C] each, any stored type
    let bq: [Float], bk: [Float], bv: [Float] // [C]
    let wo: Tensor                            // [C, C]
    let bo: [Float]                           // [C]
    let attentionNorm: [Float]                // [C]
    let attentionNormBias: [Float]            // [C]
    let wUp: Tensor                           // [F, C]
    let bUp: [Float]                          // [F]
    let wDown: Tensor                         // [C, F]
    let bDown: [Float]                        // [C]
    let outputNorm: [Float]                   // [C]
    let outputNormBias: [Float]               // [C]
}

/// All weights of a BERT encoder. Projections and the word table stay views of the mapped file;
/// biases, norms and the small position and type tables are converted to f32 once.
struct BertWeights: @unchecked Sendable {
    let wordEmbedding: Tensor          // [V, C], any stored type
    let positionEmbedding: [Float]     // [P, C]
    let typeEmbedding: [Float]         // [types, C]; row 0 for single sentences, 1 for a pair's second
    let embeddingNorm: [Float]         // [C]
    let embeddingNormBias: [Float]     // [C]
    let layers: [BertLayerWeights]

    init(config c: BertConfig, reader: WeightReader) throws {
        func load(_ w: BertWeightName, _ shape: [Int]) throws -> Tensor { try reader.tensor(w, shape) }
        func floats(_ w: BertWeightName, _ shape: [Int]) throws -> [Float] { try reader.floats(w, shape) }

        let (C, F) = (c.hiddenSize, c.intermediateSize)
        wordEmbedding = try load(.wordEmbedding, [c.vocabularySize, C])
        positionEmbedding = try floats(.positionEmbedding, [c.maxPositions, C])
        typeEmbedding = try floats(.typeEmbedding, [c.typeVocabularySize, C])
        embeddingNorm = try floats(.embeddingNorm, [C])
        embeddingNormBias = try floats(.embeddingNormBias, [C])
        layers = try (0..<c.layerCount).map { i in
            BertLayerWeights(
                wq: try load(.wq(i), [C, C]), wk: try load(.wk(i), [C, C]), wv: try load(.wv(i), [C, C]),
                bq: try floats(.bq(i), [C]), bk: try floats(.bk(i), [C]), bv: try floats(.bv(i), [C]),
                wo: try load(.wo(i), [C, C]), bo: try floats(.bo(i), [C]),
                attentionNorm: try floats(.attentionNorm(i), [C]),
                attentionNormBias: try floats(.attentionNormBias(i), [C]),
                wUp: try load(.wUp(i), [F, C]), bUp: try floats(.bUp(i), [F]),
                wDown: try load(.wDown(i), [C, F]), bDown: try floats(.bDown(i), [C]),
                outputNorm: try floats(.outputNorm(i), [C]),
                outputNormBias: try floats(.outputNormBias(i), [C]))
        }
    }
}
