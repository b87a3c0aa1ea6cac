import Foundation

/// Why a tokenizer could not be loaded. Each case says what was expected and how to fix it.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The file is not JSON, or a field has the wrong shape.
    case malformed(path: String, field: String, expected: String, hint: String)
    /// A BPE model without merges (or with an empty merge list) cannot tokenize.
    case missingMerges(path: String, hint: String)
    /// A merge names a token that is not in the vocabulary, or its result is not in it.
    case mergeNotInVocabulary(path: String, merge: String, index: Int)
    /// A token id is negative or beyond the vocabulary.
    case idOutOfRange(path: String, token: String, id: Int, vocabularySize: Int)
    /// Two vocabulary entries have the same text, or the same id.
    case duplicateToken(path: String, token: String, id: Int)
    /// The model type (`model.type`, GGUF `tokenizer.ggml.model`) is not BPE, WordPiece or Unigram.
    case unsupportedModel(path: String, type: String)
    /// A normalizer, pre-tokenizer, post-processor or decoder Folio does not implement.
    case unsupportedComponent(path: String, component: String, type: String, hint: String)
    /// The file could not be read.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .malformed(path, field, expected, hint):
            return "\(path): `\(field)` should be \(expected). \(hint)"
        case let .missingMerges(path, hint):
            return "\(path): the BPE model has no merges. \(hint)"
        case let .mergeNotInVocabulary(path, merge, index):
            return "\(path): merge #\(index) \"\(merge)\" uses or makes a token that is not in the vocabulary; "
                + "the merges and vocab come from different tokenizers, or the file was edited by hand."
        case let .idOutOfRange(path, token, id, size):
            return "\(path): token \"\(token)\" has id \(id), outside 0..<\(size). "
                + "Ids must be dense; the file may be truncated or mixed from two tokenizers."
        case let .duplicateToken(path, token, id):
            return "\(path): token \"\(token)\" (id \(id)) appears twice with different ids or texts; "
                + "each token and each id must be unique."
        case let .unsupportedModel(path, type):
            return "\(path): tokenizer model \"\(type)\" is not supported; expected \"BPE\" (byte-level, GGUF \"gpt2\"), "
                + "\"WordPiece\" (BERT, GGUF \"bert\") or \"Unigram\" (SentencePiece, GGUF \"t5\")."
        case let .unsupportedComponent(path, component, type, hint):
            return "\(path): \(component) \"\(type)\" is not supported. \(hint)"
        case let .unreadable(path, reason):
            return "\(path): could not read the tokenizer (\(reason)). Check the path and permissions."
        }
    }
}
