import Foundation
import FolioTensor
import ModelFiles

extension NomicBertConfig {
    /// Reads the `nomic-bert.*` keys of a GGUF file written by llama.cpp's `convert_hf_to_gguf.py` (NomicBertModel).
    ///
    /// - `context_length` is what the converter writes: 2048 for nomic-embed-text v1 / v1.5.
    /// - `rope.freq_base` is `rotary_emb_base` (llama.cpp's default 10000 when absent).
    /// - `pooling_type` as for BERT (mean when absent); the word and type table sizes come from the tensors.
    public static func fromGGUF(_ file: GGUFFile) throws -> NomicBertConfig {
        let path = file.path
        let keys = GGUFKeys(file: file, architecture: "nomic-bert")
        let (key, int) = (keys.key, keys.int)
        if file.metadata[key("attention.causal")]?.bool == true {
            throw ModelError.badConfiguration(key: key("attention.causal"), path: path,
                                              expected: "false: an encoder attends in both directions")
        }
        guard let eps = keys.double("attention.layer_norm_epsilon") else {
            throw ModelError.badConfiguration(key: key("attention.layer_norm_epsilon"), path: path,
                                              expected: "a number (1e-12 for nomic-bert)")
        }
        let config = NomicBertConfig(
            hiddenSize: try int("embedding_length"),
            intermediateSize: try int("feed_forward_length"),
            layerCount: try int("block_count"),
            heads: try int("attention.head_count"),
            vocabularySize: try keys.rows(of: NomicBertWeightName.wordEmbedding.gguf),
            typeVocabularySize: try keys.tokenTypeRows(of: NomicBertWeightName.typeEmbedding.gguf),
            layerNormEps: Float(eps),
            ropeTheta: Float(keys.double("rope.freq_base") ?? 10000),
            contextLength: try int("context_length"),
            pooling: try keys.pooling())
        try config.validate(path: path)
        return config
    }
}

extension NomicBertModel {
    /// Builds the model over a GGUF file's mapped tensors (`token_embd`, `blk.N.attn_qkv` …; see
    /// ``NomicBertWeightName``). Projections and the word table may be F32, F16, BF16 or a quantised type.
    public static func load(gguf file: GGUFFile, pool: ThreadPool) throws -> NomicBertModel {
        let config = try NomicBertConfig.fromGGUF(file)
        let reader = WeightReader(source: file, naming: .gguf, path: file.path)
        return NomicBertModel(config: config, weights: try NomicBertWeights(config: config, reader: reader), pool: pool)
    }

    /// Builds the model over a Hugging Face folder: config.json, the sentence-transformers files and safetensors
    /// weights with nomic's names, with or without the `bert.` prefix of `NomicBertForPreTraining` checkpoints.
    public static func load(folder: URL, weights source: any WeightSource, pool: ThreadPool) throws -> NomicBertModel {
        let config = try NomicBertConfig.fromHuggingFace(folder: folder)
        let naming = WeightNaming.detect(in: source.tensorNames, prefix: "bert.", probe: NomicBertWeightName.wordEmbedding)
        let reader = WeightReader(source: source, naming: naming, path: folder.path)
        return NomicBertModel(config: config, weights: try NomicBertWeights(config: config, reader: reader), pool: pool)
    }
}
