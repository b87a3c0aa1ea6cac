import Foundation

extension Gemma3Config {
    /// The Hugging Face `model_type` this configuration reads (EmbeddingGemma's `Gemma3TextModel`).
    public static let modelType = "gemma3_text"

    /// Reads a Hugging Face EmbeddingGemma folder: `config.json`, and sentence-transformers' `sentence_bert_config.json`
    /// (`max_seq_length`) and pooling config when present. Only the bidirectional variant is an embedding model:
    /// a causal Gemma 3 (`use_bidirectional_attention` false or absent) is refused.
    public static func fromHuggingFace(folder: URL) throws -> Gemma3Config {
        let configURL = folder.appendingPathComponent("config.json")
        let path = configURL.path
        let json = try HuggingFaceConfig(url: configURL)
        let dict = json.dict
        guard json.modelType == modelType else {
            throw ModelError.unsupportedArchitecture(json.modelType.isEmpty ? "(no model_type)" : json.modelType, path: path)
        }
        guard dict["use_bidirectional_attention"] as? Bool == true else {
            throw ModelError.badConfiguration(
                key: "use_bidirectional_attention", path: path,
                expected: "true (EmbeddingGemma); a causal Gemma 3 language model is not an embedding model")
        }
        let activation = dict["hidden_activation"] as? String ?? "gelu_pytorch_tanh"
        guard activation == "gelu_pytorch_tanh" else {
            throw ModelError.badConfiguration(key: "hidden_activation", path: path,
                                              expected: "\"gelu_pytorch_tanh\"; found \"\(activation)\"")
        }
        if let cap = dict["attn_logit_softcapping"] as? NSNumber {
            throw ModelError.badConfiguration(key: "attn_logit_softcapping", path: path,
                                              expected: "null (Gemma 3 has no attention soft-capping); found \(cap)")
        }
        // transformers 5 writes `rope_parameters` per layer type; older files `rope_theta` and `rope_local_base_freq`.
        let ropeParameters = dict["rope_parameters"] as? [String: Any]
        func ropeParameter(_ layerType: String) -> Double? {
            ((ropeParameters?[layerType] as? [String: Any])?["rope_theta"] as? NSNumber)?.doubleValue
        }
        for kind in ["full_attention", "sliding_attention"] {
            if let type = (ropeParameters?[kind] as? [String: Any])?["rope_type"] as? String, type != "default" {
                throw ModelError.badConfiguration(key: "rope_parameters.\(kind).rope_type", path: path,
                                                  expected: "\"default\"; scaled RoPE is not implemented (found \(type))")
            }
        }
        if dict["rope_scaling"] is [String: Any] {
            throw ModelError.badConfiguration(key: "rope_scaling", path: path,
                                              expected: "null (EmbeddingGemma); scaled RoPE is not implemented")
        }
        let int = json.int
        func double(_ key: String) -> Double? { (dict[key] as? NSNumber)?.doubleValue }
        let hidden = try int("hidden_size")
        let heads = try int("num_attention_heads")
        let headDim = json.optionalInt("head_dim") ?? hidden / max(heads, 1)
        let layers = try int("num_hidden_layers")
        let slidingLayers: [Bool]
        if let types = dict["layer_types"] as? [String] {
            guard types.allSatisfy({ $0 == "sliding_attention" || $0 == "full_attention" }) else {
                throw ModelError.badConfiguration(key: "layer_types", path: path,
                                                  expected: "\"sliding_attention\" or \"full_attention\" per layer")
            }
            slidingLayers = types.map { $0 == "sliding_attention" }
        } else {
            // Older files: `sliding_window_pattern` (transformers writes `_sliding_window_pattern`), 6 by default.
            let pattern = json.optionalInt("sliding_window_pattern") ?? json.optionalInt("_sliding_window_pattern") ?? 6
            slidingLayers = Self.slidingLayers(count: layers, pattern: pattern)
        }
        let modules = SentenceTransformersModules(folder: folder)
        let maxPositions = json.optionalInt("max_position_embeddings") ?? 2048
        let config = Gemma3Config(
            hiddenSize: hidden,
            intermediateSize: try int("intermediate_size"),
            layerCount: layers,
            queryHeads: heads,
            keyValueHeads: json.optionalInt("num_key_value_heads") ?? heads,
            headDim: headDim,
            vocabularySize: try int("vocab_size"),
            contextLength: modules.maxSequenceLength.map { min($0, maxPositions) } ?? maxPositions,
            ropeTheta: Float(double("rope_theta") ?? ropeParameter("full_attention") ?? 1_000_000),
            ropeLocalTheta: Float(double("rope_local_base_freq") ?? ropeParameter("sliding_attention") ?? 10_000),
            rmsNormEps: Float(double("rms_norm_eps") ?? 1e-6),
            attentionScale: Float(1 / (double("query_pre_attn_scalar") ?? Double(headDim)).squareRoot()),
            slidingWindow: try int("sliding_window"),
            slidingLayers: slidingLayers,
            pooling: try modules.pooling(path: folder.path))
        try config.validate(path: path)
        return config
    }
}
