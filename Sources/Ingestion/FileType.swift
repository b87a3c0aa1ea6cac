import Foundation

/// What a file is, from its magic bytes first and its extension second.
enum FileKind: Equatable {
    case pdf
    case html
    case markdown
    case plainText
    case code(mediaType: String)

    var mediaType: String {
        switch self {
        case .pdf: "application/pdf"
        case .html: "text/html"
        case .markdown: "text/markdown"
        case .plainText: "text/plain"
        case let .code(type): type
        }
    }
}

enum FileType {
    /// Source code by extension. Media types follow common `file`/IANA usage, `text/x-<lang>` otherwise.
    static let codeTypes: [String: String] = [
        "swift": "text/x-swift", "py": "text/x-python", "pyi": "text/x-python", "js": "text/javascript",
        "mjs": "text/javascript", "cjs": "text/javascript", "jsx": "text/javascript", "ts": "text/x-typescript",
        "tsx": "text/x-typescript", "c": "text/x-c", "h": "text/x-c", "cpp": "text/x-c++", "cc": "text/x-c++",
        "cxx": "text/x-c++", "hpp": "text/x-c++", "hh": "text/x-c++", "m": "text/x-objc", "mm": "text/x-objc",
        "go": "text/x-go", "rs": "text/x-rust", "java": "text/x-java", "kt": "text/x-kotlin", "kts": "text/x-kotlin",
        "scala": "text/x-scala", "rb": "text/x-ruby", "php": "text/x-php", "pl": "text/x-perl", "lua": "text/x-lua",
        "r": "text/x-r", "cs": "text/x-csharp", "fs": "text/x-fsharp", "dart": "text/x-dart", "zig": "text/x-zig",
        "sh": "text/x-shellscript", "bash": "text/x-shellscript", "zsh": "text/x-shellscript",
        "fish": "text/x-shellscript", "ps1": "text/x-powershell", "sql": "text/x-sql", "json": "application/json",
        "jsonl": "application/jsonl", "yaml": "application/yaml", "yml": "application/yaml",
        "toml": "application/toml", "xml": "application/xml", "css": "text/css", "scss": "text/x-scss",
        "less": "text/x-less", "vue": "text/x-vue", "svelte": "text/x-svelte", "proto": "text/x-protobuf",
        "graphql": "application/graphql", "tf": "text/x-terraform", "cmake": "text/x-cmake",
        "makefile": "text/x-makefile", "mk": "text/x-makefile", "dockerfile": "text/x-dockerfile",
        "ini": "text/x-ini", "cfg": "text/x-ini", "conf": "text/plain", "hs": "text/x-haskell", "ml": "text/x-ocaml",
        "ex": "text/x-elixir", "exs": "text/x-elixir", "erl": "text/x-erlang", "clj": "text/x-clojure",
        "jl": "text/x-julia", "asm": "text/x-asm", "s": "text/x-asm", "cu": "text/x-cuda", "metal": "text/x-metal",
    ]
    static let markdownExtensions: Set<String> = ["md", "markdown", "mdown", "mkd", "mkdn"]
    static let htmlExtensions: Set<String> = ["html", "htm", "xhtml"]
    static let textExtensions: Set<String> = ["txt", "text", "log", "csv", "tsv", "rst", "adoc", "org", "tex"]
    static let officeExtensions: Set<String> = [
        "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub", "doc", "xls", "ppt", "rtf", "pages", "key", "numbers",
    ]

    /// The lower-cased extension of a file name, or the whole name for `Makefile`/`Dockerfile`.
    static func fileExtension(_ fileName: String) -> String {
        let base = fileName.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? fileName
        let lower = base.lowercased()
        if lower == "makefile" || lower == "dockerfile" { return lower }
        guard let dot = lower.lastIndex(of: "."), dot != lower.startIndex else { return "" }
        return String(lower[lower.index(after: dot)...])
    }

    /// Classifies `data` named `fileName`; throws for archives, binaries and unknown types.
    static func classify(data: Data, fileName: String) throws(IngestionError) -> FileKind {
        let head = [UInt8](data.prefix(8192))
        let ext = fileExtension(fileName)
        if let magic = binaryMagic(head) {
            if magic == "archive" {
                if officeExtensions.contains(ext) {
                    throw .unsupportedType(fileName: fileName, detail: "an Office or e-book file; export it as PDF")
                }
                throw .archive(fileName: fileName)
            }
            if magic == "pdf" { return .pdf }
            throw .unsupportedType(fileName: fileName, detail: magic)
        }
        if ext == "pdf" { throw .corrupt(reason: "\(fileName) has no %PDF- header") }
        if officeExtensions.contains(ext) {
            throw .unsupportedType(fileName: fileName, detail: "an Office or e-book file; export it as PDF")
        }
        if looksBinary(head) { throw .unsupportedType(fileName: fileName, detail: "binary data") }
        if htmlExtensions.contains(ext) { return .html }
        if markdownExtensions.contains(ext) { return .markdown }
        if textExtensions.contains(ext) { return .plainText }
        if let type = codeTypes[ext] { return .code(mediaType: type) }
        if sniffsAsHTML(head) { return .html }
        // Unknown or missing extension: text only when it is UTF-8.
        if TextDecoder.utf8ErrorOffset(data) == nil || hasUnicodeBOM(head) { return .plainText }
        throw .unsupportedType(fileName: fileName, detail: "unknown extension and not UTF-8 text")
    }

    /// "pdf", "archive", or a description of a binary type the magic bytes name; nil for none.
    static func binaryMagic(_ b: [UInt8]) -> String? {
        func starts(_ sig: [UInt8], at offset: Int = 0) -> Bool {
            b.count >= offset + sig.count && Array(b[offset..<offset + sig.count]) == sig
        }
        // PDF readers accept junk before the header within the first 1024 bytes.
        if let range = b.prefix(1024).firstRange(of: Array("%PDF-".utf8)), range.lowerBound < 1024 { return "pdf" }
        let archives: [[UInt8]] = [
            [0x50, 0x4B, 0x03, 0x04], [0x50, 0x4B, 0x05, 0x06], [0x50, 0x4B, 0x07, 0x08],  // zip
            [0x1F, 0x8B], [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], Array("Rar!\u{1A}\u{07}".utf8),  // gzip, 7z, rar
            Array("BZh9".utf8), Array("BZh1".utf8), [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], [0x28, 0xB5, 0x2F, 0xFD],  // bzip2, xz, zstd
            [0x1F, 0x9D], Array("MSCF".utf8),  // compress, cab
        ]
        if archives.contains(where: { starts($0) }) || starts(Array("ustar".utf8), at: 257) { return "archive" }
        if starts([0x89, 0x50, 0x4E, 0x47]) || starts([0xFF, 0xD8, 0xFF]) || starts(Array("GIF8".utf8))
            || starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A])
            || (starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8))
            || starts(Array("ftypheic".utf8), at: 4) || starts(Array("ftypavif".utf8), at: 4)
        {
            return "an image; run OCR on it first, e.g. ocrmypdf on a PDF of the image"
        }
        if starts([0x7F, 0x45, 0x4C, 0x46]) || (starts(Array("MZ".utf8)) && b.contains(0)) || starts([0xCF, 0xFA, 0xED, 0xFE])
            || starts([0xCE, 0xFA, 0xED, 0xFE]) || starts([0xCA, 0xFE, 0xBA, 0xBE]) || starts([0x00, 0x61, 0x73, 0x6D])
        {
            return "an executable or compiled binary"
        }
        if starts(Array("SQLite format 3".utf8)) { return "a database file" }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return "a legacy Office file; export it as PDF"
        }
        return nil
    }

    static func hasUnicodeBOM(_ b: [UInt8]) -> Bool {
        b.starts(with: [0xEF, 0xBB, 0xBF]) || b.starts(with: [0xFF, 0xFE]) || b.starts(with: [0xFE, 0xFF])
    }

    /// NUL bytes mean binary unless a UTF-16 BOM explains them.
    static func looksBinary(_ b: [UInt8]) -> Bool {
        if b.starts(with: [0xFF, 0xFE]) || b.starts(with: [0xFE, 0xFF]) { return false }
        return b.contains(0)
    }

    /// `<!doctype html`, `<html` or `<head` at the start, after a BOM and whitespace.
    static func sniffsAsHTML(_ b: [UInt8]) -> Bool {
        var i = b.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
        let start = String(decoding: b[i..<min(b.count, i + 16)], as: UTF8.self).lowercased()
        return start.hasPrefix("<!doctype html") || start.hasPrefix("<html") || start.hasPrefix("<head")
    }
}
