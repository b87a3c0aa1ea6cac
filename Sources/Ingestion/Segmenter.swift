/// Splits a document into units no longer than the token limit, coarsest first: sections and
/// paragraphs, then sentences, then token boundaries. Units are contiguous and cover the trimmed text:
/// each unit carries the whitespace after it.
struct Segmenter {
    /// A run of text `[start, end)` in scalar offsets, with its real token count.
    struct Unit {
        var start: Int
        var end: Int
        var tokens: Int
        var startsSection: Bool
    }

    let source: ScalarText
    let maxTokens: Int

    /// Units covering `[from, to)`, with breaks at `hardBreaks` (section starts) and at blank lines.
    func units(from: Int, to: Int, sectionStarts: Set<Int>) -> [Unit] {
        var starts = paragraphStarts(from: from, to: to)
        starts.formUnion(sectionStarts.filter { $0 > from && $0 < to })
        let sorted = starts.sorted()
        var result: [Unit] = []
        for (k, start) in sorted.enumerated() {
            let end = k + 1 < sorted.count ? sorted[k + 1] : to
            let before = result.count
            split(start, end, into: &result)
            if sectionStarts.contains(start) { result[before].startsSection = true }
        }
        return result
    }

    /// `[a, b)` as one unit when it fits, else its sentences, else token-sized pieces.
    private func split(_ a: Int, _ b: Int, into result: inout [Unit]) {
        let n = source.count(a, b)
        if n <= maxTokens {
            result.append(Unit(start: a, end: b, tokens: n, startsSection: false))
            return
        }
        let starts = sentenceStarts(from: a, to: b)
        if starts.count > 1 {
            for (k, s) in starts.enumerated() {
                let e = k + 1 < starts.count ? starts[k + 1] : b
                let m = source.count(s, e)
                if m <= maxTokens {
                    result.append(Unit(start: s, end: e, tokens: m, startsSection: false))
                } else {
                    splitByTokens(s, e, into: &result)
                }
            }
        } else {
            splitByTokens(a, b, into: &result)
        }
    }

    /// Positions in `(from, to)` where a paragraph starts: the first non-space after a blank line.
    /// `from` itself is always included.
    func paragraphStarts(from: Int, to: Int) -> Set<Int> {
        var result: Set<Int> = [from]
        var newlines = 0
        for p in from..<to {
            let c = source.scalars[p]
            if c == "\n" {
                newlines += 1
            } else if c.properties.isWhitespace {
                continue
            } else {
                if newlines >= 2 { result.insert(p) }
                newlines = 0
            }
        }
        return result
    }

    /// Sentence starts in `[from, to)`: after `.`, `!`, `?` followed by a space; after `。！？；`
    /// (closing quotes and brackets stay with the sentence); after a line break. `from` comes first.
    func sentenceStarts(from: Int, to: Int) -> [Int] {
        var result = [from]
        var p = from
        let s = source.scalars
        while p < to {
            let c = s[p]
            p += 1
            let western = c == "." || c == "!" || c == "?"
            let eastern = c == "。" || c == "！" || c == "？" || c == "；"
            guard western || eastern || c == "\n" else { continue }
            while p < to, Segmenter.closers.contains(s[p]) { p += 1 }
            if western, p < to, !s[p].properties.isWhitespace { continue }
            while p < to, s[p].properties.isWhitespace { p += 1 }
            if p < to { result.append(p) }
        }
        return result
    }

    private static let closers: Set<Unicode.Scalar> = ["\"", "'", ")", "]", "”", "’", "」", "』", "）", "》", "】"]

    /// Pieces of `[a, b)` of at most `maxTokens` each: the longest prefix that fits, found by galloping
    /// then binary search over scalar positions, moved back to a word start when one is near.
    private func splitByTokens(_ a: Int, _ b: Int, into result: inout [Unit]) {
        var p = a
        while p < b {
            let fit = longestFit(from: p, to: b, limit: maxTokens)
            var q = fit
            if q < b, let word = source.wordStart(before: q, notBefore: p + (q - p) / 2) { q = word }
            q = source.graphemeSafe(q, above: p)
            var tokens = source.count(p, q)
            if tokens > maxTokens {  // counts are not monotone everywhere; the measured fit is safe
                q = fit
                tokens = source.count(p, q)
            }
            result.append(Unit(start: p, end: q, tokens: tokens, startsSection: false))
            p = q
        }
    }

    /// The largest `q` in `(p, b]` with `count(p, q) <= limit` (assuming counts grow with length).
    func longestFit(from p: Int, to b: Int, limit: Int) -> Int {
        var lo = p + 1  // one scalar is a few tokens at most, and limit >= 16
        var hi = b + 1  // first known to exceed, or past the end
        var width = max(limit * 2, 8)
        while true {
            let q = min(b, p + width)
            if source.count(p, q) <= limit {
                lo = q
                if q == b { return b }
                width *= 2
            } else {
                hi = q
                break
            }
        }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if source.count(p, mid) <= limit { lo = mid } else { hi = mid }
        }
        return lo
    }
}
