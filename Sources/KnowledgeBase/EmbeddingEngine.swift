import FolioEmbedder
import Foundation

/// What the knowledge base needs from a model: its tokens and vectors. `Embedder` conforms (the CLI); the
/// server passes an engine that shares its request batcher, so searches are not stuck behind an ingestion.
public protocol EmbeddingEngine: Sendable {
    /// The model's input encoder (tokenizer, special tokens, query format).
    var encoder: InputEncoder { get }
    /// Most tokens one input may have.
    var contextLength: Int { get }
    /// Full vector length before any Matryoshka cut.
    var dimension: Int { get }
    /// Unit vectors for token-id inputs (as `InputEncoder.ids` makes them), cut to `dimensions` when set.
    func embed(tokenized: [[Int32]], dimensions: Int?, truncate: Bool) async throws -> [[Float]]
}

extension Embedder: EmbeddingEngine {
    public func embed(tokenized: [[Int32]], dimensions: Int?, truncate: Bool) async throws -> [[Float]] {
        // The forward pass blocks its thread for seconds: keep it off Swift's cooperative pool.
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result {
                    try self.embed(tokenized: tokenized, options: .init(dimensions: dimensions, truncate: truncate)).map(\.vector)
                })
            }
        }
    }
}
