import Foundation

/// Okapi BM25 over an in-memory corpus, for hybrid evaluation: idf = ln(1 + (N - df + 0.5) / (df + 0.5))
/// (Lucene's, never negative), k1 = 1.2, b = 0.75.
public struct BM25: Sendable {
    /// Term-frequency saturation.
    public static let k1: Float = 1.2
    /// Length normalisation (0 none, 1 full).
    public static let b: Float = 0.75

    /// term -> postings (document index, term frequency).
    let postings: [String: [(doc: Int, tf: Int)]]
    let lengths: [Int]
    let averageLength: Float

    /// Indexes `documents`; results refer to them by position.
    public init(documents: [String]) {
        var postings: [String: [(doc: Int, tf: Int)]] = [:]
        var lengths: [Int] = []
        for (d, text) in documents.enumerated() {
            let terms = Self.terms(text)
            lengths.append(terms.count)
            var counts: [String: Int] = [:]
            for t in terms { counts[t, default: 0] += 1 }
            for (t, n) in counts { postings[t, default: []].append((d, n)) }
        }
        self.postings = postings
        self.lengths = lengths
        self.averageLength = Float(lengths.reduce(0, +)) / Float(max(lengths.count, 1))
    }

    /// The `k` best documents for `query`, best first (ties: lower index first); documents sharing no
    /// term with the query are left out.
    public func search(_ query: String, k: Int) -> [(index: Int, score: Float)] {
        let N = Float(lengths.count)
        var scores = [Float](repeating: 0, count: lengths.count)
        var touched = Set<Int>()
        for term in Set(Self.terms(query)) {
            guard let list = postings[term] else { continue }
            let idf = log(1 + (N - Float(list.count) + 0.5) / (Float(list.count) + 0.5))
            for (d, tf) in list {
                let norm = Self.k1 * (1 - Self.b + Self.b * Float(lengths[d]) / max(averageLength, 1e-9))
                scores[d] += idf * Float(tf) * (Self.k1 + 1) / (Float(tf) + norm)
                touched.insert(d)
            }
        }
        return touched.map { (index: $0, score: scores[$0]) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
            .prefix(k).map { $0 }
    }

    /// A simple Unicode word tokenizer: lowercased runs of letters, marks and digits; each CJK
    /// ideograph, kana or Hangul syllable is a term of its own (those scripts do not separate words by spaces).
    public static func terms(_ text: String) -> [String] {
        var out: [String] = []
        var word = ""
        func flush() { if !word.isEmpty { out.append(word); word = "" } }
        for scalar in text.lowercased().unicodeScalars {
            if isCJK(scalar) {
                flush()
                out.append(String(scalar))
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil
                        || scalar.properties.generalCategory == .nonspacingMark {
                word.unicodeScalars.append(scalar)
            } else {
                flush()
            }
        }
        flush()
        return out
    }

    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF, 0x20000...0x2FA1F: true
        default: false
        }
    }
}

/// Reciprocal rank fusion (Cormack et al. 2009): score(d) = Σ over rankings of 1 / (k + rank), rank from 1.
public enum ReciprocalRankFusion {
    /// Document indices ordered by fused score, best first; ties go to the document seen first.
    public static func fuse(_ rankings: [[Int]], k: Int = 60) -> [Int] {
        var score: [Int: Double] = [:]
        var firstSeen: [Int: Int] = [:]
        var order = 0
        for ranking in rankings {
            for (i, d) in ranking.enumerated() {
                score[d, default: 0] += 1 / Double(k + i + 1)
                if firstSeen[d] == nil { firstSeen[d] = order; order += 1 }
            }
        }
        return score.keys.sorted { a, b in
            score[a]! != score[b]! ? score[a]! > score[b]! : firstSeen[a]! < firstSeen[b]!
        }
    }
}
