import FolioEmbedder
import Foundation
import KnowledgeBase

/// What every rerank route shares: checks, the reranker's queue, scores sorted best first.
///
/// One request is one engine call (its pairs share the query's prefix), and calls run one at a time on a
/// queue of their own, off Swift's cooperative pool. A request that would push the queue past
/// `maxQueuedTokens` gets 429, unless the queue is empty.
final class RerankService: @unchecked Sendable {
    /// Most documents one request may send (Cohere's limit).
    static let maxDocuments = 1000

    let reranker: Reranker
    let metrics: ServerMetrics
    private let maxQueuedTokens: Int
    private let queue = DispatchQueue(label: "folio-rerank")
    private let lock = NSLock()
    private var queuedTokens = 0           // guarded by `lock`
    private var tokensPerSecond = 0.0      // guarded by `lock`

    init(reranker: Reranker, metrics: ServerMetrics, maxQueuedTokens: Int) {
        self.reranker = reranker
        self.metrics = metrics
        self.maxQueuedTokens = maxQueuedTokens
    }

    struct Job: Sendable {
        var query: String
        var documents: [String]
        var options: RerankOptions
        /// The request field holding the documents, named in errors ("documents", "texts").
        var documentsParam: String
    }

    struct Scored: Sendable {
        var index: Int
        var score: Float
    }

    struct Output: Sendable {
        /// Best first; ties keep the request's order.
        var ranked: [Scored]
        var totalTokens: Int
    }

    func rerank(_ job: Job) async throws -> Output {
        if job.query.isEmpty { throw APIError.invalidRequest("query is empty; send the text to rank the documents against", param: "query") }
        if job.documents.isEmpty {
            throw APIError.invalidRequest("\(job.documentsParam) is empty; send at least one document", param: job.documentsParam)
        }
        if job.documents.count > Self.maxDocuments {
            throw APIError.invalidRequest(
                "\(job.documentsParam) has \(job.documents.count) documents, more than \(Self.maxDocuments); split them into several requests",
                param: job.documentsParam)
        }
        if let i = job.documents.firstIndex(where: \.isEmpty) {
            throw APIError.invalidRequest("document \(i) is empty; give at least one character", param: job.documentsParam, code: "empty_input")
        }
        do {
            let sequences = try reranker.sequences(query: job.query, documents: job.documents, options: job.options)
            let tokens = sequences.reduce(0) { $0 + $1.ids.count }
            let scores = try await run(tokens: tokens) { try self.reranker.score(sequences, options: job.options) }
            metrics.recordReranked(documents: job.documents.count, tokens: tokens)
            let ranked = scores.enumerated().map { Scored(index: $0.offset, score: $0.element) }
                .sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
            return Output(ranked: ranked, totalTokens: tokens)
        } catch let error as EmbedderError {
            throw APIError(error, inputParam: job.documentsParam)
        }
    }

    /// Counts `tokens` as queued, or throws 429 when they would overfill a non-empty queue.
    private func admit(_ tokens: Int) throws {
        lock.lock(); defer { lock.unlock() }
        if queuedTokens > 0 && queuedTokens + tokens > maxQueuedTokens {
            let seconds = tokensPerSecond > 0 ? Double(queuedTokens) / tokensPerSecond : 1
            throw APIError.overloaded(retryAfter: Int(min(60, max(1, seconds.rounded(.up)))))
        }
        queuedTokens += tokens
    }

    /// Pairs waiting for the engine, in tokens.
    var queueTokens: Int { lock.lock(); defer { lock.unlock() }; return queuedTokens }

    /// Runs `work` on the reranker's queue once earlier calls are done; 429 when the queue is full.
    private func run<T: Sendable>(tokens: Int, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try admit(tokens)
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                let start = ContinuousClock.now
                let result = Result { try work() }
                let seconds = (ContinuousClock.now - start) / .seconds(1)
                self.lock.lock()
                self.queuedTokens -= tokens
                if seconds > 0 {
                    let rate = Double(tokens) / seconds
                    self.tokensPerSecond = self.tokensPerSecond == 0 ? rate : 0.8 * self.tokensPerSecond + 0.2 * rate
                }
                self.lock.unlock()
                continuation.resume(with: result)
            }
        }
    }
}

/// The knowledge base's second stage inside the server: its candidates join the rerank queue, so searches and
/// `/v1/rerank` requests take turns.
struct QueuedReranker: RerankingEngine {
    let service: RerankService

    func relevance(query: String, documents: [String]) async throws -> [Double] {
        guard !documents.isEmpty else { return [] }
        let out = try await service.rerank(.init(query: query, documents: documents, options: .init(), documentsParam: "documents"))
        var scores = [Double](repeating: 0, count: documents.count)
        for s in out.ranked { scores[s.index] = Double(s.score) }
        return scores
    }
}
