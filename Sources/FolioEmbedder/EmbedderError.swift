/// Errors a caller of the embedder can act on. Messages say what was expected and how to fix it.
public enum EmbedderError: Error, Equatable, CustomStringConvertible {
    case emptyInput(index: Int)
    case inputTooLong(index: Int, tokens: Int, limit: Int)
    case badDimensions(requested: Int, minimum: Int, maximum: Int)
    case tokenizerMissing(path: String, expected: String)
    case tokenOutOfRange(index: Int, token: Int32, vocabularySize: Int)
    /// The forward pass gave NaN, infinity or an all-zero vector: the weights are broken (a corrupt or mis-converted file).
    case nonFinite(index: Int, modelPath: String)

    public var description: String {
        switch self {
        case let .emptyInput(index):
            "input \(index) is empty; give at least one character of text"
        case let .inputTooLong(index, tokens, limit):
            "input \(index) has \(tokens) tokens, more than the model's context length of \(limit); "
                + "shorten it, split it, or ask for truncation (--truncate, \"truncate\": true)"
        case let .badDimensions(requested, minimum, maximum):
            "dimensions \(requested) is out of range; expected \(minimum) to \(maximum) for this model"
        case let .tokenizerMissing(path, expected):
            "\(path): no usable tokenizer; expected \(expected)"
        case let .tokenOutOfRange(index, token, size):
            "input \(index) has token id \(token), outside the vocabulary of \(size) ids"
        case let .nonFinite(index, path):
            "the model \(path) gave NaN, infinite or all-zero values for input \(index); its weights are broken (a corrupt or "
                + "mis-converted file): download or convert it again"
        }
    }
}
