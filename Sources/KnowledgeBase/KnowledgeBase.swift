import FolioEmbedder
import Foundation
import Ingestion
import KnowledgeStore

/// The knowledge base's use cases over a store and a model: collections, ingestion (extract → chunk →
/// embed → store), search by meaning, keywords or both, and near-duplicate documents.
///
/// ```swift
/// let kb = KnowledgeBase(store: try SQLiteStore(path: "kb.sqlite"), engine: embedder, configuration: .init(model: path))
/// _ = try await kb.createCollection(name: "papers")
/// let outcome = try await kb.ingest(.init(collection: "papers", fileName: "paper.pdf", data: bytes))
/// let hits = try await kb.search(.init(collection: "papers", query: "sparse attention"))
/// ```
public final class KnowledgeBase: Sendable {
    public let store: any KnowledgeStore
    public let engine: any EmbeddingEngine
    public let configuration: KnowledgeBaseConfiguration
    /// The second stage of search (`SearchRequest.rerank`); nil when no reranker is loaded.
    public let reranker: (any RerankingEngine)?

    public init(
        store: any KnowledgeStore, engine: any EmbeddingEngine, configuration: KnowledgeBaseConfiguration,
        reranker: (any RerankingEngine)? = nil
    ) {
        self.store = store
        self.engine = engine
        self.configuration = configuration
        self.reranker = reranker
    }

    /// The name a model locator is compared by: its last path component without `.gguf`
    /// (`/models/qwen3-0.6b-q8_0.gguf` and `qwen3-0.6b-q8_0` name the same model).
    public static func modelName(of locator: String) -> String {
        var trimmed = Substring(locator)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let last = trimmed.split(separator: "/").last.map(String.init) ?? String(trimmed)
        return last.lowercased().hasSuffix(".gguf") ? String(last.dropLast(5)) : last
    }

    public var modelName: String { Self.modelName(of: configuration.model) }

    // MARK: Collections

    /// Creates a collection bound to this knowledge base's model. `dimensions` defaults to the model's full
    /// size; a smaller value keeps the first N values of every vector (Matryoshka). Chunks default to 512 tokens
    /// (or what the model's context allows, e.g. 254 for BERT's 256) with an eighth of that as overlap, at most 64.
    /// `documentVectors: false` skips ingestion's phase two (the whole-document vector): chunk and keyword search work
    /// as usual, document-level vector search and near-duplicates do not.
    public func createCollection(
        name: String, dimensions: Int? = nil, vectorEncoding: VectorEncoding = .f32, maxChunkTokens: Int? = nil,
        overlapTokens: Int? = nil, documentVectors: Bool = true
    ) async throws -> CollectionSpec {
        try StoreError.validate(name: name)
        let full = engine.dimension
        let d = dimensions ?? full
        guard (min(32, full)...full).contains(d) else {
            throw KnowledgeBaseError.badDimensions(requested: d, minimum: min(32, full), maximum: full)
        }
        // A chunk, its document prompt and the special tokens fit the model's context.
        let limit = min(8192, engine.contextLength - engine.encoder.specialSuffix.count - 1 - documentPromptTokens)
        let maxChunkTokens = maxChunkTokens ?? min(512, limit)
        let overlapTokens = overlapTokens ?? min(64, maxChunkTokens / 8)
        guard (16...max(16, limit)).contains(maxChunkTokens), overlapTokens >= 0, overlapTokens * 2 < maxChunkTokens else {
            throw KnowledgeBaseError.badChunking(maxTokens: maxChunkTokens, overlapTokens: overlapTokens, contextLimit: limit)
        }
        return try await store.createCollection(CollectionSpec(
            name: name, model: configuration.model, dimensions: d, vectorEncoding: vectorEncoding,
            maxChunkTokens: maxChunkTokens, overlapTokens: overlapTokens, documentVectors: documentVectors))
    }

    /// Of `names`, the collections bound to this model (whose jobs this knowledge base can run), by
    /// `boundCollection`'s rule; one that cannot be read now is left out.
    public func boundCollectionNames(among names: Set<String>) async -> Set<String> {
        var bound: Set<String> = []
        for name in names where (try? await boundCollection(name)) != nil { bound.insert(name) }
        return bound
    }

    /// The collection, checked to be bound to this model.
    public func boundCollection(_ name: String) async throws -> CollectionSpec {
        guard let spec = try await store.collection(named: name) else { throw StoreError.collectionNotFound(name) }
        let bound = Self.modelName(of: spec.model)
        guard bound == modelName, spec.dimensions <= engine.dimension else {
            throw KnowledgeBaseError.modelMismatch(collection: name, boundTo: bound, serving: modelName)
        }
        return spec
    }

    // MARK: Embedding helpers

    /// Embeds texts as documents (the model's document prompt, no instruction), `embeddingBatchTokens` at a time,
    /// truncated to the model's context, reporting the inputs done after each call: the vectors ingestion stores.
    public func embedDocuments(
        _ texts: [String], dimensions: Int, progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> [[Float]] {
        try await embedBatched(texts.map(documentTokens), dimensions: dimensions, progress: progress)
    }

    /// The ids a chunk or document is embedded from: the configured document prompt, then the text.
    public func documentTokens(_ text: String) -> [Int32] {
        engine.encoder.ids(for: (configuration.documentPrefix ?? "") + text)
    }

    /// Tokens the document prompt adds to every chunk (0 for none).
    var documentPromptTokens: Int {
        configuration.documentPrefix.map { engine.encoder.ids(for: $0, raw: true).count } ?? 0
    }

    /// The ids a query is embedded from: the configured prefix, then the model's query instruction.
    public func queryTokens(_ query: String) -> [Int32] {
        engine.encoder.ids(for: (configuration.queryPrefix ?? "") + query, instruction: configuration.queryInstruction)
    }

    /// Embeds queries as `search` does, batched (evaluation embeds thousands at once).
    public func embedQueries(_ queries: [String], dimensions: Int) async throws -> [[Float]] {
        try await embedBatched(queries.map(queryTokens), dimensions: dimensions)
    }

    /// Runs token-id inputs through the engine in calls of at most `embeddingBatchTokens` tokens.
    private func embedBatched(
        _ ids: [[Int32]], dimensions: Int, progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> [[Float]] {
        var out: [[Float]] = []
        out.reserveCapacity(ids.count)
        var start = 0
        while start < ids.count {
            var end = start, used = 0
            while end < ids.count, end == start || used + ids[end].count <= configuration.embeddingBatchTokens {
                used += ids[end].count
                end += 1
            }
            out += try await engine.embed(tokenized: Array(ids[start..<end]), dimensions: cut(dimensions), truncate: true)
            start = end
            progress(start, ids.count)
        }
        return out
    }

    /// Embeds one query with the model's query instruction; `truncated` when its tokens did not fit the model's
    /// context and only the first ones were read.
    func embedQuery(_ query: String, dimensions: Int) async throws -> (vector: [Float], truncated: Bool) {
        let ids = queryTokens(query)
        let vector = try await engine.embed(tokenized: [ids], dimensions: cut(dimensions), truncate: true)[0]
        return (vector, ids.count > engine.contextLength)
    }

    /// nil when the collection keeps the full vector (no renormalisation needed beyond the engine's).
    private func cut(_ dimensions: Int) -> Int? { dimensions == engine.dimension ? nil : dimensions }
}
