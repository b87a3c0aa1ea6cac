import Foundation

/// Hyperparameters of a nomic-bert encoder (nomic-embed-text v1 and v1.5): BERT's post-LayerNorm blocks with rotary
/// positions instead of a position table, a fused q/k/v projection, a SwiGLU MLP and no biases.
///
/// Glossary: T = tokens, C = hidden size, F = MLP size, H = heads, D = head size (C / H).
public struct NomicBertConfig: Sendable, Equatable {
    public var hiddenSize: Int          // C (`n_embd`)
    public var intermediateSize: Int    // F (`n_inner`)
    public var layerCount: Int          // `n_layer`
    public var heads: Int               // H (`n_head`)
    public var vocabularySize: Int      // V, rows of the word table (nomic pads 30,522 tokens to 30,528)
    public var typeVocabularySize: Int  // 2; sentences read row 0
    public var layerNormEps: Float      // `layer_norm_epsilon`, 1e-12
    /// RoPE base (`rotary_emb_base`): 1000 for v1.5, 10000 for v1.
    public var ropeTheta: Float
    /// Longest input: `max_trained_positions` (2048; llama.cpp's converter writes the same), never above `n_positions`
    /// or sentence-transformers' `max_seq_length`.
    public var contextLength: Int
    public var pooling: Pooling

    public var headDim: Int { hiddenSize / max(heads, 1) }  // D

    public init(hiddenSize: Int, intermediateSize: Int, layerCount: Int, heads: Int, vocabularySize: Int,
                typeVocabularySize: Int, layerNormEps: Float, ropeTheta: Float, contextLength: Int, pooling: Pooling) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.heads = heads
        self.vocabularySize = vocabularySize
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEps = layerNormEps
        self.ropeTheta = ropeTheta
        self.contextLength = contextLength
        self.pooling = pooling
    }

    /// Checks the values against each other; `path` names the file in errors.
    public func validate(path: String) throws {
        let check = ConfigCheck(path: path)
        let require = check.require
        try check.requireBlockSizes(hiddenSize: hiddenSize, intermediateSize: intermediateSize, layerCount: layerCount)
        try require(heads > 0 && hiddenSize % heads == 0 && headDim % 2 == 0, "n_head",
                    "a divisor of n_embd (\(hiddenSize)) leaving an even head size for RoPE")
        try require(vocabularySize > 0, "vocab_size", "a positive number")
        try require(typeVocabularySize > 0, "type_vocab_size", "a positive number (2 for nomic-bert)")
        try require(layerNormEps > 0 && layerNormEps < 1, "layer_norm_epsilon", "a small positive number (1e-12)")
        try require(ropeTheta > 1 && ropeTheta.isFinite, "rotary_emb_base", "a base above 1 (1000 for nomic-embed-text v1.5)")
        try require(contextLength > 0 && contextLength <= 1 << 20, "max_trained_positions", "1 to 1048576")
    }
}

extension NomicBertConfig {
    /// The Hugging Face `model_type` this configuration reads.
    public static let modelType = "nomic_bert"

    /// Reads a Hugging Face nomic-bert folder (`config.json` with nomic's GPT-2 style keys, and the
    /// sentence-transformers files beside it). Refuses the variants llama.cpp's converter refuses: MoE
    /// (nomic-embed-text-v2-moe), pre-norm, biases, partial or interleaved rotary, activations other than SwiGLU.
    public static func fromHuggingFace(folder: URL) throws -> NomicBertConfig {
        let configURL = folder.appendingPathComponent("config.json")
        let path = configURL.path
        let json = try HuggingFaceConfig(url: configURL)
        let dict = json.dict
        guard json.modelType == modelType else {
            throw ModelError.unsupportedArchitecture(json.modelType.isEmpty ? "(no model_type)" : json.modelType, path: path)
        }
        func expect(_ key: String, _ ok: (Any?) -> Bool, _ expected: String) throws {
            if !ok(dict[key]) { throw ModelError.badConfiguration(key: key, path: path, expected: expected) }
        }
        let isFalse: (Any?) -> Bool = { $0 == nil || ($0 as? Bool) == false }
        try expect("moe_every_n_layers", { ($0 as? NSNumber)?.intValue ?? 0 == 0 },
                   "absent or 0: mixture-of-experts nomic-bert (nomic-embed-text-v2-moe) is not supported")
        try expect("activation_function", { ($0 as? String ?? "swiglu") == "swiglu" }, "\"swiglu\"")
        try expect("prenorm", isFalse, "false: nomic-embed-text normalises after each residual")
        try expect("causal", isFalse, "false: an encoder attends in both directions")
        for key in ["qkv_proj_bias", "mlp_fc1_bias", "mlp_fc2_bias", "rotary_emb_interleaved"] {
            try expect(key, isFalse, "false, as in nomic-embed-text")
        }
        try expect("rotary_emb_fraction", { ($0 as? NSNumber)?.doubleValue ?? 1 == 1 }, "1.0: rotary over the whole head")
        try expect("rotary_emb_scale_base", { $0 == nil || $0 is NSNull }, "null (no xPos scaling)")
        let positions = json.optionalInt("n_positions") ?? 2048
        let trained = json.optionalInt("max_trained_positions") ?? positions
        let modules = SentenceTransformersModules(folder: folder)
        var config = NomicBertConfig(
            hiddenSize: try json.int("n_embd"),
            intermediateSize: try json.int("n_inner"),
            layerCount: try json.int("n_layer"),
            heads: try json.int("n_head"),
            vocabularySize: try json.int("vocab_size"),
            typeVocabularySize: json.optionalInt("type_vocab_size") ?? 2,
            layerNormEps: (dict["layer_norm_epsilon"] as? NSNumber)?.floatValue ?? 1e-12,
            ropeTheta: (dict["rotary_emb_base"] as? NSNumber)?.floatValue ?? 10000,
            contextLength: min(positions, trained),
            pooling: try modules.pooling(path: folder.path))
        if let limit = modules.maxSequenceLength { config.contextLength = min(config.contextLength, limit) }
        try config.validate(path: path)
        return config
    }
}
