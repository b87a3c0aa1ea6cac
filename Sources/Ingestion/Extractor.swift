import Foundation

/// Text extraction for uploaded files: PDF, HTML, Markdown, plain text and source code.
///
/// The file name is only a label (for the type and error messages); it is never used as a path.
public enum Extractor {
    /// The text, title, pages and sections of one file. `charset` is the caller's (an upload's `Content-Type`
    /// charset), which wins over what an HTML page declares; text is decoded as `TextDecoder.decodeText` says, and
    /// how it was read (a label that did not fit, bytes replaced by U+FFFD) is in the result's `warnings`.
    /// - Throws: `IngestionError` for files over `limits.maxBytes`, archives, unknown types, empty
    ///   documents, bad encodings, scanned, encrypted or corrupt PDFs, and converter time-outs.
    public static func extract(
        data: Data, fileName: String, charset: String? = nil, limits: ExtractionLimits = .init()
    ) throws(IngestionError) -> ExtractedDocument {
        guard data.count <= limits.maxBytes else { throw .tooLarge(bytes: data.count, limit: limits.maxBytes) }
        guard !data.isEmpty else { throw .empty(fileName: fileName) }
        let kind = try FileType.classify(data: data, fileName: fileName)
        switch kind {
        case .pdf: return try PDFExtractor.extract(data: data, fileName: fileName, limits: limits)
        case .html: return try HTMLExtractor.extract(data: data, fileName: fileName, charset: charset)
        case .markdown, .plainText, .code:
            return try PlainExtractor.extract(data: data, fileName: fileName, kind: kind, charset: charset)
        }
    }

    /// The media type `extract` would report (`application/pdf`, `text/html`, `text/x-python`, ...),
    /// or nil when it would reject the file as an archive, binary or unknown type.
    public static func mediaType(forFileName fileName: String, data: Data) -> String? {
        guard !data.isEmpty else { return nil }
        return try? FileType.classify(data: data, fileName: fileName).mediaType
    }

    /// A name safe to show and to store: the last path component (after `/` or `\`), without control,
    /// format and bidirectional-override characters, without leading dots or trailing dots and spaces,
    /// `<>:"|?*` replaced by `_`, NFC-normalised and at most 255 UTF-8 bytes (the extension kept).
    /// Empty results become `untitled`.
    public static func sanitizedFileName(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var scalars = String.UnicodeScalarView()
        for scalar in last.precomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .unassigned, .surrogate, .privateUse:
                continue
            default:
                if "<>:\"|?*".unicodeScalars.contains(scalar) {
                    scalars.append("_")
                } else if scalar.properties.isWhitespace {
                    scalars.append(" ")
                } else {
                    scalars.append(scalar)
                }
            }
        }
        var result = String(scalars)
        while result.hasPrefix(".") || result.hasPrefix(" ") { result.removeFirst() }
        while result.hasSuffix(".") || result.hasSuffix(" ") { result.removeLast() }
        while result.contains("  ") { result = result.replacingOccurrences(of: "  ", with: " ") }
        if result.utf8.count > 255 {
            let ext = FileType.fileExtension(result)
            let suffix = ext.isEmpty || ext.utf8.count > 16 ? "" : "." + String(result.suffix(ext.count))
            var stem = String(result.dropLast(suffix.count))
            while stem.utf8.count + suffix.utf8.count > 255 { stem.removeLast() }
            result = stem + suffix
        }
        return result.isEmpty ? "untitled" : result
    }
}
