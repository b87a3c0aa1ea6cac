import Foundation
import FolioTensor
import ModelFiles

extension Qwen3Config {
    /// Reads the `qwen3.*` keys of a GGUF file. The vocabulary size comes from the embedding table.
    public static func fromGGUF(_ file: GGUFFile) throws -> Qwen3Config {
        let keys = GGUFKeys(file: file, architecture: "qwen3")
        let (int, double) = (keys.int, keys.double)
        let hidden = try int("embedding_length")
        let heads = try int("attention.head_count")
        let vocabularySize = try keys.rows(of: Qwen3WeightName.tokenEmbedding.gguf)
        let config = Qwen3Config(
            hiddenSize: hidden,
            intermediateSize: try int("feed_forward_length"),
            layerCount: try int("block_count"),
            queryHeads: heads,
            keyValueHeads: keys.optionalInt("attention.head_count_kv") ?? heads,
            headDim: keys.optionalInt("attention.key_length") ?? hidden / max(heads, 1),
            vocabularySize: vocabularySize,
            contextLength: keys.optionalInt("context_length") ?? 32768,
            ropeTheta: Float(double("rope.freq_base") ?? 1_000_000),
            rmsNormEps: Float(double("attention.layer_norm_rms_epsilon") ?? 1e-6))
        try config.validate(path: file.path)
        return config
    }
}

extension Qwen3Model {
    /// Builds the model over a GGUF file's mapped tensors.
    public static func load(gguf file: GGUFFile, pool: ThreadPool) throws -> Qwen3Model {
        let config = try Qwen3Config.fromGGUF(file)
        return Qwen3Model(config: config, weights: try Qwen3Weights(config: config, reader: .gguf(file)), pool: pool)
    }

    /// Builds the model over a Hugging Face folder's safetensors (single file or shards).
    public static func load(config: Qwen3Config, weights source: any WeightSource, folder: String,
                            pool: ThreadPool) throws -> Qwen3Model {
        let weights = try Qwen3Weights(config: config, reader: .qwen3(folder: folder, source: source))
        return Qwen3Model(config: config, weights: weights, pool: pool)
    }
}
