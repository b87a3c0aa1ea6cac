import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bytes to text, as a browser reads them (see `decodeText`).
enum TextDecoder {
    /// Offset of the first byte that does not start a valid UTF-8 sequence; nil when all is valid.
    static func utf8ErrorOffset<D: ContiguousBytes>(_ data: D) -> Int? {
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

    /// The largest share of a text's characters that may be U+FFFD replacements of undecodable bytes (1%); past it
    /// the file is refused as not being text in the charset it was read as.
    public static let maxReplacementShare = 0.01

    /// Decodes a file as a browser does (WHATWG Encoding Standard, "decode" with the HTML prescan): a Unicode BOM
    /// wins; then the caller's (transport's) charset; then `sniffed`, the charset the document declares itself (the
    /// `<meta>` prescan for HTML); then UTF-8, or windows-1252 when the bytes are far from UTF-8.
    ///
    /// Where a browser would show mojibake, Folio reads what the bytes are: valid UTF-8 with non-ASCII bytes is read
    /// as UTF-8 whatever the label says (legacy-encoded text is practically never valid UTF-8), and bytes that do not
    /// belong to the charset become U+FFFD. Both add a warning. Refuses the file (`badEncoding`) when more than
    /// `maxReplacementShare` of its characters would be replacements, or the charset is unknown and the bytes are
    /// not UTF-8.
    static func decodeText(
        _ data: Data, charset caller: String?, sniffed: (Data) -> String? = { _ in nil }
    ) throws(IngestionError) -> DecodedText {
        let bytes = [UInt8](data)
        if let (name, length) = bom(bytes) {
            guard let decoded = lenient(Array(bytes.dropFirst(length)), name: name) else {
                throw .badEncoding(declared: name, detail: "this server cannot decode that charset")
            }
            return try checked(decoded, label: name, warnings: [])
        }
        var label = caller?.trimmingCharacters(in: .whitespaces).lowercased()
        if label?.isEmpty == true { label = nil }
        if label == nil, let declared = sniffed(data)?.lowercased() {
            // WHATWG: a page cannot declare itself UTF-16 (its bytes were just read as ASCII to find the meta).
            label = declared.hasPrefix("utf-16") ? "utf-8" : declared
        }
        let utf8 = lenient(bytes, name: "UTF-8")!
        guard let label else {
            if utf8.share <= maxReplacementShare { return try checked(utf8, label: nil, warnings: []) }
            return try checked(lenient(bytes, name: "WINDOWS-1252")!, label: "windows-1252", warnings: [
                "no charset was declared and the bytes are not UTF-8: read as windows-1252; "
                    + "declare the charset (<meta charset> or the upload's Content-Type) if that is wrong"])
        }
        let name = iconvName(forLabel: label)
        if name == "UTF-8" { return try checked(utf8, label: label, warnings: []) }
        if utf8.replaced == 0, bytes.contains(where: { $0 >= 0x80 }) {
            return DecodedText(text: utf8.text, warnings: [
                "the file declares charset \(label), but its bytes are valid UTF-8: read as UTF-8"])
        }
        guard let declared = lenient(bytes, name: name) else {
            if utf8.share <= maxReplacementShare {
                return try checked(utf8, label: nil, warnings: ["charset \(label) is not one this server can decode: read as UTF-8"])
            }
            throw .badEncoding(declared: label, detail: "this server cannot decode that charset and the bytes are not UTF-8")
        }
        if utf8.replaced < declared.replaced, utf8.share <= maxReplacementShare {
            return try checked(utf8, label: nil, warnings: [
                "the file declares charset \(label), but its bytes are mostly UTF-8: read as UTF-8"])
        }
        return try checked(declared, label: label, warnings: [])
    }

    /// A decoded text and what the reader should know about how it was read.
    struct DecodedText {
        var text: String
        var warnings: [String]
    }

    /// A decoding with bad bytes replaced by U+FFFD, and how many were.
    struct Lenient {
        var text: String
        var replaced: Int
        var characters: Int
        var share: Double { characters == 0 ? 0 : Double(replaced) / Double(characters) }
    }

    /// Refuses `decoded` past the replacement share; adds a warning when anything was replaced.
    private static func checked(_ decoded: Lenient, label: String?, warnings: [String]) throws(IngestionError) -> DecodedText {
        let charset = label ?? "UTF-8"
        if decoded.share > maxReplacementShare {
            throw .badEncoding(declared: label, detail: "\(decoded.replaced) of \(decoded.characters) characters "
                + "(\(percent(decoded.share))) are bytes that are not \(charset), more than the "
                + "\(percent(maxReplacementShare)) Folio accepts")
        }
        var warnings = warnings
        if decoded.replaced > 0 {
            let one = decoded.replaced == 1
            warnings.append("\(decoded.replaced) byte sequence\(one ? " is" : "s are") not valid \(charset) and "
                + "\(one ? "was" : "were") replaced by U+FFFD")
        }
        return DecodedText(text: decoded.text, warnings: warnings)
    }

    private static func percent(_ share: Double) -> String { String(format: "%.2g%%", share * 100) }

    /// The encoding a byte-order mark names, and the mark's length.
    static func bom(_ b: [UInt8]) -> (String, Int)? {
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { return ("UTF-8", 3) }
        if b.starts(with: [0xFF, 0xFE]) { return ("UTF-16LE", 2) }
        if b.starts(with: [0xFE, 0xFF]) { return ("UTF-16BE", 2) }
        return nil
    }

    /// `bytes` in the encoding `name` (an iconv name; UTF-8 and windows-1252 are decoded here), every undecodable
    /// sequence replaced by U+FFFD; nil when the encoding is unknown.
    static func lenient(_ bytes: [UInt8], name: String) -> Lenient? {
        if name == "UTF-8" {
            // Swift's decoder replaces each maximal invalid subpart by one U+FFFD (WHATWG does the same); those not
            // written as EF BF BD in the file are replacements.
            let text = String(decoding: bytes, as: UTF8.self)
            let inText = text.unicodeScalars.reduce(0) { $0 + ($1 == "\u{FFFD}" ? 1 : 0) }
            var literal = 0
            if inText > 0, bytes.count >= 3 {
                for i in 0..<(bytes.count - 2) where bytes[i] == 0xEF && bytes[i + 1] == 0xBF && bytes[i + 2] == 0xBD {
                    literal += 1
                }
            }
            return Lenient(text: text, replaced: inText - literal, characters: text.unicodeScalars.count)
        }
        if name == "WINDOWS-1252" {
            // WHATWG's windows-1252 decodes every byte (0x81, 0x8D, 0x8F, 0x90, 0x9D as C1 controls); iconv's does not.
            var scalars = String.UnicodeScalarView()
            for b in bytes {
                let value = (0x80...0x9F).contains(b) ? windows1252High[Int(b) - 0x80] : UInt32(b)
                scalars.append(Unicode.Scalar(value)!)
            }
            return Lenient(text: String(scalars), replaced: 0, characters: bytes.count)
        }
        return iconvLenient(bytes, name: name)
    }

    /// windows-1252 bytes 0x80…0x9F (the rest are Latin-1), from the WHATWG index.
    static let windows1252High: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,
        0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x9D, 0x017E, 0x0178,
    ]

    /// WHATWG Encoding Standard labels, mapped to the glibc iconv encoding that decodes them: browsers read Latin-1
    /// and ASCII as windows-1252, GB2312 as GBK (GB18030 decodes all of GBK), Shift_JIS as Microsoft's CP932,
    /// EUC-KR as CP949. Other labels are handed to iconv as they are.
    static func iconvName(forLabel label: String) -> String {
        switch label.lowercased() {
        case "utf8", "utf-8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8": "UTF-8"
        case "iso-8859-1", "iso8859-1", "iso88591", "iso_8859-1", "latin1", "l1", "us-ascii", "ascii", "cp1252",
             "x-cp1252", "windows-1252", "cp819", "csisolatin1", "ibm819", "iso-ir-100", "ansi_x3.4-1968": "WINDOWS-1252"
        case "gb2312", "gbk", "x-gbk", "cp936", "chinese", "csgb2312", "gb_2312-80", "gb_2312", "iso-ir-58",
             "csiso58gb231280", "windows-936", "gb18030": "GB18030"
        case "x-sjis", "sjis", "ms_kanji", "shift-jis", "windows-31j", "ms932", "shift_jis", "csshiftjis": "CP932"
        case "x-euc-jp", "euc-jp", "cseucpkdfmtjapanese": "EUC-JP"
        case "big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5": "BIG5-HKSCS"
        case "ks_c_5601-1987", "korean", "csksc56011987", "windows-949", "euc-kr", "cseuckr", "iso-ir-149",
             "ks_c_5601-1989", "ksc5601", "ksc_5601": "CP949"
        case "utf-16", "utf-16le", "unicode", "ucs-2", "csunicode", "iso-10646-ucs-2", "unicodefeff": "UTF-16LE"
        case "utf-16be", "unicodefffe": "UTF-16BE"
        case "iso-8859-9", "iso8859-9", "latin5", "l5", "windows-1254": "WINDOWS-1254"
        case "iso-8859-11", "tis-620", "windows-874", "dos-874": "CP874"
        default: label.uppercased()
        }
    }

    /// iconv with every undecodable byte replaced by U+FFFD (and an incomplete sequence at the end); nil when iconv
    /// does not know the encoding.
    private static func iconvLenient(_ bytes: [UInt8], name: String) -> Lenient? {
        let cd = iconv_open("UTF-8", name)
        if cd == iconv_t(bitPattern: -1) { return nil }
        defer { iconv_close(cd) }
        // UTF-8 needs at most 4 bytes per input byte for every charset iconv knows (UTF-16: 2 -> 4); a replaced byte
        // costs 3.
        var output = [UInt8](repeating: 0, count: bytes.count * 4 + 16)
        var input = bytes
        var replaced = 0
        let produced: Int = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                guard let inBase = inBuf.baseAddress, let outBase = outBuf.baseAddress else { return 0 }
                var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBase).assumingMemoryBound(to: CChar.self)
                var inLeft = inBuf.count
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBase).assumingMemoryBound(to: CChar.self)
                var outLeft = outBuf.count
                while true {
                    if iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft) != -1 {
                        _ = iconv(cd, nil, nil, &outPtr, &outLeft)  // flush shift states
                        break
                    }
                    let error = errno
                    guard error == EILSEQ || error == EINVAL, inLeft > 0, outLeft >= 3, let at = outPtr else { break }
                    // U+FFFD for the bad byte, then carry on after it (an incomplete sequence at the end: stop there).
                    at[0] = CChar(bitPattern: 0xEF)
                    at[1] = CChar(bitPattern: 0xBF)
                    at[2] = CChar(bitPattern: 0xBD)
                    outPtr = at + 3
                    outLeft -= 3
                    replaced += 1
                    if error == EINVAL { break }
                    inPtr = inPtr.map { $0 + 1 }
                    inLeft -= 1
                }
                return outBuf.count - outLeft
            }
        }
        let text = String(decoding: output[0..<produced], as: UTF8.self)
        return Lenient(text: text, replaced: replaced, characters: text.unicodeScalars.count)
    }

    /// CRLF and lone CR become LF, so that paragraph and line logic sees one kind of line end.
    static func normalizeLineEnds(_ text: String) -> String {
        guard text.utf8.contains(0x0D) else { return text }
        return text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }
}
