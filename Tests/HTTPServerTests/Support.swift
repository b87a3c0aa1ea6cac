import FolioEmbedder
import Foundation
import HTTPServer
import KnowledgeStore
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The repository's `Fixtures/` folder, found from this file's path.
let fixtures: URL = {
    var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        url.deleteLastPathComponent()
    }
    return url.appendingPathComponent("Fixtures")
}()

let tinyModelPath = fixtures.appendingPathComponent("models/qwen3-tiny-gqa2").path

/// The tiny model, loaded once for every test (servers share it as they would share a real one).
let tinyEmbedder: Embedder = {
    do { return try Embedder.load(path: tinyModelPath) } catch { fatalError("cannot load the tiny model: \(error)") }
}()

/// Reference vectors written by scripts/make_model_fixtures.py from transformers' Qwen3Model (float32).
struct Reference: Decodable {
    struct Input: Decodable {
        let label: String
        let text: String
        let token_ids: [Int32]
        let embedding: [Float]
        let embedding_dimensions: [Float]?
    }
    struct Queries: Decodable {
        let task: String
        let inputs: [Input]
    }
    let dimensions: Int
    let inputs: [Input]
    let queries: Queries

    static let tiny: Reference = {
        let url = URL(fileURLWithPath: tinyModelPath).appendingPathComponent("reference.json")
        do { return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url)) } catch { fatalError("\(error)") }
    }()
}

func cosine(_ a: [Float], _ b: [Float]) -> Double {
    guard a.count == b.count, !a.isEmpty else { return -2 }
    var dot = 0.0, na = 0.0, nb = 0.0
    for i in a.indices {
        dot += Double(a[i]) * Double(b[i])
        na += Double(a[i]) * Double(a[i])
        nb += Double(b[i]) * Double(b[i])
    }
    return dot / (na.squareRoot() * nb.squareRoot())
}

/// Every error body: `{"error": {"message", "type", "param", "code"}}`, no path or trace.
func expectOpenAIShape(_ reply: LiveServer.Reply, status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(reply.status == status, sourceLocation: sourceLocation)
    let error = reply.error
    #expect(error["message"] is String, "\(reply.text)", sourceLocation: sourceLocation)
    #expect(error["type"] is String, sourceLocation: sourceLocation)
    #expect(error.keys.contains("param") && error.keys.contains("code"), sourceLocation: sourceLocation)
    for leak in ["/work", "/tmp", ".swift", "Fixtures", "qwen3-tiny-gqa2/", "Thread", "0x"] {
        #expect(!reply.text.contains(leak), "leaks \(leak): \(reply.text)", sourceLocation: sourceLocation)
    }
    #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
}

/// A real server on 127.0.0.1 and a free port, talked to over HTTP.
struct LiveServer {
    let baseURL: String
    let server: EmbeddingServer
    let task: Task<Void, any Error>

    /// One embedder (`embedder`, answering to `names`), or the given `models`.
    static func start(
        _ configuration: ServerConfiguration = .init(), embedder: Embedder = tinyEmbedder, names: [String] = [],
        models: [ServedModel]? = nil, knowledgeStore: (any KnowledgeStore)? = nil
    ) async throws -> LiveServer {
        var configuration = configuration
        configuration.port = 0
        let server = try EmbeddingServer(
            models: models ?? [ServedModel(.embedder(embedder), names: names)], configuration: configuration,
            knowledgeStore: knowledgeStore)
        let (urls, continuation) = AsyncStream<String>.makeStream()
        let task = Task {
            defer { continuation.finish() }
            try await server.run(handleSignals: false) { continuation.yield($0) }
        }
        for await url in urls { return LiveServer(baseURL: url, server: server, task: task) }
        try await task.value
        throw CancellationError()
    }

    /// Graceful shutdown, as on SIGTERM; waits until the server has stopped.
    func stop() async {
        await server.shutdown()
        _ = await task.result
    }

    /// Runs `body` against a fresh server and stops it afterwards.
    static func with<T>(
        _ configuration: ServerConfiguration = .init(), names: [String] = [], models: [ServedModel]? = nil,
        _ body: (LiveServer) async throws -> T
    ) async throws -> T {
        let server = try await start(configuration, names: names, models: models)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    struct Reply: Sendable {
        let status: Int
        let headers: [String: String]
        let body: Data
        var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
        /// OpenAI's error object.
        var error: [String: Any] { object["error"] as? [String: Any] ?? [:] }
    }

    static let session: URLSession = {
        let config = URLSessionConfiguration.ephemeral
        config.httpMaximumConnectionsPerHost = 128
        config.timeoutIntervalForRequest = 300
        return URLSession(configuration: config)
    }()

    func send(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await Self.session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (k, v) in http.allHeaderFields { fields[String(describing: k).lowercased()] = String(describing: v) }
        return Reply(status: http.statusCode, headers: fields, body: data)
    }

    func post(_ path: String, json: Any, headers: [String: String] = [:]) async throws -> Reply {
        try await send("POST", path, body: JSONSerialization.data(withJSONObject: json), headers: headers)
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        try await send("GET", path, headers: headers)
    }
}

/// Vectors of an OpenAI embeddings reply, decoding base64 (little-endian f32) when given as strings.
func vectors(_ reply: LiveServer.Reply) -> [[Float]] {
    let data = reply.object["data"] as? [[String: Any]] ?? []
    return data.sorted { ($0["index"] as? Int ?? 0) < ($1["index"] as? Int ?? 0) }.map { item in
        if let floats = item["embedding"] as? [Double] { return floats.map(Float.init) }
        if let text = item["embedding"] as? String, let bytes = Data(base64Encoded: text) {
            let b = [UInt8](bytes)
            return stride(from: 0, to: b.count, by: 4).map { i -> Float in
                var bits = UInt32(b[i])
                bits |= UInt32(b[i + 1]) << 8
                bits |= UInt32(b[i + 2]) << 16
                bits |= UInt32(b[i + 3]) << 24
                return Float(bitPattern: bits)
            }
        }
        return []
    }
}

func floatRows(_ json: Any?) -> [[Float]] {
    (json as? [[Double]] ?? []).map { $0.map(Float.init) }
}

/// Inputs in a request large enough to stay queued while a test looks at the queue; release builds
/// embed the tiny model far faster than debug builds.
#if DEBUG
let bigRequestInputs = 400
#else
let bigRequestInputs = 4000
#endif
