import Foundation
import Hummingbird

typealias Context = BasicRequestContext

/// Turns every thrown error into a JSON response in the dialect of the route's API family (``ErrorDialect``:
/// OpenAI's, TEI's or Ollama's shape). Unknown errors become a bare 500: their text could hold a path or internals.
struct ErrorMiddleware: RouterMiddleware {
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return ErrorDialect.of(request).response(apiError(error, request, context))
        }
    }

    private func apiError(_ error: any Error, _ request: Request, _ context: Context) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                // A known path asked with a method it does not take: 405, not "no such route".
                guard Routes.label(for: request.uri.path) != "other" else { return .routeNotFound }
                return APIError(
                    status: .methodNotAllowed,
                    message: "\(request.method.rawValue) is not allowed on \(request.uri.path); GET /openapi.json lists each route's methods",
                    type: "invalid_request_error", code: "method_not_allowed")
            case .contentTooLarge: return .tooLarge(limit: maxBodyBytes)
            default:
                return APIError(status: error.status, message: error.status.reasonPhrase, type: "invalid_request_error")
            }
        case is CancellationError:
            return APIError(status: .init(code: 499), message: "the client went away", type: "server_error")
        default:
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return .internalError
        }
    }
}

/// At most `limit` requests in flight; the next gets 429 with `Retry-After` (TEI's `max_concurrent_requests`).
struct ConcurrencyLimitMiddleware: RouterMiddleware {
    let limit: Int
    let inFlight = Counter()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Health checks always answer, so a busy server is not taken for a dead one.
        if request.uri.path == "/health" || request.uri.path == "/ping" { return try await next(request, context) }
        guard inFlight.add(1) <= limit else {
            inFlight.add(-1)
            throw APIError(
                status: .tooManyRequests, message: "the server is answering \(limit) requests already; retry after 1 s",
                type: "rate_limit_error", code: "too_many_requests", retryAfter: 1)
        }
        defer { inFlight.add(-1) }
        return try await next(request, context)
    }
}

/// An integer shared across tasks.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    /// Adds `delta` and returns the new value.
    @discardableResult
    func add(_ delta: Int) -> Int {
        lock.lock(); defer { lock.unlock() }
        value += delta
        return value
    }
}

/// With keys configured, every route but `GET /health` needs `Authorization: Bearer KEY`.
struct AuthMiddleware: RouterMiddleware {
    let keys: [[UInt8]]

    init(keys: [String]) { self.keys = keys.map { Array($0.utf8) } }

    static let publicPaths: Set<String> = ["/health", "/", "/app.js", "/app.css"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The page itself is public: it asks for a key and sends it with every API call.
        if keys.isEmpty || Self.publicPaths.contains(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw APIError.unauthorized
        }
        let given = Array(header.dropFirst(7).trimmingCharacters(in: .whitespaces).utf8)
        // Compare against every key in full, so timing does not tell how much of a guess was right.
        var match = false
        for key in keys { match = Self.constantTimeEqual(key, given) || match }
        guard match else { throw APIError.unauthorized }
        return try await next(request, context)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0 ..< max(a.count, b.count) {
            diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return diff == 0
    }
}

/// CORS for the configured origins only; with none, no CORS header is ever sent and browsers refuse
/// cross-origin calls.
struct CORSOriginsMiddleware: RouterMiddleware {
    let origins: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) || origins.contains("*") else {
            return try await next(request, context)
        }
        let allowed = origins.contains("*") ? "*" : origin
        if request.method == .options {
            return Response(status: .noContent, headers: [
                .accessControlAllowOrigin: allowed, .vary: "Origin",
                .accessControlAllowMethods: "GET, POST, OPTIONS",
                .accessControlAllowHeaders: "Authorization, Content-Type",
                .accessControlMaxAge: "600",
            ])
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = allowed
        response.headers[.vary] = "Origin"
        response.headers[.accessControlExposeHeaders] = "Retry-After"
        return response
    }
}

/// Counts requests by route and status and times them. Unknown paths share one label so a scanner
/// cannot grow the metrics without bound.
struct MetricsMiddleware: RouterMiddleware {
    let metrics: ServerMetrics
    let routes: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let route = Routes.label(for: request.uri.path)
        let response = try await next(request, context)
        metrics.recordRequest(
            route: route, method: request.method.rawValue, status: response.status.code,
            seconds: (ContinuousClock.now - start) / .seconds(1))
        return response
    }
}

/// Once shutdown begins, new requests (and `/health`, for load balancers) get 503; requests already
/// past this point finish.
struct DrainMiddleware: RouterMiddleware {
    let draining: Flag

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if draining.value { throw APIError.shuttingDown }
        return try await next(request, context)
    }
}
