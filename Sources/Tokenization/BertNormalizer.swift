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
            // NFD then drop Mn, one scalar at a time: canonical reordering only moves marks with a
            // non-zero combining class, and those are nonspacing (dropped) except a few musical
            // symbols, so per-scalar decomposition gives the same result.
            var stripped: [Unicode.Scalar] = []
            stripped.reserveCapacity(out.count)
            for s in out {
                if s.value < 0xC0 { stripped.append(s); continue }
                if let parts = BertTables.decompositions[s.value] {
                    stripped += parts
                } else if CharacterClasses.of(s) & CharacterClasses.nonspacingMark == 0 {
                    stripped.append(s)
                }
            }
            out = stripped
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(out.count)
            BertTables.lowercase.withUnsafeBufferPointer { table in
                for s in out {
                    let v = s.value
                    let mapped = v < UInt32(table.count) ? table[Int(v)] : BertTables.multiple
                    if mapped != BertTables.multiple {
                        lowered.append(Unicode.Scalar(mapped).unsafelyUnwrapped)
                    } else {
                        lowered.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
                    }
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

/// Per-scalar tables for BertNormalizer, built on first use from Foundation and the standard library.
enum BertTables {
    /// Marks a scalar whose lowercase is not one scalar (İ -> i + U+0307), or lies beyond the table.
    static let multiple: UInt32 = .max

    /// Lowercase of each scalar below U+20000 when it is a single scalar, else `multiple`.
    static let lowercase: [UInt32] = (0..<UInt32(0x20000)).map { v in
        guard let s = Unicode.Scalar(v) else { return v }
        if !s.properties.changesWhenLowercased { return v }
        let mapped = s.properties.lowercaseMapping.unicodeScalars
        return mapped.count == 1 ? mapped.first!.value : multiple
    }

    /// NFD of each decomposable scalar with its nonspacing marks removed (é -> e, 한 -> ᄒ ᅡ ᆫ).
    static let decompositions: [UInt32: [Unicode.Scalar]] = {
        var table: [UInt32: [Unicode.Scalar]] = [:]
        let ranges: [ClosedRange<UInt32>] = [0xC0...0x30FF, 0xAC00...0xD7A3, 0xF900...0xFB4F, 0x1109A...0x114BE,
                                             0x1D15E...0x1D1C0, 0x2F800...0x2FA1D]
        for range in ranges {
            for v in range {
                guard let s = Unicode.Scalar(v) else { continue }
                let nfd = String(Character(s)).decomposedStringWithCanonicalMapping.unicodeScalars
                if nfd.count == 1 && nfd.first == s { continue }
                table[v] = nfd.filter { CharacterClasses.of($0) & CharacterClasses.nonspacingMark == 0 }
            }
        }
        return table
    }()
}
