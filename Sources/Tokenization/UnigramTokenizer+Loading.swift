import Foundation

extension UnigramTokenizer {
    /// Loads a Unigram tokenizer.json (as transformers' SentencePiece converter writes it); eos/bos/pad
    /// names come from tokenizer_config.json beside it, when present.
    /// - Throws: `TokenizerError` for malformed files and components Folio does not implement.
    public static func load(tokenizerJSON url: URL) throws -> UnigramTokenizer {
        try UnigramTokenizer(file: TokenizerJSON(url: url), config: TokenizerConfigJSON(beside: url))
    }

    convenience init(file: TokenizerJSON, config: TokenizerConfigJSON) throws {
        let path = file.path
        let model = try file.model(ofType: "Unigram")
        guard let list = model["vocab"] as? [[Any]] else {
            throw file.malformed("model.vocab", "a list of [piece, score] pairs")
        }
        let pieces: [(String, Int32, Double)] = try list.enumerated().map { i, entry in
            guard entry.count == 2, let text = entry[0] as? String, let score = entry[1] as? NSNumber else {
                throw file.malformed("model.vocab[\(i)]", "[piece, score]")
            }
            return (text, Int32(i), score.doubleValue)
        }
        guard let unk = (model["unk_id"] as? NSNumber)?.int32Value else {
            throw file.malformed("model.unk_id", "the id of the unknown piece",
                                 "Unigram needs an unknown piece for characters no piece covers.")
        }
        let added = try file.addedTokens()
        if added.contains(where: { $0.normalized && !$0.special }) {
            throw TokenizerError.unsupportedComponent(path: path, component: "added_tokens", type: "normalized: true",
                                                      hint: "Folio matches Unigram added tokens in the raw text only.")
        }
        var names: [String: Int32] = [:]
        for (text, id, _) in pieces { names[text] = id }
        for t in added { names[t.content] = t.id }
        let post = try file.postProcessor(idOf: { names[$0] })
        try self.init(pieces: pieces, added: added.map { var t = $0; t.normalized = false; return t }, unknownID: unk,
                      byteFallback: model["byte_fallback"] as? Bool ?? false,
                      normalization: try Self.normalization(file), metaspace: try Self.metaspace(file),
                      postProcessor: post,
                      eos: post.suffix.count == 1 ? post.suffix[0] : config.eos.flatMap { names[$0] },
                      bos: post.prefix.count == 1 ? post.prefix[0] : config.bos.flatMap { names[$0] },
                      pad: config.pad.flatMap { names[$0] } ?? file.padID, source: path)
    }

    private static func normalization(_ file: TokenizerJSON) throws -> [UnigramNormalization] {
        try file.components("normalizer", listKey: "normalizers").compactMap { type, n in
            switch type {
            case "Precompiled":
                guard let encoded = n["precompiled_charsmap"] as? String, !encoded.isEmpty else { return nil }
                guard let data = Data(base64Encoded: encoded) else {
                    throw file.malformed("normalizer.precompiled_charsmap", "base64 text")
                }
                return .precompiled(try PrecompiledCharsmap(Array(data), source: file.path))
            case "Replace":
                let pattern = n["pattern"] as? [String: Any]
                let content = n["content"] as? String ?? ""
                if let literal = pattern?["String"] as? String { return .replace(literal, with: content) }
                if pattern?["Regex"] as? String == " {2,}" { return .collapseSpaces(with: content) }
                throw TokenizerError.unsupportedComponent(path: file.path, component: "normalizer Replace",
                                                          type: "\(pattern ?? [:])",
                                                          hint: "Supported: literal patterns and the regex \" {2,}\".")
            case "Strip":
                return .strip(left: n["strip_left"] as? Bool ?? true, right: n["strip_right"] as? Bool ?? true)
            case "NFKC":
                return .nfkc
            default:
                throw TokenizerError.unsupportedComponent(path: file.path, component: "normalizer", type: type,
                                                          hint: "Unigram supports Precompiled, Replace, Strip and NFKC.")
            }
        }
    }

    private static func metaspace(_ file: TokenizerJSON) throws -> Metaspace {
        let parts = try file.components("pre_tokenizer", listKey: "pretokenizers")
        let names = parts.map(\.0)
        guard names == ["Metaspace"] || names == ["WhitespaceSplit", "Metaspace"] else {
            throw TokenizerError.unsupportedComponent(path: file.path, component: "pre_tokenizer",
                                                      type: names.joined(separator: " + "),
                                                      hint: "Unigram supports Metaspace, alone or after WhitespaceSplit.")
        }
        let m = parts[parts.count - 1].1
        var result = Metaspace()
        result.whitespaceSplit = names.count == 2
        if let r = m["replacement"] as? String {
            guard r.unicodeScalars.count == 1, let s = r.unicodeScalars.first else {
                throw file.malformed("pre_tokenizer.replacement", "one character (▁)")
            }
            result.replacement = s
        }
        if let scheme = m["prepend_scheme"] as? String {
            guard let s = Metaspace.PrependScheme(rawValue: scheme) else {
                throw file.malformed("pre_tokenizer.prepend_scheme", "\"always\", \"first\" or \"never\"")
            }
            result.prependScheme = s
        } else if let add = m["add_prefix_space"] as? Bool {
            result.prependScheme = add ? .always : .never
        }
        result.split = m["split"] as? Bool ?? true
        return result
    }

    /// Builds the tokenizer from a GGUF vocabulary (`tokenizer.ggml.model = "t5"`), as llama.cpp's
    /// `convert_hf_to_gguf.py` writes XLM-RoBERTa's SentencePiece model.
    ///
    /// The pipeline is the one transformers' XLM-RoBERTa tokenizer writes into tokenizer.json: the charsmap,
    /// then with `removeExtraWhitespaces` the text cut at whitespace (`WhitespaceSplit`), then Metaspace
    /// (prepending `▁` when `addSpacePrefix`).
    ///
    /// - Parameters:
    ///   - ggufTokens, scores: `tokenizer.ggml.tokens` and `tokenizer.ggml.scores` by id.
    ///   - tokenTypes: `tokenizer.ggml.token_type`: 1 normal, 2 unknown, 3 control, 4 user-defined,
    ///     5 unused (`[PAD<i>]` filler, never produced), 6 byte (`<0xXX>`, turns byte fallback on).
    ///     Control, unknown and user-defined tokens are also matched in the text, as Hugging Face's added tokens.
    ///   - charsmap: `tokenizer.ggml.precompiled_charsmap`; nil or empty: no normalization rules.
    ///   - addBOS, addEOS: `add_bos_token` / `add_eos_token`; with both, the pair separator is `</s></s>`.
    /// - Throws: `TokenizerError` for mismatched arrays, a missing unknown token or ids out of range.
    public convenience init(ggufTokens: [String], scores: [Double], tokenTypes: [Int32], charsmap: [UInt8]?,
                            addSpacePrefix: Bool, removeExtraWhitespaces: Bool, unknownID: Int32?, bosID: Int32?,
                            eosID: Int32?, padID: Int32?, addBOS: Bool, addEOS: Bool) throws {
        let source = "GGUF tokenizer.ggml"
        for (name, count) in [("scores", scores.count), ("token_type", tokenTypes.count)] where count != ggufTokens.count {
            throw TokenizerError.malformed(path: source, field: "tokenizer.ggml.\(name)",
                                           expected: "\(ggufTokens.count) entries, one per token, got \(count)",
                                           hint: "The GGUF metadata is inconsistent; re-convert the model.")
        }
        for (name, id) in [("unknown", unknownID), ("bos", bosID), ("eos", eosID), ("padding", padID)] {
            if let id, id < 0 || Int(id) >= ggufTokens.count {
                throw TokenizerError.idOutOfRange(path: source, token: name, id: Int(id), vocabularySize: ggufTokens.count)
            }
        }
        var pieces: [(String, Int32, Double)] = []
        var added: [AddedToken] = []
        for (i, text) in ggufTokens.enumerated() where tokenTypes[i] != 5 {
            let id = Int32(i)
            pieces.append((text, id, scores[i]))
            if [2, 3, 4].contains(tokenTypes[i]) { added.append(AddedToken(id: id, content: text, special: tokenTypes[i] != 4)) }
        }
        guard let unk = unknownID ?? tokenTypes.firstIndex(of: 2).map(Int32.init) else {
            throw TokenizerError.malformed(path: source, field: "tokenizer.ggml.unknown_token_id",
                                           expected: "the id of the unknown token (or a token of type 2)",
                                           hint: "Unigram needs its unknown piece; re-convert the model.")
        }
        var normalization: [UnigramNormalization] = []
        if let charsmap, !charsmap.isEmpty { normalization.append(.precompiled(try PrecompiledCharsmap(charsmap, source: source))) }
        let bos = addBOS ? bosID.map { [$0] } ?? [] : []
        let eos = addEOS ? eosID.map { [$0] } ?? [] : []
        let post = PostProcessor(prefix: bos, suffix: eos, pairSeparator: eos + eos)
        try self.init(pieces: pieces, added: added, unknownID: unk, byteFallback: tokenTypes.contains(6),
                      normalization: normalization,
                      metaspace: Metaspace(prependScheme: addSpacePrefix ? .always : .never, split: true,
                                           whitespaceSplit: removeExtraWhitespaces),
                      postProcessor: post, eos: eosID, bos: bosID, pad: padID, source: source)
    }
}
