import Foundation

/// The sentence-transformers files beside a transformer (`modules.json` lists Transformer, Pooling,
/// Normalize; each module's folder holds its config).
struct SentenceTransformersModules {
    let maxSequenceLength: Int?
    let normalize: Bool
    let poolingConfig: [String: Any]?
    /// The folders of the `Dense` modules after pooling, in order (EmbeddingGemma: `2_Dense`, `3_Dense`).
    let denseFolders: [String]

    init(folder: URL) {
        let sentenceBert = readJSONObject(folder.appendingPathComponent("sentence_bert_config.json"))
        maxSequenceLength = (sentenceBert?["max_seq_length"] as? NSNumber)?.intValue
        let data = try? Data(contentsOf: folder.appendingPathComponent("modules.json"))
        let modules = data.flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [[String: Any]] ?? []
        normalize = modules.contains { ($0["type"] as? String)?.hasSuffix(".Normalize") == true }
        denseFolders = modules.filter { ($0["type"] as? String)?.hasSuffix(".Dense") == true }.compactMap { $0["path"] as? String }
        let poolingPath = modules.first { ($0["type"] as? String)?.hasSuffix(".Pooling") == true }?["path"] as? String
        poolingConfig = readJSONObject(folder.appendingPathComponent(poolingPath ?? "1_Pooling")
            .appendingPathComponent("config.json"))
    }

    /// The one pooling mode the config turns on; mean when there is no pooling config.
    func pooling(path: String) throws -> Pooling {
        guard let c = poolingConfig else { return .mean }
        // sentence-transformers 6 writes one `pooling_mode` string instead of the flags.
        if let mode = c["pooling_mode"] as? String {
            let modes: [String: Pooling] = ["mean": .mean, "cls": .cls, "lasttoken": .lastToken]
            guard let pooling = modes[mode] else {
                throw ModelError.badConfiguration(key: "1_Pooling/config.json", path: path,
                                                  expected: "pooling_mode mean, cls or lasttoken; found \(mode)")
            }
            return pooling
        }
        let on = { (key: String) in c[key] as? Bool == true }
        let modes: [(String, Pooling?)] = [
            ("pooling_mode_mean_tokens", .mean), ("pooling_mode_cls_token", .cls), ("pooling_mode_lasttoken", .lastToken),
            ("pooling_mode_max_tokens", nil), ("pooling_mode_mean_sqrt_len_tokens", nil), ("pooling_mode_weightedmean_tokens", nil),
        ]
        let chosen = modes.filter { on($0.0) }
        guard chosen.count == 1, let pooling = chosen[0].1 else {
            throw ModelError.badConfiguration(
                key: "1_Pooling/config.json", path: path,
                expected: "exactly one of pooling_mode_mean_tokens, pooling_mode_cls_token or pooling_mode_lasttoken; "
                    + "found \(chosen.isEmpty ? "none" : chosen.map(\.0).joined(separator: ", "))")
        }
        return pooling
    }
}
