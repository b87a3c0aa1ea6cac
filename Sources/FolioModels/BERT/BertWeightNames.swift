import ModelFiles

/// The one table of outside weight names for BERT: GGUF (llama.cpp's `bert` architecture) on the left,
/// Hugging Face on the right. Everything past this file uses Swift names.
enum BertWeightName: WeightNameTable {
    case wordEmbedding, positionEmbedding, typeEmbedding
    case embeddingNorm, embeddingNormBias
    case wq(Int), bq(Int), wk(Int), bk(Int), wv(Int), bv(Int)
    case wo(Int), bo(Int), attentionNorm(Int), attentionNormBias(Int)
    case wUp(Int), bUp(Int), wDown(Int), bDown(Int), outputNorm(Int), outputNormBias(Int)
    /// BertForSequenceClassification's pooler (dense + tanh on `[CLS]`); llama.cpp's `cls`.
    case poolerDense, poolerBias

    var gguf: String {
        switch self {
        case .wordEmbedding: "token_embd.weight"
        case .positionEmbedding: "position_embd.weight"
        case .typeEmbedding: "token_types.weight"
        case .embeddingNorm: "token_embd_norm.weight"
        case .embeddingNormBias: "token_embd_norm.bias"
        case let .wq(i): "blk.\(i).attn_q.weight"
        case let .bq(i): "blk.\(i).attn_q.bias"
        case let .wk(i): "blk.\(i).attn_k.weight"
        case let .bk(i): "blk.\(i).attn_k.bias"
        case let .wv(i): "blk.\(i).attn_v.weight"
        case let .bv(i): "blk.\(i).attn_v.bias"
        case let .wo(i): "blk.\(i).attn_output.weight"
        case let .bo(i): "blk.\(i).attn_output.bias"
        case let .attentionNorm(i): "blk.\(i).attn_output_norm.weight"
        case let .attentionNormBias(i): "blk.\(i).attn_output_norm.bias"
        case let .wUp(i): "blk.\(i).ffn_up.weight"
        case let .bUp(i): "blk.\(i).ffn_up.bias"
        case let .wDown(i): "blk.\(i).ffn_down.weight"
        case let .bDown(i): "blk.\(i).ffn_down.bias"
        case let .outputNorm(i): "blk.\(i).layer_output_norm.weight"
        case let .outputNormBias(i): "blk.\(i).layer_output_norm.bias"
        case .poolerDense: "cls.weight"
        case .poolerBias: "cls.bias"
        }
    }

    /// Without the `bert.` prefix, which `BertForMaskedLM`-style checkpoints add and bare `BertModel`
    /// ones (sentence-transformers) do not.
    var huggingFace: String {
        switch self {
        case .wordEmbedding: "embeddings.word_embeddings.weight"
        case .positionEmbedding: "embeddings.position_embeddings.weight"
        case .typeEmbedding: "embeddings.token_type_embeddings.weight"
        case .embeddingNorm: "embeddings.LayerNorm.weight"
        case .embeddingNormBias: "embeddings.LayerNorm.bias"
        case let .wq(i): "encoder.layer.\(i).attention.self.query.weight"
        case let .bq(i): "encoder.layer.\(i).attention.self.query.bias"
        case let .wk(i): "encoder.layer.\(i).attention.self.key.weight"
        case let .bk(i): "encoder.layer.\(i).attention.self.key.bias"
        case let .wv(i): "encoder.layer.\(i).attention.self.value.weight"
        case let .bv(i): "encoder.layer.\(i).attention.self.value.bias"
        case let .wo(i): "encoder.layer.\(i).attention.output.dense.weight"
        case let .bo(i): "encoder.layer.\(i).attention.output.dense.bias"
        case let .attentionNorm(i): "encoder.layer.\(i).attention.output.LayerNorm.weight"
        case let .attentionNormBias(i): "encoder.layer.\(i).attention.output.LayerNorm.bias"
        case let .wUp(i): "encoder.layer.\(i).intermediate.dense.weight"
        case let .bUp(i): "encoder.layer.\(i).intermediate.dense.bias"
        case let .wDown(i): "encoder.layer.\(i).output.dense.weight"
        case let .bDown(i): "encoder.layer.\(i).output.dense.bias"
        case let .outputNorm(i): "encoder.layer.\(i).output.LayerNorm.weight"
        case let .outputNormBias(i): "encoder.layer.\(i).output.LayerNorm.bias"
        case .poolerDense: "pooler.dense.weight"
        case .poolerBias: "pooler.dense.bias"
        }
    }
}

extension WeightReader {
    /// A GGUF file: llama.cpp names.
    static func gguf(_ file: GGUFFile) -> WeightReader { WeightReader(source: file, naming: .gguf, path: file.path) }

    /// A Hugging Face BERT or XLM-RoBERTa folder: names with `bert.` / `roberta.` (`BertForMaskedLM`,
    /// `…ForSequenceClassification`) or without (bare `BertModel`, sentence-transformers); the word embedding tells.
    static func bert(folder: String, source: any WeightSource) -> WeightReader {
        let names = source.tensorNames
        let prefix = names.contains("roberta." + BertWeightName.wordEmbedding.huggingFace) ? "roberta." : "bert."
        let naming = WeightNaming.detect(in: names, prefix: prefix, probe: BertWeightName.wordEmbedding)
        return WeightReader(source: source, naming: naming, path: folder)
    }
}
