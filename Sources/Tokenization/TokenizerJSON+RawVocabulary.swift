import Foundation

extension TokenizerJSON {
    /// `model.vocab` as (UTF-8 bytes, id) in file order, read from the file's bytes.
    ///
    /// Swift `String` keys compare by canonical equivalence, so a `[String: Int32]` merges pieces such as
    /// `য়` (U+09DF) and `য` + U+09BC, which Gemma's vocabulary holds as two tokens (434 such pairs); and
    /// Foundation's JSON parser drops a raw U+FEFF that starts a string (Gemma's `\u{FEFF}//`). This scanner
    /// walks the JSON itself (bounded: nesting and entry counts are checked) and keeps every piece's bytes.
    func rawVocabulary() throws -> [(bytes: [UInt8], id: Int32)] {
        try withModelField("vocab", "an object mapping token text to id") { try $0.vocabularyObject() }
    }

    /// `model.merges` as exact bytes, in either form (`"a b"` or `["a", "b"]`), for the reason above.
    func rawMerges() throws -> [(left: [UInt8], right: [UInt8])] {
        do {
            return try withModelField("merges", "a list of merges") { try $0.mergeList() }
        } catch TokenizerError.malformed(_, "model.merges", _, _) {
            throw TokenizerError.missingMerges(path: path, hint: "model.merges is absent; a BPE tokenizer.json must list its merges.")
        }
    }

    /// `data` with the values of `model.vocab` and `model.merges` replaced by `{}` and `[]`.
    static func withoutModelTables(_ data: Data, path: String) throws -> Data {
        let cuts: [(Range<Int>, String)] = try data.withUnsafeBytes { raw in
            var out: [(Range<Int>, String)] = []
            for (key, empty) in [("vocab", "{}"), ("merges", "[]")] {
                var s = JSONScanner(raw.bindMemory(to: UInt8.self), path: path)
                try s.expect(0x7B)
                guard try s.seekKey("model") else { continue }
                try s.expect(0x7B)
                guard try s.seekKey(key) else { continue }
                let start = s.i
                try s.skipValue(depth: 0)
                out.append((start..<s.i, empty))
            }
            return out.sorted { $0.0.lowerBound < $1.0.lowerBound }
        }
        var out = Data()
        var from = data.startIndex
        for (range, empty) in cuts {
            out += data[from..<data.startIndex + range.lowerBound]
            out += Data(empty.utf8)
            from = data.startIndex + range.upperBound
        }
        out += data[from...]
        return out
    }

    private func withModelField<T>(_ key: String, _ expected: String, _ body: (inout JSONScanner) throws -> T) throws -> T {
        try data.withUnsafeBytes { raw in
            var s = JSONScanner(raw.bindMemory(to: UInt8.self), path: path)
            try s.expect(0x7B)   // {
            guard try s.seekKey("model") else { throw malformed("model", "an object with a `\(key)`") }
            try s.expect(0x7B)
            guard try s.seekKey(key) else { throw malformed("model.\(key)", expected) }
            return try body(&s)
        }
    }
}

/// A minimal JSON reader over UTF-8 bytes: enough to find one object by key and read string -> integer pairs.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    let path: String
    var i = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, path: String) {
        self.bytes = bytes
        self.path = path
    }

    private func error(_ expected: String) -> TokenizerError {
        .malformed(path: path, field: "(byte \(i))", expected: expected,
                   hint: "The file is not valid JSON; it may be a partial download.")
    }

    @inline(__always)
    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    mutating func skipSpace() {
        while i < bytes.count, Self.isSpace(bytes[i]) { i += 1 }
    }

    mutating func expect(_ b: UInt8) throws {
        skipSpace()
        guard i < bytes.count, bytes[i] == b else { throw error("\"\(Character(Unicode.Scalar(b)))\"") }
        i += 1
    }

    /// Inside an object just opened: moves to the value of `key` and returns true, or to past the object's end.
    mutating func seekKey(_ key: String) throws -> Bool {
        let wanted = Array(key.utf8)
        while true {
            skipSpace()
            guard i < bytes.count else { throw error("a key or \"}\"") }
            if bytes[i] == 0x7D { i += 1; return false }
            if bytes[i] == 0x2C { i += 1; continue }
            let k = try string()
            try expect(0x3A)   // :
            if k == wanted { skipSpace(); return true }
            try skipValue(depth: 0)
        }
    }

    /// `{"piece": id, ...}` at the current position.
    mutating func vocabularyObject() throws -> [(bytes: [UInt8], id: Int32)] {
        try expect(0x7B)
        var out: [(bytes: [UInt8], id: Int32)] = []
        while true {
            skipSpace()
            guard i < bytes.count else { throw error("a piece or \"}\"") }
            if bytes[i] == 0x7D { i += 1; return out }
            if bytes[i] == 0x2C { i += 1; continue }
            let piece = try string()
            try expect(0x3A)
            skipSpace()
            let start = i
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) || bytes[i] == 0x2D { i += 1 }
            guard let id = Int32(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)),
                  id >= 0, Int(id) < TokenizerLimits.maxVocabularySize else { throw error("an integer id below \(TokenizerLimits.maxVocabularySize)") }
            out.append((piece, id))
            if out.count > TokenizerLimits.maxVocabularySize { throw error("at most \(TokenizerLimits.maxVocabularySize) pieces") }
        }
    }

    /// `["a b", …]` or `[["a", "b"], …]` at the current position.
    mutating func mergeList() throws -> [(left: [UInt8], right: [UInt8])] {
        try expect(0x5B)   // [
        var out: [(left: [UInt8], right: [UInt8])] = []
        while true {
            skipSpace()
            guard i < bytes.count else { throw error("a merge or \"]\"") }
            if bytes[i] == 0x5D { i += 1; return out }
            if bytes[i] == 0x2C { i += 1; continue }
            if bytes[i] == 0x5B {
                i += 1
                let a = try string()
                try expect(0x2C)
                let b = try string()
                try expect(0x5D)
                out.append((a, b))
            } else {
                let pair = try string()
                let parts = pair.split(separator: 0x20, omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw TokenizerError.malformed(path: path, field: "model.merges[\(out.count)]",
                                                   expected: "two tokens separated by one space, got \"\(String(decoding: pair, as: UTF8.self))\"",
                                                   hint: "Re-download tokenizer.json.")
                }
                out.append((Array(parts[0]), Array(parts[1])))
            }
            if out.count > 4 * TokenizerLimits.maxVocabularySize { throw error("at most \(4 * TokenizerLimits.maxVocabularySize) merges") }
        }
    }

    /// A JSON string's UTF-8 bytes, escapes resolved (`\uD83D\uDE00` pairs joined).
    mutating func string() throws -> [UInt8] {
        skipSpace()
        guard i < bytes.count, bytes[i] == 0x22 else { throw error("a string") }
        i += 1
        var out: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x22 { i += 1; return out }
            if b != 0x5C { out.append(b); i += 1; continue }
            guard i + 1 < bytes.count else { break }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case 0x22, 0x5C, 0x2F: out.append(e)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var unit = try hex4()
                if (0xD800..<0xDC00).contains(unit), i + 1 < bytes.count, bytes[i] == 0x5C, bytes[i + 1] == 0x75 {
                    i += 2
                    let low = try hex4()
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (low &- 0xDC00)
                }
                out += Array(String(Unicode.Scalar(unit) ?? "\u{FFFD}").utf8)
            default: throw error("a valid escape")
            }
        }
        throw error("a closing quote")
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count,
              let v = UInt32(String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<i + 4]), as: UTF8.self), radix: 16) else {
            throw error("four hex digits after \\u")
        }
        i += 4
        return v
    }

    /// Skips one value of any kind; nesting deeper than 512 is refused.
    mutating func skipValue(depth: Int) throws {
        guard depth < 512 else { throw error("nesting under 512 levels") }
        skipSpace()
        guard i < bytes.count else { throw error("a value") }
        switch bytes[i] {
        case 0x22: _ = try string()
        case 0x7B, 0x5B:
            let close: UInt8 = bytes[i] == 0x7B ? 0x7D : 0x5D
            i += 1
            while true {
                skipSpace()
                guard i < bytes.count else { throw error("the end of an object or array") }
                if bytes[i] == close { i += 1; return }
                if bytes[i] == 0x2C || bytes[i] == 0x3A { i += 1; continue }
                try skipValue(depth: depth + 1)
            }
        default:
            // A number, true, false or null. A stray closing bracket of the other kind (`[1}`) is no value: refuse it
            // rather than return without moving (the caller's loop would never end).
            let start = i
            while i < bytes.count, !Self.isSpace(bytes[i]), bytes[i] != 0x2C, bytes[i] != 0x7D, bytes[i] != 0x5D { i += 1 }
            guard i > start else { throw error("a value") }
        }
    }
}
