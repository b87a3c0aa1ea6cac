/// Errors from turning model files into a runnable architecture.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// The file names an architecture Folio has no implementation for.
    case unsupportedArchitecture(String, path: String)
    /// A configuration value is missing or out of range.
    case badConfiguration(key: String, path: String, expected: String)
    /// A weight the architecture needs is not in the file.
    case missingWeight(name: String, path: String)
    /// A weight has the wrong shape for the configuration.
    case shapeMismatch(name: String, path: String, expected: [Int], found: [Int])
    /// A weight is stored in a type this layer cannot use.
    case unsupportedWeightType(name: String, path: String, type: String)
    /// An embedding model given where a reranker is expected, or the other way round.
    case wrongKind(path: String, found: ModelKind, expected: ModelKind)

    public var description: String {
        switch self {
        case let .unsupportedArchitecture(arch, path):
            "\(path): architecture '\(arch)' is not supported; Folio runs qwen3 (Qwen3-Embedding), bert (all-MiniLM, bge, e5) and gemma3_text / gemma-embedding (EmbeddingGemma) models"
        case let .badConfiguration(key, path, expected):
            "\(path): configuration '\(key)' is missing or invalid; expected \(expected)"
        case let .missingWeight(name, path):
            "\(path): weight '\(name)' is missing; the file may be incomplete or for another architecture"
        case let .shapeMismatch(name, path, expected, found):
            "\(path): weight '\(name)' has shape \(found), expected \(expected) from the configuration"
        case let .unsupportedWeightType(name, path, type):
            "\(path): weight '\(name)' is stored as \(type), which this layer cannot use; expected F32, F16 or BF16"
        case let .wrongKind(path, found, expected):
            "\(path) is \(found == .reranker ? "a reranker" : "an embedding model"), not \(expected == .reranker ? "a reranker" : "an embedding model"); "
                + (found == .reranker ? "load it as a reranker (Reranker.load) to score query-document pairs"
                                      : "load it as an embedder (Embedder.load), or give a reranker (Qwen3-Reranker, a BERT cross-encoder)")
        }
    }
}
