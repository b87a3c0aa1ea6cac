import ContentHashing
import FolioEmbedder
import Foundation
import KnowledgeBase
import KnowledgeStore

/// Runs a retrieval evaluation through the knowledge base users search: the corpus becomes a collection (one
/// document a corpus entry, one chunk holding its whole embedding text), and every query runs
/// `KnowledgeBase.search`, so `vector` and `hybrid` rank exactly as `folio kb search` does on that collection.
public enum RetrievalEvaluation {
    /// How documents are ranked: the knowledge base's own modes.
    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// Exact cosine similarity of the embeddings.
        case vector
        /// The knowledge base's hybrid search: cosine and BM25 rankings fused by reciprocal rank.
        case hybrid

        var searchMode: SearchMode { self == .vector ? .vector : .hybrid }
    }

    /// Choices of one run, with documented defaults.
    public struct Options: Sendable {
        public var mode: Mode
        /// Text put before each query as it is, e.g. a sentence-transformers prompt; nil for none.
        public var queryPrefix: String?
        /// Text put before each corpus document as it is embedded (e5's `passage: `); nil for none.
        public var documentPrefix: String?
        /// A retrieval task for Folio's `Instruct: {task}\nQuery:{text}` query format; nil for none.
        public var instruction: String?
        /// Documents kept per query before scoring (100 covers Recall@100).
        public var depth: Int
        /// The collection the corpus is stored in.
        public var collection: String
        /// First-stage results the reranker reorders, when one is given.
        public var rerankDepth: Int

        /// Vector mode, no prompts or instruction, 100 documents a query, collection `eval`, 100 reranked.
        public init(mode: Mode = .vector, queryPrefix: String? = nil, documentPrefix: String? = nil,
                    instruction: String? = nil, depth: Int = 100, collection: String = "eval", rerankDepth: Int = 100) {
            self.mode = mode
            self.queryPrefix = queryPrefix
            self.documentPrefix = documentPrefix
            self.instruction = instruction
            self.depth = depth
            self.collection = collection
            self.rerankDepth = rerankDepth
        }
    }

    /// What a run measured.
    public struct Report: Sendable, Encodable {
        public var mode: Mode
        public var metrics: RetrievalMetrics
        /// The same queries after the reranker reordered the first stage's best `rerankDepth`; nil without one.
        public var reranked: RetrievalMetrics?
        public var documents: Int
        public var queries: Int
        /// Tokens the model saw (corpus and queries, special tokens included, after truncation).
        public var tokens: Int
        /// Seconds spent embedding (corpus and queries).
        public var embeddingSeconds: Double
        public var tokensPerSecond: Double
        /// Query id -> corpus ids, best first (at most `depth`), before and after reranking; not in the JSON summary.
        public var rankings: [String: [String]]
        public var rerankedRankings: [String: [String]]

        enum CodingKeys: String, CodingKey {
            case mode, metrics, reranked, documents, queries, tokens, embeddingSeconds, tokensPerSecond
        }
    }

    /// Stores `dataset` in a new collection of `store`, embedded by `embedder`, then ranks every judged query
    /// with the knowledge base's search and scores the rankings against the qrels. `modelPath` is the locator
    /// the collection is bound to. With a `reranker`, every query also runs the knowledge base's reranked search.
    /// `progress(stage, done, total)` reports "corpus", "storing" and "queries".
    public static func run(
        embedder: Embedder, modelPath: String, dataset: BEIRDataset, store: any KnowledgeStore,
        reranker: (any RerankingEngine)? = nil, options: Options = .init(),
        progress: @escaping @Sendable (String, Int, Int) -> Void = { _, _, _ in }
    ) async throws -> Report {
        let kb = KnowledgeBase(store: store, engine: embedder, configuration: .init(
            model: modelPath, queryInstruction: options.instruction, queryPrefix: options.queryPrefix,
            documentPrefix: options.documentPrefix), reranker: reranker)
        let spec = try await kb.createCollection(name: options.collection)
        let judged = dataset.queries.filter { dataset.qrels[$0.id] != nil }
        let texts = dataset.documents.map(\.embeddingText)

        // 1. Embed the corpus as documents and the queries as the knowledge base formats them (timed together).
        let clock = ContinuousClock()
        let start = clock.now
        let vectors = try await kb.embedDocuments(texts, dimensions: spec.dimensions) { progress("corpus", $0, $1) }
        let queryVectors = try await kb.embedQueries(judged.map(\.text), dimensions: spec.dimensions)
        let seconds = (clock.now - start) / .seconds(1)
        let context = embedder.contextLength
        let tokens = texts.reduce(0) { $0 + min(embedder.encoder.ids(for: $1).count, context) }
            + judged.reduce(0) { $0 + min(kb.queryTokens($1.text).count, context) }

        // 2. Store each corpus entry as a document whose one chunk is its embedding text.
        for (i, (document, vector)) in zip(dataset.documents, vectors).enumerated() {
            let text = texts[i], length = text.unicodeScalars.count
            let hash = ContentHash.of(text)
            _ = try await store.addDocument(
                NewDocument(collection: spec.name, title: document.title, source: document.id, mediaType: "text/plain",
                            contentHash: hash, byteSize: text.utf8.count, metadata: [:], text: text, pages: [],
                            tokenCount: 0, vector: vector),
                chunks: [NewChunk(text: text, start: 0, end: length, page: nil, tokenCount: 0, textHash: hash, vector: vector)],
                replacing: nil)
            if (i + 1) % 256 == 0 || i + 1 == texts.count { progress("storing", i + 1, texts.count) }
        }

        // 3. Rank each query with the knowledge base's search over whole documents.
        var rankings: [String: [String]] = [:], reranked: [String: [String]] = [:]
        for (n, (query, vector)) in zip(judged, queryVectors).enumerated() {
            var request = SearchRequest(
                collection: spec.name, query: query.text, k: options.depth, mode: options.mode.searchMode,
                target: .documents, queryVector: vector)
            rankings[query.id] = try await kb.search(request).map(\.source)
            if reranker != nil {
                request.rerank = true
                request.candidates = options.rerankDepth
                reranked[query.id] = try await kb.search(request).map(\.source)
            }
            if (n + 1) % 64 == 0 || n + 1 == judged.count { progress("queries", n + 1, judged.count) }
        }
        let metrics = RetrievalMetrics.evaluate(rankings: rankings, qrels: dataset.qrels)
        let rerankedMetrics = reranker == nil ? nil : RetrievalMetrics.evaluate(rankings: reranked, qrels: dataset.qrels)
        return Report(mode: options.mode, metrics: metrics, reranked: rerankedMetrics, documents: texts.count, queries: judged.count,
                      tokens: tokens, embeddingSeconds: seconds, tokensPerSecond: Double(tokens) / max(seconds, 1e-9),
                      rankings: rankings, rerankedRankings: reranked)
    }
}

extension BEIRDataset {
    /// A subset for quick runs: the first `n` documents, and only the judgements (and so the queries)
    /// that point at them.
    public func limited(toDocuments n: Int) -> BEIRDataset {
        guard n < documents.count else { return self }
        let kept = Array(documents.prefix(n))
        let ids = Set(kept.map(\.id))
        var subset: [String: [String: Int]] = [:]
        for (q, judged) in qrels {
            let inside = judged.filter { ids.contains($0.key) }
            if inside.values.contains(where: { $0 > 0 }) { subset[q] = inside }
        }
        return BEIRDataset(documents: kept, queries: queries, qrels: subset)
    }
}
