import Foundation
import Testing
import Tokenization

/// Fixtures/xlmr/tokenizer-golden.json (scripts/make_xlmr_fixtures.py): a SentencePiece Unigram model
/// trained with nmt_nfkc, converted by transformers, with Hugging Face `tokenizers`' ids of every text.
enum UnigramGolden {
    static let folder = TokenizerFixtures.root.deletingLastPathComponent().appendingPathComponent("xlmr")

    struct Line: Decodable, Sendable {
        let text: String
        let ids: [Int32]           // Hugging Face tokenizers, `<s> … </s>`
        let sentencepiece: [Int32] // SentencePiece's own, mapped to fairseq ids
    }

    struct Pair: Decodable, Sendable {
        let a: String
        let b: String
        let ids: [Int32]
    }

    struct File: Decodable, Sendable {
        let texts: [Line]
        let pairs: [Pair]
        let vocabulary: Int
    }

    static let file: File = try! JSONDecoder().decode(
        File.self, from: Data(contentsOf: folder.appendingPathComponent("tokenizer-golden.json")))
    static let tokenizer: any Tokenizer = try! TokenizerLoader.load(tokenizerJSON: folder.appendingPathComponent("cls/tokenizer.json"))
}

@Suite("SentencePiece Unigram (XLM-RoBERTa) against Hugging Face tokenizers")
struct UnigramTests {
    @Test("Every golden text (multilingual, full-width, ligatures, combining marks, controls) gets Hugging Face's ids")
    func goldenIDs() throws {
        let tokenizer = UnigramGolden.tokenizer
        let lines = UnigramGolden.file.texts
        #expect(lines.count >= 200)
        var failures = 0
        for line in lines {
            let ids = tokenizer.encode(line.text)
            if ids != line.ids { failures += 1 }
            #expect(ids == line.ids, "\(line.text.prefix(60).debugDescription): \(TokenizerFixtures.firstDifference(ids, line.ids))")
        }
        #expect(failures == 0, "\(failures) of \(lines.count) golden texts differ")
    }

    @Test("The pair template is <s> A </s></s> B </s>")
    func pairTemplate() throws {
        let tokenizer = UnigramGolden.tokenizer
        #expect(tokenizer.postProcessor.prefix == [0])
        #expect(tokenizer.postProcessor.suffix == [2])
        #expect(tokenizer.postProcessor.pairSeparator == [2, 2])
        for pair in UnigramGolden.file.pairs {
            let p = tokenizer.postProcessor
            let ids = p.prefix + tokenizer.encode(pair.a, addSpecialTokens: false) + p.pairSeparator
                + tokenizer.encode(pair.b, addSpecialTokens: false) + p.suffix
            #expect(ids == pair.ids, "\(pair.a) / \(pair.b)")
        }
    }

    @Test("Vocabulary facts: size, <s> </s> <pad> <unk>, special tokens")
    func facts() throws {
        let tokenizer = UnigramGolden.tokenizer
        #expect(tokenizer.vocabularySize == UnigramGolden.file.vocabulary)
        #expect(tokenizer.bosTokenID == 0)
        #expect(tokenizer.eosTokenID == 2)
        #expect(tokenizer.padTokenID == 1)
        #expect(tokenizer.id(of: "<unk>") == 3)
        #expect(tokenizer.specialTokenIDs.isSuperset(of: [0, 1, 2, 3]))
        #expect(tokenizer is UnigramTokenizer)
    }

    @Test("Decoding joins pieces at ▁ and drops special tokens")
    func decode() throws {
        let tokenizer = UnigramGolden.tokenizer
        for text in ["The quick brown fox jumps.", "Größe der Stadt", "図書館は毎日九時に開きます。"] {
            #expect(tokenizer.decode(tokenizer.encode(text)) == text)
        }
    }

    @Test("A malformed charsmap is refused with what was expected")
    func malformedCharsmap() throws {
        #expect(throws: TokenizerError.self) { try PrecompiledCharsmap([1, 0], source: "test") }
        #expect(throws: TokenizerError.self) { try PrecompiledCharsmap([0xFF, 0, 0, 0, 1, 2, 3, 4], source: "test") }
    }
}
