import Foundation
import Testing
import Tokenization

/// What an embedder reads from a tokenizer besides ids. Expected values are Hugging Face's
/// (`get_vocab_size()`, `token_to_id`, the post-processor template in tokenizer.json).
@Suite("Tokenizer facts for the embedder")
struct TokenizerFactsTests {
    @Test("Qwen3: 151,669 ids, <|endoftext|> appended as end of sequence, pad from tokenizer_config.json")
    func qwen3Facts() {
        let t = TokenizerFixtures.qwen3
        #expect(t.vocabularySize == 151_669)
        #expect(t.id(of: "<|endoftext|>") == 151_643)
        #expect(t.id(of: "</think>") == 151_668)
        #expect(t.id(of: "Ġthe") == 279)
        #expect(t.token(of: 279) == "Ġthe")
        #expect(t.token(of: 151_669) == nil)
        #expect(t.postProcessor == PostProcessor(prefix: [], suffix: [151_643]))
        #expect(t.eosTokenID == 151_643)
        #expect(t.appendsEOS)
        #expect(t.padTokenID == 151_643)
        #expect(t.specialTokenIDs.contains(151_643))
        #expect(!t.specialTokenIDs.contains(151_667))   // <think> is not special in Qwen3
        #expect(t.addedTokens.count == 26)
    }

    @Test("MiniLM: [CLS] … [SEP] template, [PAD] = 0, [UNK] = 100")
    func minilmFacts() throws {
        let t = try WordPieceTokenizer.load(tokenizerJSON: TokenizerFixtures.minilmJSON)
        #expect(t.vocabularySize == 30_522)
        #expect(t.postProcessor == PostProcessor(prefix: [101], suffix: [102]))
        #expect(t.postProcessor.addedCount == 2)
        #expect(t.padTokenID == 0)
        #expect(t.unknownID == 100)
        #expect(t.maxInputCharsPerWord == 100)
        #expect(t.id(of: "##ing") == 2075)
    }

    @Test("Truncating raw ids then applying the post-processor equals encoding with special tokens")
    func postProcessorComposes() {
        let t = TokenizerFixtures.qwen3
        let text = "Folio embeds documents."
        #expect(t.postProcessor.apply(t.encode(text, addSpecialTokens: false)) == t.encode(text, addSpecialTokens: true))
        #expect(t.count(text) == t.encode(text).count - 1)
    }

    @Test("Cutting long text into chunks at newlines gives Hugging Face's ids")
    func chunkedEncoding() throws {
        let t = TokenizerFixtures.qwen3
        var checked = 0
        for line in try TokenizerFixtures.golden("qwen3") where line.text.utf8.count > 2_000 {
            for chunk in [64, 500, 4_096] {
                #expect(t.encode(line.text, addSpecialTokens: false, chunkBytes: chunk) == line.raw, "chunk \(chunk)")
            }
            checked += 1
        }
        #expect(checked >= 2)
    }

    @Test("Encoding the same text from many threads gives the same ids")
    func concurrentEncoding() async {
        let t = TokenizerFixtures.qwen3
        let texts = (0..<64).map { "document \($0): naïve café 東京 \(String(repeating: "ab", count: $0))" }
        let expected = texts.map { t.encode($0) }
        let results = await withTaskGroup(of: (Int, [Int32]).self) { group in
            for (i, text) in texts.enumerated() { group.addTask { (i, t.encode(text)) } }
            var out = [[Int32]](repeating: [], count: texts.count)
            for await (i, ids) in group { out[i] = ids }
            return out
        }
        #expect(results == expected)
    }
}
