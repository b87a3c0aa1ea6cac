import Foundation
import Hummingbird

/// Keeps other web sites out of a server that trusts its network (loopback, or no key).
///
/// A page on any site can make the browser send "simple" requests (form posts, `text/plain` bodies) to
/// `127.0.0.1`, and DNS rebinding lets a hostile domain resolve to it and read the answers. Two checks stop both:
/// - **Host**: a loopback server answers only loopback names (`localhost`, `*.localhost`, `127.x.x.x`, `[::1]`)
///   and the names in `allowedHosts`; a server on another address checks `Host` only when `allowedHosts` is set.
/// - **Origin**: a request that changes state (any method but GET, HEAD and OPTIONS) carrying an `Origin` header is
///   served only when that origin is the server's own (`http(s)://` + the request's `Host`) or one of `--cors-origin`.
///   Clients that are not browsers send no `Origin` and are not affected.
/// JSON routes also refuse bodies that are not `application/json` (``BodyReader/json(_:from:decoder:)``), which a
/// cross-site form cannot send without a CORS preflight.
struct CrossSiteMiddleware: RouterMiddleware {
    /// Host names accepted besides the loopback ones (lowercased, without port).
    let allowedHosts: Set<String>
    /// Whether `Host` is checked: always on loopback, otherwise only with `allowedHosts`.
    let checksHost: Bool
    /// `--cors-origin` values; `*` allows every origin.
    let corsOrigins: Set<String>

    init(configuration: ServerConfiguration) {
        allowedHosts = Set(configuration.allowedHosts.map { Self.hostName($0) })
        checksHost = configuration.isLoopback || !configuration.allowedHosts.isEmpty
        corsOrigins = Set(configuration.corsOrigins)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let host = request.head.authority
        if checksHost, let host, !isAllowed(host: host) {
            throw APIError(
                status: .forbidden,
                message: "this server does not answer to the host name '\(Self.hostName(host))'; use http://127.0.0.1 or http://localhost, "
                    + "or start folio serve with --allowed-host \(Self.hostName(host)) if that name is meant to reach it",
                type: "invalid_request_error", code: "host_not_allowed")
        }
        if ![.get, .head, .options].contains(request.method), let origin = request.headers[.origin], !isAllowed(origin: origin, host: host) {
            throw APIError(
                status: .forbidden,
                message: "requests from the web page at '\(origin)' may not change this server's data; "
                    + "start folio serve with --cors-origin \(origin) to allow that page",
                type: "invalid_request_error", code: "origin_not_allowed")
        }
        return try await next(request, context)
    }

    func isAllowed(host: String) -> Bool {
        let name = Self.hostName(host)
        return Self.isLoopbackName(name) || allowedHosts.contains(name)
    }

    func isAllowed(origin: String, host: String?) -> Bool {
        if corsOrigins.contains("*") || corsOrigins.contains(origin) { return true }
        // The page this server serves: `http(s)://` + the request's Host.
        guard let host else { return false }
        let own = origin.lowercased()
        return own == "http://" + host.lowercased() || own == "https://" + host.lowercased()
    }

    /// `Host` without its port, lowercased: `[::1]:8080` -> `[::1]`, `LocalHost:80` -> `localhost`.
    static func hostName(_ host: String) -> String {
        let h = host.lowercased().trimmingCharacters(in: .whitespaces)
        if h.hasPrefix("["), let end = h.firstIndex(of: "]") { return String(h[...end]) }
        if let colon = h.lastIndex(of: ":"), h.firstIndex(of: ":") == colon { return String(h[..<colon]) }
        return h.hasSuffix(".") ? String(h.dropLast()) : h
    }

    /// `localhost`, `*.localhost`, an IPv4 literal in 127/8, or `[::1]`.
    static func isLoopbackName(_ name: String) -> Bool {
        if name == "localhost" || name.hasSuffix(".localhost") || name == "[::1]" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
