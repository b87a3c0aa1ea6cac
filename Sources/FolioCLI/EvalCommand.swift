import ArgumentParser
import FolioEmbedder
import Foundation

/// `folio eval`: retrieval quality of a model on a BEIR-layout test set, with exact cosine search.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure retrieval quality (nDCG@10, Recall@100, MRR@10) on a BEIR folder with exact search.",
        discussion: """
        DIR holds corpus.jsonl ({"_id", "title", "text"}), queries.jsonl ({"_id", "text"}) and
        qrels/SPLIT.tsv (a header line, then query-id, corpus-id, score). Documents are embedded as
        (title + " " + text), trimmed, as BEIR's sentence-transformers wrapper does; inputs longer than the
        model's context are truncated. Queries take the model folder's sentence-transformers query prompt
        (config_sentence_transformers.json) unless --instruction is given.
        """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "A BEIR-layout folder.") var dataset: String
    @Option(help: "The qrels file to score against (qrels/SPLIT.tsv).") var split = "test"
    @Option(help: "vector (exact cosine) or hybrid (cosine fused with BM25 by reciprocal rank, k = 60).")
    var mode: RetrievalEvaluation.Mode = .vector
    @Option(help: "Embed queries as Instruct: TASK\\nQuery:TEXT (Qwen3-Embedding style).") var instruction: String?
    @Option(help: "Use only the first N documents (and the queries judged against them), for quick runs.")
    var limitCorpus: Int?
    @Flag(help: "Print JSON for machines.") var json = false

    func run() async throws {
        try await reportingErrors {
            var data = try BEIRDataset.load(folder: dataset, split: split)
            if let n = limitCorpus { data = data.limited(toDocuments: n) }
            let modelPath = try await modelOptions.localPath()
            let embedder = try Embedder.load(path: modelPath, configuration: .init(threads: modelOptions.threads))
            let prefix = instruction == nil ? RetrievalEvaluation.configuredQueryPrefix(modelPath: modelPath) : nil
            let options = RetrievalEvaluation.Options(mode: mode, queryPrefix: prefix, instruction: instruction)
            let progress = ProgressLine()
            let report = try RetrievalEvaluation.run(embedder: embedder, dataset: data, options: options) {
                progress.update("\($0) \($1)/\($2)")
            }
            progress.finish()
            guard report.queries > 0 else { throw EvaluationError.noJudgedQueries(path: dataset) }
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
            MRR@10:      \(String(format: "%.4f", m.mrrAt10))
            tokens:      \(report.tokens) in \(String(format: "%.2f", report.embeddingSeconds)) s, \
            \(String(format: "%.0f", report.tokensPerSecond)) tokens/s
            """)
        }
    }
}

extension RetrievalEvaluation.Mode: ExpressibleByArgument {}

/// One progress line on standard error, rewritten in place.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var last = Date.distantPast
    /// A redrawn line only makes sense on a terminal; in a log file it would be noise.
    private let enabled = isatty(2) == 1

    func update(_ text: String) {
        guard enabled else { return }
        // A few updates a second are enough to read.
        lock.lock()
        defer { lock.unlock() }
        guard Date().timeIntervalSince(last) > 0.2 else { return }
        last = Date()
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
    }

    func finish() { if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }
}
