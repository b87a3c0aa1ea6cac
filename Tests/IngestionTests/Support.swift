import Foundation
import Ingestion
import Testing
import Tokenization

/// Fixtures/ingestion and the expectations the fixture script wrote beside them.
enum Fixtures {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url = url.deletingLastPathComponent()
        }
        return url.appendingPathComponent("Fixtures")
    }()

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent("ingestion").appendingPathComponent(name))
    }

    static func expectations(_ name: String) throws -> [String: Any] {
        let all = try JSONSerialization.jsonObject(with: data("expectations.json")) as! [String: Any]
        return try #require(all[name] as? [String: Any], "expectations.json has no entry for \(name)")
    }

    static func extract(_ name: String, limits: ExtractionLimits = .init()) throws -> ExtractedDocument {
        try Extractor.extract(data: data(name), fileName: name, limits: limits)
    }

    /// PDF tests need poppler; fail loudly (not skip) when it is missing.
    static func requirePdftotext() throws {
        let found = ["/usr/bin/pdftotext", "/usr/local/bin/pdftotext", "/opt/homebrew/bin/pdftotext"]
            .contains { FileManager.default.isExecutableFile(atPath: $0) }
        try #require(found, "pdftotext is missing: install poppler-utils (apt-get install poppler-utils)")
    }
}

/// The Qwen3 tokenizer as a `TokenCounter`: text tokens, no special tokens.
struct TokenizerCounter: TokenCounter {
    let tokenizer: any Tokenizer
    func tokenCount(_ text: Substring) -> Int { tokenizer.count(String(text)) }

    static let qwen3: TokenizerCounter = {
        let url = Fixtures.root.appendingPathComponent("tokenizers/qwen3/tokenizer.json")
        return TokenizerCounter(tokenizer: try! TokenizerLoader.load(tokenizerJSON: url))
    }()
}

/// Scalar-offset helpers independent of the module's own.
extension String {
    func scalarSlice(_ start: Int, _ end: Int) -> String {
        String(String.UnicodeScalarView(Array(unicodeScalars)[start..<end]))
    }

    /// Scalar offset of the first occurrence of `needle`.
    func scalarOffset(of needle: String) -> Int? {
        guard let range = range(of: needle) else { return nil }
        return unicodeScalars.distance(from: unicodeScalars.startIndex, to: range.lowerBound)
    }
}
