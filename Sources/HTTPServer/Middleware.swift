import Foundation
import Hummingbird

typealias Context = BasicRequestContext

/// Turns every thrown error into an OpenAI-shaped JSON response. Unknown errors become a bare 500:
/// their text could hold a path or internals.
struct ErrorMiddleware: RouterMiddleware {
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return Responses.error(error)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                // A known path asked with a method it does not take: 405, not "no such route".
                guard Routes.label(for: request.uri.path) != "other" else { return Responses.error(.routeNotFound) }
                return Responses.error(APIError(
                    status: .methodNotAllowed,
                    message: "\(request.method.rawValue) is not allowed on \(request.uri.path); GET /openapi.json lists each route's methods",
                    type: "invalid_request_error", code: "method_not_allowed"))
            case .contentTooLarge: return Responses.error(.tooLarge(limit: maxBodyBytes))
            default:
                return Responses.error(APIError(
                    status: error.status, message: error.status.reasonPhrase, type: "invalid_request_error"))
            }
        } catch is CancellationError {
            return Responses.error(APIError(status: .init(code: 499), message: "the client went away", type: "server_error"))
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return Responses.error(.internalError)
        }
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
