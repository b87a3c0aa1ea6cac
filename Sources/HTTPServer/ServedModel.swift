import FolioEmbedder

/// A model the server answers for, and the names requests may give in their `model` field.
///
/// ```swift
/// let models = [ServedModel(.embedder(embedder), names: ["qwen3-embedding"]),
///               ServedModel(.reranker(reranker), names: ["qwen3-reranker"])]
/// let server = try EmbeddingServer(models: models, configuration: .init())
/// ```
public struct ServedModel: Sendable {
    public enum Engine: Sendable {
        case embedder(Embedder)
        case reranker(Reranker)
    }

    public let engine: Engine
    /// The first is reported in responses and `/v1/models`. Empty (a server with one model only) answers to any name.
    public let names: [String]

    public init(_ engine: Engine, names: [String]) {
        self.engine = engine
        self.names = names
    }

    /// What the model does, in words for errors and `/v1/models`.
    var kind: String {
        switch engine {
        case .embedder: "embedding"
        case .reranker: "rerank"
        }
    }

    var reportedName: String { names.first ?? "folio" }

    /// Names a model is known by from its path: the file or folder name, and for a file also the name
    /// without its extension (`qwen3-0.6b-q8_0.gguf` answers to `qwen3-0.6b-q8_0` too).
    public static func names(forPath path: String) -> [String] {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let last = String(trimmed.split(separator: "/").last ?? trimmed)
        var names = [last]
        if let dot = last.lastIndex(of: "."), dot != last.startIndex, last.lowercased().hasSuffix(".gguf") {
            names.append(String(last[..<dot]))
        }
        return names
    }
}

/// The served models, found by name. Each embedder has its own batcher, each reranker its own queue; a request
/// without a model name goes to the first model of the kind its route needs.
struct ModelRegistry: Sendable {
    struct Entry<Service: Sendable>: Sendable {
        let names: [String]
        let service: Service
        var reportedName: String { names.first ?? "folio" }
    }

    let models: [ServedModel]
    let embedders: [Entry<EmbeddingService>]
    let rerankers: [Entry<RerankService>]

    /// Every name any model answers to, for 404 messages.
    var allNames: [String] { models.flatMap(\.names) }

    /// The embedding model `name` names (the first embedder when nil). A reranker's name is a 400 that says which
    /// route it belongs to; an unknown name is a 404.
    func embedder(named name: String?) throws -> Entry<EmbeddingService> {
        try find(name, in: embedders, wanted: "embedding", route: "POST /v1/rerank, /v2/rerank or /rerank")
    }

    /// The reranker `name` names (the first reranker when nil).
    func reranker(named name: String?) throws -> Entry<RerankService> {
        try find(name, in: rerankers, wanted: "rerank", route: "POST /v1/embeddings, /embed or /api/embed")
    }

    private func find<S>(_ name: String?, in entries: [Entry<S>], wanted: String, route: String) throws -> Entry<S> {
        if let name {
            if let match = entries.first(where: { $0.names.contains(name) }) { return match }
            // A single model with no names answers to any name.
            if models.count == 1, models[0].names.isEmpty, let only = entries.first { return only }
            if let other = models.first(where: { $0.names.contains(name) }) {
                throw APIError.wrongModelKind(name, kind: other.kind, wanted: wanted, route: route,
                                              alternatives: entries.map(\.reportedName))
            }
        }
        guard let first = entries.first else { throw APIError.noModel(kind: wanted, served: models.map(\.reportedName)) }
        guard let name else { return first }
        throw APIError.modelNotFound(name, known: allNames)
    }
}
