import Foundation
import Tokenization

/// A retrieval test set in BEIR layout: `corpus.jsonl` (`_id`, `title`, `text`), `queries.jsonl`
/// (`_id`, `text`) and `qrels/{split}.tsv` (a header, then `query-id  corpus-id  score`).
public struct BEIRDataset: Sendable {
    /// One corpus document.
    public struct Document: Sendable, Equatable {
        public var id: String
        public var title: String
        public var text: String

        /// What gets embedded: `(title + " " + text)` trimmed, as BEIR's sentence-transformers wrapper
        /// (`SentenceBERT.encode_corpus`) builds it; plain text when the title is empty.
        public var embeddingText: String {
            (title + " " + text).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// The corpus, in file order.
    public var documents: [Document]
    /// Query id -> text, in file order.
    public var queries: [(id: String, text: String)]
    /// Query id -> document id -> graded relevance (0 = judged not relevant).
    public var qrels: [String: [String: Int]]

    /// A dataset from parts (tests, subsets).
    public init(documents: [Document], queries: [(id: String, text: String)], qrels: [String: [String: Int]]) {
        self.documents = documents
        self.queries = queries
        self.qrels = qrels
    }

    /// Reads `folder`; `split` names the qrels file (`test` reads `qrels/test.tsv`).
    public static func load(folder: String, split: String = "test") throws -> BEIRDataset {
        let dir = URL(fileURLWithPath: folder, isDirectory: true)
        var documents: [Document] = []
        try forEachJSONLine(dir.appendingPathComponent("corpus.jsonl")) { object, line, path in
            guard let id = idString(object["_id"]), let text = object["text"] as? String else {
                throw EvaluationError.badLine(path: path, line: line, expected: "{\"_id\": ..., \"title\": ..., \"text\": ...}")
            }
            documents.append(Document(id: id, title: object["title"] as? String ?? "", text: text))
        }
        var queries: [(id: String, text: String)] = []
        try forEachJSONLine(dir.appendingPathComponent("queries.jsonl")) { object, line, path in
            guard let id = idString(object["_id"]), let text = object["text"] as? String else {
                throw EvaluationError.badLine(path: path, line: line, expected: "{\"_id\": ..., \"text\": ...}")
            }
            queries.append((id, text))
        }
        let qrelsURL = dir.appendingPathComponent("qrels").appendingPathComponent(split + ".tsv")
        let qrels = try readQrels(qrelsURL)
        return BEIRDataset(documents: documents, queries: queries, qrels: qrels)
    }

    /// `query-id <TAB> corpus-id <TAB> score` lines after a header line.
    static func readQrels(_ url: URL) throws -> [String: [String: Int]] {
        let text = try readText(url)
        var qrels: [String: [String: Int]] = [:]
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where n > 0 {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let fields = trimmed.split(separator: "\t").map(String.init)
            guard fields.count == 3, let score = Int(fields[2]) else {
                throw EvaluationError.badLine(path: url.path, line: n + 1, expected: "query-id<TAB>corpus-id<TAB>integer score")
            }
            qrels[fields[0], default: [:]][fields[1]] = score
        }
        return qrels
    }

    private static func idString(_ any: Any?) -> String? {
        if let s = any as? String { return s }
        if let n = any as? NSNumber { return n.stringValue }
        return nil
    }

    private static func readText(_ url: URL) throws -> String {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw EvaluationError.unreadable(path: url.path,
                                             expected: "a BEIR folder with corpus.jsonl, queries.jsonl and qrels/<split>.tsv")
        }
        return TextDecoding.decodeUTF8(data).text
    }

    private static func forEachJSONLine(_ url: URL, _ body: ([String: Any], Int, String) throws -> Void) throws {
        for (n, line) in try readText(url).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy(\.isWhitespace) { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw EvaluationError.badLine(path: url.path, line: n + 1, expected: "one JSON object per line")
            }
            try body(object, n + 1, url.path)
        }
    }
}

/// Errors reading an evaluation set. Messages say what was expected.
public enum EvaluationError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, expected: String)
    case badLine(path: String, line: Int, expected: String)
    case noJudgedQueries(path: String)

    public var description: String {
        switch self {
        case let .unreadable(path, expected): "cannot read \(path); expected \(expected)"
        case let .badLine(path, line, expected): "\(path) line \(line) is malformed; expected \(expected)"
        case let .noJudgedQueries(path):
            "\(path): no query in queries.jsonl has a relevant document in the qrels; check the split name"
        }
    }
}
