import Foundation
import FolioTensor
import ModelFiles

extension BertConfig {
    /// Reads the `bert.*` keys of a GGUF file written by llama.cpp's `convert_hf_to_gguf.py`.
    ///
    /// - The vocabulary, position and token-type table sizes come from the tensors themselves.
    /// - `contextLength` is `bert.context_length`, which llama.cpp fills with `max_position_embeddings`
    ///   (512): sentence-transformers' shorter `max_seq_length` (256 for all-MiniLM-L6-v2) is not recorded,
    ///   so inputs up to 512 tokens run unchanged, as in llama.cpp.
    /// - `pooling` is `bert.pooling_type` in llama.cpp's numbering (1 mean, 2 cls, 3 last token); a file
    ///   without it gets mean pooling, sentence-transformers' default. 0 (none) and 4 (rank) are refused.
    /// - `normalize` is true: the Normalize module is not recorded, and llama.cpp L2-normalises embeddings
    ///   by default, as Folio's embedder always does.
    public static func fromGGUF(_ file: GGUFFile) throws -> BertConfig {
        let path = file.path
        let keys = GGUFKeys(file: file, architecture: "bert")
        let (key, int) = (keys.key, keys.int)
        func rows(_ weight: BertWeightName) throws -> Int { try keys.rows(of: weight.gguf) }
        if file.metadata[key("attention.causal")]?.bool == true {
            throw ModelError.badConfiguration(key: key("attention.causal"), path: path,
                                              expected: "false: a BERT encoder attends in both directions")
        }
        guard let eps = file.metadata[key("attention.layer_norm_epsilon")]?.double else {
            throw ModelError.badConfiguration(key: key("attention.layer_norm_epsilon"), path: path,
                                              expected: "a number (1e-12 for BERT)")
        }
        let pooling = try keys.pooling()
        let maxPositions = try rows(.positionEmbedding)
        let typeRows = try keys.tokenTypeRows(of: BertWeightName.typeEmbedding.gguf)
        var config = BertConfig(
            hiddenSize: try int("embedding_length"),
            intermediateSize: try int("feed_forward_length"),
            layerCount: try int("block_count"),
            heads: try int("attention.head_count"),
            vocabularySize: try rows(.wordEmbedding),
            maxPositions: maxPositions,
            typeVocabularySize: typeRows,
            layerNormEps: Float(eps),
            contextLength: try int("context_length"),
            pooling: pooling,
            normalize: true)
        // llama.cpp writes XLM-RoBERTa as `bert` with its SentencePiece vocabulary (`t5`) and the position
        // table already cut to start at position 0.
        if file.metadata["tokenizer.ggml.model"]?.string == "t5" { config.family = "xlm-roberta" }
        try config.validate(path: path)
        return config
    }
}

extension BertModel {
    /// Builds the model over a GGUF file's mapped tensors (`token_embd`, `blk.N.attn_q` …; see
    /// ``BertWeightName``). Projections and the word table may be F32, F16, BF16 or a quantised type.
    public static func load(gguf file: GGUFFile, pool: ThreadPool) throws -> BertModel {
        let config = try BertConfig.fromGGUF(file)
        return BertModel(config: config, weights: try BertWeights(config: config, reader: .gguf(file)), pool: pool)
    }
}
