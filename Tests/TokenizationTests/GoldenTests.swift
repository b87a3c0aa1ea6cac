import Foundation
import Testing
import Tokenization

/// Every line of the golden files, id for id against Hugging Face `tokenizers`.
@Suite("Golden ids from Hugging Face tokenizers")
struct GoldenTests {
    @Test("Qwen3 tokenizer.json gives Hugging Face's ids, with and without the post-processor")
    func qwen3Encode() throws {
        try check(TokenizerFixtures.qwen3, TokenizerFixtures.golden("qwen3"))
    }

    @Test("MiniLM WordPiece gives Hugging Face's ids, with [CLS]/[SEP], [UNK] and long words")
    func minilmEncode() throws {
        try check(TokenizerFixtures.minilm, TokenizerFixtures.golden("minilm"))
    }

    @Test("Qwen3 built from GGUF-style arrays gives the same ids as from tokenizer.json")
    func qwen3FromGGUFArrays() throws {
        let gguf = try GGUFArrays.fromTokenizerJSON(TokenizerFixtures.qwen3JSON)
        let tokenizer = try BPETokenizer(ggufTokens: gguf.tokens, tokenTypes: gguf.types, merges: gguf.merges, pre: "qwen2",
                                         bosID: nil, eosID: 151643, padID: 151643, addBOS: false, addEOS: true)
        #expect(tokenizer.vocabularySize == 151_669)
        #expect(tokenizer.eosTokenID == 151_643)
        try check(tokenizer, TokenizerFixtures.golden("qwen3"))
    }

    @Test("Added-token flags (lstrip, rstrip, single_word, normalized) and \"a b\" merges match Hugging Face")
    func flagsTokenizer() throws {
        let tokenizer = try TokenizerLoader.load(tokenizerJSON: TokenizerFixtures.root.appendingPathComponent("flags/tokenizer.json"))
        let lines = try TokenizerFixtures.golden("flags")
        check(tokenizer, lines)
        for line in lines {
            #expect(tokenizer.decode(line.ids, skipSpecialTokens: true) == line.decoded, "\(line.text.prefix(40).debugDescription)")
            #expect(tokenizer.decode(line.ids, skipSpecialTokens: false) == line.decodedAll, "\(line.text.prefix(40).debugDescription)")
        }
    }

    @Test("Decoding gives Hugging Face's text, skipping special tokens or keeping them")
    func decodeMatches() throws {
        for (tokenizer, name) in [(TokenizerFixtures.qwen3 as any Tokenizer, "qwen3"), (TokenizerFixtures.minilm, "minilm")] {
            for line in try TokenizerFixtures.golden(name) {
                #expect(tokenizer.decode(line.ids, skipSpecialTokens: true) == line.decoded, "\(name): \(line.text.prefix(40).debugDescription)")
                #expect(tokenizer.decode(line.ids, skipSpecialTokens: false) == line.decodedAll, "\(name): \(line.text.prefix(40).debugDescription)")
            }
        }
    }

    private func check(_ tokenizer: any Tokenizer, _ lines: [TokenizerFixtures.Golden]) {
        #expect(lines.count >= 60)
        var failures = 0
        for line in lines {
            let raw = tokenizer.encode(line.text, addSpecialTokens: false)
            let ids = tokenizer.encode(line.text, addSpecialTokens: true)
            if raw != line.raw || ids != line.ids { failures += 1 }
            #expect(raw == line.raw, "\(line.text.prefix(60).debugDescription): \(TokenizerFixtures.firstDifference(raw, line.raw))")
            #expect(ids == line.ids, "\(line.text.prefix(60).debugDescription): \(TokenizerFixtures.firstDifference(ids, line.ids))")
        }
        #expect(failures == 0, "\(failures) of \(lines.count) golden texts differ")
    }
}

/// The GGUF `tokenizer.ggml.*` arrays llama.cpp's converter writes, rebuilt from a tokenizer.json:
/// tokens by id, types (1 normal, 3 control = special added, 4 user-defined = other added), "a b" merges.
enum GGUFArrays {
    static func fromTokenizerJSON(_ url: URL) throws -> (tokens: [String], types: [Int32], merges: [String]) {
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let model = root["model"] as! [String: Any]
        let vocab = model["vocab"] as! [String: NSNumber]
        let added = root["added_tokens"] as! [[String: Any]]
        let size = max(vocab.values.map(\.intValue).max()!, added.map { ($0["id"] as! NSNumber).intValue }.max()!) + 1
        var tokens = [String](repeating: "", count: size)
        var types = [Int32](repeating: 1, count: size)
        for (t, id) in vocab { tokens[id.intValue] = t }
        for a in added {
            let id = (a["id"] as! NSNumber).intValue
            tokens[id] = a["content"] as! String
            types[id] = (a["special"] as! Bool) ? 3 : 4
        }
        let merges = (model["merges"] as! [Any]).map { m -> String in
            if let s = m as? String { return s }
            let pair = m as! [String]
            return pair[0] + " " + pair[1]
        }
        return (tokens, types, merges)
    }
}
