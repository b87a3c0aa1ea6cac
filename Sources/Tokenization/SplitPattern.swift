/// The pre-tokenizer split regex of Qwen2/Qwen3 (and its Llama 3 and Qwen3.5 relatives), written as a
/// scanner over Unicode scalars instead of a regex engine.
///
/// Qwen2's pattern, with the alternatives tried in order at each position (leftmost-first):
///
///     1 (?i:'s|'t|'re|'ve|'m|'ll|'d)      contractions; case-insensitive, and Oniguruma folds ſ to s
///     2 [^\r\n\p{L}\p{N}]?\p{L}+          a letter run, with one optional leading non-letter
///     3 \p{N}                              one digit (Llama 3: up to three)
///     4  ?[^\s\p{L}\p{N}]+[\r\n]*         a punctuation/symbol run, optional leading space, newlines after
///     5 \s*[\r\n]+                         whitespace ending with the last newline in the run
///     6 \s+(?!\S)                          whitespace, leaving the last one to prefix the next word
///     7 \s+                                whitespace
///
/// Every scalar is matched by one of 2-7, so the pieces cover the text (HF's `Isolated` behaviour).
struct SplitPattern: Sendable, Equatable {
    /// Longest digit run in one piece: 1 for Qwen2 (`\p{N}`), 3 for Llama 3 (`\p{N}{1,3}`).
    var maxDigits: Int
    /// Qwen3.5's pattern counts combining marks as letters (`[\p{L}\p{M}]+`).
    var marksAreLetters: Bool

    static let qwen2 = SplitPattern(maxDigits: 1, marksAreLetters: false)
    static let llama3 = SplitPattern(maxDigits: 3, marksAreLetters: false)
    static let qwen35 = SplitPattern(maxDigits: 1, marksAreLetters: true)

    /// The regexes as written in tokenizer.json, and the GGUF `tokenizer.ggml.pre` names using them.
    static let known: [(regex: String, pattern: SplitPattern)] = [
        (#"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#, .qwen2),
        (#"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#, .llama3),
        (#"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#, .qwen35),
    ]
    static let ggufNames: [String: SplitPattern] = [
        "qwen2": .qwen2, "deepseek-r1-qwen": .qwen2, "llama-bpe": .llama3, "llama3": .llama3, "qwen35": .qwen35,
    ]

    /// Calls `body(start, end)` for each piece of `scalars`, in order; `classes[i]` is
    /// `CharacterClasses.of(scalars[i])`.
    func split(_ scalars: UnsafeBufferPointer<Unicode.Scalar>, _ classes: UnsafeBufferPointer<UInt16>,
               _ body: (Int, Int) -> Void) {
        let n = scalars.count
        let letter = marksAreLetters ? CharacterClasses.letter | CharacterClasses.mark : CharacterClasses.letter
        let number = CharacterClasses.number
        let space = CharacterClasses.whitespace
        let crlf = CharacterClasses.crlf
        let notOther = space | letter | number
        func run(_ from: Int, _ mask: UInt16) -> Int {      // scalars with a bit of `mask`
            var j = from
            while j < n && classes[j] & mask != 0 { j += 1 }
            return j
        }
        func runOther(_ from: Int) -> Int {                // scalars with none of `notOther`
            var j = from
            while j < n && classes[j] & notOther == 0 { j += 1 }
            return j
        }
        var i = 0
        while i < n {
            let c = classes[i]
            var end = -1
            // 1. Contractions.
            if scalars[i] == "'" && i + 1 < n {
                let a = Self.folded(scalars[i + 1])
                if a == "s" || a == "t" || a == "m" || a == "d" {
                    end = i + 2
                } else if i + 2 < n {
                    let b = Self.folded(scalars[i + 2])
                    if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") { end = i + 3 }
                }
            }
            if end < 0 {
                if c & letter != 0 {
                    end = run(i, letter)                                            // 2, no prefix
                } else if c & (crlf | letter | number) == 0 && i + 1 < n && classes[i + 1] & letter != 0 {
                    end = run(i + 1, letter)                                        // 2, with prefix
                } else if c & number != 0 {
                    end = min(run(i, number), i + maxDigits)                        // 3
                } else if c & notOther == 0 || (scalars[i] == " " && i + 1 < n && classes[i + 1] & notOther == 0) {
                    end = run(runOther(scalars[i] == " " ? i + 1 : i), crlf)       // 4
                } else {
                    let j = run(i, space)                                           // 5, 6, 7
                    var k = j - 1
                    while k >= i && classes[k] & crlf == 0 { k -= 1 }
                    if k >= i { end = k + 1 } else if j == n || j - i == 1 { end = j } else { end = j - 1 }
                }
            }
            body(i, end)
            i = end
        }
    }

    /// ASCII lowercase, plus ſ (U+017F), which Oniguruma's case-insensitive match folds to s.
    @inline(__always)
    static func folded(_ s: Unicode.Scalar) -> Unicode.Scalar {
        let v = s.value
        if v >= 65 && v <= 90 { return Unicode.Scalar(v + 32)! }
        if v == 0x17F { return "s" }
        return s
    }
}
