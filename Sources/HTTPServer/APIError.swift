import FolioEmbedder
import Hummingbird

/// An error a client sees, in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
///
/// Engine errors are translated here and nowhere else. Messages never carry a stack trace or a path.
struct APIError: Error, Equatable {
    var status: HTTPResponse.Status
    var message: String
    var type: String
    var param: String?
    var code: String?
    /// Seconds for `Retry-After` (429, 503).
    var retryAfter: Int?

    static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: .badRequest, message: message, type: "invalid_request_error", param: param, code: code)
    }

    static func modelNotFound(_ name: String, known: [String]) -> APIError {
        APIError(
            status: .notFound,
            message: "the model \"\(name)\" does not exist here; this server serves \(known.map { "\"\($0)\"" }.joined(separator: ", "))",
            type: "invalid_request_error", param: "model", code: "model_not_found")
    }

    /// A model of the other kind: an embedding request naming a reranker, or the reverse.
    static func wrongModelKind(_ name: String, kind: String, wanted: String, route: String, alternatives: [String]) -> APIError {
        let others = alternatives.isEmpty
            ? "this server has no \(wanted) model"
            : "\(wanted) models here: \(alternatives.map { "\"\($0)\"" }.joined(separator: ", "))"
        return .invalidRequest(
            "the model \"\(name)\" is a \(kind) model, not a \(wanted) model; send it to \(route), or name a \(wanted) model (\(others))",
            param: "model", code: "wrong_model_kind")
    }

    /// Token ids on a server that takes text only (the default; `--allow-token-ids` turns them on).
    static func tokenIDsRefused(param: String) -> APIError {
        .invalidRequest(
            "\(param) holds token ids, but this server embeds text only: ids made by another model's tokenizer give wrong "
                + "vectors without any error. LangChain's OpenAIEmbeddings sends tiktoken (cl100k) ids by default; pass "
                + "check_embedding_ctx_length=False to send text. To send this model's own ids, start the server with "
                + "--allow-token-ids", param: param, code: "token_ids_not_allowed")
    }

    /// A route whose kind of model the server was not started with.
    static func noModel(kind: String, served: [String]) -> APIError {
        .invalidRequest(
            "this server has no \(kind) model loaded (it serves \(served.map { "\"\($0)\"" }.joined(separator: ", "))); "
                + "start folio serve with another --model naming a \(kind) model",
            param: "model", code: "model_not_loaded")
    }

    static let unauthorized = APIError(
        status: .unauthorized,
        message: "missing or wrong API key; send the header \"Authorization: Bearer YOUR_KEY\" with a key the server was started with",
        type: "invalid_request_error", param: nil, code: "invalid_api_key")

    static func tooLarge(limit: Int) -> APIError {
        APIError(
            status: .contentTooLarge,
            message: "the request body is larger than the server's limit of \(limit) bytes; send fewer inputs per request",
            type: "invalid_request_error", param: nil, code: "request_too_large")
    }

    static func overloaded(retryAfter: Int) -> APIError {
        APIError(
            status: .tooManyRequests,
            message: "the server's queue is full; retry after \(retryAfter) s",
            type: "rate_limit_error", param: nil, code: "server_overloaded", retryAfter: retryAfter)
    }

    static let shuttingDown = APIError(
        status: .serviceUnavailable, message: "the server is shutting down", type: "server_error",
        param: nil, code: "shutting_down", retryAfter: 1)

    static let routeNotFound = APIError(
        status: .notFound, message: "no such route; GET /openapi.json lists the routes",
        type: "invalid_request_error", param: nil, code: "not_found")

    static let internalError = APIError(
        status: .internalServerError, message: "the server failed to answer this request; see its log",
        type: "server_error", param: nil, code: nil)
}

extension APIError {
    /// The engine's error as the client's mistake. `inputParam` names the request field holding the inputs.
    init(_ error: EmbedderError, inputParam: String) {
        switch error {
        case let .inputTooLong(index, tokens, limit):
            self = .invalidRequest(
                "input \(index) has \(tokens) tokens, more than the model's context length of \(limit) tokens; "
                    + "shorten or split it, or send \"truncate\": true to cut it to \(limit) tokens",
                param: inputParam, code: "context_length_exceeded")
        case let .badDimensions(requested, minimum, maximum):
            self = .invalidRequest(
                "dimensions \(requested) is out of range; this model gives \(minimum) to \(maximum)",
                param: "dimensions", code: "invalid_dimensions")
        case let .emptyInput(index):
            self = .invalidRequest("input \(index) is empty; give at least one character or token", param: inputParam, code: "empty_input")
        case let .tokenOutOfRange(index, token, size):
            self = .invalidRequest(
                "input \(index) has token id \(token), outside this model's vocabulary of \(size) ids (0 to \(size - 1))",
                param: inputParam, code: "invalid_token")
        case .tokenizerMissing:
            // A load-time error; the server never reaches it with a loaded model. Its path stays private.
            self = .internalError
        case .nonFinite:
            // The model file is broken: the operator's problem, stated without the file's path.
            self = APIError(
                status: .internalServerError, message: "the model produced NaN or infinite values: its weights are broken "
                    + "and the model file must be replaced", type: "server_error", param: nil, code: "model_broken")
        }
    }
}
