import Foundation
import Testing
import Tokenization

/// Token offsets as Hugging Face `tokenizers` reports them in Rust (bytes), which TEI's `/tokenize` returns.
@Suite("Token offsets")
struct OffsetTests {
    struct Case {
        let text: String
        let ids: [Int32]
        let offsets: [Range<Int>?]
    }

    static func cases() throws -> [Case] {
        let data = try Data(contentsOf: TokenizerFixtures.root.appendingPathComponent("golden/qwen3-offsets.jsonl"))
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let offsets = (o["offsets"] as! [Any]).map { ($0 as? [Int]).map { $0[0]..<$0[1] } }
            return Case(
                text: o["text"] as! String, ids: (o["ids"] as! [NSNumber]).map { Int32(truncating: $0) }, offsets: offsets)
        }
    }

    @Test("Byte-level BPE offsets equal Hugging Face's on every short corpus text (scripts/make_offset_goldens.py)")
    func qwen3Offsets() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 80)
        let tokenizer = TokenizerFixtures.qwen3
        var compared = 0
        for c in cases {
            let ids = tokenizer.encode(c.text)
            try #require(ids == c.ids, "ids differ for \(c.text.prefix(40).debugDescription)")
            // NFC rewrote the text: offsets into it cannot be told (nil), and Hugging Face's map back through its
            // alignments, which Folio does not keep.
            guard let offsets = tokenizer.byteOffsets(of: ids, in: c.text) else {
                #expect(Array(c.text.precomposedStringWithCanonicalMapping.utf8) != Array(c.text.utf8), "no offsets for \(c.text.prefix(40).debugDescription)")
                continue
            }
            #expect(offsets == c.offsets, "offsets differ for \(c.text.prefix(40).debugDescription)")
            compared += 1
        }
        #expect(compared >= cases.count - 5, "only \(compared) of \(cases.count) texts had offsets")
    }

    @Test("Ids that do not come from the text give no offsets; tokenizers that rewrite text give none")
    func mismatches() throws {
        let tokenizer = TokenizerFixtures.qwen3
        let ids = tokenizer.encode("hello world")
        #expect(tokenizer.byteOffsets(of: ids, in: "hello there") == nil)
        #expect(tokenizer.byteOffsets(of: ids, in: "hello world") == [0..<5, 5..<11, nil])
        #expect(TokenizerFixtures.minilm.byteOffsets(of: TokenizerFixtures.minilm.encode("Hello"), in: "Hello") == nil)
    }
}
