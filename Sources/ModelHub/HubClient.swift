import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The hub's HTTP API, as `huggingface_hub` uses it: repository info, file metadata from a HEAD, and downloads.
struct HubClient: Sendable {
    /// A repository at one commit.
    struct RepoInfo: Decodable, Equatable {
        struct Sibling: Decodable, Equatable { let rfilename: String }
        /// The commit hash the revision points at.
        let sha: String
        /// Every file in the repository, by path.
        let siblings: [Sibling]
    }

    /// What the HEAD of `/resolve/` says about a file.
    struct FileMetadata: Equatable {
        /// `X-Linked-Etag` (the SHA-256 of an LFS file) or `ETag` (the git SHA-1 of a small file), unquoted.
        let etag: String
        /// `X-Linked-Size` or `Content-Length`.
        let size: Int64?
        /// Where the bytes are: the CDN URL of the hub's redirect, or the resolve URL itself.
        let location: URL
    }

    let configuration: HubConfiguration
    let transport: HubTransport

    init(configuration: HubConfiguration) {
        self.configuration = configuration
        transport = HubTransport(timeout: configuration.requestTimeout)
    }

    /// `GET {endpoint}/api/models/{repo}/revision/{revision}`.
    func repoInfo(_ repository: String) async throws -> RepoInfo {
        let revision = Self.encode(configuration.revision, allowSlash: false)
        let url = endpointURL("api/models/\(repository)/revision/\(revision)")
        let (response, body) = try await transport.send(request(url, method: "GET"), redirects: .relativeOnly)
        switch response.statusCode {
        case 200:
            do { return try JSONDecoder().decode(RepoInfo.self, from: body) } catch {
                throw HubError.badResponse(
                    url: url.absoluteString, status: 200,
                    detail: "not the hub's repository JSON (sha, siblings); is HF_ENDPOINT a Hugging Face hub?")
            }
        case 401, 403:
            throw HubError.unauthorized(repository: repository, status: response.statusCode, tokenSent: configuration.token != nil)
        case 404:
            throw HubError.repositoryNotFound(repository: repository, revision: configuration.revision)
        default:
            throw HubError.badResponse(url: url.absoluteString, status: response.statusCode, detail: Self.excerpt(body))
        }
    }

    /// `HEAD {endpoint}/{repo}/resolve/{commit}/{path}`, stopping at the hub's redirect to the CDN: the redirect carries
    /// the LFS checksum and size, the CDN does not.
    func metadata(repository: String, commit: String, path: String) async throws -> FileMetadata? {
        let url = resolveURL(repository: repository, commit: commit, path: path)
        let (response, body) = try await transport.send(request(url, method: "HEAD"), redirects: .relativeOnly)
        let status = response.statusCode
        switch status {
        case 200 ..< 400:
            break
        case 401, 403:
            throw HubError.unauthorized(repository: repository, status: status, tokenSent: configuration.token != nil)
        case 404:
            return nil
        default:
            throw HubError.badResponse(url: url.absoluteString, status: status, detail: Self.excerpt(body))
        }
        func header(_ name: String) -> String? { response.value(forHTTPHeaderField: name) }
        guard let raw = header("X-Linked-Etag") ?? header("ETag") else {
            throw HubError.badResponse(
                url: url.absoluteString, status: status, detail: "no ETag header; is HF_ENDPOINT a Hugging Face hub?")
        }
        let size = (header("X-Linked-Size") ?? header("Content-Length")).flatMap { Int64($0) }
        var location = url
        if (300 ..< 400).contains(status), let target = header("Location"), let resolved = URL(string: target, relativeTo: url) {
            location = resolved.absoluteURL
        }
        return FileMetadata(etag: Self.normalizeETag(raw), size: size, location: location)
    }

    /// `{endpoint}/{repo}/resolve/{commit}/{path}`, each path segment percent-encoded.
    func resolveURL(repository: String, commit: String, path: String) -> URL {
        endpointURL("\(repository)/resolve/\(commit)/\(Self.encode(path, allowSlash: true))")
    }

    /// `{endpoint}/{path}`; `path` is already percent-encoded.
    func endpointURL(_ path: String) -> URL {
        var text = configuration.endpoint.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return URL(string: text + "/" + path)!
    }

    /// A request with the hub's headers. The token goes only to the hub's own host: the CDN URL it redirects to is
    /// signed, and a token sent there would leak to a third party.
    func request(_ url: URL, method: String, range: Int64? = nil) -> URLRequest {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("folio (huggingface_hub-compatible)", forHTTPHeaderField: "User-Agent")
        // The checksum is of the stored bytes, so no transfer compression.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        if let token = configuration.token, url.host == configuration.endpoint.host, url.port == configuration.endpoint.port {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        if let range, range > 0 { request.setValue("bytes=\(range)-", forHTTPHeaderField: "Range") }
        return request
    }

    /// `W/"abc"` and `"abc"` → `abc` (huggingface_hub `_normalize_etag`).
    static func normalizeETag(_ raw: String) -> String {
        var etag = raw.trimmingCharacters(in: .whitespaces)
        if etag.hasPrefix("W/") { etag.removeFirst(2) }
        return etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    static func encode(_ text: String, allowSlash: Bool) -> String {
        let allowed = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~" + (allowSlash ? "/" : ""))
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A short reason for a transport failure, for messages ("connection refused by 127.0.0.1:9", "timed out").
    static func describe(_ error: any Error) -> String {
        guard let error = error as? URLError else { return "\(error)" }
        let host = error.failingURL.flatMap { url in url.host.map { $0 + (url.port.map { ":\($0)" } ?? "") } }
        let at = host.map { " (\($0))" } ?? ""
        switch error.code {
        case .cannotConnectToHost: return "connection refused\(at)"
        case .cannotFindHost, .dnsLookupFailed: return "cannot resolve the host name\(at)"
        case .notConnectedToInternet: return "no network connection"
        case .timedOut: return "timed out\(at)"
        case .networkConnectionLost: return "the connection was lost\(at)"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate:
            return "TLS failed\(at)"
        default: return "URL error \(error.code.rawValue)\(at)"
        }
    }

    static func excerpt(_ body: Data) -> String {
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "empty body" : text
    }
}
