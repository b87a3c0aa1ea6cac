/// A small, forgiving HTML tokenizer that feeds a `TextBuilder`. Not a full HTML5 tree builder:
/// it needs only tag names, raw-text elements, comments and character references to find the text.
struct HTMLParser {
    private let s: [Unicode.Scalar]
    private var i = 0
    private var dropStack: [String] = []  // open dropped elements; text is ignored while non-empty
    private var preDepth = 0
    private var heading: (level: Int, mark: Int)?
    private(set) var headings: [(title: String, level: Int, start: Int)] = []
    private(set) var title: String?
    var builder = TextBuilder()

    init(source: String) { s = Array(source.unicodeScalars) }

    mutating func run() {
        var textStart = 0
        while i < s.count {
            guard s[i] == "<", i + 1 < s.count else { i += 1; continue }
            let next = s[i + 1]
            guard isASCIILetter(next) || next == "/" || next == "!" || next == "?" else { i += 1; continue }
            emitText(textStart..<i)
            parseMarkup()
            textStart = i
        }
        emitText(textStart..<s.count)
    }

    private mutating func emitText(_ range: Range<Int>) {
        guard !range.isEmpty, dropStack.isEmpty else { return }
        builder.append(decodeEntities(s[range]), preserveWhitespace: preDepth > 0)
    }

    private mutating func parseMarkup() {
        if starts("<!--") {
            i = find("-->", from: i + 4).map { $0 + 3 } ?? s.count
        } else if starts("<![CDATA[") {
            let end = find("]]>", from: i + 9) ?? s.count
            if dropStack.isEmpty { builder.append(s[(i + 9)..<end]) }
            i = min(end + 3, s.count)
        } else if s[i + 1] == "!" || s[i + 1] == "?" {
            i = (find(">", from: i) ?? s.count - 1) + 1
        } else if s[i + 1] == "/" {
            i += 2
            let name = readName()
            i = (find(">", from: i) ?? s.count - 1) + 1
            if !name.isEmpty { endTag(name) }
        } else {
            i += 1
            let name = readName()
            let selfClosing = skipAttributes()
            startTag(name, selfClosing: selfClosing)
        }
    }

    private mutating func startTag(_ name: String, selfClosing: Bool) {
        if name == "body" { dropStack.removeAll { $0 == "head" } }  // <head> closed implicitly
        if HTMLParser.rawTextNames.contains(name) {
            let end = findEndTag(name)
            if name == "title", title == nil {
                let raw = TextBuilder.collapsed(decodeEntities(s[i..<end]))
                if !raw.isEmpty { title = raw }
            }
            i = end
            skipEndTag()
            return
        }
        if HTMLExtractor.dropped.contains(name) {
            if !selfClosing && !HTMLExtractor.voidElements.contains(name) { dropStack.append(name) }
            return
        }
        guard dropStack.isEmpty else { return }
        block(name)
        if name == "br" { builder.lineBreak() }
        if name == "pre" { preDepth += 1 }
        if name == "td" || name == "th" { builder.requestSpace() }
        if let level = HTMLParser.headingLevel(name) { heading = (level, builder.count) }
    }

    private mutating func endTag(_ name: String) {
        if let k = dropStack.lastIndex(of: name) {
            dropStack.removeSubrange(k...)
            return
        }
        guard dropStack.isEmpty else { return }
        block(name)
        if name == "pre" { preDepth = max(0, preDepth - 1) }
        if let open = heading, HTMLParser.headingLevel(name) != nil {
            heading = nil
            // The heading's text starts after the break written before it.
            let written = builder.scalars
            var start = open.mark
            while start < written.count, written[start].properties.isWhitespace { start += 1 }
            let text = String(String.UnicodeScalarView(written[start...]))
            if !text.isEmpty { headings.append((text, open.level, start)) }
        }
    }

    private mutating func block(_ name: String) {
        if HTMLExtractor.paragraphBlocks.contains(name) {
            builder.requestBreak(2)
        } else if HTMLExtractor.lineBlocks.contains(name) {
            builder.requestBreak(1)
        }
    }

    /// Character references in text: `&amp;`, `&#20013;`, `&#x4E2D;`; unknown ones stay as written.
    private func decodeEntities(_ text: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        guard text.contains("&") else { return Array(text) }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var k = text.startIndex
        while k < text.endIndex {
            let c = text[k]
            guard c == "&" else { out.append(c); k += 1; continue }
            var e = k + 1
            while e < text.endIndex, e - k <= 32, isASCIILetter(text[e]) || isASCIIDigit(text[e]) || text[e] == "#" {
                e += 1
            }
            let name = String(String.UnicodeScalarView(text[(k + 1)..<e]))
            let hasSemicolon = e < text.endIndex && text[e] == ";"
            // Without `;` only the legacy few are recognised, as browsers do.
            if let value = HTMLEntities.resolve(name),
                hasSemicolon || ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg"].contains(name) || name.hasPrefix("#")
            {
                out.append(contentsOf: value.unicodeScalars)
                k = hasSemicolon ? e + 1 : e
            } else {
                out.append(c)
                k += 1
            }
        }
        return out
    }

    // MARK: Scanning

    private static let rawTextNames = HTMLExtractor.rawText
    private static func headingLevel(_ name: String) -> Int? {
        guard name.count == 2, name.first == "h", let d = name.last?.wholeNumberValue, (1...6).contains(d) else {
            return nil
        }
        return d
    }

    private func isASCIILetter(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") }
    private func isASCIIDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    private func starts(_ literal: String, at k: Int? = nil) -> Bool {
        var p = k ?? i
        for c in literal.unicodeScalars {
            guard p < s.count, lower(s[p]) == c else { return false }
            p += 1
        }
        return true
    }

    private func lower(_ c: Unicode.Scalar) -> Unicode.Scalar {
        c >= "A" && c <= "Z" ? Unicode.Scalar(c.value + 32)! : c
    }

    private func find(_ literal: String, from start: Int) -> Int? {
        var p = start
        while p < s.count {
            if starts(literal, at: p) { return p }
            p += 1
        }
        return nil
    }

    /// Lower-cased tag name at `i` (letters, digits, `-`, `:`).
    private mutating func readName() -> String {
        var name = String.UnicodeScalarView()
        while i < s.count, isASCIILetter(s[i]) || isASCIIDigit(s[i]) || s[i] == "-" || s[i] == ":" {
            name.append(lower(s[i]))
            i += 1
        }
        return String(name)
    }

    /// Skips to after the tag's `>`, honouring quoted attribute values; true for `/>`.
    private mutating func skipAttributes() -> Bool {
        var quote: Unicode.Scalar?
        var last: Unicode.Scalar = " "
        while i < s.count {
            let c = s[i]
            i += 1
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == ">" {
                return last == "/"
            }
            if !c.properties.isWhitespace { last = c }
        }
        return false
    }

    /// Index of `</name` after `i` (case-insensitive), or the end of the source.
    private func findEndTag(_ name: String) -> Int { find("</" + name, from: i) ?? s.count }

    private mutating func skipEndTag() {
        guard i < s.count else { return }
        i = (find(">", from: i) ?? s.count - 1) + 1
    }
}
