import ArgumentParser
import FolioEmbedder
import FolioModels
import Foundation

/// `folio rerank`: a query and JSON Lines documents in, `{"index", "score"}` lines out, best first.
struct RerankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerank",
        abstract: "Score documents against a query with a reranker (Qwen3-Reranker or a BERT cross-encoder).",
        discussion: """
        Documents are JSON Lines (a string or {"text": ...} per line; standard input when no --input). Scores are
        probabilities in 0...1 (the sigmoid of the model's logit, as sentence-transformers' CrossEncoder and the
        Qwen3-Reranker model card give them), or the logit itself with --raw-scores.
        """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "What to rank the documents for.") var query: String
    @Option(help: "Qwen3-Reranker's task instruction (default: the web-search retrieval task).") var instruction: String?
    @Option(help: "Input file (JSON Lines); standard input when absent.") var input: String?
    @Option(help: "Keep the N best.") var top: Int?
    @Flag(help: "Print the model's logit instead of its probability.") var rawScores = false
    @Flag(help: "Print one JSON object with the results and token usage.") var json = false
    @Flag(help: "Run every pair whole instead of computing the query's shared prefix once (same scores; for comparisons).")
    var noSharedPrefix = false

    func validate() throws {
        if let top, top < 1 { throw ValidationError("--top must be at least 1, got \(top)") }
    }

    func run() async throws {
        try await reportingErrors {
            let documents = try readInputTexts(path: input)
            let reranker = try Reranker.load(
                path: try await modelOptions.localPath(), configuration: .init(threads: modelOptions.threads))
            let options = RerankOptions(instruction: instruction, rawScores: rawScores, reusePrefix: !noSharedPrefix)
            let scores = try reranker.score(query: query, documents: documents, options: options)
            // Best first; ties keep input order.
            let ranked = scores.enumerated().sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
                .prefix(top ?? scores.count)
            if json {
                let tokens = try reranker.sequences(query: query, documents: documents, options: options)
                    .reduce(0) { $0 + $1.ids.count }
                let object: [String: Any] = [
                    "results": ranked.map { ["index": $0.offset, "score": Double($0.element)] },
                    "usage": ["total_tokens": tokens],
                ]
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
                return
            }
            for (index, score) in ranked { print("{\"index\":\(index),\"score\":\(Double(score))}") }
        }
    }
}
