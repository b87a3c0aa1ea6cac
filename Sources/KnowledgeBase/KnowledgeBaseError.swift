import Foundation
import Ingestion
import KnowledgeStore

/// Failures of the knowledge base's use cases, each saying what was expected and how to fix it.
/// Store and extraction errors pass through as `StoreError` and `IngestionError`.
public enum KnowledgeBaseError: Error, Equatable, CustomStringConvertible {
    /// The collection was made with another model; its vectors cannot be compared with this one's.
    case modelMismatch(collection: String, boundTo: String, serving: String)
    case badDimensions(requested: Int, minimum: Int, maximum: Int)
    case badChunking(maxTokens: Int, overlapTokens: Int, contextLimit: Int)
    /// The collection's stored chunk settings are out of range (the row was written by something other than Folio).
    case badStoredChunking(collection: String, maxTokens: Int, overlapTokens: Int)
    case emptyQuery
    /// A search asked for reranking, but no reranker is loaded.
    case noReranker
    case badSearchParameter(name: String, value: String, expected: String)
    /// Document-level vector search or near-duplicates on a collection created with `documentVectors` off.
    case noDocumentVectors(collection: String)

    public var description: String {
        switch self {
        case let .modelMismatch(c, bound, serving):
            "collection '\(c)' was built with the model '\(bound)', but this Folio runs '\(serving)': vectors of two models "
                + "cannot be compared; run Folio with '\(bound)', or create a new collection for '\(serving)'"
        case let .badDimensions(r, lo, hi):
            "dimensions \(r) is not available; choose between \(lo) and \(hi) (the model's full size)"
        case let .badChunking(m, o, limit):
            "chunking of \(m) tokens with \(o) overlap is not valid; the chunk length must be 16 to \(limit) tokens "
                + "and the overlap less than half of it"
        case let .badStoredChunking(c, m, o):
            "collection '\(c)' is stored with chunks of \(m) tokens and \(o) overlap, which Folio cannot use (16 to 8192 "
                + "tokens, overlap under half); nothing was added: create a new collection and add the files there"
        case .emptyQuery:
            "the query is empty; give some words to search for"
        case .noReranker:
            "reranking was asked for, but no reranker is loaded; start Folio with a reranker model (folio serve --model "
                + "EMBEDDER --model RERANKER, or --reranker PATH), or search without rerank"
        case let .badSearchParameter(name, value, expected):
            "\(name) \(value) is not valid; expected \(expected)"
        case let .noDocumentVectors(c):
            "collection '\(c)' was created without document vectors (document_vectors: false), so it has none to rank "
                + "whole documents or find near-duplicates by; search its chunks, search documents by keyword (mode "
                + "keyword), or create a collection with document vectors on"
        }
    }
}
