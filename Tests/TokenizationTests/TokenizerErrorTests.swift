import Foundation
import Testing
import Tokenization

/// Broken or unsupported tokenizer files throw typed errors that say what to fix.
@Suite("Tokenizer loading errors")
struct TokenizerErrorTests {
    /// Writes `json` to a temporary tokenizer.json and loads it.
    private func load(_ json: String) throws -> any Tokenizer {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("folio-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("tokenizer.json")
        try Data(json.utf8).write(to: url)
        return try TokenizerLoader.load(tokenizerJSON: url)
    }

    private let preTokenizer = #"{"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}, "behavior": "Isolated", "invert": false}, {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}]}"#

    private func bpe(vocab: String, merges: String, pre: String? = nil, extra: String = "") -> String {
        #"{"normalizer": {"type": "NFC"}, "pre_tokenizer": \#(pre ?? preTokenizer), \#(extra) "model": {"type": "BPE", "vocab": \#(vocab), "merges": \#(merges)}}"#
    }

    /// A 258-entry byte vocabulary ("a"=64, "b"=65, "ab"=256, "abb"=257) in JSON.
    private var byteVocab: String {
        let table: [Unicode.Scalar] = (0..<256).map { b -> Unicode.Scalar in
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            return printable ? Unicode.Scalar(UInt32(b))! : "\u{0}"
        }
        var next: UInt32 = 256
        var entries: [String] = []
        for (b, s) in table.enumerated() {
            let c = s == "\u{0}" ? Unicode.Scalar(next)! : s
            if s == "\u{0}" { next += 1 }
            let escaped = String(c) == "\"" ? "\\\"" : String(c) == "\\" ? "\\\\" : String(c)
            entries.append("\"\(escaped)\": \(b)")
        }
        return "{" + entries.joined(separator: ", ") + #", "ab": 256, "abb": 257}"#
    }

    @Test("A file that is not JSON throws malformed")
    func notJSON() {
        #expect { try load("<html>404</html>") } throws: { error in
            guard case TokenizerError.malformed(_, let field, _, _) = error else { return false }
            return field == "(file)"
        }
    }

    @Test("Mismatched brackets before model.vocab are refused at once (the byte scanner once looped on them forever)")
    func mismatchedBrackets() {
        // The reliability suite's fuzz-tokenizer case 11 reduced: an array closed by "}" ahead of the model tables.
        for broken in [#"{"added_tokens": [1}, "model": {"type": "BPE", "vocab": {}, "merges": []}}"#,
                       #"{"added_tokens": {"a": [1, 2}}, "model": {"type": "BPE", "vocab": {}, "merges": []}}"#] {
            let started = Date()
            #expect(throws: TokenizerError.self) { try load(broken) }
            #expect(Date().timeIntervalSince(started) < 5)
        }
    }

    @Test("Both merge forms load and give the same ids")
    func mergeForms() throws {
        let a = try load(bpe(vocab: byteVocab, merges: #"["a b", "ab b"]"#))
        let b = try load(bpe(vocab: byteVocab, merges: #"[["a", "b"], ["ab", "b"]]"#))
        #expect(a.encode("abb ab", addSpecialTokens: false) == b.encode("abb ab", addSpecialTokens: false))
        #expect(a.encode("abb", addSpecialTokens: false) == [257])
    }

    @Test("A BPE model without merges throws missingMerges")
    func missingMerges() {
        #expect { try load(#"{"model": {"type": "BPE", "vocab": \#(byteVocab)}}"#) } throws: { error in
            guard case TokenizerError.missingMerges = error else { return false }
            return true
        }
    }

    @Test("A merge outside the vocabulary throws mergeNotInVocabulary with its index")
    func mergeNotInVocabulary() {
        #expect { try load(bpe(vocab: byteVocab, merges: #"["a b", "x yz"]"#)) } throws: { error in
            guard case TokenizerError.mergeNotInVocabulary(_, _, let index) = error else { return false }
            return index == 1
        }
    }

    @Test("A malformed merge entry throws malformed")
    func malformedMerge() {
        #expect { try load(bpe(vocab: byteVocab, merges: #"["a b c"]"#)) } throws: { error in
            guard case TokenizerError.malformed(_, let field, _, _) = error else { return false }
            return field == "model.merges[0]"
        }
    }

    @Test("Two tokens with one id throw duplicateToken; a negative id throws idOutOfRange")
    func badIDs() {
        #expect { try load(bpe(vocab: #"{"a": 0, "b": 0}"#, merges: "[]")) } throws: { error in
            guard case TokenizerError.duplicateToken = error else { return false }
            return true
        }
        #expect { try load(bpe(vocab: #"{"a": 0, "b": -3}"#, merges: "[]")) } throws: { error in
            guard case TokenizerError.idOutOfRange(_, _, let id, _) = error else { return false }
            return id == -3
        }
    }

    @Test("An added token with a huge id throws idOutOfRange instead of allocating a huge table")
    func hugeID() {
        let json = bpe(vocab: byteVocab, merges: #"["a b"]"#, extra: #""added_tokens": [{"id": 2000000000, "content": "<x>", "special": true}],"#)
        #expect { try load(json) } throws: { error in
            guard case TokenizerError.idOutOfRange(_, _, let id, _) = error else { return false }
            return id == 2_000_000_000
        }
    }

    @Test("WordLevel models and unknown pre-tokenizers are reported as unsupported; a Unigram model needs unk_id")
    func unsupported() {
        #expect { try load(#"{"model": {"type": "WordLevel", "vocab": {"a": 0}}}"#) } throws: { error in
            guard case TokenizerError.unsupportedModel(_, let type) = error else { return false }
            return type == "WordLevel"
        }
        #expect { try load(#"{"model": {"type": "Unigram", "vocab": [["a", 0.0]]}}"#) } throws: { error in
            guard case TokenizerError.malformed(_, let field, _, _) = error else { return false }
            return field == "model.unk_id"
        }
        let metaspaceOnly = #"{"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]]}, "pre_tokenizer": {"type": "ByteLevel"}}"#
        #expect { try load(metaspaceOnly) } throws: { error in
            guard case TokenizerError.unsupportedComponent(_, let component, _, _) = error else { return false }
            return component == "pre_tokenizer"
        }
        #expect { try load(bpe(vocab: byteVocab, merges: "[]", pre: #"{"type": "Metaspace"}"#)) } throws: { error in
            guard case TokenizerError.unsupportedComponent(_, let component, _, _) = error else { return false }
            return component == "pre_tokenizer"
        }
    }

    @Test("A missing file throws unreadable, and every error message names the file")
    func unreadable() {
        let url = URL(fileURLWithPath: "/nonexistent/folio/tokenizer.json")
        #expect { try TokenizerLoader.load(tokenizerJSON: url) } throws: { error in
            guard case TokenizerError.unreadable = error else { return false }
            return (error as? TokenizerError)?.description.contains("/nonexistent/folio/tokenizer.json") == true
        }
    }

    @Test("GGUF arrays with an unknown pre-tokenizer or mismatched token types throw")
    func ggufErrors() {
        #expect { try BPETokenizer(ggufTokens: ["a"], tokenTypes: nil, merges: [], pre: "gpt-4o", bosID: nil, eosID: nil,
                                   padID: nil, addBOS: false, addEOS: false) } throws: { error in
            guard case TokenizerError.unsupportedComponent(_, let component, _, _) = error else { return false }
            return component == "tokenizer.ggml.pre"
        }
        #expect { try BPETokenizer(ggufTokens: ["a", "b"], tokenTypes: [1], merges: [], pre: "qwen2", bosID: nil, eosID: nil,
                                   padID: nil, addBOS: false, addEOS: false) } throws: { error in
            guard case TokenizerError.malformed = error else { return false }
            return true
        }
    }
}
