import Foundation

/// A token added on top of the model's vocabulary (`added_tokens` in tokenizer.json; GGUF control and
/// user-defined tokens). Its text in the input becomes its id before any other processing.
public struct AddedToken: Sendable, Equatable {
    /// The id it encodes to.
    public var id: Int32
    /// The text matched in the input, for example `<|im_start|>`.
    public var content: String
    /// Left out by `decode(_:skipSpecialTokens: true)`. Qwen3's `<think>` and `<tool_call>` are not special.
    public var special: Bool
    /// Matches only where it is not inside a word.
    public var singleWord: Bool
    /// Takes the whitespace before it into the token.
    public var lstrip: Bool
    /// Takes the whitespace after it into the token.
    public var rstrip: Bool
    /// Matched in the normalised text instead of the raw text.
    public var normalized: Bool

    /// An added token; flags default as in Hugging Face for a special token.
    public init(id: Int32, content: String, special: Bool, singleWord: Bool = false, lstrip: Bool = false,
                rstrip: Bool = false, normalized: Bool = false) {
        self.id = id
        self.content = content
        self.special = special
        self.singleWord = singleWord
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.normalized = normalized
    }
}

/// Finds added tokens in UTF-8 text as Hugging Face's `AddedVocabulary.find_matches` does:
/// leftmost-longest matches, single-word tokens dropped inside words, lstrip/rstrip widening the match
/// over whitespace. The few added tokens are bucketed by first byte, longest first.
struct AddedTokenMatcher: Sendable {
    private let tokens: [AddedToken]
    private let patterns: [[UInt8]]
    private let byFirstByte: [[Int]]   // [256] -> indices into tokens, longest first

    init(_ tokens: [AddedToken], patterns: [[UInt8]]? = nil) {
        let patterns = patterns ?? tokens.map { Array($0.content.utf8) }
        var buckets = [[Int]](repeating: [], count: 256)
        for (i, p) in patterns.enumerated() where !p.isEmpty { buckets[Int(p[0])].append(i) }
        for b in 0..<256 { buckets[b].sort { patterns[$0].count > patterns[$1].count } }
        self.tokens = tokens
        self.patterns = patterns
        self.byFirstByte = buckets
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// Calls `body(start, end, id)` for consecutive pieces covering `text`; `id` is the added token's id,
    /// or nil for ordinary text between tokens.
    func split(_ text: UnsafeBufferPointer<UInt8>, _ body: (Int, Int, Int32?) -> Void) {
        let n = text.count
        if tokens.isEmpty || n == 0 { body(0, n, nil); return }
        var emitted = 0   // end of the last piece passed to body
        var p = 0
        while p < n {
            let bucket = byFirstByte[Int(text[p])]
            var hit = -1
            if !bucket.isEmpty {
                for t in bucket where matches(patterns[t], text, at: p) { hit = t; break }
            }
            guard hit >= 0 else { p += 1; continue }
            let token = tokens[hit]
            var start = p
            var stop = p + patterns[hit].count
            if token.singleWord && !(isWordBoundary(text, before: start) && isWordBoundary(text, after: stop)) {
                p = stop   // the automaton resumes after the discarded match
                continue
            }
            if token.lstrip { start = max(whitespaceStart(text, before: start), emitted) }
            if token.rstrip { stop = whitespaceEnd(text, from: stop) }
            if emitted < start { body(emitted, start, nil) }
            body(start, stop, token.id)
            emitted = stop
            p = stop
        }
        if emitted < n { body(emitted, n, nil) }
    }

    private func matches(_ pattern: [UInt8], _ text: UnsafeBufferPointer<UInt8>, at p: Int) -> Bool {
        if p + pattern.count > text.count { return false }
        for (k, b) in pattern.enumerated() where text[p + k] != b { return false }
        return true
    }

    // Rust regex `\w` and `\s`, as Hugging Face uses for single_word and lstrip/rstrip.
    private func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        let p = s.properties
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return p.isAlphabetic || p.isJoinControl
        }
    }

    private func scalar(_ text: UnsafeBufferPointer<UInt8>, endingAt end: Int) -> Unicode.Scalar? {
        var s = end - 1
        while s > 0 && text[s] & 0xC0 == 0x80 { s -= 1 }
        guard s >= 0, end > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: text[s..<end]), as: UTF8.self).unicodeScalars.first
    }

    private func scalar(_ text: UnsafeBufferPointer<UInt8>, startingAt start: Int) -> (Unicode.Scalar, Int)? {
        guard start < text.count else { return nil }
        var e = start + 1
        while e < text.count && text[e] & 0xC0 == 0x80 { e += 1 }
        let s = String(decoding: UnsafeBufferPointer(rebasing: text[start..<e]), as: UTF8.self).unicodeScalars.first!
        return (s, e)
    }

    private func isWordBoundary(_ text: UnsafeBufferPointer<UInt8>, before i: Int) -> Bool {
        guard let s = scalar(text, endingAt: i) else { return true }
        return !isWordScalar(s)
    }

    private func isWordBoundary(_ text: UnsafeBufferPointer<UInt8>, after i: Int) -> Bool {
        guard let (s, _) = scalar(text, startingAt: i) else { return true }
        return !isWordScalar(s)
    }

    private func whitespaceStart(_ text: UnsafeBufferPointer<UInt8>, before i: Int) -> Int {
        var i = i
        while i > 0, let s = scalar(text, endingAt: i), s.properties.isWhitespace { i -= String(s).utf8.count }
        return i
    }

    private func whitespaceEnd(_ text: UnsafeBufferPointer<UInt8>, from i: Int) -> Int {
        var i = i
        while let (s, e) = scalar(text, startingAt: i), s.properties.isWhitespace { i = e }
        return i
    }
}
