import Foundation

/// Which files of a repository make the model Folio loads.
enum FileSelection {
    /// The files to fetch, and the one to hand to the loader when it is a single `.gguf` (nil: the snapshot folder).
    struct Plan: Equatable {
        var files: [String]
        var ggufFile: String?
    }

    /// Files a transformers / sentence-transformers model folder may carry beside its weights.
    static let optionalFolderFiles = [
        "tokenizer_config.json", "model.safetensors.index.json", "modules.json", "config_sentence_transformers.json",
        "sentence_bert_config.json", "1_Pooling/config.json", "special_tokens_map.json", "vocab.txt",
    ]

    /// Chooses from the repository's file list (the hub's `siblings`, or a cached snapshot's files).
    static func plan(for reference: ModelReference, files: [String]) throws -> Plan {
        let ggufs = files.filter { $0.lowercased().hasSuffix(".gguf") }.sorted()
        switch reference.selector {
        case let .file(path):
            guard files.contains(path) else {
                throw HubError.fileNotFound(repository: reference.repository, file: path, available: ggufs)
            }
            return path.lowercased().hasSuffix(".gguf") ? Plan(files: [path], ggufFile: path) : Plan(files: [path], ggufFile: nil)
        case let .quantization(tag):
            let matches = ggufs.filter { matchesTag($0, tag) }
            guard matches.count == 1 else {
                throw HubError.noMatchingQuantization(repository: reference.repository, tag: tag, available: ggufs)
            }
            return Plan(files: matches, ggufFile: matches[0])
        case .repository:
            if ggufs.count == 1 { return Plan(files: ggufs, ggufFile: ggufs[0]) }
            if let folder = folderPlan(files) { return folder }
            if ggufs.count > 1 { throw HubError.ambiguousModelFile(repository: reference.repository, available: ggufs) }
            throw HubError.noModelFiles(repository: reference.repository)
        }
    }

    /// A safetensors model: config.json, tokenizer.json, the weights (one file or index + shards), and the optional
    /// configuration files that are present. Nil when the weights or config.json are missing.
    static func folderPlan(_ files: [String]) -> Plan? {
        let set = Set(files)
        // Only top-level weights: subfolders hold other variants (onnx/, openvino/) or training leftovers.
        let weights = files.filter { !$0.contains("/") && $0.hasSuffix(".safetensors") }.sorted()
        guard set.contains("config.json"), !weights.isEmpty else { return nil }
        var chosen = ["config.json"]
        if set.contains("tokenizer.json") { chosen.append("tokenizer.json") }
        chosen += optionalFolderFiles.filter(set.contains)
        chosen += weights
        return Plan(files: chosen, ggufFile: nil)
    }

    /// Whether a cached snapshot holds a whole folder model: config.json and the weights, every shard the index names.
    /// The weights are fetched last, so their presence means the smaller files before them arrived too.
    static func folderIsComplete(_ snapshot: URL, files: [String]) -> Bool {
        guard folderPlan(files) != nil else { return false }
        let index = snapshot.appendingPathComponent("model.safetensors.index.json")
        if let data = try? Data(contentsOf: index) {
            struct Index: Decodable { let weight_map: [String: String] }
            guard let parsed = try? JSONDecoder().decode(Index.self, from: data) else { return false }
            return Set(parsed.weight_map.values).isSubset(of: Set(files))
        }
        return files.contains("model.safetensors")
    }

    /// Whether the file name carries the quantisation tag as a whole word: `Q8_0` matches `Model-Q8_0.gguf` and
    /// `model.q8_0.gguf`, while `Q4_K` does not match `Model-Q4_K_M.gguf` nor `F16` match `Model-BF16.gguf`.
    static func matchesTag(_ file: String, _ tag: String) -> Bool {
        let name = (file.split(separator: "/").last.map(String.init) ?? file).lowercased()
        let tag = tag.lowercased()
        var search = name.startIndex ..< name.endIndex
        while let found = name.range(of: tag, range: search) {
            let before = found.lowerBound == name.startIndex ? nil : name[name.index(before: found.lowerBound)]
            let after = found.upperBound == name.endIndex ? nil : name[found.upperBound]
            if before.map({ "-._".contains($0) }) ?? true, after.map({ "-.".contains($0) }) ?? true { return true }
            search = name.index(after: found.lowerBound) ..< name.endIndex
        }
        return false
    }
}
