import Foundation
import Testing
import Tokenization

@Suite("Reading text from bytes")
struct TextDecodingTests {
    @Test("Valid UTF-8 decodes unchanged and reports no replacement")
    func valid() {
        let (text, replaced) = TextDecoding.decodeUTF8(Data("naïve 東京 😀".utf8))
        #expect(text == "naïve 東京 😀")
        #expect(!replaced)
    }

    @Test("Invalid UTF-8 becomes U+FFFD per maximal subpart, as Python's errors='replace' gives")
    func invalid() {
        // b"a\xffb\xe6\x9d\xc3\xa9\xf0\x9f\x98".decode("utf-8", "replace") == "a\ufffdb\ufffd\u00e9\ufffd"
        let bytes: [UInt8] = [0x61, 0xFF, 0x62, 0xE6, 0x9D, 0xC3, 0xA9, 0xF0, 0x9F, 0x98]
        let (text, replaced) = TextDecoding.decodeUTF8(Data(bytes))
        #expect(replaced)
        #expect(text == "a\u{FFFD}b\u{FFFD}\u{E9}\u{FFFD}")
        #expect(TokenizerLoader.decodeUTF8(Data(bytes)).text == text)
    }

    @Test("Decoding ids that split a character gives U+FFFD, as Hugging Face's lossy decode does")
    func partialCharacter() {
        let t = TokenizerFixtures.qwen3
        // Hugging Face: encode("𝄞") == [124596, 252]; decode([124596]) == "\u{FFFD}".
        let ids = t.encode("𝄞", addSpecialTokens: false)
        #expect(ids == [124_596, 252])
        #expect(t.decode([124_596]) == "\u{FFFD}")
        #expect(t.decode(ids) == "𝄞")
    }
}
