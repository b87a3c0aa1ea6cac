import Foundation

/// Why a file could not be turned into text. Each case is about one file; a batch reports it and goes on.
///
/// Messages say what was expected and how to fix it. They never hold a server path: only the upload's
/// own file name, as given.
public enum IngestionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Neither the extension nor the bytes name a type we can read (images, executables, Office files).
    case unsupportedType(fileName: String, detail: String)
    /// The file is larger than `ExtractionLimits.maxBytes`.
    case tooLarge(bytes: Int, limit: Int)
    /// A zip, gzip, tar, 7z, rar, bzip2, xz or zstd archive.
    case archive(fileName: String)
    /// No bytes, or only whitespace once extracted.
    case empty(fileName: String)
    /// A PDF whose pages hold no text: a scan.
    case noTextLayer
    /// A PDF that needs a password to open.
    case encrypted
    /// The bytes do not form a readable file of their type.
    case corrupt(reason: String)
    /// The bytes do not decode in the declared charset (`declared` nil: none declared, UTF-8 assumed).
    case badEncoding(declared: String?, detail: String)
    /// The PDF converter ran past `ExtractionLimits.pdfTimeoutSeconds`.
    case extractionTimedOut(seconds: Int)
    /// The PDF converter hit the memory or CPU cap of `ExtractionLimits`.
    case resourceLimitExceeded(detail: String)
    /// A program the extraction needs is not installed.
    case toolMissing(String)

    public var description: String {
        switch self {
        case let .unsupportedType(name, detail):
            return "\(name): unsupported file type (\(detail)); expected PDF, HTML, Markdown, plain text or source code"
        case let .tooLarge(bytes, limit):
            return "file is \(bytes) bytes, over the limit of \(limit) bytes; split it or raise the size limit"
        case let .archive(name):
            return "\(name): is an archive; unpack it and upload the files inside"
        case let .empty(name):
            return "\(name): holds no text"
        case .noTextLayer:
            return "scanned PDF without a text layer; run OCR first, e.g. ocrmypdf in.pdf out.pdf"
        case .encrypted:
            return "PDF is encrypted with a password; remove the password (e.g. qpdf --decrypt) and upload it again"
        case let .corrupt(reason):
            return "file is damaged or not what its name says: \(reason)"
        case let .badEncoding(declared?, detail):
            return "text does not decode as its declared charset \(declared): \(detail); fix the declaration or save it as UTF-8"
        case let .badEncoding(nil, detail):
            return "text is not valid UTF-8 and declares no charset: \(detail); save it as UTF-8"
        case let .extractionTimedOut(seconds):
            return "PDF text extraction took longer than \(seconds) s and was stopped; the file may be hostile or very large"
        case let .resourceLimitExceeded(detail):
            return "PDF text extraction exceeded its resource limit (\(detail)); the file may be hostile or very large"
        case let .toolMissing(tool):
            let package = tool.hasPrefix("pdf") ? "poppler-utils" : tool
            return "\(tool) is not installed; install it with `apt-get install \(package)`"
        }
    }
}
