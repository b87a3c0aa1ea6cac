import Foundation
import FolioTensor
import ModelFiles

extension Qwen3Config {
    /// Reads the `qwen3.*` keys of a GGUF file. The vocabulary size comes from the embedding table.
    public static func fromGGUF(_ file: GGUFFile) throws -> Qwen3Config {
        let path = file.path
        func int(_ key: String) throws -> Int {
            guard let v = file.metadata["qwen3." + key]?.int else {
                throw ModelError.badConfiguration(key: "qwen3." + key, path: path, expected: "an integer")
            }
            return v
        }
        func double(_ key: String) -> Double? { file.metadata["qwen3." + key]?.double }
        let hidden = try int("embedding_length")
        let heads = try int("attention.head_count")
        guard let embedding = file.tensorInfos.first(where: { $0.name == Qwen3WeightName.tokenEmbedding.gguf }) else {
            throw ModelError.missingWeight(name: Qwen3WeightName.tokenEmbedding.gguf, path: path)
        }
        let config = Qwen3Config(
            hiddenSize: hidden,
            intermediateSize: try int("feed_forward_length"),
            layerCount: try int("block_count"),
            queryHeads: heads,
            keyValueHeads: (try? int("attention.head_count_kv")) ?? heads,
            headDim: (try? int("attention.key_length")) ?? hidden / max(heads, 1),
            vocabularySize: embedding.shape.first ?? 0,
            contextLength: (try? int("context_length")) ?? 32768,
            ropeTheta: Float(double("rope.freq_base") ?? 1_000_000),
            rmsNormEps: Float(double("attention.layer_norm_rms_epsilon") ?? 1e-6))
        try config.validate(path: path)
        return config
    }
}

extension Qwen3Model {
    /// Builds the model over a GGUF file's mapped tensors.
    public static func load(gguf file: GGUFFile, pool: ThreadPool) throws -> Qwen3Model {
        let config = try Qwen3Config.fromGGUF(file)
        let weights = try Qwen3Weights(config: config, source: file, naming: .gguf, path: file.path)
        return Qwen3Model(config: config, weights: weights, pool: pool)
    }

    /// Builds the model over a Hugging Face folder's safetensors (single file or shards).
    public static func load(config: Qwen3Config, weights source: any WeightSource, folder: String,
                            pool: ThreadPool) throws -> Qwen3Model {
        let naming = WeightNaming.detect(in: source, isGGUF: false)
        let weights = try Qwen3Weights(config: config, source: source, naming: naming, path: folder)
        return Qwen3Model(config: config, weights: weights, pool: pool)
    }
}
