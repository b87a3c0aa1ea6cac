import Foundation
import KnowledgeStore

/// How a search ranks.
public enum SearchMode: String, Sendable, Codable, CaseIterable {
    /// Reciprocal rank fusion of the meaning and keyword rankings.
    case hybrid
    /// Cosine similarity of the query's and the passages' vectors.
    case vector
    /// BM25 over the words (Chinese and Japanese by character bigrams).
    case keyword
}

/// A search of one collection, with documented defaults.
public struct SearchRequest: Sendable {
    public var collection: String
    public var query: String
    /// Results wanted (1…1000).
    public var k: Int
    public var mode: SearchMode
    public var target: SearchTarget
    public var filter: SearchFilter
    /// Weights of the two rankings in hybrid mode: score = Σ weight / (60 + rank).
    public var vectorWeight: Double
    public var keywordWeight: Double
    /// The query's vector when the caller embedded it already (`embedQueries`, for many queries at once); nil
    /// embeds `query`. Its length must be the collection's dimensions.
    public var queryVector: [Float]?
    /// Reorders the first stage's best `candidates` with the knowledge base's reranker (`KnowledgeBase.reranker`).
    public var rerank: Bool
    /// How many first-stage results the reranker reads (1…1000; at least `k` are kept).
    public var candidates: Int

    public init(
        collection: String, query: String, k: Int = 10, mode: SearchMode = .hybrid, target: SearchTarget = .chunks,
        filter: SearchFilter = .none, vectorWeight: Double = 1, keywordWeight: Double = 1, queryVector: [Float]? = nil,
        rerank: Bool = false, candidates: Int = 50
    ) {
        self.collection = collection
        self.query = query
        self.k = k
        self.mode = mode
        self.target = target
        self.filter = filter
        self.vectorWeight = vectorWeight
        self.keywordWeight = keywordWeight
        self.queryVector = queryVector
        self.rerank = rerank
        self.candidates = candidates
    }
}

/// One result, ready to show: where it is, the passage, the query's words marked in it, and its scores.
public struct SearchResult: Sendable, Equatable {
    /// 1-based.
    public var rank: Int
    public var documentID: DocumentID
    public var title: String
    public var source: String
    public var page: Int?
    /// The chunk's position and offsets in its document; nil when searching documents.
    public var ordinal: Int?
    public var start: Int?
    public var end: Int?
    /// The chunk's text, or the document's first 300 characters.
    public var text: String
    /// Spans of `text` (Unicode scalar offsets) holding the query's words.
    public var highlights: [Range<Int>]
    /// The ranking score: the reranker's when reranked, else the mode's (cosine, BM25, or the fused score).
    public var score: Double
    public var vectorScore: Double?
    public var keywordScore: Double?
    /// With reranking: the reranker's relevance, and the first stage's score and 1-based rank.
    public var rerankScore: Double?
    public var firstStageScore: Double?
    public var firstStageRank: Int?
}

/// Search results, and how many documents whole-document ranking by meaning could not see yet.
public struct SearchReport: Sendable, Equatable {
    public var results: [SearchResult]
    /// For `target: .documents` in `vector` or `hybrid` mode: documents still waiting for their document vector
    /// (ingestion's phase two); they are found by keywords only until it is stored. 0 otherwise.
    public var pendingDocumentVectors: Int
    /// Only the query's start was searched for: it was longer than `KnowledgeBase.maxQueryScalars` characters, or
    /// its tokens did not fit the model's context (the vector side read the first ones).
    public var queryTruncated = false
}

extension KnowledgeBase {
    /// Reciprocal-rank-fusion constant (Cormack et al. 2009).
    static let rrfK = 60.0

    /// Unicode scalars of a query that search reads; a longer query is cut there and the report says so. Past any
    /// model's context in tokens for most text (the vector side reads at most the context), and it keeps a
    /// pasted book from holding the engine and the keyword index for seconds.
    public static let maxQueryScalars = 16_384

    /// Searches a collection by meaning, keywords or both (see `searchReport`).
    public func search(_ request: SearchRequest) async throws -> [SearchResult] {
        try await searchReport(request).results
    }

    /// Searches a collection by meaning, keywords or both. Queries get the model's query instruction. Whole-document
    /// ranking by meaning uses the documents whose vector is stored and says how many still wait for it; on a
    /// collection without document vectors it throws `noDocumentVectors`.
    public func searchReport(_ request: SearchRequest) async throws -> SearchReport {
        var query = request.query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty else { throw KnowledgeBaseError.emptyQuery }
        var truncated = query.unicodeScalars.count > Self.maxQueryScalars
        if truncated { query = String(String.UnicodeScalarView(query.unicodeScalars.prefix(Self.maxQueryScalars))) }
        guard (1...1000).contains(request.k) else {
            throw KnowledgeBaseError.badSearchParameter(name: "k", value: "\(request.k)", expected: "1 to 1000")
        }
        guard request.vectorWeight >= 0, request.keywordWeight >= 0, request.vectorWeight + request.keywordWeight > 0 else {
            throw KnowledgeBaseError.badSearchParameter(
                name: "weights", value: "\(request.vectorWeight), \(request.keywordWeight)", expected: "non-negative, not both 0")
        }
        let reranker = try request.rerank ? requireReranker(candidates: request.candidates) : nil
        let spec = try await boundCollection(request.collection)
        // The first stage keeps what the reranker reads; fusion looks deeper so a passage ranked moderately by
        // both lists can surface.
        let kept = reranker == nil ? request.k : max(request.k, request.candidates)
        let depth = request.mode == .hybrid ? max(kept * 4, 50) : kept
        var vectorHits: [SearchHit] = [], keywordHits: [SearchHit] = []
        var pending = 0
        if request.mode != .keyword, request.target == .documents {
            guard spec.documentVectors else { throw KnowledgeBaseError.noDocumentVectors(collection: spec.name) }
            pending = try await store.pendingDocumentVectors(in: spec.name, limit: 0).total
        }
        if request.mode != .keyword {
            let q: [Float]
            if let given = request.queryVector {
                guard given.count == spec.dimensions else {
                    throw KnowledgeBaseError.badSearchParameter(
                        name: "queryVector", value: "\(given.count) values", expected: "\(spec.dimensions) values")
                }
                q = given
            } else {
                let embedded = try await embedQuery(query, dimensions: spec.dimensions)
                q = embedded.vector
                truncated = truncated || embedded.truncated
            }
            vectorHits = try await store.vectorSearch(
                collection: spec.name, query: q, k: depth, target: request.target, filter: request.filter)
        }
        if request.mode != .vector {
            keywordHits = try await store.keywordSearch(
                collection: spec.name, query: query, k: depth, target: request.target, filter: request.filter)
        }
        var ranked = Array(Self.fuse(
            vector: vectorHits, keyword: keywordHits, mode: request.mode,
            weights: (request.vectorWeight, request.keywordWeight)
        ).prefix(kept))
        if let reranker { ranked = try await rerank(ranked, query: query, with: reranker) }
        return SearchReport(
            results: try await present(Array(ranked.prefix(request.k)), query: query), pendingDocumentVectors: pending,
            queryTruncated: truncated)
    }

    /// A hit's identity: the chunk (document, ordinal) or the whole document.
    struct HitKey: Hashable {
        var document: DocumentID
        var ordinal: Int?
    }

    struct Ranked {
        var hit: SearchHit
        var score: Double
        var vector: Double?
        var keyword: Double?
        /// Set by reranking: the first stage's score and 1-based rank, and the reranker's score.
        var firstStage: (score: Double, rank: Int)? = nil
        var rerank: Double? = nil
    }

    /// Orders hits by the mode's score; in hybrid mode by Σ weight / (60 + rank) over the two lists.
    static func fuse(vector: [SearchHit], keyword: [SearchHit], mode: SearchMode, weights: (Double, Double)) -> [Ranked] {
        switch mode {
        case .vector: return vector.map { Ranked(hit: $0, score: $0.score, vector: $0.score) }
        case .keyword: return keyword.map { Ranked(hit: $0, score: $0.score, keyword: $0.score) }
        case .hybrid:
            var merged: [HitKey: Ranked] = [:]
            var order: [HitKey] = []
            for (list, weight, isVector) in [(vector, weights.0, true), (keyword, weights.1, false)] {
                for (rank, hit) in list.enumerated() {
                    let key = HitKey(document: hit.documentID, ordinal: hit.chunk?.ordinal)
                    if merged[key] == nil {
                        merged[key] = Ranked(hit: hit, score: 0)
                        order.append(key)
                    }
                    merged[key]!.score += weight / (rrfK + Double(rank + 1))
                    if isVector { merged[key]!.vector = hit.score } else { merged[key]!.keyword = hit.score }
                }
            }
            // Stable: ties keep the vector list's order.
            return order.enumerated().sorted { a, b in
                let (x, y) = (merged[a.element]!.score, merged[b.element]!.score)
                return x != y ? x > y : a.offset < b.offset
            }.map { merged[$0.element]! }
        }
    }

    /// Adds titles, passages and highlights, reading every hit's document in one store call.
    private func present(_ ranked: [Ranked], query: String) async throws -> [SearchResult] {
        let queryTerms = Set(KeywordSegmenter.queryTerms(query))
        let wholeDocuments = ranked.contains { $0.hit.chunk == nil }
        let previews = try await store.documentPreviews(
            ids: ranked.map(\.hit.documentID), prefix: wholeDocuments ? Self.previewScalars : 0)
        var results: [SearchResult] = []
        for r in ranked {
            guard let preview = previews[r.hit.documentID] else { continue }  // deleted since the search ran
            let doc = preview.summary
            let (text, page) = r.hit.chunk.map { ($0.text, $0.page) } ?? (preview.text, preview.firstPage)
            results.append(SearchResult(
                rank: results.count + 1, documentID: doc.id, title: doc.title, source: doc.source, page: page,
                ordinal: r.hit.chunk?.ordinal, start: r.hit.chunk?.start, end: r.hit.chunk?.end, text: text,
                highlights: Self.highlights(in: text, terms: queryTerms), score: r.score, vectorScore: r.vector,
                keywordScore: r.keyword, rerankScore: r.rerank, firstStageScore: r.firstStage?.score,
                firstStageRank: r.firstStage?.rank))
        }
        return results
    }

    /// How much of a document a whole-document result shows.
    static let previewScalars = 300

    /// Scalar-offset spans of `text` whose keyword terms are among `terms`, merged where they touch or overlap.
    static func highlights(in text: String, terms: Set<String>) -> [Range<Int>] {
        guard !terms.isEmpty else { return [] }
        var spans: [Range<Int>] = []
        var cursor = text.startIndex, offset = 0
        for term in KeywordSegmenter.terms(in: text) where terms.contains(term.text) {
            offset += text.unicodeScalars[cursor..<term.range.lowerBound].count
            let length = text.unicodeScalars[term.range].count
            cursor = term.range.lowerBound
            let span = offset..<(offset + length)
            if let last = spans.last, span.lowerBound <= last.upperBound {
                spans[spans.count - 1] = last.lowerBound..<max(last.upperBound, span.upperBound)
            } else {
                spans.append(span)
            }
        }
        return spans
    }
}
