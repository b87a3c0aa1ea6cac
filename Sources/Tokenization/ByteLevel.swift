/// GPT-2's reversible byte <-> character table, used by byte-level BPE (Qwen, Llama 3, GPT-2).
///
/// Printable Latin-1 bytes (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) stand for themselves; the other 68 bytes map
/// to U+0100 onward in byte order, so a space (0x20) is stored as `Ġ` (U+0120) and a newline as `Ċ`.
enum ByteLevel {
    /// `characters[b]`: the character byte `b` is written as in the vocabulary.
    static let characters: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The inverse of `characters`, indexed by scalar value (0..<324); -1 where no byte maps there.
    static let bytes: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (b, c) in characters.enumerated() { table[Int(c.value)] = Int16(b) }
        return table
    }()

    /// The vocabulary spelling of raw bytes.
    static func encode<S: Sequence>(_ raw: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in raw { s.append(characters[Int(b)]) }
        return String(s)
    }

    /// The bytes a vocabulary entry stands for, as Hugging Face's ByteLevel decoder reads it: each
    /// character through the table, or, when any character is outside it (added tokens such as
    /// `<think>` are all inside; ones with real spaces are not), the entry's own UTF-8.
    static func decode(_ token: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(token.utf8.count)
        for s in token.unicodeScalars {
            let v = Int(s.value)
            guard v < bytes.count, bytes[v] >= 0 else { return Array(token.utf8) }
            out.append(UInt8(bytes[v]))
        }
        return out
    }
}
