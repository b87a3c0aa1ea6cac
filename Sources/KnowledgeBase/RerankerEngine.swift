import FolioEmbedder
import Foundation

extension Reranker: RerankingEngine {
    /// The reranker's probabilities (sigmoid of its logit), the documents truncated to its context as the
    /// references do. The forward pass blocks its thread: it runs off Swift's cooperative pool.
    public func relevance(query: String, documents: [String]) async throws -> [Double] {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try self.score(query: query, documents: documents).map(Double.init) })
            }
        }
    }
}
