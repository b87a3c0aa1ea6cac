import ArgumentParser
import Evaluation
import FolioEmbedder
import Foundation
import KnowledgeBase

/// `folio eval`: retrieval quality of a model on a BEIR-layout test set, ranked by the knowledge base's search.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure retrieval quality (nDCG@10, Recall@100, MRR@10) on a BEIR folder with the knowledge base's search.",
        discussion: """
        DIR holds corpus.jsonl ({"_id", "title", "text"}), queries.jsonl ({"_id", "text"}) and
        qrels/SPLIT.tsv (a header line, then query-id, corpus-id, score). Each document becomes one document of a
        knowledge-base collection, embedded as (title + " " + text), trimmed, as BEIR's sentence-transformers
        wrapper does; inputs longer than the model's context are truncated. Queries run `folio kb search`'s own
        search over whole documents, formatted as the knowledge base formats them (the model folder's
        sentence-transformers query prompt, else the model's query instruction) unless --instruction is given.
        The collection lives in a temporary SQLite file, or in --data DIR, where `folio kb search` can query it.
        """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "A BEIR-layout folder.") var dataset: String
    @Option(help: "The qrels file to score against (qrels/SPLIT.tsv).") var split = "test"
    @Option(help: "vector (exact cosine) or hybrid (the knowledge base's cosine and BM25 fusion).")
    var mode: RetrievalEvaluation.Mode = .vector
    @Option(help: "Embed queries as Instruct: TASK\\nQuery:TEXT (Qwen3-Embedding style).") var instruction: String?
    @Flag(help: "Embed queries and documents as they are, with no prompt or instruction.") var plainQueries = false
    @Option(help: "Use only the first N documents (and the queries judged against them), for quick runs.")
    var limitCorpus: Int?
    @Option(help: "Keep the collection in this data folder (default: a temporary one, deleted afterwards).")
    var data: String?
    @Option(help: "The collection's name in --data.") var collection = "eval"
    @Option(help: "Also rank with this reranker (Qwen3-Reranker or a cross-encoder) and report both.") var reranker: String?
    @Option(help: "First-stage results the reranker reorders.") var rerankDepth = 100
    @Option(help: "Write each query's ranking (JSON Lines: {\"query\", \"ranking\"}) to this file.") var rankings: String?
    @Flag(help: "Print JSON for machines.") var json = false

    func run() async throws {
        let scratch = data == nil
            ? FileManager.default.temporaryDirectory.appendingPathComponent("folio-eval-\(UUID().uuidString)") : nil
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        try await reportingErrors {
            var set = try BEIRDataset.load(folder: dataset, split: split)
            if let n = limitCorpus { set = set.limited(toDocuments: n) }
            let model = modelOptions.model, path = try await modelOptions.localPath()
            let embedder = try Embedder.load(path: path, configuration: .init(threads: modelOptions.threads))
            let defaults = KnowledgeBaseConfiguration.forModel(model, prompts: embedder.prompts)
            let asConfigured = instruction == nil && !plainQueries
            let options = RetrievalEvaluation.Options(
                mode: mode, queryPrefix: asConfigured ? defaults.queryPrefix : nil,
                documentPrefix: plainQueries ? nil : defaults.documentPrefix,
                instruction: plainQueries ? nil : instruction ?? defaults.queryInstruction, collection: collection,
                rerankDepth: rerankDepth)
            var second: Reranker?
            if let reranker {
                second = try Reranker.load(
                    path: try await ModelLocator.localPath(for: reranker), configuration: .init(threads: modelOptions.threads))
            }
            let store = try await StoreOptions.parse(["--data", data ?? scratch!.path]).open()
            let progress = ProgressLine()
            let report = try await RetrievalEvaluation.run(
                embedder: embedder, modelPath: model, dataset: set, store: store, reranker: second, options: options
            ) { progress.update("\($0) \($1)/\($2)") }
            progress.finish()
            guard report.queries > 0 else { throw EvaluationError.noJudgedQueries(path: dataset) }
            if let rankings {
                try Self.write(report.rankings, reranked: report.rerankedRankings, order: set.queries.map(\.id), to: rankings)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            let m = report.metrics
            print("""
            dataset:     \(dataset) (\(split))
            model:       \(modelOptions.model)
            mode:        \(report.mode.rawValue)
            documents:   \(report.documents)
            queries:     \(report.queries)
            nDCG@10:     \(String(format: "%.4f", m.ndcgAt10))
            Recall@100:  \(String(format: "%.4f", m.recallAt100))
            MRR@10:      \(String(format: "%.4f", m.mrrAt10))\(Self.rerankedLines(report.reranked))
            tokens:      \(report.tokens) in \(String(format: "%.2f", report.embeddingSeconds)) s, \
            \(String(format: "%.0f", report.tokensPerSecond)) tokens/s
            """)
        }
    }

    /// One line a ranked query, in the order of queries.jsonl: `{"query", "ranking"}`, with `"reranked"` when reranked.
    static func write(_ rankings: [String: [String]], reranked: [String: [String]], order: [String], to path: String) throws {
        var out = Data()
        for id in order {
            guard let ranking = rankings[id] else { continue }
            var line: [String: Any] = ["query": id, "ranking": ranking]
            line["reranked"] = reranked[id]
            out += try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
            out += Data("\n".utf8)
        }
        try out.write(to: URL(fileURLWithPath: path))
    }
}

extension RetrievalEvaluation.Mode: ExpressibleByArgument {}

/// One progress line on standard error, rewritten in place.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var last = Date.distantPast
    /// A redrawn line only makes sense on a terminal; in a log file it would be noise.
    let enabled = isatty(2) == 1

    /// Redraws the line, at most five times a second unless `force` (a new stage, which must not be dropped).
    func update(_ text: String, force: Bool = false) {
        guard enabled else { return }
        // A few updates a second are enough to read.
        lock.lock()
        defer { lock.unlock() }
        guard force || Date().timeIntervalSince(last) > 0.2 else { return }
        last = Date()
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
    }

    func finish() { if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }
}

extension EvalCommand {
    /// The reranked metrics under the first stage's, or nothing.
    static func rerankedLines(_ m: RetrievalMetrics?) -> String {
        guard let m else { return "" }
        return "\nreranked:    nDCG@10 \(String(format: "%.4f", m.ndcgAt10)), Recall@100 \(String(format: "%.4f", m.recallAt100)), "
            + "MRR@10 \(String(format: "%.4f", m.mrrAt10))"
    }
}
