import FolioEmbedder
import KnowledgeBase

/// The knowledge base's engine inside the server: its inputs join the shared batcher's queue, so uploads and
/// `/v1/embeddings` requests interleave under one token budget.
struct BatchedEngine: EmbeddingEngine {
    let embedder: Embedder
    let batcher: EmbeddingBatcher

    var encoder: InputEncoder { embedder.encoder }
    var contextLength: Int { embedder.contextLength }
    var dimension: Int { embedder.dimension }

    func embed(tokenized: [[Int32]], dimensions: Int?, truncate: Bool) async throws -> [[Float]] {
        let limit = embedder.contextLength
        let sequences = truncate ? tokenized.map { $0.count > limit ? embedder.truncated($0, to: limit) : $0 } : tokenized
        let results = try await batcher.embed(sequences, costs: sequences.map { min($0.count, limit) })
        return results.map { Embedder.finish($0.vector, dimensions: dimensions) }
    }
}
