import Foundation
import ModelFiles

/// Range checks of a configuration; `path` names the file in errors.
struct ConfigCheck {
    let path: String

    func require(_ ok: Bool, _ key: String, _ expected: String) throws {
        if !ok { throw ModelError.badConfiguration(key: key, path: path, expected: expected) }
    }

    /// The sizes every transformer block has: C, F and the layer count.
    func requireBlockSizes(hiddenSize: Int, intermediateSize: Int, layerCount: Int) throws {
        try require(hiddenSize > 0 && hiddenSize <= 65536, "hidden_size", "1 to 65536")
        try require(intermediateSize > 0 && intermediateSize <= 262_144, "intermediate_size", "1 to 262144")
        try require(layerCount > 0 && layerCount <= 512, "num_hidden_layers", "1 to 512")
    }
}

/// A Hugging Face `config.json` object with typed reads.
struct HuggingFaceConfig {
    let dict: [String: Any]
    let path: String

    /// Reads `url`; a missing or non-object file is a configuration error.
    init(url: URL) throws {
        guard let dict = readJSONObject(url) else {
            throw ModelError.badConfiguration(key: "config.json", path: url.path, expected: "a readable JSON object")
        }
        self.init(dict: dict, path: url.path)
    }

    init(dict: [String: Any], path: String) {
        self.dict = dict
        self.path = path
    }

    var modelType: String { dict["model_type"] as? String ?? "" }
    /// `architectures[0]`, e.g. "Qwen3ForCausalLM", "BertForSequenceClassification".
    var architectures: [String] { dict["architectures"] as? [String] ?? [] }

    func int(_ key: String) throws -> Int {
        guard let n = dict[key] as? NSNumber else {
            throw ModelError.badConfiguration(key: key, path: path, expected: "an integer")
        }
        return n.intValue
    }

    func optionalInt(_ key: String) -> Int? { (dict[key] as? NSNumber)?.intValue }
}

/// The `<architecture>.*` keys of a GGUF file with typed reads.
struct GGUFKeys {
    let file: GGUFFile
    /// "qwen3", "bert".
    let architecture: String

    func key(_ name: String) -> String { architecture + "." + name }

    func int(_ name: String) throws -> Int {
        guard let v = file.metadata[key(name)]?.int else {
            throw ModelError.badConfiguration(key: key(name), path: file.path, expected: "an integer")
        }
        return v
    }

    func optionalInt(_ name: String) -> Int? { file.metadata[key(name)]?.int }
    func double(_ name: String) -> Double? { file.metadata[key(name)]?.double }

    /// The first (outer) dimension of a stored tensor: a table's row count.
    func rows(of tensor: String) throws -> Int {
        guard let info = file.info(tensor) else { throw ModelError.missingWeight(name: tensor, path: file.path) }
        return info.shape.first ?? 0
    }

    /// `{arch}.pooling_type` in llama.cpp's numbering (1 mean, 2 cls, 3 last token); a file without it gets mean
    /// pooling, sentence-transformers' default. 0 (none) and 4 (rank) are refused.
    func pooling() throws -> Pooling {
        switch optionalInt("pooling_type") {
        case nil, 1: return .mean
        case 2: return .cls
        case 3: return .lastToken
        case let other?:
            throw ModelError.badConfiguration(key: key("pooling_type"), path: file.path,
                                              expected: "1 (mean), 2 (cls) or 3 (last token); found \(other)")
        }
    }

    /// Rows of the token-type table `tensor`, checked against `tokenizer.ggml.token_type_count` when the file has it.
    func tokenTypeRows(of tensor: String) throws -> Int {
        let typeRows = try rows(of: tensor)
        if let count = file.metadata["tokenizer.ggml.token_type_count"]?.int, count != typeRows {
            throw ModelError.badConfiguration(key: "tokenizer.ggml.token_type_count", path: file.path,
                                              expected: "\(typeRows), the rows of \(tensor); found \(count)")
        }
        return typeRows
    }
}

func readJSONObject(_ url: URL) -> [String: Any]? {
    guard let data = try? Data(contentsOf: url) else { return nil }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
}
