import Foundation

extension SentencePieceBPETokenizer {
    /// Loads a SentencePiece-style BPE tokenizer.json (Gemma's layout: `Replace(" ", "▁")`, `Split(" ",
    /// MergedWithPrevious)` or no pre-tokenizer, BPE with `byte_fallback`). eos/bos/pad names come from
    /// tokenizer_config.json beside it, if any.
    /// - Throws: `TokenizerError` for malformed files and components Folio does not implement.
    public static func load(tokenizerJSON url: URL) throws -> SentencePieceBPETokenizer {
        try SentencePieceBPETokenizer(file: TokenizerJSON(url: url, leavingOutModelTables: true), config: TokenizerConfigJSON(beside: url))
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
                                                          hint: "SentencePiece BPE has no subword prefix or suffix.")
            }
        }
        if model["ignore_merges"] as? Bool ?? false {
            throw TokenizerError.unsupportedComponent(path: path, component: "model.ignore_merges", type: "true",
                                                      hint: "Only byte-level BPE (Llama 3) uses ignore_merges.")
        }
        // Components first, so an unsupported file says so before the vocabulary is read.
        let splits = try Self.splitsAfterSpace(file)
        let normalizer = try Self.normalizer(file)
        try Self.checkDecoder(file)
        let pieces = try file.rawVocabulary()
        let vocabulary = PieceIndex(pieces)
        let added = try file.addedTokens()
        var addedIDs: [String: Int32] = [:]
        for t in added { addedIDs[t.content] = t.id }
        let id = { (name: String) in addedIDs[name] ?? vocabulary.id(Array(name.utf8)) }
        try self.init(pieces: pieces, merges: try Self.mergeTable(try file.rawMerges(), vocabulary: vocabulary, source: path),
                      addedTokens: added, normalizer: normalizer, splitsAfterSpace: splits, byteFallback: model["byte_fallback"] as? Bool ?? false,
                      unknownID: (model["unk_token"] as? String).flatMap(id), postProcessor: try file.postProcessor(idOf: id),
                      configured: (config.eos.flatMap(id), config.bos.flatMap(id), config.pad.flatMap(id) ?? file.padID),
                      source: path)
    }

    /// Merge pairs in rank order as a table of ids, looked up by exact bytes (the pieces `a`, `b` and `a + b`).
    static func mergeTable(_ merges: [(left: [UInt8], right: [UInt8])], vocabulary: PieceIndex, source: String) throws -> MergeTable {
        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(merges.count)
        for (rank, (left, right)) in merges.enumerated() {
            let found = left.withUnsafeBufferPointer { a in
                right.withUnsafeBufferPointer { b in (vocabulary.id(a), vocabulary.id(b), vocabulary.id(a, b)) }
            }
            guard let l = found.0, let r = found.1, let merged = found.2 else {
                let merge = String(decoding: left, as: UTF8.self) + " " + String(decoding: right, as: UTF8.self)
                throw TokenizerError.mergeNotInVocabulary(path: source, merge: merge, index: rank)
            }
            table[MergeTable.key(l, r)] = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: merged))
        }
        return MergeTable(table)
    }

    /// `Replace` steps with literal patterns (Gemma: `" "` -> `"▁"`); none is fine too.
    private static func normalizer(_ file: TokenizerJSON) throws -> [Replacement] {
        try file.components("normalizer", listKey: "normalizers").map { type, n in
            guard type == "Replace", let pattern = (n["pattern"] as? [String: Any])?["String"] as? String,
                  let content = n["content"] as? String else {
                throw TokenizerError.unsupportedComponent(path: file.path, component: "normalizer", type: type,
                                                          hint: "SentencePiece BPE supports Replace with a literal pattern (Gemma's \" \" -> \"▁\").")
            }
            return Replacement(pattern: pattern, replacement: content)
        }
    }

    /// None, or Gemma's `Split(" ", MergedWithPrevious)`: a cut after every space still in the normalised text.
    private static func splitsAfterSpace(_ file: TokenizerJSON) throws -> Bool {
        let parts = try file.components("pre_tokenizer", listKey: "pretokenizers")
        if parts.isEmpty { return false }
        let split = parts[0].1
        guard parts.count == 1, parts[0].0 == "Split", (split["pattern"] as? [String: Any])?["String"] as? String == " ",
              split["behavior"] as? String == "MergedWithPrevious", !(split["invert"] as? Bool ?? false) else {
            throw TokenizerError.unsupportedComponent(path: file.path, component: "pre_tokenizer",
                                                      type: parts.map(\.0).joined(separator: " + "),
                                                      hint: "SentencePiece BPE supports none or Split(\" \", MergedWithPrevious), as Gemma's.")
        }
        return true
    }

    /// The decoder must be the one `decode` implements: Replace("▁", " "), ByteFallback, Fuse (or absent).
    private static func checkDecoder(_ file: TokenizerJSON) throws {
        for (type, d) in try file.components("decoder", listKey: "decoders") {
            let pattern = (d["pattern"] as? [String: Any])?["String"] as? String
            let ok = type == "ByteFallback" || type == "Fuse" || (type == "Replace" && pattern == "\u{2581}" && d["content"] as? String == " ")
            if !ok {
                throw TokenizerError.unsupportedComponent(path: file.path, component: "decoder", type: type,
                                                          hint: "SentencePiece BPE decodes with Replace(\"▁\", \" \"), ByteFallback and Fuse, as Gemma's.")
            }
        }
    }

    /// Builds Gemma's tokenizer from a GGUF vocabulary (`tokenizer.ggml.model = "llama"` with
    /// `add_space_prefix = false`, as llama.cpp's converter writes Gemma 3 and EmbeddingGemma), the way
    /// transformers converts such a file (`gguf_tokenizer_mapping.gemma_tokenizer`):
    ///
    /// - pieces made only of whitespace with a space in them are spelled with `▁` (llama.cpp wrote real spaces);
    /// - GGUF stores no merges, so they are rebuilt from the vocabulary: every split of a piece into two
    ///   pieces is a merge, ranked by the merged piece's position in the file (not its score), and for one
    ///   piece the longer left part first;
    /// - control tokens (type 3) become special added tokens, user-defined ones (type 4) plain added tokens;
    /// - `<bos>` before the text when `addBOS`, `<eos>` after it when `addEOS` (EmbeddingGemma).
    ///
    /// - Parameters:
    ///   - ggufTokens: `tokenizer.ggml.tokens` by id.
    ///   - tokenTypes: `tokenizer.ggml.token_type`: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    ///   - unknownID, bosID, eosID, padID: the `tokenizer.ggml.*_token_id` keys.
    /// - Throws: `TokenizerError` for mismatched arrays, duplicate pieces or ids out of range.
    public convenience init(ggufTokens: [String], tokenTypes: [Int32], unknownID: Int32?, bosID: Int32?, eosID: Int32?,
                            padID: Int32?, addBOS: Bool, addEOS: Bool) throws {
        let source = "GGUF tokenizer.ggml"
        guard tokenTypes.count == ggufTokens.count else {
            throw TokenizerError.malformed(path: source, field: "tokenizer.ggml.token_type",
                                           expected: "\(ggufTokens.count) entries, one per token, got \(tokenTypes.count)",
                                           hint: "The GGUF metadata is inconsistent; re-convert the model.")
        }
        for (name, id) in [("unknown", unknownID), ("bos", bosID), ("eos", eosID), ("padding", padID)] {
            if let id, id < 0 || Int(id) >= ggufTokens.count {
                throw TokenizerError.idOutOfRange(path: source, token: name, id: Int(id), vocabularySize: ggufTokens.count)
            }
        }
        // 1. Pieces as Hugging Face spells them, and the added tokens.
        let pieces = ggufTokens.map { t -> String in
            let s = t.unicodeScalars
            return s.contains(" ") && s.allSatisfy(\.properties.isWhitespace) ? String(repeating: "\u{2581}", count: s.count) : t
        }
        let bytes = pieces.map { Array($0.utf8) }
        let vocabulary = PieceIndex(bytes.enumerated().map { ($1, Int32($0)) })
        for (i, b) in bytes.enumerated() where vocabulary.id(b) != Int32(i) {
            throw TokenizerError.duplicateToken(path: source, token: pieces[i], id: i)
        }
        var added: [AddedToken] = []
        for (i, type) in tokenTypes.enumerated() {
            if type == 3 { added.append(AddedToken(id: Int32(i), content: ggufTokens[i], special: true)) }
            // transformers adds a user-defined token only under its stored spelling, so respelled ones stay out.
            if type == 4 && pieces[i] == ggufTokens[i] { added.append(AddedToken(id: Int32(i), content: ggufTokens[i], special: false)) }
        }
        let post = PostProcessor(prefix: addBOS ? bosID.map { [$0] } ?? [] : [], suffix: addEOS ? eosID.map { [$0] } ?? [] : [])
        try self.init(pieces: bytes.enumerated().map { ($1, Int32($0)) }, merges: Self.merges(pieces: bytes, vocabulary: vocabulary),
                      addedTokens: added, normalizer: [Replacement(pattern: " ", replacement: "\u{2581}")], splitsAfterSpace: true,
                      byteFallback: tokenTypes.contains(6), unknownID: unknownID,
                      postProcessor: post, configured: (eosID, bosID, padID), source: source)
    }

    /// transformers' `generate_merges` with positions as scores: piece by piece in file order (the rank), each
    /// cut at every character boundary into two pieces of the vocabulary, longer left part first.
    static func merges(pieces: [[UInt8]], vocabulary: PieceIndex) -> MergeTable {
        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(pieces.count * 2)
        var rank: UInt64 = 0
        for (merged, piece) in pieces.enumerated() where piece.count >= 2 {
            piece.withUnsafeBufferPointer { p in
                // Character starts after the first, last first: the longer left part ranks first.
                for cut in stride(from: p.count - 1, to: 0, by: -1) where p[cut] & 0xC0 != 0x80 {
                    guard let l = vocabulary.id(UnsafeBufferPointer(rebasing: p[..<cut])),
                          let r = vocabulary.id(UnsafeBufferPointer(rebasing: p[cut...])) else { continue }
                    let key = MergeTable.key(l, r)
                    if table[key] == nil { table[key] = rank << 32 | UInt64(merged) }
                    rank += 1
                }
            }
        }
        return MergeTable(table)
    }
}
