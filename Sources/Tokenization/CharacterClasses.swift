import Foundation

/// Per-scalar facts the pre-tokenizers and normalizers test, looked up in one table.
///
/// The Qwen2 split pattern's `\p{L}`, `\p{N}` and `\s` are Unicode general categories L*, N* and the
/// White_Space property (Oniguruma's `\s` is exactly White_Space: U+0085 and U+3000 are in it,
/// U+180E and U+200B are not; the golden whitespace probes check this). BERT adds its own
/// punctuation and control sets. Scalars below U+20000 come from a table built once (about 20 ms);
/// the rest (CJK extensions, private use) are computed on the spot. Table entries are
/// `flags | combiningClass << 16`.
struct CharacterClasses: Sendable {
    static let letter: UInt16 = 1 << 0          // L*
    static let number: UInt16 = 1 << 1          // N*
    static let whitespace: UInt16 = 1 << 2      // White_Space
    static let mark: UInt16 = 1 << 3            // M*
    static let nonspacingMark: UInt16 = 1 << 4  // Mn (what BERT's strip_accents removes)
    static let bertPunctuation: UInt16 = 1 << 5 // ASCII punctuation or P*
    static let bertControl: UInt16 = 1 << 6     // Cc, Cf, Cn, Co, Cs other than \t \n \r
    static let nfcUnsafe: UInt16 = 1 << 7       // NFC_Quick_Check is No or Maybe
    static let crlf: UInt16 = 1 << 8            // \r or \n
    // Set per occurrence by TextScanner, not in the table:
    static let nfcBoundary: UInt16 = 1 << 9     // NFC never looks across the start of this scalar
    static let nfcFlagged: UInt16 = 1 << 10     // quick check failed here

    static let tableSize = 0x20000
    static let table: [UInt32] = {
        var t = [UInt32](repeating: 0, count: tableSize)
        for v in 0..<tableSize {
            if let s = Unicode.Scalar(UInt32(v)) { t[v] = compute(s) }
        }
        for v in NFCQuickCheck.unsafeBMP() { t[Int(v)] |= UInt32(nfcUnsafe) }
        return t
    }()

    /// The flags of `s` (without its combining class).
    @inline(__always)
    static func of(_ s: Unicode.Scalar) -> UInt16 {
        let v = Int(s.value)
        return UInt16(truncatingIfNeeded: v < tableSize ? table[v] : compute(s))
    }

    /// Flags in the low 16 bits, canonical combining class in bits 16-23.
    static func compute(_ s: Unicode.Scalar) -> UInt32 {
        let p = s.properties
        var f: UInt16 = 0
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            f |= letter
        case .decimalNumber, .letterNumber, .otherNumber:
            f |= number
        case .nonspacingMark:
            f |= mark | nonspacingMark
        case .spacingMark, .enclosingMark:
            f |= mark
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            f |= bertPunctuation
        case .control, .format, .unassigned, .privateUse, .surrogate:
            f |= bertControl
        default:
            break
        }
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
            f |= bertPunctuation
        }
        if v == 0x09 || v == 0x0A || v == 0x0D { f &= ~bertControl }
        if v == 0x0A || v == 0x0D { f |= crlf }
        if p.isWhitespace { f |= whitespace }
        if NFCQuickCheck.unsafeAstral(v) { f |= nfcUnsafe }
        return UInt32(f) | UInt32(p.canonicalCombiningClass.rawValue) << 16
    }

    /// CJK ideographs that BERT surrounds with spaces (`_is_chinese_char` in Hugging Face / Google BERT).
    @inline(__always)
    static func isCJKIdeograph(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B920...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}

/// Decides cheaply when NFC can be skipped, by UAX #15's quick check (section 9): text whose scalars
/// all have NFC_Quick_Check = Yes and whose non-zero combining classes never decrease is already NFC.
/// Everything else goes through Foundation's `precomposedStringWithCanonicalMapping`.
enum NFCQuickCheck {
    /// BMP scalars that are not "NFC_QC = Yes": those NFC rewrites (singletons such as U+212B, and
    /// composition exclusions), and those that may compose with the scalar before them (the last
    /// scalar of a primary composite's decomposition: combining marks, Hangul medial and final jamo,
    /// some Indic vowel signs). Hebrew points are not among them: their composites are excluded.
    /// Derived from Foundation's own decomposition so it follows the same Unicode version.
    static func unsafeBMP() -> [UInt32] {
        var out: [UInt32] = []
        // Canonical decompositions in the BMP live in these ranges (Hangul syllables are algorithmic).
        for range: ClosedRange<UInt32> in [0xC0...0x30FF, 0xF900...0xFB4F] {
            for v in range {
                guard let s = Unicode.Scalar(v) else { continue }
                let single = String(Character(s))
                let nfd = Array(single.decomposedStringWithCanonicalMapping.unicodeScalars)
                if nfd.count == 1 && nfd[0] == s { continue }
                let nfc = Array(single.precomposedStringWithCanonicalMapping.unicodeScalars)
                if nfc.count != 1 || nfc[0] != s {
                    out.append(v)                                    // NFC rewrites it: "No"
                } else if let last = nfd.last, nfd.count >= 2 {
                    out.append(last.value)                           // second half of a primary composite: "Maybe"
                }
            }
        }
        // Hangul: LV + T and L + V compose algorithmically (medial and final jamo).
        out += Array(0x1161...0x1175) + Array(0x11A8...0x11C2)
        return out
    }

    /// Astral scalars that may be rewritten or composed, conservatively: historic scripts with
    /// two-part vowel signs (U+11000-U+11FFF, U+16000-U+16FFF), musical symbols with decompositions
    /// and the CJK compatibility ideographs supplement.
    @inline(__always)
    static func unsafeAstral(_ v: UInt32) -> Bool {
        (0x11000...0x11FFF).contains(v) || (0x16000...0x16FFF).contains(v) || (0x1D15E...0x1D1C0).contains(v)
            || (0x2F800...0x2FA1F).contains(v)
    }
}
