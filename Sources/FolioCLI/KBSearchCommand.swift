import ArgumentParser
import Foundation
import KnowledgeBase
import KnowledgeStore

/// `folio kb search`: ranked passages (or documents) for a query.
struct KBSearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search", abstract: "Search a collection.")

    @Argument(help: "Collection name.") var name: String
    @Argument(help: "What to look for.") var query: String
    @Option(name: .short, help: "Results to show.") var k = 10
    @Option(help: "hybrid (meaning and keywords), vector (meaning) or keyword.") var mode: SearchMode = .hybrid
    @Option(help: "chunks (passages) or documents (whole-document vectors and text).") var target: SearchTarget = .chunks
    @Option(help: "Only documents with this metadata KEY=VALUE; repeat for several.") var meta: [String] = []
    @Flag(help: "Reorder the first stage's best --candidates with --reranker.") var rerank = false
    @Option(help: "The reranker for --rerank: Qwen3-Reranker or a cross-encoder (FOLIO_RERANKER).") var reranker: String?
    @Option(help: "First-stage results the reranker reads.") var candidates = 50
    @OptionGroup var threadOptions: ThreadOptions
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        _ = try parseMetadata(meta)
        if rerank && rerankerPath == nil {
            throw ValidationError("--rerank needs a reranker: pass --reranker PATH (or set FOLIO_RERANKER)")
        }
    }

    var rerankerPath: String? { reranker ?? ProcessInfo.processInfo.environment["FOLIO_RERANKER"].flatMap { $0.isEmpty ? nil : $0 } }

    func run() async throws {
        try await reportingErrors {
            let filter = SearchFilter(metadata: try parseMetadata(meta))
            let store = try await storeOptions.open()
            let kb = try await openKnowledgeBase(
                store: store, collection: name, threads: threadOptions.threads, reranker: rerank ? rerankerPath : nil)
            let clock = ContinuousClock(), start = clock.now
            let report = try await kb.searchReport(SearchRequest(
                collection: name, query: query, k: k, mode: mode, target: target, filter: filter, rerank: rerank,
                candidates: candidates))
            let results = report.results, pending = report.pendingDocumentVectors
            let ms = (clock.now - start) / .milliseconds(1)
            if json {
                let object: [String: Any] = [
                    "query": query, "mode": mode.rawValue, "target": target.rawValue, "took_ms": ms,
                    "pending_document_vectors": pending, "query_truncated": report.queryTruncated,
                    "results": results.map(Self.jsonObject),
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            if report.queryTruncated {
                print("note: the query is longer than the model's context or \(KnowledgeBase.maxQueryScalars) characters; "
                    + "only its start was searched for")
            }
            if pending > 0 {
                print("note: \(pending) document\(pending == 1 ? " is" : "s are") still waiting for a document vector; "
                    + "found by keywords only until it is computed")
            }
            if results.isEmpty { print("no results") }
            for r in results {
                let place = [r.page.map { "page \($0)" }, r.ordinal.map { "chunk \($0)" }].compactMap { $0 }.joined(separator: ", ")
                print("\(r.rank). \(r.title) [\(r.source)\(place.isEmpty ? "" : ", " + place)]  score \(String(format: "%.4f", r.score))")
                print("   " + Self.marked(r.text, r.highlights).replacingOccurrences(of: "\n", with: " ").prefix(400))
            }
        }
    }

    /// The text with highlighted spans between ** marks.
    static func marked(_ text: String, _ spans: [Range<Int>]) -> String {
        var scalars = Array(text.unicodeScalars)
        for span in spans.reversed() where span.upperBound <= scalars.count {
            scalars.insert(contentsOf: "**".unicodeScalars, at: span.upperBound)
            scalars.insert(contentsOf: "**".unicodeScalars, at: span.lowerBound)
        }
        return String(String.UnicodeScalarView(scalars))
    }

    static func jsonObject(_ r: SearchResult) -> [String: Any] {
        var o: [String: Any] = [
            "rank": r.rank, "document_id": r.documentID, "title": r.title, "source": r.source, "text": r.text,
            "highlights": r.highlights.map { [$0.lowerBound, $0.upperBound] }, "score": r.score,
        ]
        o["page"] = r.page
        o["ordinal"] = r.ordinal
        o["start"] = r.start
        o["end"] = r.end
        o["vector_score"] = r.vectorScore
        o["keyword_score"] = r.keywordScore
        o["rerank_score"] = r.rerankScore
        o["first_stage_score"] = r.firstStageScore
        o["first_stage_rank"] = r.firstStageRank
        return o
    }
}

extension SearchMode: ExpressibleByArgument {}
extension SearchTarget: ExpressibleByArgument {}
