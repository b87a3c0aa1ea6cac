import Foundation
import Testing
import Tokenization

/// The encoder skips NFC when a quick check says the text is already NFC; Foundation's NFC is the
/// reference that the skip must never contradict.
@Suite("NFC quick check")
struct NFCQuickCheckTests {
    @Test("Every scalar, and every canonical decomposition, that the quick check passes is unchanged by NFC")
    func quickCheckAgreesWithFoundation() {
        var wrong: [String] = []
        for v in UInt32(0)..<0x30000 {
            guard let s = Unicode.Scalar(v) else { continue }
            let single = String(Character(s))
            if !NFCQuickCheckProbe.mayNeedNFC(single) && single.precomposedStringWithCanonicalMapping != single {
                wrong.append(String(v, radix: 16))
            }
            let nfd = single.decomposedStringWithCanonicalMapping
            if nfd.unicodeScalars.count > 1 && !NFCQuickCheckProbe.mayNeedNFC(nfd)
                && nfd.precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual(nfd.unicodeScalars) == false {
                wrong.append("NFD of " + String(v, radix: 16))
            }
        }
        #expect(wrong.isEmpty, "quick check passed text that NFC changes: \(wrong.prefix(20))")
    }

    @Test("Normalising only the flagged stretches equals Foundation's NFC of the whole text")
    func partialNFC() throws {
        var texts = try TokenizerFixtures.golden("qwen3").map(\.text)
        texts += ["e\u{301}", "\u{301}start", "end e\u{301}", "a\u{0301}\u{0323}b", "\u{212B}\u{212B} x \u{1100}\u{1161}\u{11A8}",
                  "각\u{11A8}", "क\u{093C} ख", "x\u{0308}\u{0301}\u{0304}y\u{0344}"]
        for text in texts {
            #expect(NFCQuickCheckProbe.nfc(text).unicodeScalars.elementsEqual(text.precomposedStringWithCanonicalMapping.unicodeScalars),
                    "\(text.prefix(40).debugDescription)")
            let nfd = text.decomposedStringWithCanonicalMapping
            #expect(NFCQuickCheckProbe.nfc(nfd).unicodeScalars.elementsEqual(nfd.precomposedStringWithCanonicalMapping.unicodeScalars),
                    "NFD of \(text.prefix(40).debugDescription)")
        }
    }

    @Test("Combining marks out of canonical order are flagged; ordinary text is not")
    func ordering() {
        #expect(NFCQuickCheckProbe.mayNeedNFC("a\u{0301}\u{0323}"))      // ccc 230 then 220: NFC reorders
        #expect(NFCQuickCheckProbe.mayNeedNFC("e\u{0301}"))              // composes to é
        #expect(!NFCQuickCheckProbe.mayNeedNFC("plain ASCII, 東京, café, Ærøskøbing, 한국어"))
        #expect(!NFCQuickCheckProbe.mayNeedNFC("क्षत्रिय"))                 // virama (ccc 9) never composes
    }
}
