import Hummingbird
import Ingestion
import KnowledgeBase
import KnowledgeStore

extension APIError {
    /// Knowledge-base, store and extraction errors as the client sees them; nil for anything else.
    static func knowledge(_ error: any Error) -> APIError? {
        switch error {
        case let e as StoreError:
            switch e {
            case .collectionNotFound, .documentNotFound, .jobNotFound:
                return APIError(status: .notFound, message: e.description, type: "invalid_request_error", code: "not_found")
            case .collectionExists:
                return APIError(status: .conflict, message: e.description, type: "invalid_request_error", param: "name", code: "conflict")
            case .invalidName:
                return .invalidRequest(e.description, param: "name", code: "invalid_name")
            case .dimensionMismatch:
                return .invalidRequest(e.description, code: "dimension_mismatch")
            case .alreadyStored:
                return APIError(status: .conflict, message: e.description, type: "invalid_request_error", code: "already_stored")
            case .leaseLost:
                return APIError(status: .conflict, message: e.description, type: "invalid_request_error", code: "lease_lost")
            case .unavailable:
                return APIError(
                    status: .serviceUnavailable, message: "the knowledge store's database is unavailable; retry shortly",
                    type: "server_error", code: "store_unavailable", retryAfter: 5)
            case .unusable:
                return APIError(
                    status: .serviceUnavailable, message: "the knowledge store cannot be used; see the server's log",
                    type: "server_error", code: "store_unusable")
            }
        case let e as KnowledgeBaseError:
            switch e {
            case .modelMismatch: return APIError(status: .conflict, message: e.description, type: "invalid_request_error", code: "model_mismatch")
            case .badDimensions: return .invalidRequest(e.description, param: "dimensions", code: "invalid_dimensions")
            case .badChunking: return .invalidRequest(e.description, param: "max_chunk_tokens", code: "invalid_chunking")
            case .badStoredChunking:
                // The database row is at fault, not the request: a conflict with what is stored.
                return APIError(status: .conflict, message: e.description, type: "invalid_request_error", code: "unusable_collection")
            case .emptyQuery: return .invalidRequest(e.description, param: "query", code: "empty_query")
            case .noReranker: return .invalidRequest(e.description, param: "rerank", code: "no_reranker")
            case let .badSearchParameter(name, _, _): return .invalidRequest(e.description, param: name, code: "invalid_parameter")
            case .noDocumentVectors:
                // The collection's settings rule the request out, not its syntax.
                return APIError(status: .conflict, message: e.description, type: "invalid_request_error", code: "no_document_vectors")
            }
        case let e as IngestionError:
            return APIError(status: .unprocessableContent, message: e.description, type: "invalid_request_error", code: "unreadable_file")
        default:
            return nil
        }
    }
}
