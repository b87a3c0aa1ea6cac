import FolioTensor
import Foundation

/// Hyperparameters of a Qwen3 decoder used as an embedding model.
///
/// Glossary: T = tokens, C = hidden size, F = MLP size, Hq / Hkv = query / key-value heads, D = head size.
public struct Qwen3Config: Sendable, Equatable {
    public var hiddenSize: Int          // C
    public var intermediateSize: Int    // F
    public var layerCount: Int
    public var queryHeads: Int          // Hq
    public var keyValueHeads: Int       // Hkv
    public var headDim: Int             // D (Qwen3: 128, not C / Hq)
    public var vocabularySize: Int
    public var contextLength: Int
    public var ropeTheta: Float
    public var rmsNormEps: Float

    public init(hiddenSize: Int, intermediateSize: Int, layerCount: Int, queryHeads: Int, keyValueHeads: Int,
                headDim: Int, vocabularySize: Int, contextLength: Int, ropeTheta: Float, rmsNormEps: Float) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.queryHeads = queryHeads
        self.keyValueHeads = keyValueHeads
        self.headDim = headDim
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.ropeTheta = ropeTheta
        self.rmsNormEps = rmsNormEps
    }

    /// Checks the values against each other; `path` names the file in errors.
    public func validate(path: String) throws {
        let check = ConfigCheck(path: path)
        let require = check.require
        try check.requireBlockSizes(hiddenSize: hiddenSize, intermediateSize: intermediateSize, layerCount: layerCount)
        try require(queryHeads > 0 && queryHeads <= 1024, "num_attention_heads", "1 to 1024")
        try require(keyValueHeads > 0 && queryHeads % keyValueHeads == 0, "num_key_value_heads",
                    "a divisor of num_attention_heads (\(queryHeads))")
        try require(headDim > 0 && headDim % 2 == 0 && headDim <= Ops.maxAttentionHeadDim, "head_dim",
                    "an even number up to \(Ops.maxAttentionHeadDim) (128 for Qwen3)")
        try require(vocabularySize > 0, "vocab_size", "a positive number")
        try require(contextLength > 0, "max_position_embeddings", "a positive number")
        try require(ropeTheta > 0 && ropeTheta.isFinite, "rope_theta", "a positive number (1e6 for Qwen3)")
        try require(rmsNormEps > 0 && rmsNormEps < 1, "rms_norm_eps", "a small positive number (1e-6 for Qwen3)")
    }
}

extension Qwen3Config {
    /// Reads a Hugging Face `config.json`. Both published styles are accepted: top-level `rope_theta`
    /// (older repos) or `rope_parameters.rope_theta` (transformers 5).
    public static func fromHuggingFace(json data: Data, path: String) throws -> Qwen3Config {
        guard let object = try? JSONSerialization.jsonObject(with: data), let dict = object as? [String: Any] else {
            throw ModelError.badConfiguration(key: "config.json", path: path, expected: "a JSON object")
        }
        let json = HuggingFaceConfig(dict: dict, path: path)
        let architecture = json.modelType
        guard architecture == "qwen3" else {
            throw ModelError.unsupportedArchitecture(architecture.isEmpty ? "(no model_type)" : architecture, path: path)
        }
        let int = json.int
        func double(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }
        let hidden = try int("hidden_size")
        let heads = try int("num_attention_heads")
        let theta = double(dict["rope_theta"])
            ?? double((dict["rope_parameters"] as? [String: Any])?["rope_theta"])
            ?? double((dict["rope_scaling"] as? [String: Any])?["rope_theta"])
        guard let theta else {
            throw ModelError.badConfiguration(key: "rope_theta", path: path,
                                              expected: "rope_theta or rope_parameters.rope_theta")
        }
        let config = Qwen3Config(
            hiddenSize: hidden,
            intermediateSize: try int("intermediate_size"),
            layerCount: try int("num_hidden_layers"),
            queryHeads: heads,
            keyValueHeads: json.optionalInt("num_key_value_heads") ?? heads,
            headDim: json.optionalInt("head_dim") ?? hidden / max(heads, 1),
            vocabularySize: try int("vocab_size"),
            contextLength: json.optionalInt("max_position_embeddings") ?? 32768,
            ropeTheta: Float(theta),
            rmsNormEps: Float(double(dict["rms_norm_eps"]) ?? 1e-6))
        try config.validate(path: path)
        return config
    }
}
