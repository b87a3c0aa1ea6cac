import Foundation

extension BPETokenizer {
    /// Loads a byte-level BPE tokenizer.json (Qwen2/Qwen3 layout: NFC normalizer, Split + ByteLevel
    /// pre-tokenizer, BPE model). eos/bos/pad names come from tokenizer_config.json beside it, if any.
    /// - Throws: `TokenizerError` for malformed files and components Folio does not implement.
    public static func load(tokenizerJSON url: URL) throws -> BPETokenizer {
        try BPETokenizer(file: TokenizerJSON(url: url), config: TokenizerConfigJSON(beside: url))
    }

    convenience init(file: TokenizerJSON, config: TokenizerConfigJSON) throws {
        let path = file.path
        let model = try file.model(ofType: "BPE")
        if let dropout = model["dropout"] as? NSNumber, dropout.doubleValue > 0 {
            throw TokenizerError.unsupportedComponent(path: path, component: "model.dropout", type: "\(dropout)",
                                                      hint: "BPE dropout is for training; set it to null.")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let s = model[key] as? String, !s.isEmpty {
                throw TokenizerError.unsupportedComponent(path: path, component: "model.\(key)", type: s,
                                                          hint: "Only byte-level BPE (no subword prefix or suffix) is implemented.")
            }
        }
        // Normalizer: none or NFC.
        var nfc = false
        for (t, _) in try file.components("normalizer", listKey: "normalizers") {
            guard t == "NFC" else {
                throw TokenizerError.unsupportedComponent(path: path, component: "normalizer", type: t,
                                                          hint: "Byte-level BPE supports NFC or no normalizer.")
            }
            nfc = true
        }
        let vocabulary = try file.vocabulary()
        let merges = try file.merges()
        let added = try file.addedTokens()
        let pattern = try Self.pattern(file)
        var names: [String: Int32] = vocabulary
        for t in added { names[t.content] = t.id }
        let post = try file.postProcessor(idOf: { names[$0] })
        try self.init(vocabulary: vocabulary, merges: merges, addedTokens: added, pattern: pattern, normalizesNFC: nfc,
                      ignoreMerges: model["ignore_merges"] as? Bool ?? false, unknownToken: model["unk_token"] as? String,
                      postProcessor: post,
                      configured: (config.eos.flatMap { names[$0] }, config.bos.flatMap { names[$0] },
                                   config.pad.flatMap { names[$0] } ?? file.padID),
                      source: path)
    }

    /// Sequence[Split(known regex, Isolated), ByteLevel(use_regex: false)].
    private static func pattern(_ file: TokenizerJSON) throws -> SplitPattern {
        let parts = try file.components("pre_tokenizer", listKey: "pretokenizers")
        let hint = "Folio implements the Qwen2/Qwen3, Llama 3 and Qwen3.5 split patterns followed by ByteLevel(use_regex: false)."
        guard parts.count == 2, parts[0].0 == "Split", parts[1].0 == "ByteLevel" else {
            throw TokenizerError.unsupportedComponent(path: file.path, component: "pre_tokenizer",
                                                      type: parts.map(\.0).joined(separator: " + "), hint: hint)
        }
        let split = parts[0].1, byteLevel = parts[1].1
        guard let regex = (split["pattern"] as? [String: Any])?["Regex"] as? String,
              let known = SplitPattern.known.first(where: { $0.regex == regex }) else {
            throw TokenizerError.unsupportedComponent(path: file.path, component: "pre_tokenizer Split pattern",
                                                      type: "\(split["pattern"] ?? "none")", hint: hint)
        }
        let behavior = split["behavior"] as? String ?? "Isolated"
        if behavior != "Isolated" || (split["invert"] as? Bool ?? false) {
            throw TokenizerError.unsupportedComponent(path: file.path, component: "pre_tokenizer Split behavior",
                                                      type: behavior, hint: "Only Isolated, not inverted, is implemented.")
        }
        if byteLevel["use_regex"] as? Bool ?? true || byteLevel["add_prefix_space"] as? Bool ?? false {
            throw TokenizerError.unsupportedComponent(path: file.path, component: "pre_tokenizer ByteLevel",
                                                      type: "use_regex/add_prefix_space = true",
                                                      hint: "Only ByteLevel(add_prefix_space: false, use_regex: false) is implemented.")
        }
        return known.pattern
    }

    /// Builds the tokenizer from a GGUF vocabulary (`tokenizer.ggml.*`).
    ///
    /// - Parameters:
    ///   - ggufTokens: `tokenizer.ggml.tokens`, byte-level text by id (added tokens included).
    ///   - tokenTypes: `tokenizer.ggml.token_type`; 3 (control) become special added tokens,
    ///     4 (user-defined) non-special added tokens. Nil: every token is normal.
    ///   - merges: `tokenizer.ggml.merges`, `"a b"` in rank order.
    ///   - pre: `tokenizer.ggml.pre`: "qwen2" (also "deepseek-r1-qwen"), "llama-bpe", "qwen35".
    ///   - addBOS, addEOS: `tokenizer.ggml.add_bos_token` / `add_eos_token`; they form the post-processor.
    /// - Throws: `TokenizerError` for unknown `pre`, bad merges, out-of-range ids, duplicate tokens.
    public convenience init(ggufTokens: [String], tokenTypes: [Int32]?, merges: [String], pre: String,
                            bosID: Int32?, eosID: Int32?, padID: Int32?, addBOS: Bool, addEOS: Bool) throws {
        let source = "GGUF tokenizer.ggml"
        guard let pattern = SplitPattern.ggufNames[pre] else {
            throw TokenizerError.unsupportedComponent(path: source, component: "tokenizer.ggml.pre", type: pre,
                hint: "Supported: \(SplitPattern.ggufNames.keys.sorted().joined(separator: ", ")).")
        }
        if let types = tokenTypes, types.count != ggufTokens.count {
            throw TokenizerError.malformed(path: source, field: "tokenizer.ggml.token_type",
                                           expected: "\(ggufTokens.count) entries, one per token, got \(types.count)",
                                           hint: "The GGUF metadata is inconsistent; re-convert the model.")
        }
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(ggufTokens.count)
        var added: [AddedToken] = []
        for (i, text) in ggufTokens.enumerated() {
            let id = Int32(i)
            let type = tokenTypes?[i] ?? 1
            if type == 3 || type == 4 {
                added.append(AddedToken(id: id, content: text, special: type == 3))
                continue
            }
            if vocabulary.updateValue(id, forKey: text) != nil {
                throw TokenizerError.duplicateToken(path: source, token: text, id: i)
            }
        }
        let pairs: [(String, String)] = try merges.enumerated().map { i, m in
            let parts = m.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw TokenizerError.malformed(path: source, field: "tokenizer.ggml.merges[\(i)]",
                                               expected: "two tokens separated by one space, got \"\(m)\"",
                                               hint: "Re-convert the model with llama.cpp's convert_hf_to_gguf.py.")
            }
            return (String(parts[0]), String(parts[1]))
        }
        for id in [bosID, eosID, padID].compactMap({ $0 }) where id < 0 || Int(id) >= ggufTokens.count {
            throw TokenizerError.idOutOfRange(path: source, token: "bos/eos/pad", id: Int(id), vocabularySize: ggufTokens.count)
        }
        let post = PostProcessor(prefix: addBOS ? bosID.map { [$0] } ?? [] : [], suffix: addEOS ? eosID.map { [$0] } ?? [] : [])
        try self.init(vocabulary: vocabulary, merges: pairs, addedTokens: added, pattern: pattern,
                      normalizesNFC: pattern != .llama3, ignoreMerges: pattern == .llama3, unknownToken: nil,
                      postProcessor: post, configured: (eosID, bosID, padID), source: source)
    }
}
