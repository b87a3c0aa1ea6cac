import Foundation

/// Splits text into keyword terms the same way for indexing and for queries, in every store.
///
/// Words of alphabetic scripts are runs of letters and digits, case- and width-folded (NFKC, lowercased).
/// Chinese, Japanese and Korean have no spaces between words, which is why SQLite FTS5's default tokenizer
/// cannot search them; here each run of such characters becomes its overlapping character bigrams
/// ("注意力机制" → 注意 意力 力机 机制), the standard index unit for CJK full text (Lucene's CJKBigramFilter).
/// A lone CJK character stays a unigram.
public enum KeywordSegmenter {
    /// One term and where it came from in the original text.
    public struct Term: Sendable, Equatable {
        public var text: String
        public var range: Range<String.Index>
    }

    /// Terms of `text` in order, with their source ranges (for highlighting).
    public static func terms(in text: String) -> [Term] {
        var out: [Term] = []
        var word: [Character] = [], wordStart: String.Index? = nil
        var cjk: [(Character, Range<String.Index>)] = []

        func flushWord(_ end: String.Index) {
            if let s = wordStart, !word.isEmpty {
                out.append(Term(text: String(word).precomposedStringWithCompatibilityMapping.lowercased(), range: s..<end))
            }
            word.removeAll(keepingCapacity: true); wordStart = nil
        }
        func flushCJK() {
            if cjk.count == 1 {
                out.append(Term(text: String(cjk[0].0), range: cjk[0].1))
            } else if cjk.count > 1 {
                for i in 0..<(cjk.count - 1) {
                    out.append(Term(text: String([cjk[i].0, cjk[i + 1].0]).precomposedStringWithCompatibilityMapping,
                                    range: cjk[i].1.lowerBound..<cjk[i + 1].1.upperBound))
                }
            }
            cjk.removeAll(keepingCapacity: true)
        }

        var i = text.startIndex
        while i < text.endIndex {
            let next = text.index(after: i)
            let c = text[i]
            if isCJK(c) {
                flushWord(i)
                cjk.append((c, i..<next))
            } else if c.isLetter || c.isNumber || c == "_" {
                flushCJK()
                if wordStart == nil { wordStart = i }
                word.append(c)
            } else {
                flushWord(i)
                flushCJK()
            }
            i = next
        }
        flushWord(text.endIndex)
        flushCJK()
        return out
    }

    /// The terms alone, for a query or an index row.
    public static func termTexts(_ text: String) -> [String] { terms(in: text).map(\.text) }

    /// The terms a keyword query searches for: `termTexts` without English function words ("how", "do", "in",
    /// "my", …), which carry no topic and, in a small collection, would rank passages by grammar. All of a query's
    /// terms are kept when every one is such a word ("to be or not to be").
    public static func queryTerms(_ query: String) -> [String] {
        let all = termTexts(query)
        let content = all.filter { !stopwords.contains($0) }
        return content.isEmpty ? all : content
    }

    /// A short English stop list (the function words of Lucene's `EnglishAnalyzer` and common question words).
    static let stopwords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "did", "do", "does", "for", "from",
        "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on",
        "or", "our", "should", "so", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to",
        "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
    ]

    /// The text an FTS index stores: terms separated by single spaces, so any word-splitting index
    /// (FTS5 `unicode61`, PostgreSQL `to_tsvector('simple', …)`) sees exactly these terms.
    /// What a document's keyword index covers: its title and its text, so a word found only in the title still
    /// finds the document. Both stores index exactly this.
    public static func documentText(title: String, text: String) -> String { title + "\n" + text }

    public static func indexText(_ text: String) -> String { termTexts(text).joined(separator: " ") }

    /// Han ideographs, kana and Hangul: scripts written without spaces between words.
    static func isCJK(_ c: Character) -> Bool {
        guard let s = c.unicodeScalars.first else { return false }
        switch s.value {
        case 0x3040...0x30FF,  // Hiragana, Katakana
             0x31F0...0x31FF,  // Katakana phonetic extensions
             0x3400...0x4DBF,  // CJK Extension A
             0x4E00...0x9FFF,  // CJK Unified Ideographs
             0xAC00...0xD7AF,  // Hangul syllables
             0xF900...0xFAFF,  // CJK Compatibility Ideographs
             0xFF66...0xFF9F,  // half-width Katakana
             0x20000...0x2FA1F:  // Extensions B–F, compatibility supplement
            return true
        default:
            return false
        }
    }
}
