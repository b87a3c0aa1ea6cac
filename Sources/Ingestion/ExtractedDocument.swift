import Foundation

/// Caps on what one upload may cost the server.
public struct ExtractionLimits: Sendable, Equatable {
    /// Largest accepted file, in bytes (64 MiB).
    public var maxBytes: Int
    /// Wall-clock limit for the PDF converter; it is terminated, then killed (60 s). Also its CPU limit.
    public var pdfTimeoutSeconds: Int
    /// Address-space cap for the PDF converter, applied with `prlimit` when present (1 GiB).
    public var pdfMemoryBytes: Int
    /// Largest text the PDF converter may write, in bytes (256 MiB); guards against decompression bombs.
    public var pdfOutputBytes: Int

    public init(
        maxBytes: Int = 64 << 20, pdfTimeoutSeconds: Int = 60, pdfMemoryBytes: Int = 1 << 30,
        pdfOutputBytes: Int = 256 << 20
    ) {
        self.maxBytes = maxBytes
        self.pdfTimeoutSeconds = pdfTimeoutSeconds
        self.pdfMemoryBytes = pdfMemoryBytes
        self.pdfOutputBytes = pdfOutputBytes
    }
}

/// One PDF page's span of `ExtractedDocument.text`, in Unicode scalar offsets, `[start, end)`.
/// A blank page has `start == end`.
public struct ExtractedPage: Sendable, Equatable {
    /// 1-based page number.
    public var number: Int
    public var start: Int
    public var end: Int

    public init(number: Int, start: Int, end: Int) {
        self.number = number
        self.start = start
        self.end = end
    }
}

/// A heading and the text it governs: from the heading's first scalar up to the next heading of any
/// level (or the end of the text), in Unicode scalar offsets `[start, end)`.
public struct Section: Sendable, Equatable {
    /// The heading text without markup (`## Install` → `Install`).
    public var title: String
    /// 1 for `h1` / `#`, up to 6. Top-level definitions in source code are level 1.
    public var level: Int
    public var start: Int
    public var end: Int

    public init(title: String, level: Int, start: Int, end: Int) {
        self.title = title
        self.level = level
        self.start = start
        self.end = end
    }
}

/// The text of one file, ready to chunk.
public struct ExtractedDocument: Sendable, Equatable {
    /// `<title>`, the first heading, or the file name.
    public var title: String
    /// Normalised text: LF line ends, no BOM; PDF pages joined by a blank line.
    public var text: String
    /// `application/pdf`, `text/html`, `text/markdown`, `text/plain`, `text/x-python`, ...
    public var mediaType: String
    /// Page spans for PDFs; empty for other types.
    public var pages: [ExtractedPage]
    /// Headings in text order (Markdown, HTML, top-level definitions in code).
    public var sections: [Section]
    /// How the text was read, where the user should know: a declared charset that did not fit the bytes, bytes
    /// replaced by U+FFFD. Empty for a clean file.
    public var warnings: [String]

    public init(
        title: String, text: String, mediaType: String, pages: [ExtractedPage] = [], sections: [Section] = [],
        warnings: [String] = []
    ) {
        self.title = title
        self.text = text
        self.mediaType = mediaType
        self.pages = pages
        self.sections = sections
        self.warnings = warnings
    }

    /// The page holding scalar `offset`: the last page starting at or before it; nil without pages.
    public func page(at offset: Int) -> Int? {
        guard !pages.isEmpty else { return nil }
        var lo = 0, hi = pages.count  // first page with start > offset
        while lo < hi {
            let mid = (lo + hi) / 2
            if pages[mid].start <= offset { lo = mid + 1 } else { hi = mid }
        }
        return pages[max(lo - 1, 0)].number
    }
}
