import Foundation

extension WordPieceTokenizer {
    /// Builds BERT's WordPiece tokenizer from a GGUF vocabulary (`tokenizer.ggml.model = "bert"`), as
    /// llama.cpp's `convert_hf_to_gguf.py` writes it.
    ///
    /// llama.cpp stores the vocabulary in "phantom space" form: control tokens (`[CLS]`, `[SEP]`,
    /// `[UNK]` …) as they are, a continuation piece `##ing` as `ing`, and every other piece `the` as
    /// `▁the` (U+2581). This initialiser turns them back into Hugging Face's pieces, so WordPiece runs
    /// exactly as on tokenizer.json.
    ///
    /// GGUF does not record BERT's normaliser. llama.cpp always lower-cases; Folio does too unless the
    /// vocabulary holds pieces that change when lower-cased (a cased model such as bert-base-cased), in
    /// which case it neither lower-cases nor strips accents, as Hugging Face's BertNormalizer does for
    /// cased models. Added tokens written in the text (`[SEP]`) become their ids, as from tokenizer.json.
    ///
    /// - Parameters:
    ///   - ggufTokens: `tokenizer.ggml.tokens` by id.
    ///   - tokenTypes: `tokenizer.ggml.token_type`: 1 normal, 3 control (special added token),
    ///     4 user-defined (non-special added token), 5 unused (`[PAD<i>]` filler, never produced).
    ///     Nil: 3 for `[…]`-bracketed tokens without the phantom prefix, 1 otherwise.
    ///   - unknownID: `tokenizer.ggml.unknown_token_id`; nil looks up `[UNK]`.
    ///   - clsID, sepID: `bos_token_id` / `cls_token_id` and `seperator_token_id` / `eos_token_id`.
    ///   - addCLS, addSEP: whether `encode(_:addSpecialTokens: true)` wraps the text in them
    ///     (`add_bos_token`, `add_sep_token` or `add_eos_token`; llama.cpp's default for BERT is both).
    ///   - padID: `tokenizer.ggml.padding_token_id`.
    /// - Throws: `TokenizerError` for mismatched arrays, duplicate pieces, a missing `[UNK]` or ids out of range.
    public convenience init(ggufTokens: [String], tokenTypes: [Int32]?, unknownID: Int32?, clsID: Int32?,
                            sepID: Int32?, padID: Int32?, addCLS: Bool, addSEP: Bool) throws {
        let source = "GGUF tokenizer.ggml"
        if let types = tokenTypes, types.count != ggufTokens.count {
            throw TokenizerError.malformed(path: source, field: "tokenizer.ggml.token_type",
                                           expected: "\(ggufTokens.count) entries, one per token, got \(types.count)",
                                           hint: "The GGUF metadata is inconsistent; re-convert the model.")
        }
        let phantom = "\u{2581}"
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(ggufTokens.count)
        var added: [AddedToken] = []
        var cased = false
        for (i, text) in ggufTokens.enumerated() {
            let id = Int32(i)
            let type = tokenTypes?[i] ?? (text.hasPrefix("[") && text.hasSuffix("]") ? 3 : 1)
            let piece: String
            switch type {
            case 5:
                continue
            case 3:
                // Control tokens are written as they are; Hugging Face keeps them in model.vocab too.
                added.append(AddedToken(id: id, content: text, special: true))
                piece = text
            default:
                piece = text.hasPrefix(phantom) ? String(text.dropFirst()) : "##" + text
                if type == 4 { added.append(AddedToken(id: id, content: piece, special: false)) }
                // Not `isUppercase`: uncased vocabularies hold ℝ, an upper-case letter with no lower case.
                if !cased && piece.unicodeScalars.contains(where: { $0.properties.changesWhenLowercased }) { cased = true }
            }
            if vocabulary.updateValue(id, forKey: piece) != nil {
                throw TokenizerError.duplicateToken(path: source, token: piece, id: i)
            }
        }
        let table = try IDTable(vocabulary: vocabulary, added: added, source: source)
        for (name, id) in [("unknown", unknownID), ("cls/bos", clsID), ("sep/eos", sepID), ("padding", padID)] {
            if let id, id < 0 || Int(id) >= ggufTokens.count {
                throw TokenizerError.idOutOfRange(path: source, token: name, id: Int(id), vocabularySize: ggufTokens.count)
            }
        }
        guard let unk = unknownID ?? vocabulary["[UNK]"] else {
            throw TokenizerError.malformed(path: source, field: "tokenizer.ggml.unknown_token_id",
                                           expected: "the id of the unknown token (or a \"[UNK]\" token)",
                                           hint: "WordPiece needs its unknown token; re-convert the model.")
        }
        let post = PostProcessor(prefix: addCLS ? clsID.map { [$0] } ?? [] : [],
                                 suffix: addSEP ? sepID.map { [$0] } ?? [] : [])
        let lowercase = !cased
        self.init(vocabulary: vocabulary, table: table, added: added,
                  normalizer: BertNormalizer(cleanText: true, handleChineseChars: true, stripAccents: lowercase,
                                             lowercase: lowercase),
                  prefix: "##", maxInputCharsPerWord: 100, unknownID: unk, postProcessor: post,
                  eos: post.suffix.count == 1 ? post.suffix[0] : sepID,
                  bos: post.prefix.count == 1 ? post.prefix[0] : clsID,
                  pad: padID, decoderCleanup: true)
    }
}
