import Foundation
import FolioEmbedder
import FolioModels
import Testing

/// Embedders and rerankers are told apart, and each loader refuses the other kind with a typed error.
@Suite("Model kinds")
struct ModelKindTests {
    static let embedders = ["models/qwen3-tiny-gqa2", "models/qwen3-tiny-gqa2/qwen3-tiny-gqa2-f16.gguf", "minilm/minilm-vocab.gguf"]
        .map { rerankers.deletingLastPathComponent().appendingPathComponent($0).path }

    @Test("Reranker files are recognised as rerankers")
    func rerankersRecognised() throws {
        for path in [qwen3Folder.path, qwen3GGUF.path, crossEncoderFolder.path] {
            #expect(try ModelKind.of(path: path) == .reranker, "\(path)")
        }
        #expect(try ModelKind.of(path: Self.embedders[0]) == .embedder)
    }

    @Test("An embedder given to the reranker loader gets wrongKind")
    func embedderToReranker() throws {
        for path in Self.embedders.prefix(2) {
            #expect(throws: ModelError.wrongKind(path: path, found: .embedder, expected: .reranker)) {
                try Reranker.load(path: path)
            }
        }
    }

    @Test("A reranker given to the embedder loader gets wrongKind")
    func rerankerToEmbedder() throws {
        for path in [qwen3Folder.path, qwen3GGUF.path, crossEncoderFolder.path] {
            #expect(throws: ModelError.wrongKind(path: path, found: .reranker, expected: .embedder)) {
                try Embedder.load(path: path)
            }
        }
    }
}
