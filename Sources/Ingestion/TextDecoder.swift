import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bytes to text, strictly: a byte that does not belong to the charset is an error, never a U+FFFD.
enum TextDecoder {
    /// Offset of the first byte that does not start a valid UTF-8 sequence; nil when all is valid.
    static func utf8ErrorOffset(_ data: Data) -> Int? {
        data.withUnsafeBytes { raw -> Int? in
            let b = raw.bindMemory(to: UInt8.self)
            var i = 0
            let n = b.count
            while i < n {
                let c = b[i]
                if c < 0x80 { i += 1; continue }
                let length: Int
                var lo: UInt8 = 0x80, hi: UInt8 = 0xBF  // allowed range of the second byte
                switch c {
                case 0xC2...0xDF: length = 2
                case 0xE0: length = 3; lo = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: length = 3
                case 0xED: length = 3; hi = 0x9F  // no UTF-16 surrogates
                case 0xF0: length = 4; lo = 0x90
                case 0xF1...0xF3: length = 4
                case 0xF4: length = 4; hi = 0x8F  // nothing past U+10FFFF
                default: return i
                }
                guard i + length <= n, b[i + 1] >= lo, b[i + 1] <= hi else { return i }
                for k in 2..<length where b[i + k] & 0xC0 != 0x80 { return i }
                i += length
            }
            return nil
        }
    }

    /// Decodes text without a declared charset: a Unicode BOM, else UTF-8.
    static func decodeUnicode(_ data: Data) throws(IngestionError) -> String {
        if data.starts(with: [0xFF, 0xFE]) { return try decode(data.dropFirst(2), charset: "UTF-16LE") }
        if data.starts(with: [0xFE, 0xFF]) { return try decode(data.dropFirst(2), charset: "UTF-16BE") }
        let body = data.starts(with: [0xEF, 0xBB, 0xBF]) ? Data(data.dropFirst(3)) : data
        if let offset = utf8ErrorOffset(body) {
            throw .badEncoding(declared: nil, detail: "invalid UTF-8 at byte offset \(offset + data.count - body.count)")
        }
        return String(decoding: body, as: UTF8.self)
    }

    /// WHATWG label handling, where it differs from iconv: browsers read Latin-1 and ASCII as
    /// windows-1252 and GB2312 as GBK; GB18030 decodes all of GBK, so both go to GB18030.
    static func iconvName(forLabel label: String) -> String {
        switch label.lowercased() {
        case "utf8", "unicode-1-1-utf-8": "UTF-8"
        case "iso-8859-1", "iso8859-1", "latin1", "l1", "us-ascii", "ascii", "cp1252", "x-cp1252": "WINDOWS-1252"
        case "gb2312", "gbk", "x-gbk", "cp936", "chinese", "csgb2312", "gb_2312-80": "GB18030"
        case "x-sjis", "sjis", "ms_kanji", "shift-jis", "windows-31j", "ms932": "CP932"
        case "shift_jis", "csshiftjis": "CP932"  // WHATWG Shift_JIS is Microsoft's superset
        case "x-euc-jp": "EUC-JP"
        case "big5-hkscs": "BIG5-HKSCS"
        case "ks_c_5601-1987", "korean", "csksc56011987", "windows-949", "euc-kr": "CP949"
        default: label.uppercased()
        }
    }

    /// Decodes `data` in `charset` (a label as written in the file); the error names the charset
    /// and the byte offset of the first byte that does not belong to it.
    static func decode<D: DataProtocol>(_ data: D, charset label: String) throws(IngestionError) -> String {
        let bytes = [UInt8](data)
        let name = iconvName(forLabel: label)
        if name == "UTF-8" {
            let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Data(bytes.dropFirst(3)) : Data(bytes)
            if let offset = utf8ErrorOffset(body) {
                throw .badEncoding(declared: label, detail: "invalid UTF-8 at byte offset \(offset + bytes.count - body.count)")
            }
            return String(decoding: body, as: UTF8.self)
        }
        return try iconvDecode(bytes, from: name, label: label)
    }

    private static func iconvDecode(_ bytes: [UInt8], from name: String, label: String) throws(IngestionError) -> String {
        let cd = iconv_open("UTF-8", name)
        if cd == iconv_t(bitPattern: -1) {
            throw .badEncoding(declared: label, detail: "this server cannot decode that charset")
        }
        defer { iconv_close(cd) }
        // UTF-8 needs at most 4 bytes per input byte for every charset iconv knows (UTF-16: 2 -> 4).
        var output = [UInt8](repeating: 0, count: bytes.count * 4 + 16)
        var input = bytes
        let result: (status: Int, consumed: Int, produced: Int, errno: Int32) = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuf.baseAddress!)
                    .assumingMemoryBound(to: CChar.self)
                var inLeft = inBuf.count
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress!)
                    .assumingMemoryBound(to: CChar.self)
                var outLeft = outBuf.count
                var status = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                if status != -1 { status = iconv(cd, nil, nil, &outPtr, &outLeft) }  // flush shift states
                return (status, inBuf.count - inLeft, outBuf.count - outLeft, errno)
            }
        }
        if result.status == -1 {
            let what = result.errno == EINVAL ? "an incomplete multi-byte sequence" : "a byte sequence that is not \(label)"
            throw .badEncoding(declared: label, detail: "\(what) at byte offset \(result.consumed)")
        }
        return String(decoding: output[0..<result.produced], as: UTF8.self)
    }

    /// CRLF and lone CR become LF, so that paragraph and line logic sees one kind of line end.
    static func normalizeLineEnds(_ text: String) -> String {
        guard text.utf8.contains(0x0D) else { return text }
        return text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }
}
