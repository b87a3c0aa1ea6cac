import FolioTensor

/// How a model turns per-token hidden states into one vector.
public enum Pooling: String, Sendable, Codable {
    /// The final token's hidden state (Qwen3-Embedding: the appended `<|endoftext|>`).
    case lastToken = "last"
    case mean
    case cls
}

/// A network that maps token sequences to one (unnormalised) vector each.
///
/// Implementations run each sequence as if it were alone: sequences are packed end to end, never padded,
/// so a batch gives exactly the vectors of each input alone.
public protocol EmbeddingModel: Sendable {
    /// Length of the vectors `embed` returns.
    var dimension: Int { get }
    /// Longest sequence the model accepts, in tokens.
    var contextLength: Int { get }
    var pooling: Pooling { get }
    /// One pooled vector per sequence: [sequences][dimension].
    func embed(_ sequences: [[Int32]]) throws -> [[Float]]
    /// Every token's final hidden state, before pooling, as Hugging Face's `last_hidden_state` gives it (Qwen3: after
    /// the final RMSNorm): [sequences][tokens][dimension]. TEI's `/embed_all`.
    func tokenStates(_ sequences: [[Int32]]) throws -> [[[Float]]]
}
