import Foundation

/// Hyperparameters of a BERT encoder used as an embedding model, with the sentence-transformers
/// modules around it (pooling, normalisation, the sequence limit). XLM-RoBERTa (bge-m3, multilingual-e5)
/// is the same network with another position numbering and one token type.
///
/// Glossary: T = tokens, C = hidden size, F = MLP size, H = heads, D = head size (C / H), P = positions.
public struct BertConfig: Sendable, Equatable {
    /// Which rows of the position table a sequence reads.
    public enum Positions: Sendable, Equatable {
        /// Token i reads row i (BERT; llama.cpp's XLM-RoBERTa GGUF, whose converter cuts the first rows).
        case fromZero
        /// RoBERTa's `create_position_ids_from_input_ids`: token i reads row `padID + 1 + i` (rows count only
        /// non-padding tokens; a padding id reads row `padID`).
        case afterPadding(padID: Int32)
    }

    /// "bert" or "xlm-roberta", for descriptions.
    public var family: String = "bert"
    public var positions: Positions = .fromZero
    public var hiddenSize: Int              // C
    public var intermediateSize: Int        // F
    public var layerCount: Int
    public var heads: Int                   // H
    public var vocabularySize: Int          // V
    /// Rows of the position table (P, 512 for BERT): no sequence may be longer.
    public var maxPositions: Int
    public var typeVocabularySize: Int
    public var layerNormEps: Float
    /// Longest input the model is used with: sentence-transformers' `max_seq_length` (256 for
    /// all-MiniLM-L6-v2) when the folder has one, else `maxPositions`.
    public var contextLength: Int
    /// From `1_Pooling/config.json` (mean when absent, the sentence-transformers default).
    public var pooling: Pooling
    /// Whether `modules.json` ends with a `Normalize` module. The embedder always L2-normalises, so this
    /// is descriptive: it says the model was trained for cosine similarity.
    public var normalize: Bool

    public var headDim: Int { hiddenSize / max(heads, 1) }  // D

    /// Longest sequence the position table holds: P, less the rows RoBERTa skips.
    public var maxSequenceLength: Int {
        switch positions {
        case .fromZero: maxPositions
        case let .afterPadding(padID): maxPositions - Int(padID) - 1
        }
    }

    public init(hiddenSize: Int, intermediateSize: Int, layerCount: Int, heads: Int, vocabularySize: Int,
                maxPositions: Int, typeVocabularySize: Int, layerNormEps: Float, contextLength: Int,
                pooling: Pooling, normalize: Bool) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.heads = heads
        self.vocabularySize = vocabularySize
        self.maxPositions = maxPositions
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEps = layerNormEps
        self.contextLength = contextLength
        self.pooling = pooling
        self.normalize = normalize
    }

    /// Checks the values against each other; `path` names the file in errors.
    public func validate(path: String) throws {
        let check = ConfigCheck(path: path)
        let require = check.require
        try check.requireBlockSizes(hiddenSize: hiddenSize, intermediateSize: intermediateSize, layerCount: layerCount)
        try require(heads > 0 && hiddenSize % heads == 0, "num_attention_heads",
                    "a divisor of hidden_size (\(hiddenSize))")
        try require(vocabularySize > 0, "vocab_size", "a positive number")
        try require(maxPositions > 0, "max_position_embeddings", "a positive number")
        try require(typeVocabularySize > 0, "type_vocab_size", "a positive number (2 for BERT)")
        try require(layerNormEps > 0 && layerNormEps < 1, "layer_norm_eps", "a small positive number (1e-12 for BERT)")
        if case let .afterPadding(padID) = positions {
            try require(padID >= 0 && Int(padID) + 1 < maxPositions, "pad_token_id",
                        "an id below max_position_embeddings - 1 (\(maxPositions - 1)): RoBERTa positions start after it")
        }
        try require(contextLength > 0 && contextLength <= maxSequenceLength, "max_seq_length",
                    "1 to \(maxSequenceLength) (max_position_embeddings\(maxSequenceLength == maxPositions ? "" : " - pad_token_id - 1"))")
    }
}

extension BertConfig {
    /// The Hugging Face `model_type`s this configuration reads.
    public static let modelTypes: Set<String> = ["bert", "xlm-roberta"]

    /// Reads a Hugging Face BERT or XLM-RoBERTa folder: `config.json`, and when present sentence-transformers'
    /// `sentence_bert_config.json` (`max_seq_length`), `modules.json` (`Normalize`) and the pooling
    /// module's `config.json` (`pooling_mode_mean_tokens`, `pooling_mode_cls_token`, `pooling_mode_lasttoken`).
    public static func fromHuggingFace(folder: URL) throws -> BertConfig {
        let configURL = folder.appendingPathComponent("config.json")
        let path = configURL.path
        let json = try HuggingFaceConfig(url: configURL)
        let dict = json.dict
        let modelType = json.modelType
        guard modelTypes.contains(modelType) else {
            throw ModelError.unsupportedArchitecture(modelType.isEmpty ? "(no model_type)" : modelType, path: path)
        }
        let roberta = modelType == "xlm-roberta"
        let int = json.int
        let activation = dict["hidden_act"] as? String ?? "gelu"
        guard activation == "gelu" else {
            throw ModelError.badConfiguration(key: "hidden_act", path: path,
                                              expected: "\"gelu\" (the erf form); found \"\(activation)\"")
        }
        if let kind = dict["position_embedding_type"] as? String, kind != "absolute" {
            throw ModelError.badConfiguration(key: "position_embedding_type", path: path,
                                              expected: "\"absolute\"; found \"\(kind)\"")
        }
        let maxPositions = try int("max_position_embeddings")
        let modules = SentenceTransformersModules(folder: folder)
        // RoBERTa: positions count from pad_token_id + 1 (1 for XLM-RoBERTa, so 514 rows hold 512 tokens).
        let positions: Positions = roberta ? .afterPadding(padID: Int32(json.optionalInt("pad_token_id") ?? 1)) : .fromZero
        let usable = roberta ? maxPositions - (json.optionalInt("pad_token_id") ?? 1) - 1 : maxPositions
        var config = BertConfig(
            hiddenSize: try int("hidden_size"),
            intermediateSize: try int("intermediate_size"),
            layerCount: try int("num_hidden_layers"),
            heads: try int("num_attention_heads"),
            vocabularySize: try int("vocab_size"),
            maxPositions: maxPositions,
            typeVocabularySize: json.optionalInt("type_vocab_size") ?? 2,
            layerNormEps: ((dict["layer_norm_eps"] as? NSNumber)?.floatValue) ?? 1e-12,
            contextLength: modules.maxSequenceLength.map { min($0, usable) } ?? usable,
            pooling: try modules.pooling(path: folder.path),
            normalize: modules.normalize)
        (config.family, config.positions) = (modelType, positions)
        try config.validate(path: path)
        return config
    }
}
