import Foundation
import Hummingbird
import ModelHub
import Testing

/// The repository's `Fixtures/` folder, found from this file's path.
let fixtures: URL = {
    var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        url.deleteLastPathComponent()
    }
    return url.appendingPathComponent("Fixtures")
}()

func fixture(_ path: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(path)) }

/// SHA-256 from the system's own tool (coreutils `sha256sum`, or `shasum` on macOS): the reference the hub's
/// checksum is computed with, independent of ModelHub's hasher.
func referenceSHA256(_ data: Data) throws -> String {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("folio-hub-\(UUID().uuidString)")
    try data.write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let process = Process()
    let output = Pipe()
    if FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum") {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file.path]
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/shasum")
        process.arguments = ["-a", "256", file.path]
    }
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return String(text.prefix(64))
}

/// A Hugging Face hub in the test process, answering as huggingface.co does: the repository API, HEAD and GET on
/// `/resolve/`, a 302 to a CDN path for LFS files (with `X-Linked-Etag` and `X-Linked-Size`), and Range requests.
final class FakeHub: @unchecked Sendable {
    struct File {
        var bytes: Data
        /// LFS files are named by their SHA-256 and served from the CDN; small files by a git-style hash.
        var lfs: Bool
        /// The ETag the hub announces (the SHA-256 for LFS files).
        var etag: String
        /// What the CDN actually sends, when a test wants the hub to lie.
        var served: Data?
    }
    struct Repo {
        var commit: String
        var files: [String: File]
    }
    struct Seen: Equatable {
        let method: String
        let path: String
        let range: String?
        let authorization: String?
    }

    private let lock = NSLock()
    private var repos: [String: Repo] = [:]
    private var seen: [Seen] = []
    /// Requests without `Authorization: Bearer {token}` get a 401.
    var requiredToken: String?
    /// Answer Range requests with the whole file, as some servers do.
    var ignoresRange = false
    private(set) var baseURL = ""
    private var task: Task<Void, any Error>?

    /// Every request so far.
    var requests: [Seen] { lock.withLock { seen } }

    /// Adds a repository; `lfs` files are served through the CDN redirect.
    func add(repo: String, files: [String: Data], lfs: Set<String>) throws {
        var entries: [String: File] = [:]
        for (path, bytes) in files {
            let sha = try referenceSHA256(bytes)
            // Small files carry a 40-hex git hash on the real hub; any 40-hex name does here.
            entries[path] = File(bytes: bytes, lfs: lfs.contains(path), etag: lfs.contains(path) ? sha : String(sha.prefix(40)))
        }
        let commit = try referenceSHA256(Data(repo.utf8 + [UInt8(files.count)])).prefix(40)
        lock.withLock { repos[repo] = Repo(commit: String(commit), files: entries) }
    }

    /// Makes the CDN send `bytes` for `path` while the hub keeps announcing the true checksum.
    func lie(repo: String, path: String, bytes: Data) {
        lock.withLock { repos[repo]?.files[path]?.served = bytes }
    }

    func commit(_ repo: String) -> String { lock.withLock { repos[repo]!.commit } }
    func etag(_ repo: String, _ path: String) -> String { lock.withLock { repos[repo]!.files[path]!.etag } }

    /// Starts listening on 127.0.0.1 and a free port.
    func start() async throws {
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { [self] request, _ in respond(request) },
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "fake-hub"),
            onServerRunning: { [self] channel in
                lock.withLock { baseURL = "http://127.0.0.1:\(channel.localAddress?.port ?? 0)" }
            })
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        for _ in 0 ..< 500 where lock.withLock({ baseURL.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!baseURL.isEmpty, "the fake hub did not start")
    }

    func stop() async {
        task?.cancel()
        _ = try? await task?.value
    }

    private func respond(_ request: Request) -> Response {
        let path = request.uri.path
        let range = request.headers[.range]
        let authorization = request.headers[.authorization]
        lock.withLock { seen.append(Seen(method: request.method.rawValue, path: path, range: range, authorization: authorization)) }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            $0.removingPercentEncoding ?? String($0)
        }

        // The CDN: signed URLs, so no token needed.
        if parts.first == "cdn", parts.count == 2 {
            let file = lock.withLock { repos.values.flatMap(\.files.values).first { $0.etag == parts[1] } }
            guard let file else { return Response(status: .notFound) }
            return serve(file.served ?? file.bytes, range: range, head: request.method == .head)
        }
        if let token = requiredToken, authorization != "Bearer \(token)" {
            return Response(status: .unauthorized, body: .init(byteBuffer: ByteBuffer(string: "{\"error\":\"Invalid credentials\"}")))
        }
        // GET /api/models/{owner}/{name}/revision/{revision}
        if parts.count == 6, parts[0] == "api", parts[1] == "models", parts[4] == "revision" {
            // The real hub answers 401, not 404, for a repository it does not show.
            guard let repo = lock.withLock({ repos["\(parts[2])/\(parts[3])"] }) else { return Response(status: .unauthorized) }
            let siblings = repo.files.keys.sorted().map { ["rfilename": $0] }
            let json = try! JSONSerialization.data(withJSONObject: ["sha": repo.commit, "siblings": siblings] as [String: Any])
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json)))
        }
        // HEAD or GET /{owner}/{name}/resolve/{revision}/{path...}
        if parts.count >= 5, parts[2] == "resolve" {
            guard let repo = lock.withLock({ repos["\(parts[0])/\(parts[1])"] }),
                  parts[3] == "main" || parts[3] == repo.commit,
                  let file = repo.files[parts[4...].joined(separator: "/")]
            else { return Response(status: .notFound) }
            var headers: HTTPFields = [FieldName("X-Repo-Commit")!: repo.commit]
            if file.lfs {
                headers[FieldName("X-Linked-Etag")!] = "\"\(file.etag)\""
                headers[FieldName("X-Linked-Size")!] = String(file.bytes.count)
                headers[.eTag] = "\"\(file.etag)\""
                headers[.location] = "\(baseURL)/cdn/\(file.etag)"
                return Response(status: .found, headers: headers)
            }
            headers[.eTag] = "\"\(file.etag)\""
            var response = serve(file.bytes, range: nil, head: request.method == .head)
            response.headers.append(contentsOf: headers)
            return response
        }
        return Response(status: .notFound)
    }

    /// The bytes, or the part a `Range: bytes=N-` asks for (206 with Content-Range).
    private func serve(_ bytes: Data, range: String?, head: Bool) -> Response {
        var status = HTTPResponse.Status.ok
        var body = bytes
        var headers: HTTPFields = [.acceptRanges: "bytes"]
        if !ignoresRange, let range, range.hasPrefix("bytes="), range.hasSuffix("-"),
           let start = Int(range.dropFirst(6).dropLast()) {
            guard start < bytes.count else { return Response(status: .rangeNotSatisfiable) }
            status = .partialContent
            body = bytes.subdata(in: start ..< bytes.count)
            headers[.contentRange] = "bytes \(start)-\(bytes.count - 1)/\(bytes.count)"
        }
        headers[.contentLength] = String(body.count)
        return Response(status: status, headers: headers, body: head ? .init() : .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Runs `body` with a started fake hub and a fresh cache folder, then stops the hub and removes the cache.
func withFakeHub(_ body: (FakeHub, URL) async throws -> Void) async throws {
    let hub = FakeHub()
    try await hub.start()
    let cache = FileManager.default.temporaryDirectory.appendingPathComponent("folio-hub-cache-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: cache) }
    do { try await body(hub, cache) } catch {
        await hub.stop()
        throw error
    }
    await hub.stop()
}

/// A configuration pointing at the fake hub, as the executable would build it from the environment.
func configuration(_ hub: FakeHub, cache: URL, _ extra: [String: String] = [:]) -> HubConfiguration {
    HubConfiguration.fromEnvironment(["HF_HUB_CACHE": cache.path, "HF_ENDPOINT": hub.baseURL, "HOME": cache.path].merging(extra) { $1 })
}

/// `HTTPField.Name`, reached through the type Hummingbird exports.
typealias FieldName = HTTPFields.Element.Name
