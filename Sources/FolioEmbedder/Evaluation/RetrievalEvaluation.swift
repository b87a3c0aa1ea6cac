import Foundation
import FolioTensor

/// Runs a retrieval evaluation: embed the corpus and the queries, rank by exact cosine (optionally
/// fused with BM25), score against the qrels.
public enum RetrievalEvaluation {
    /// How documents are ranked.
    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// Exact cosine similarity of the embeddings.
        case vector
        /// Cosine and BM25 rankings fused by reciprocal rank (k = 60).
        case hybrid
    }

    /// Choices of one run, with documented defaults.
    public struct Options: Sendable {
        public var mode: Mode
        /// Text put before each query as it is, e.g. a sentence-transformers prompt; nil for none.
        public var queryPrefix: String?
        /// A retrieval task for Folio's `Instruct: {task}\nQuery:{text}` query format; nil for none.
        public var instruction: String?
        /// Texts per `Embedder.embed` call (progress is reported after each).
        public var chunk: Int
        /// Documents kept per query before scoring (100 covers Recall@100).
        public var depth: Int

        /// Vector mode, no query prefix or instruction, 256 texts a call, 100 documents a query.
        public init(mode: Mode = .vector, queryPrefix: String? = nil, instruction: String? = nil,
                    chunk: Int = 256, depth: Int = 100) {
            self.mode = mode
            self.queryPrefix = queryPrefix
            self.instruction = instruction
            self.chunk = chunk
            self.depth = depth
        }
    }

    /// What a run measured.
    public struct Report: Sendable, Codable {
        public var mode: Mode
        public var metrics: RetrievalMetrics
        public var documents: Int
        public var queries: Int
        /// Tokens the model saw (corpus and queries, special tokens included, after truncation).
        public var tokens: Int
        /// Seconds spent embedding (corpus and queries).
        public var embeddingSeconds: Double
        public var tokensPerSecond: Double
    }

    /// Embeds `dataset` with `embedder` and scores the rankings against its qrels (only queries that
    /// have judgements are embedded). `progress(stage, done, total)` is called after each chunk ("corpus" or "queries").
    public static func run(embedder: Embedder, dataset: BEIRDataset, options: Options = .init(),
                           progress: ((String, Int, Int) -> Void)? = nil) throws -> Report {
        let judged = dataset.queries.filter { dataset.qrels[$0.id] != nil }
        var tokens = 0
        let clock = ContinuousClock()
        let start = clock.now
        func embed(_ texts: [String], stage: String, instruction: String?) throws -> [[Float]] {
            var vectors: [[Float]] = []
            vectors.reserveCapacity(texts.count)
            for s in stride(from: 0, to: texts.count, by: options.chunk) {
                let part = Array(texts[s ..< min(s + options.chunk, texts.count)])
                let out = try embedder.embed(part, options: .init(instruction: instruction, truncate: true))
                for e in out { vectors.append(e.vector); tokens += e.tokenCount }
                progress?(stage, vectors.count, texts.count)
            }
            return vectors
        }
        let documents = try embed(dataset.documents.map(\.embeddingText), stage: "corpus", instruction: nil)
        let queryTexts = judged.map { (options.queryPrefix ?? "") + $0.text }
        let queries = try embed(queryTexts, stage: "queries", instruction: options.instruction)
        let seconds = (clock.now - start) / .seconds(1)

        let hits = ExactSearch(vectors: documents).search(queries, k: options.depth)
        var rankings: [String: [String]] = [:]
        switch options.mode {
        case .vector:
            for (q, list) in zip(judged, hits) { rankings[q.id] = list.map { dataset.documents[$0.index].id } }
        case .hybrid:
            let bm25 = BM25(documents: dataset.documents.map(\.embeddingText))
            for (q, list) in zip(judged, hits) {
                let lexical = bm25.search(q.text, k: options.depth).map(\.index)
                let fused = ReciprocalRankFusion.fuse([list.map(\.index), lexical], k: 60)
                rankings[q.id] = fused.prefix(options.depth).map { dataset.documents[$0].id }
            }
        }
        let metrics = RetrievalMetrics.evaluate(rankings: rankings, qrels: dataset.qrels)
        return Report(mode: options.mode, metrics: metrics, documents: documents.count, queries: judged.count,
                      tokens: tokens, embeddingSeconds: seconds, tokensPerSecond: Double(tokens) / max(seconds, 1e-9))
    }

    /// The query prompt of a sentence-transformers folder: `prompts[default_prompt_name]` or
    /// `prompts["query"]` in `config_sentence_transformers.json`; nil when there is none (all-MiniLM-L6-v2).
    public static func configuredQueryPrefix(modelPath: String) -> String? {
        let url = URL(fileURLWithPath: modelPath).appendingPathComponent("config_sentence_transformers.json")
        guard let data = FileManager.default.contents(atPath: url.path),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let prompts = object["prompts"] as? [String: String] else { return nil }
        let name = object["default_prompt_name"] as? String ?? "query"
        return prompts[name].flatMap { $0.isEmpty ? nil : $0 }
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
