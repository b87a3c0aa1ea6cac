import Foundation

/// Everything `EmbeddingServer` needs besides the engine, with documented defaults.
///
/// Only the executable reads flags and the environment; it fills this struct.
public struct ServerConfiguration: Sendable, Equatable {
    /// Address to listen on. Loopback by default; any other address needs `apiKeys` or `allowNoAuth`.
    public var host: String
    /// TCP port; 0 asks the system for a free one (the bound port is passed to `onReady`).
    public var port: Int
    /// Bearer keys; when any is set every route except `GET /health` needs `Authorization: Bearer KEY`.
    public var apiKeys: [String]
    /// Listen on a non-loopback address without keys (for a trusted network or a proxy that authenticates).
    public var allowNoAuth: Bool
    /// Origins allowed to call the API from a browser. Empty turns CORS off (no CORS headers at all).
    public var corsOrigins: [String]
    /// Host names (`Host` header, without port) accepted besides the loopback ones. A loopback server answers only
    /// loopback names unless one is listed here (DNS rebinding); a server on another address checks `Host` only when
    /// this is set.
    public var allowedHosts: [String]
    /// Largest request body in bytes; larger bodies get 413.
    public var maxBodyBytes: Int
    /// Embed token-id inputs (`[[id, ...]]`) as this model's ids. Off by default: a client tokenizing for another
    /// model (LangChain's OpenAIEmbeddings sends tiktoken ids) would get wrong vectors with no error, so such
    /// requests get a 400 that names the cause instead.
    public var allowTokenIDs: Bool
    /// Most inputs one embedding request may hold (TEI's `max_client_batch_size`; OpenAI's limit is 2048).
    public var maxClientBatchSize: Int
    /// Most requests in flight at once; more get 429 (TEI's `max_concurrent_requests`).
    public var maxConcurrentRequests: Int

    public static let defaultMaxClientBatchSize = 2048
    /// How requests share the engine.
    public var batching: BatchingConfiguration

    /// Every setting defaults to a safe local server: loopback, port 8080, no keys, no CORS, 32 MiB bodies.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, apiKeys: [String] = [], allowNoAuth: Bool = false,
        corsOrigins: [String] = [], allowedHosts: [String] = [], maxBodyBytes: Int = 32 << 20, allowTokenIDs: Bool = false,
        maxClientBatchSize: Int = defaultMaxClientBatchSize, maxConcurrentRequests: Int = 512,
        batching: BatchingConfiguration = .init()
    ) {
        self.host = host
        self.port = port
        self.apiKeys = apiKeys
        self.allowNoAuth = allowNoAuth
        self.corsOrigins = corsOrigins
        self.allowedHosts = allowedHosts
        self.maxBodyBytes = maxBodyBytes
        self.allowTokenIDs = allowTokenIDs
        self.maxClientBatchSize = maxClientBatchSize
        self.maxConcurrentRequests = maxConcurrentRequests
        self.batching = batching
    }

    /// True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost).
    public var isLoopback: Bool {
        let h = host.lowercased().trimmingCharacters(in: ["[", "]"])
        // An IPv4 literal in 127/8, not a host name that merely starts with "127.".
        return h == "localhost" || h == "::1" || (h.hasPrefix("127.") && h.allSatisfy { $0.isNumber || $0 == "." })
    }

    /// Checks the settings before anything listens.
    public func validate() throws(ServerSetupError) {
        if !isLoopback && apiKeys.isEmpty && !allowNoAuth { throw .unprotectedAddress(host: host) }
        if !(0 ... 65535).contains(port) { throw .badSetting(name: "port", value: "\(port)", expected: "0 to 65535") }
        if maxClientBatchSize < 1 { throw .badSetting(name: "max client batch size", value: "\(maxClientBatchSize)", expected: "at least 1") }
        if maxConcurrentRequests < 1 {
            throw .badSetting(name: "max concurrent requests", value: "\(maxConcurrentRequests)", expected: "at least 1")
        }
        if let bad = allowedHosts.first(where: { $0.isEmpty || $0.contains("/") }) {
            throw .badSetting(name: "allowed host", value: "\"\(bad)\"", expected: "a host name such as folio.example.org (no scheme, no path)")
        }
        if apiKeys.contains(where: \.isEmpty) { throw .badSetting(name: "api key", value: "\"\"", expected: "a non-empty key") }
        try batching.validate()
    }
}

/// How the server packs concurrent requests into engine calls.
public struct BatchingConfiguration: Sendable, Equatable {
    /// Most tokens one engine call packs together; an input longer than this runs alone.
    public var maxBatchTokens: Int
    /// Most tokens waiting for the engine. A request that would go over gets 429 with `Retry-After`
    /// unless the queue is empty (so one large request is always accepted).
    public var maxQueuedTokens: Int
    /// Inputs waiting longer than this go first, whatever their length. Otherwise the shortest
    /// inputs go first, so a short query is not stuck behind a 32k-token document.
    public var agingLimit: Duration

    /// Defaults: 8192-token engine calls, 1 Mi tokens of queue, 2 s before an input jumps the line.
    public init(maxBatchTokens: Int = 8192, maxQueuedTokens: Int = 1 << 20, agingLimit: Duration = .seconds(2)) {
        self.maxBatchTokens = maxBatchTokens
        self.maxQueuedTokens = maxQueuedTokens
        self.agingLimit = agingLimit
    }

    func validate() throws(ServerSetupError) {
        if maxBatchTokens < 1 { throw .badSetting(name: "max batch tokens", value: "\(maxBatchTokens)", expected: "at least 1") }
        if maxQueuedTokens < 1 { throw .badSetting(name: "max queued tokens", value: "\(maxQueuedTokens)", expected: "at least 1") }
    }
}

/// Settings the server refuses to start with.
public enum ServerSetupError: Error, Equatable, CustomStringConvertible {
    /// A non-loopback address with no API key and no `allowNoAuth`.
    case unprotectedAddress(host: String)
    /// A setting outside its range.
    case badSetting(name: String, value: String, expected: String)

    public var description: String {
        switch self {
        case let .unprotectedAddress(host):
            "refusing to listen on \(host) without an API key: anyone who can reach it could use the server; "
                + "pass --api-key KEY (or FOLIO_API_KEYS), listen on 127.0.0.1, or pass --allow-no-auth"
        case let .badSetting(name, value, expected):
            "\(name) \(value) is not valid; expected \(expected)"
        }
    }
}
