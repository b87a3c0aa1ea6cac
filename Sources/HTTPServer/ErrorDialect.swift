import Hummingbird

/// The error body each API family's clients parse. The status and the message are the same in every
/// dialect; only the JSON around them differs.
///
/// - OpenAI (`/v1/...`, the knowledge base, the page): `{"error": {"message", "type", "param", "code"}}`.
/// - TEI (`/embed`, `/rerank`, `/tokenize`, `/decode`, `/info`, `POST /`, `/invocations`, ...):
///   `{"error": "message", "error_type": "Validation"}`, TEI's router's shape.
/// - Ollama (`/api/...`): `{"error": "message"}`; the `ollama` client reads `error` as a string.
enum ErrorDialect {
    case openAI, tei, ollama

    /// TEI's own paths (its router's, without the OpenAI-compatible `/v1/embeddings`).
    static let teiPaths: Set<String> = [
        "/embed", "/embed_all", "/rerank", "/tokenize", "/decode", "/info", "/invocations", "/ping", "/embeddings",
    ]

    static func of(_ request: Request) -> ErrorDialect {
        let path = request.uri.path
        if path.hasPrefix("/api/") { return .ollama }
        if teiPaths.contains(path) || (path == "/" && request.method == .post) { return .tei }
        return .openAI
    }

    /// TEI's `error_type` for a status: its router answers Validation (413 there), Empty (400), Tokenizer (422),
    /// Backend (424), Overloaded (429) and Unhealthy (503); Folio keeps its own statuses (400 for a bad input).
    static func teiType(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 429: "Overloaded"
        case 503: "Unhealthy"
        case 401: "Unauthorized"
        case 500...: "Backend"
        default: "Validation"
        }
    }

    func response(_ e: APIError) -> Response {
        let body: String
        switch self {
        case .openAI:
            body = "{\"error\":{\"message\":\(Responses.string(e.message)),\"type\":\(Responses.string(e.type)),"
                + "\"param\":\(e.param.map(Responses.string) ?? "null"),\"code\":\(e.code.map(Responses.string) ?? "null")}}"
        case .tei:
            body = "{\"error\":\(Responses.string(e.message)),\"error_type\":\(Responses.string(Self.teiType(e.status)))}"
        case .ollama:
            body = "{\"error\":\(Responses.string(e.message))}"
        }
        var response = Responses.json(body, status: e.status)
        if let seconds = e.retryAfter { response.headers[.retryAfter] = "\(seconds)" }
        // RFC 9110: a 401 names the scheme it wants.
        if e.status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}
