import Foundation

/// Markdown, plain text and source code: the text stays as written (LF line ends, no BOM), so a chunk
/// reads as the author wrote it; headings or top-level definitions are recorded as sections.
enum PlainExtractor {
    static func extract(data: Data, fileName: String, kind: FileKind, charset: String?) throws(IngestionError) -> ExtractedDocument {
        let decoded = try TextDecoder.decodeText(data, charset: charset)
        let text = TextDecoder.normalizeLineEnds(decoded.text)
        guard text.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
            throw .empty(fileName: fileName)
        }
        let lines = Lines(text)
        switch kind {
        case .markdown:
            let sections = Sections.closing(markdownHeadings(lines), textLength: lines.scalarCount)
            return ExtractedDocument(
                title: sections.first?.title ?? fileName, text: text, mediaType: kind.mediaType, sections: sections,
                warnings: decoded.warnings)
        case .code:
            let sections = Sections.closing(definitions(lines), textLength: lines.scalarCount)
            return ExtractedDocument(
                title: fileName, text: text, mediaType: kind.mediaType, sections: sections, warnings: decoded.warnings)
        default:
            return ExtractedDocument(title: fileName, text: text, mediaType: kind.mediaType, warnings: decoded.warnings)
        }
    }

    /// ATX (`## Title ##`) and setext (`Title` over `===` or `---`) headings outside fenced code.
    static func markdownHeadings(_ lines: Lines) -> [(title: String, level: Int, start: Int)] {
        var result: [(title: String, level: Int, start: Int)] = []
        var fence: Substring?
        var previousParagraphLine: Int?  // index of a text line that may be a setext heading
        for (k, line) in lines.items.enumerated() {
            let body = line.text.drop(while: { $0 == " " })
            let indent = line.text.count - body.count
            if let open = fence {
                if indent < 4, body.hasPrefix(open), body.allSatisfy({ $0 == open.first! || $0 == " " }) { fence = nil }
                continue
            }
            if indent < 4, body.hasPrefix("```") || body.hasPrefix("~~~") {
                fence = body.prefix(while: { $0 == body.first! })
                previousParagraphLine = nil
                continue
            }
            let trimmed = body.trimmingCharacters(in: .whitespaces)
            if indent < 4, body.hasPrefix("#") {
                let hashes = body.prefix(while: { $0 == "#" }).count
                let rest = body.dropFirst(hashes)
                if hashes <= 6, rest.isEmpty || rest.first == " " || rest.first == "\t" {
                    var title = rest.trimmingCharacters(in: .whitespaces)
                    while title.hasSuffix("#") { title.removeLast() }
                    title = title.trimmingCharacters(in: .whitespaces)
                    if !title.isEmpty { result.append((title, hashes, line.start)) }
                    previousParagraphLine = nil
                    continue
                }
            }
            if indent < 4, let p = previousParagraphLine, !trimmed.isEmpty,
                trimmed.allSatisfy({ $0 == "=" }) || trimmed.allSatisfy({ $0 == "-" })
            {
                let heading = lines.items[p]
                let title = heading.text.trimmingCharacters(in: .whitespaces)
                result.append((title, trimmed.first == "=" ? 1 : 2, heading.start + (heading.text.count - heading.text.drop(while: { $0 == " " }).count)))
                previousParagraphLine = nil
                continue
            }
            // A setext heading is one line of text directly over the underline; longer paragraphs are rare there.
            let isText = !trimmed.isEmpty && indent < 4 && !"-*+>|".contains(trimmed.first!)
            previousParagraphLine = isText && (k == 0 || lines.items[k - 1].text.allSatisfy(\.isWhitespace)) ? k : nil
        }
        return result
    }

    /// Top-level definitions in source code: lines at column 0 that open a function, type or block.
    static func definitions(_ lines: Lines) -> [(title: String, level: Int, start: Int)] {
        let openers = [
            "def ", "async def ", "class ", "func ", "fn ", "pub fn ", "pub struct ", "pub enum ", "pub trait ",
            "impl ", "struct ", "enum ", "protocol ", "extension ", "actor ", "function ", "async function ",
            "export ", "interface ", "type ", "public ", "private ", "internal ", "fileprivate ", "final ",
            "open ", "static ", "package ", "trait ", "object ", "module ", "CREATE ", "create ",
        ]
        var result: [(title: String, level: Int, start: Int)] = []
        for line in lines.items {
            guard let first = line.text.first, !first.isWhitespace else { continue }
            if openers.contains(where: { line.text.hasPrefix($0) }) || line.text.hasPrefix("@") {
                // Attributes and decorators belong to the definition below them.
                if let last = result.last, last.title.hasPrefix("@"), last.start + last.title.unicodeScalars.count + 1 == line.start {
                    result[result.count - 1].title = String(line.text.prefix(120))
                    continue
                }
                result.append((String(line.text.prefix(120)), 1, line.start))
            }
        }
        return result
    }
}

/// The lines of a text with the scalar offset where each starts.
struct Lines {
    struct Line {
        var text: Substring
        var start: Int
    }
    var items: [Line] = []
    var scalarCount = 0

    init(_ text: String) {
        var offset = 0
        for piece in text.split(separator: "\n", omittingEmptySubsequences: false) {
            items.append(Line(text: piece, start: offset))
            offset += piece.unicodeScalars.count + 1
        }
        scalarCount = text.unicodeScalars.count
    }
}
