import Foundation

/// Hugging Face's `BertNormalizer` and `BertPreTokenizer` (Google BERT's BasicTokenizer).
struct BertNormalizer: Sendable {
    /// Drop control characters and U+FFFD, turn whitespace into spaces.
    var cleanText = true
    /// Surround CJK ideographs with spaces so each becomes a word.
    var handleChineseChars = true
    /// NFD, then drop nonspacing marks (Mn). tokenizer.json's `null` means "same as lowercase".
    var stripAccents = true
    /// Per-scalar full lowercase mapping (so Σ always becomes σ, İ becomes i + U+0307).
    var lowercase = true

    /// The normalised scalars of `text`, in the order Hugging Face applies the steps.
    func normalize(_ text: Substring.UnicodeScalarView) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count + 8)
        var needsNFD = false
        for s in text {
            let c = CharacterClasses.of(s)
            if cleanText {
                if s.value == 0 || s.value == 0xFFFD || c & CharacterClasses.bertControl != 0 { continue }
                if c & CharacterClasses.whitespace != 0 { out.append(" "); continue }
            }
            if handleChineseChars && CharacterClasses.isCJKIdeograph(s.value) {
                out.append(" "); out.append(s); out.append(" ")
                continue
            }
            if s.value >= 0xC0 { needsNFD = true }
            out.append(s)
        }
        if stripAccents && needsNFD {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: out)
            let nfd = String(view).decomposedStringWithCanonicalMapping.unicodeScalars
            out = nfd.filter { CharacterClasses.of($0) & CharacterClasses.nonspacingMark == 0 }
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(out.count)
            for s in out {
                if s.isASCII {
                    lowered.append(s.value >= 65 && s.value <= 90 ? Unicode.Scalar(s.value + 32)! : s)
                } else if s.properties.changesWhenLowercased {
                    lowered.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
                } else {
                    lowered.append(s)
                }
            }
            out = lowered
        }
        return out
    }

    /// Words of normalised text: split at whitespace (dropped) and around each punctuation mark (kept
    /// as its own word). Punctuation is ASCII punctuation plus Unicode P*.
    static func preTokenize(_ scalars: [Unicode.Scalar], _ body: (ArraySlice<Unicode.Scalar>) -> Void) {
        var start = 0
        for (i, s) in scalars.enumerated() {
            let c = CharacterClasses.of(s)
            if c & CharacterClasses.whitespace != 0 {
                if start < i { body(scalars[start..<i]) }
                start = i + 1
            } else if c & CharacterClasses.bertPunctuation != 0 {
                if start < i { body(scalars[start..<i]) }
                body(scalars[i..<(i + 1)])
                start = i + 1
            }
        }
        if start < scalars.count { body(scalars[start...]) }
    }
}
