/// A text addressed by Unicode scalar offsets, with O(1) slicing for the token counter.
struct ScalarText {
    let text: String
    let scalars: [Unicode.Scalar]
    private let indices: [String.Index]  // scalars.count + 1 entries
    let counter: any TokenCounter

    init(_ text: String, counter: any TokenCounter) {
        self.text = text
        self.counter = counter
        scalars = Array(text.unicodeScalars)
        var indices = Array(text.unicodeScalars.indices)
        indices.append(text.unicodeScalars.endIndex)
        self.indices = indices
    }

    /// The text `[a, b)`, bounds on scalars (not rounded to characters).
    func slice(_ a: Int, _ b: Int) -> Substring {
        Substring(text.unicodeScalars[indices[a]..<indices[b]])
    }

    func count(_ a: Int, _ b: Int) -> Int { a >= b ? 0 : counter.tokenCount(slice(a, b)) }

    /// The last word start in `[notBefore, q]` (a non-space after a space), if any.
    func wordStart(before q: Int, notBefore: Int) -> Int? {
        var r = q
        while r > notBefore, r > 0 {
            if !scalars[r].properties.isWhitespace && scalars[r - 1].properties.isWhitespace { return r }
            r -= 1
        }
        return nil
    }

    /// `q` moved back so that it does not split a combining mark, joiner or variation selector from
    /// its base, nor CR from LF; never to `above` or below.
    func graphemeSafe(_ q: Int, above: Int) -> Int {
        var r = q
        while r > above + 1, r < scalars.count {
            let c = scalars[r]
            guard c.properties.isGraphemeExtend || c == "\u{200D}" || c.properties.isVariationSelector
                || (c == "\n" && scalars[r - 1] == "\r")
            else { break }
            r -= 1
        }
        return r
    }
}
