import Foundation

/// A `multipart/form-data` body (RFC 7578), parsed from bytes already read within the size limit.
struct MultipartForm {
    struct Part {
        var name: String
        var fileName: String?
        var contentType: String?
        var data: Data
    }

    var parts: [Part]

    /// The boundary of a `multipart/form-data; boundary=…` content type, or nil.
    static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for p in pieces.dropFirst() where p.lowercased().hasPrefix("boundary=") {
            let value = p.dropFirst("boundary=".count)
            let unquoted = value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 ? value.dropFirst().dropLast() : value
            return unquoted.isEmpty ? nil : String(unquoted)
        }
        return nil
    }

    /// Splits the body at `--boundary` lines. Throws `APIError` for a body that is not well-formed.
    init(data: Data, boundary: String) throws {
        let bytes = [UInt8](data)
        let delimiter = Array("--\(boundary)".utf8)
        let starts = Self.find(delimiter, in: bytes)
        guard starts.count >= 2 else {
            throw APIError.invalidRequest("the multipart body has no parts delimited by its boundary", code: "invalid_multipart")
        }
        var parts: [Part] = []
        for (a, b) in zip(starts, starts.dropFirst()) {
            var start = a + delimiter.count
            // After the delimiter: CRLF for a part ("--" only ends the body, and only after the last one).
            guard start + 2 <= bytes.count, bytes[start] == 13, bytes[start + 1] == 10 else { break }
            start += 2
            // The part ends before the CRLF that precedes the next delimiter.
            let end = b >= 2 && bytes[b - 2] == 13 && bytes[b - 1] == 10 ? b - 2 : b
            guard let headerEnd = Self.find([13, 10, 13, 10], in: bytes, from: start, to: end).first else {
                throw APIError.invalidRequest("a multipart part has no header block", code: "invalid_multipart")
            }
            let headerText = String(decoding: bytes[start..<headerEnd], as: UTF8.self)
            var part = Part(name: "", fileName: nil, contentType: nil, data: Data(bytes[(headerEnd + 4)..<max(headerEnd + 4, end)]))
            for line in headerText.components(separatedBy: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let key = line[..<colon].lowercased().trimmingCharacters(in: .whitespaces)
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if key == "content-disposition" {
                    part.name = Self.parameter("name", in: value) ?? ""
                    part.fileName = Self.parameter("filename*", in: value).flatMap(Self.decodeExtended)
                        ?? Self.parameter("filename", in: value)
                } else if key == "content-type" {
                    part.contentType = value
                }
            }
            parts.append(part)
        }
        self.parts = parts
    }

    /// `name="value"` (quoted, with `\"` escapes) or `name=value` from a header value.
    static func parameter(_ name: String, in header: String) -> String? {
        var rest = Substring(header)
        while let semi = rest.firstIndex(of: ";") {
            rest = rest[rest.index(after: semi)...].drop { $0 == " " }
            guard rest.lowercased().hasPrefix(name.lowercased() + "=") else { continue }
            let value = rest.dropFirst(name.count + 1)
            if value.hasPrefix("\"") {
                var out = "", escaped = false
                for c in value.dropFirst() {
                    if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { return out } else { out.append(c) }
                }
                return out
            }
            return String(value.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// RFC 5987 `UTF-8''percent-encoded`.
    static func decodeExtended(_ value: String) -> String? {
        guard let quote = value.range(of: "''") else { return nil }
        return value[quote.upperBound...].removingPercentEncoding
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int = 0, to: Int? = nil) -> [Int] {
        let end = (to ?? haystack.count) - needle.count
        guard !needle.isEmpty, end >= from else { return [] }
        var found: [Int] = []
        var i = from
        while i <= end {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) {
                found.append(i)
                i += needle.count
            } else {
                i += 1
            }
        }
        return found
    }
}
