import Foundation
import FolioTensor
import ModelFiles

extension Gemma3Config {
    /// The GGUF architecture name llama.cpp's converter gives EmbeddingGemma.
    public static let ggufArchitecture = "gemma-embedding"

    /// Reads the `gemma-embedding.*` keys of a GGUF file written by llama.cpp's `convert_hf_to_gguf.py`, with
    /// llama.cpp's defaults: the sliding layers follow `attention.sliding_window_pattern` (an array of flags, or a
    /// period) and without it every 6th layer attends to all tokens; the scale is 1/sqrt(key_length) (llama.cpp does
    /// not store `query_pre_attn_scalar`; EmbeddingGemma's equals the head size). The vocabulary size comes from the
    /// embedding table. `pooling_type` must be 1 (mean).
    public static func fromGGUF(_ file: GGUFFile) throws -> Gemma3Config {
        let keys = GGUFKeys(file: file, architecture: ggufArchitecture)
        let (int, double) = (keys.int, keys.double)
        let hidden = try int("embedding_length")
        let heads = try int("attention.head_count")
        let layers = try int("block_count")
        let headDim = keys.optionalInt("attention.key_length") ?? hidden / max(heads, 1)
        if let pooling = keys.optionalInt("pooling_type"), pooling != 1 {
            throw ModelError.badConfiguration(key: keys.key("pooling_type"), path: file.path,
                                              expected: "1 (mean), as EmbeddingGemma pools; found \(pooling)")
        }
        let patternKey = keys.key("attention.sliding_window_pattern")
        let slidingLayers: [Bool]
        if let flags = file.metadata[patternKey]?.boolArray {
            slidingLayers = flags
        } else {
            slidingLayers = self.slidingLayers(count: layers, pattern: file.metadata[patternKey]?.int ?? 6)
        }
        let config = Gemma3Config(
            hiddenSize: hidden,
            intermediateSize: try int("feed_forward_length"),
            layerCount: layers,
            queryHeads: heads,
            keyValueHeads: keys.optionalInt("attention.head_count_kv") ?? heads,
            headDim: headDim,
            vocabularySize: try keys.rows(of: Gemma3WeightName.tokenEmbedding.gguf),
            contextLength: keys.optionalInt("context_length") ?? 2048,
            ropeTheta: Float(double("rope.freq_base") ?? 1_000_000),
            ropeLocalTheta: Float(double("rope.freq_base_swa") ?? 10_000),
            rmsNormEps: Float(double("attention.layer_norm_rms_epsilon") ?? 1e-6),
            attentionScale: 1 / Float(headDim).squareRoot(),
            slidingWindow: try int("attention.sliding_window"),
            slidingLayers: slidingLayers,
            pooling: .mean)
        try config.validate(path: file.path)
        return config
    }
}

extension Gemma3Model {
    /// Builds the model over a GGUF file's mapped tensors; the Dense head is there when the converter ran with
    /// `--sentence-transformers-dense-modules` (`dense_2.weight`, `dense_3.weight`), else the pooled vector is the output.
    public static func load(gguf file: GGUFFile, pool: ThreadPool) throws -> Gemma3Model {
        let config = try Gemma3Config.fromGGUF(file)
        let reader = WeightReader.gguf(file)
        let weights = try Gemma3Weights(config: config, reader: reader, normsStoreOnePlusW: true)
        return Gemma3Model(config: config, weights: weights, head: try DenseHead(gguf: reader, hidden: config.hiddenSize),
                           pool: pool)
    }

    /// Builds the model over a sentence-transformers folder: the transformer's safetensors and the Dense modules
    /// `modules.json` lists.
    public static func load(folder: URL, weights source: any WeightSource, pool: ThreadPool) throws -> Gemma3Model {
        let config = try Gemma3Config.fromHuggingFace(folder: folder)
        let naming = WeightNaming.detect(in: source.tensorNames, prefix: "model.", probe: Gemma3WeightName.tokenEmbedding)
        let reader = WeightReader(source: source, naming: naming, path: folder.path)
        let weights = try Gemma3Weights(config: config, reader: reader, normsStoreOnePlusW: false)
        let head = try DenseHead(folder: folder, modules: SentenceTransformersModules(folder: folder), hidden: config.hiddenSize)
        return Gemma3Model(config: config, weights: weights, head: head, pool: pool)
    }
}
