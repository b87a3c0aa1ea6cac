import Foundation
import Hummingbird

/// What the route handlers share. Each route group lives in its own file as an extension.
struct Routes: Sendable {
    let models: ModelRegistry
    let metrics: ServerMetrics
    let configuration: ServerConfiguration
    let reader: BodyReader
    /// Unix seconds at start, reported as the model's `created`.
    let startTime: Int
    /// The knowledge base, when the server has one.
    let knowledge: KnowledgeService?

    /// Every path the server answers, for metrics labels and the OpenAPI test.
    static let paths: Set<String> = [
        "/health", "/metrics", "/openapi.json", "/v1/embeddings", "/v1/models", "/embed", "/embed_all", "/tokenize", "/info",
        "/api/embed", "/", "/app.js", "/app.css", "/v1/rerank", "/v2/rerank", "/rerank",
        "/embeddings", "/decode", "/ping", "/invocations", "/api/embeddings", "/api/tags", "/api/show", "/api/ps", "/api/version",
    ]

    /// The metrics label of a path: a fixed route, a knowledge-base route with its names and ids replaced by
    /// placeholders, or "other" (so a scanner cannot grow the metrics without bound).
    static func label(for path: String) -> String {
        if paths.contains(path) { return path }
        guard path.hasPrefix("/v1/kb/") else { return "other" }
        var out: [String] = []
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for (i, part) in parts.enumerated() {
            let previous = i > 0 ? parts[i - 1] : ""
            if previous == "collections" { out.append(":name") } else if ["documents", "jobs"].contains(previous), Int64(part) != nil {
                out.append(":id")
            } else if ["collections", "documents", "jobs", "chunks", "search", "duplicates", "kb", "v1", ""].contains(part) {
                out.append(part)
            } else {
                return "other"
            }
        }
        return out.joined(separator: "/")
    }

    func add(to router: Router<Context>) {
        addOpenAI(to: router)
        addTEI(to: router)
        addOllama(to: router)
        addRerank(to: router)
        addPage(to: router)
        if let knowledge { addKnowledge(to: router, knowledge) }
        router.get("/health") { _, _ in Responses.json("{\"status\":\"ok\"}") }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render(
                    queue: models.embedders.map(\.service.batcher.queueDepth).reduce((0, 0)) { ($0.0 + $1.inputs, $0.1 + $1.tokens) },
                    rerankQueueTokens: models.rerankers.reduce(0) { $0 + $1.service.queueTokens }))))
        }
        router.get("/openapi.json") { _, _ in Responses.json(OpenAPIDocument.json) }
    }
}
