import Foundation

/// Main text of an HTML page: scripts, styles, navigation, headers, footers, asides and forms dropped;
/// entities decoded; block elements turned into line and paragraph breaks; `h1`–`h6` into sections.
enum HTMLExtractor {
    /// Content of these elements is never text a reader came for.
    static let dropped: Set<String> = [
        "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg", "head",
        "iframe", "object", "embed", "canvas", "select", "button", "textarea", "math", "noembed", "noframes",
        "dialog",
    ]
    /// Elements whose content is raw text up to their end tag (no tags inside).
    static let rawText: Set<String> = [
        "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext",
    ]
    static let paragraphBlocks: Set<String> = [
        "p", "ul", "ol", "dl", "table", "blockquote", "pre", "section", "article", "main", "figure", "hr",
        "address", "details", "fieldset", "h1", "h2", "h3", "h4", "h5", "h6", "body", "html",
    ]
    static let lineBlocks: Set<String> = [
        "div", "li", "tr", "dt", "dd", "caption", "figcaption", "summary", "legend", "thead", "tbody", "tfoot",
    ]
    static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    ]

    /// `charset`: the transport's (an upload's `Content-Type`), which wins over the page's `<meta>`.
    static func extract(data: Data, fileName: String, charset: String?) throws(IngestionError) -> ExtractedDocument {
        let decoded = try TextDecoder.decodeText(data, charset: charset) { declaredCharset([UInt8]($0.prefix(1024))) }
        var parser = HTMLParser(source: TextDecoder.normalizeLineEnds(decoded.text))
        parser.run()
        let text = parser.builder.text
        guard text.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
            throw .empty(fileName: fileName)
        }
        let sections = Sections.closing(parser.headings, textLength: parser.builder.count)
        let title = parser.title ?? sections.first(where: { $0.level == 1 })?.title ?? fileName
        return ExtractedDocument(title: title, text: text, mediaType: "text/html", sections: sections, warnings: decoded.warnings)
    }

    /// The charset named by `<meta charset=...>` or `<meta http-equiv="Content-Type" content="...; charset=...">`
    /// in the first bytes of the file (browsers, and Folio, look at the first 1024).
    static func declaredCharset(_ head: [UInt8]) -> String? {
        let lower = head.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        var from = 0
        let meta = Array("<meta".utf8), key = Array("charset".utf8)
        while let hit = lower[from...].firstRange(of: meta) {
            let tagEnd = lower[hit.upperBound...].firstIndex(of: UInt8(ascii: ">")) ?? lower.count
            var i = hit.upperBound
            while let k = lower[i..<tagEnd].firstRange(of: key) {
                i = k.upperBound
                while i < tagEnd, lower[i] == 0x20 || lower[i] == 0x09 || lower[i] == 0x0A { i += 1 }
                guard i < tagEnd, lower[i] == UInt8(ascii: "=") else { continue }
                i += 1
                while i < tagEnd, [0x20, 0x09, 0x0A, 0x22, 0x27].contains(lower[i]) { i += 1 }
                let start = i
                while i < tagEnd, isLabelByte(lower[i]) { i += 1 }
                if i > start { return String(decoding: head[start..<i], as: UTF8.self) }
            }
            from = tagEnd
        }
        return nil
    }

    private static func isLabelByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F || b == 0x3A || b == 0x2E
    }
}

/// Turns heading starts into sections that end where the next heading starts.
enum Sections {
    static func closing(_ headings: [(title: String, level: Int, start: Int)], textLength: Int) -> [Section] {
        headings.indices.map { k in
            let end = k + 1 < headings.count ? headings[k + 1].start : textLength
            return Section(title: headings[k].title, level: headings[k].level, start: headings[k].start, end: end)
        }
    }
}
