import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// PDF text through Debian's poppler (`pdftotext`), run in a capped subprocess because the parser
/// faces untrusted files. Pages come back separated by form feeds; their spans are kept.
enum PDFExtractor {
    static func extract(data: Data, fileName: String, limits: ExtractionLimits) throws(IngestionError) -> ExtractedDocument {
        let runner = ToolRunner(
            timeoutSeconds: limits.pdfTimeoutSeconds, memoryBytes: limits.pdfMemoryBytes,
            outputBytes: limits.pdfOutputBytes)
        let result = try runner.run(
            tool: "pdftotext", arguments: ["-enc", "UTF-8", "-eol", "unix", ToolRunner.inputPlaceholder, "-"], input: data)
        if result.status != 0 {
            throw failure(result, limits: limits)
        }
        // Poppler writes UTF-8; a stray invalid byte is not worth rejecting a whole PDF over.
        let raw = String(decoding: result.stdout, as: UTF8.self)
        let (text, pages) = assemble(pages: raw.split(separator: "\u{0C}", omittingEmptySubsequences: false))
        guard text.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else { throw .noTextLayer }
        let stem = fileName.split(separator: "/").last.map(String.init) ?? fileName
        return ExtractedDocument(title: stem, text: text, mediaType: "application/pdf", pages: pages)
    }

    /// Joins cleaned pages with a blank line and records each page's span. pdftotext ends every
    /// page with a form feed, so the piece after the last one is empty and is not a page.
    static func assemble(pages raw: [Substring]) -> (String, [ExtractedPage]) {
        var pieces = raw
        if pieces.count > 1, pieces.last?.allSatisfy(\.isWhitespace) == true { pieces.removeLast() }
        var text = String.UnicodeScalarView()
        var count = 0
        var pages: [ExtractedPage] = []
        for (k, piece) in pieces.enumerated() {
            let clean = normalize(piece)
            if !clean.isEmpty, count > 0 {
                text.append(contentsOf: "\n\n".unicodeScalars)
                count += 2
            }
            let start = count
            text.append(contentsOf: clean)
            count += clean.count
            pages.append(ExtractedPage(number: k + 1, start: start, end: count))
        }
        return (String(text), pages)
    }

    /// Runs of spaces and tabs inside a line become one space; lines are trimmed; more than one blank
    /// line in a row becomes one; the page is trimmed. Paragraph breaks survive.
    static func normalize(_ page: Substring) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        var newlines = 0
        var space = false
        for scalar in page.unicodeScalars {
            if scalar == "\n" {
                newlines += 1
                space = false
            } else if scalar.properties.isWhitespace || scalar.value < 0x20 {
                space = true
            } else {
                if !out.isEmpty {
                    if newlines > 0 {
                        out.append(contentsOf: newlines > 1 ? ["\n", "\n"] : ["\n"])
                    } else if space {
                        out.append(" ")
                    }
                }
                newlines = 0
                space = false
                out.append(scalar)
            }
        }
        return out
    }

    /// Maps a failed run to the error a user can act on. Poppler's messages name the temporary file,
    /// so only its last line, without paths, is passed on.
    static func failure(_ result: ToolRunner.Result, limits: ExtractionLimits) -> IngestionError {
        let stderr = result.stderr
        if stderr.contains("Incorrect password") || stderr.contains("ncrypt") { return .encrypted }
        if stderr.contains("bad_alloc") || stderr.contains("memory") || stderr.contains("failed to map")
            || stderr.contains("annot allocate")
        {
            return .resourceLimitExceeded(detail: "memory")
        }
        // The CPU cap (equal to the wall-clock limit) ends with SIGXCPU, or SIGKILL at the hard limit.
        if result.signalled, result.status == SIGXCPU || result.status == SIGKILL {
            return .extractionTimedOut(seconds: limits.pdfTimeoutSeconds)
        }
        if result.signalled { return .resourceLimitExceeded(detail: "memory; the converter died with signal \(result.status)") }
        let last = stderr.split(separator: "\n").last.map(String.init) ?? "pdftotext exit status \(result.status)"
        let clean = last.split(separator: " ").filter { !$0.contains("/") }.joined(separator: " ")
        return .corrupt(reason: clean.isEmpty ? "pdftotext exit status \(result.status)" : clean)
    }
}
