import Foundation
import Testing
import Tokenization

/// Fixtures/gemma/tiny/tokenizer.json (`make_gemma_tokenizer.py tiny`): Gemma's layout on 265 pieces, with
/// EmbeddingGemma's `<bos> $A <eos>` template. The expected ids are Hugging Face `tokenizers` 0.23.3's, printed by
/// the script. Runs without the real vocabulary.
@Suite("Gemma-layout SentencePiece BPE on a tiny vocabulary")
struct GemmaLayoutTests {
    static let url = TokenizerFixtures.root.deletingLastPathComponent().appendingPathComponent("gemma/tiny/tokenizer.json")

    private func tokenizer() throws -> any Tokenizer { try TokenizerLoader.load(tokenizerJSON: Self.url) }

    @Test("Merges apply lowest rank first, leftmost on ties, across the ▁ that replaced each space")
    func mergeOrder() throws {
        let t = try tokenizer()
        #expect(t is SentencePieceBPETokenizer)
        #expect(t.encode("ab ab") == [2, 263, 262, 263, 1])
        #expect(t.encode("babab") == [2, 268, 263, 1])
        #expect(t.encode(" a") == [2, 264, 1])
        #expect(t.encode("a<eos>b") == [2, 260, 1, 261, 1])
    }

    @Test("Byte fallback compares exact bytes: é precomposed is a piece, e + U+0301 falls back to <0x65><0xCC><0x81>")
    func exactBytes() throws {
        let t = try tokenizer()
        #expect(t.encode("\u{E9}e\u{301}") == [2, 266, 105, 208, 133, 1])
        #expect(t.encode("x") == [2, 124, 1])
        #expect(t.decode(t.encode("\u{E9}e\u{301} x")) == "\u{E9}e\u{301} x")
    }

    @Test("EmbeddingGemma's template: <bos> before, <eos> after, and eos is the appended token")
    func template() throws {
        let t = try tokenizer()
        #expect(t.postProcessor.prefix == [2])
        #expect(t.postProcessor.suffix == [1])
        #expect(t.bosTokenID == 2)
        #expect(t.eosTokenID == 1)
        #expect(t.appendsEOS)
        #expect(t.decode([2, 260, 1, 261, 1]) == "ab")
        #expect(t.decode([2, 260, 1, 261, 1], skipSpecialTokens: false) == "<bos>a<eos>b<eos>")
    }

    @Test("GGUF arrays: merges rebuilt from piece order, space runs respelled with ▁, controls special, add_eos honoured")
    func ggufArrays() throws {
        // ids: 0 <pad>, 1 <eos>, 2 <bos>, 3 <unk>, 4 "  " (user-defined), 5 "<0x61>" (byte), 6 "▁", 7 a, 8 b, 9 ba, 10 ab, 11 bab
        let tokens = ["<pad>", "<eos>", "<bos>", "<unk>", "  ", "<0x61>", "\u{2581}", "a", "b", "ba", "ab", "bab"]
        let types: [Int32] = [3, 3, 3, 3, 4, 6, 1, 1, 1, 1, 1, 1]
        let t = try SentencePieceBPETokenizer(ggufTokens: tokens, tokenTypes: types, unknownID: 3, bosID: 2, eosID: 1,
                                              padID: 0, addBOS: true, addEOS: true)
        // Ranks follow the merged piece's position: ▁▁ 0, (b, a) 1, (a, b) 2, (ba, b) 3, (b, ab) 4.
        // a b a b -> a [ba] b (rank 1 beats the two rank-2 pairs) -> a [bab].
        #expect(t.encode("bab", addSpecialTokens: false) == [11])
        #expect(t.encode("abab", addSpecialTokens: false) == [7, 11])
        #expect(t.encode("a  b") == [2, 7, 4, 8, 1])        // the two spaces: ▁▁ merged into the respelled piece
        #expect(t.encode("<eos>", addSpecialTokens: false) == [1])
        #expect(t.specialTokenIDs == [0, 1, 2, 3])
        #expect(t.token(of: 4) == "\u{2581}\u{2581}")
        #expect(t.decode([7, 4, 8]) == "a  b")
    }

    @Test("Unsupported layouts say which component: Metaspace pre-tokenizer, a Strip decoder")
    func unsupported() throws {
        var json = try String(contentsOf: Self.url, encoding: .utf8)
        json = json.replacingOccurrences(of: #"{"type": "Fuse"}"#, with: #"{"type": "Strip", "content": " ", "start": 1, "stop": 0}"#)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("folio-gemma-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("tokenizer.json")
        try Data(json.utf8).write(to: url)
        #expect { try TokenizerLoader.load(tokenizerJSON: url) } throws: { error in
            guard case TokenizerError.unsupportedComponent(_, let component, let type, _) = error else { return false }
            return component == "decoder" && type == "Strip"
        }
    }
}
