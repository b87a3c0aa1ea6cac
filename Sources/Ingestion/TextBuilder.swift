/// Accumulates extracted text with HTML-like whitespace rules: runs of spaces collapse, block
/// boundaries ask for a line or paragraph break, and breaks are written only before the next text,
/// so the result never starts or ends with whitespace. Counts Unicode scalars as it goes.
struct TextBuilder {
    private(set) var scalars: [Unicode.Scalar] = []
    private(set) var count = 0
    private var pendingBreak = 0  // 0: none, 1: newline, 2: blank line
    private var pendingSpace = false

    /// Asks for `level` newlines (1 or 2) before the next text; the largest request wins.
    mutating func requestBreak(_ level: Int) { pendingBreak = max(pendingBreak, level) }

    /// `<br>`: a second one in a row turns the line break into a paragraph break.
    mutating func lineBreak() { pendingBreak = pendingBreak >= 1 ? 2 : 1 }

    mutating func requestSpace() { pendingSpace = true }

    /// Appends `text`, collapsing whitespace runs to one space (or keeping it all, for `<pre>`).
    mutating func append(_ text: some Sequence<Unicode.Scalar>, preserveWhitespace: Bool = false) {
        for scalar in text {
            if preserveWhitespace {
                if scalar == "\n" {
                    if count > 0 { pendingBreak += 1 }
                    continue
                }
                if scalar.properties.isWhitespace {
                    if count > 0 {  // indentation in code blocks matters
                        flush()
                        put(scalar)
                    }
                    continue
                }
            }
            if scalar.properties.isWhitespace {
                pendingSpace = true
                continue
            }
            flush()
            put(scalar)
        }
    }

    private mutating func flush() {
        if count > 0 {
            if pendingBreak > 0 {
                for _ in 0..<min(pendingBreak, 2) { put("\n") }
            } else if pendingSpace {
                put(" ")
            }
        }
        pendingBreak = 0
        pendingSpace = false
    }

    private mutating func put(_ scalar: Unicode.Scalar) {
        scalars.append(scalar)
        count += 1
    }

    var text: String { String(String.UnicodeScalarView(scalars)) }
}

extension TextBuilder {
    /// `text` with whitespace runs collapsed and the ends trimmed (for titles).
    static func collapsed(_ text: some Sequence<Unicode.Scalar>) -> String {
        var builder = TextBuilder()
        builder.append(text)
        return builder.text
    }
}
