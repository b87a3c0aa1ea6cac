import Foundation
import Tokenization

/// Paths and parsed golden files under Fixtures/tokenizers (made by scripts/make_tokenizer_fixtures.py
/// with Hugging Face `tokenizers`).
enum TokenizerFixtures {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent("Fixtures/tokenizers")
    }()

    static let qwen3JSON = root.appendingPathComponent("qwen3/tokenizer.json")
    static let minilmJSON = root.appendingPathComponent("minilm/tokenizer.json")

    /// One line of golden/*.jsonl: Hugging Face's output for `text`.
    struct Golden: Sendable {
        let text: String
        let raw: [Int32]          // encode(text, add_special_tokens=False).ids
        let ids: [Int32]          // encode(text).ids
        let decoded: String       // decode(ids) (skip_special_tokens=True)
        let decodedAll: String    // decode(ids, skip_special_tokens=False)
    }

    static func golden(_ name: String) throws -> [Golden] {
        let data = try Data(contentsOf: root.appendingPathComponent("golden/\(name).jsonl"))
        let text = String(decoding: data, as: UTF8.self)
        return try text.split(separator: "\n").map { line in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return Golden(text: o["text"] as! String, raw: (o["raw"] as! [NSNumber]).map { Int32(truncating: $0) },
                          ids: (o["ids"] as! [NSNumber]).map { Int32(truncating: $0) },
                          decoded: o["decoded"] as! String, decodedAll: o["decoded_all"] as! String)
        }
    }

    /// Loading the 5 MB Qwen3 file once per test process keeps debug runs short.
    static let qwen3: BPETokenizer = try! BPETokenizer.load(tokenizerJSON: qwen3JSON)
    static let minilm: any Tokenizer = try! TokenizerLoader.load(tokenizerJSON: minilmJSON)

    /// Describes the first difference between two id lists, for failure messages.
    static func firstDifference(_ a: [Int32], _ b: [Int32]) -> String {
        let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        return "first difference at \(i): got \(a[i..<min(a.count, i + 8)]), want \(b[i..<min(b.count, i + 8)]) "
            + "(lengths \(a.count) / \(b.count))"
    }
}
