import Foundation

/// Picks the tokenizer implementation a tokenizer.json needs.
public enum TokenizerLoader {
    /// Loads tokenizer.json as `BPETokenizer`, `SentencePieceBPETokenizer`, `WordPieceTokenizer` or
    /// `UnigramTokenizer` according to `model.type`; a BPE model without a `ByteLevel` pre-tokenizer is
    /// SentencePiece-style (Gemma). eos/bos/pad names come from tokenizer_config.json in the same folder, when present.
    /// - Throws: `TokenizerError.unsupportedModel` for WordLevel, and the loaders' errors.
    public static func load(tokenizerJSON url: URL) throws -> any Tokenizer {
        // The model tables are left out first: SentencePiece BPE reads them from the bytes; the others parse again.
        let lean = try TokenizerJSON(url: url, leavingOutModelTables: true)
        let config = TokenizerConfigJSON(beside: url)
        if try lean.modelType == "BPE",
           try !lean.components("pre_tokenizer", listKey: "pretokenizers").contains(where: { $0.0 == "ByteLevel" }) {
            return try SentencePieceBPETokenizer(file: lean, config: config)
        }
        let file = try TokenizerJSON(url: url)
        switch try file.modelType {
        case "BPE": return try BPETokenizer(file: file, config: config)
        case "WordPiece": return try WordPieceTokenizer(file: file, config: config)
        case "Unigram": return try UnigramTokenizer(file: file, config: config)
        case let other: throw TokenizerError.unsupportedModel(path: file.path, type: other)
        }
    }

    /// Loads `folder/tokenizer.json`.
    public static func load(folder: URL) throws -> any Tokenizer {
        try load(tokenizerJSON: folder.appendingPathComponent("tokenizer.json"))
    }

    /// `TextDecoding.decodeUTF8(_:)`.
    public static func decodeUTF8(_ data: Data) -> (text: String, replaced: Bool) { TextDecoding.decodeUTF8(data) }
}

/// Turning file bytes into text before tokenizing.
public enum TextDecoding {
    /// Text from file bytes, with invalid UTF-8 sequences replaced by U+FFFD (maximal subparts, as
    /// Python's `errors="replace"` and Rust's `from_utf8_lossy` do). `replaced` says whether any were.
    public static func decodeUTF8(_ data: Data) -> (text: String, replaced: Bool) {
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            if let valid = String(validating: bytes, as: UTF8.self) { return (valid, false) }
            return (String(decoding: bytes, as: UTF8.self), true)
        }
    }
}
