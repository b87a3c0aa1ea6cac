import Foundation

/// SentencePiece's compiled normalization rules (`precompiled_charsmap`: tokenizer.json's `Precompiled`
/// normalizer, GGUF `tokenizer.ggml.precompiled_charsmap`), decoded and applied as Hugging Face
/// `tokenizers` applies them.
///
/// Layout (little-endian): u32 trie size in bytes, then that many bytes of darts-clone double-array units
/// (u32 each), then the replacement pool: NUL-terminated UTF-8 strings. The trie maps a UTF-8 key (one
/// character, or a short sequence such as `e` + U+0301) to the pool offset of its replacement.
///
/// A unit packs: bits 0-7 the label, bit 8 "has a leaf", bit 9 an offset shift of 8, bits 10-31 the
/// offset, bit 31 also set in labels of leaves so they never match a key byte; a leaf's value is its
/// low 31 bits.
public struct PrecompiledCharsmap: Sendable {
    private let units: [UInt32]
    private let pool: [UInt8]

    /// Parses a charsmap blob; `source` names the file in errors.
    /// - Throws: `TokenizerError.malformed` when the sizes disagree with the blob.
    public init(_ blob: [UInt8], source: String) throws {
        func bad(_ what: String) -> TokenizerError {
            .malformed(path: source, field: "precompiled_charsmap", expected: what,
                       hint: "The charsmap is SentencePiece's normalizer_spec.precompiled_charsmap; re-export the tokenizer.")
        }
        guard blob.count >= 4 else { throw bad("at least 4 bytes (the trie size), got \(blob.count)") }
        let trieBytes = Int(UInt32(blob[0]) | UInt32(blob[1]) << 8 | UInt32(blob[2]) << 16 | UInt32(blob[3]) << 24)
        guard trieBytes % 4 == 0, trieBytes >= 4, 4 + trieBytes <= blob.count else {
            throw bad("a trie size that is a positive multiple of 4 within the \(blob.count)-byte blob, got \(trieBytes)")
        }
        var units = [UInt32](repeating: 0, count: trieBytes / 4)
        for i in units.indices {
            let o = 4 + 4 * i
            units[i] = UInt32(blob[o]) | UInt32(blob[o + 1]) << 8 | UInt32(blob[o + 2]) << 16 | UInt32(blob[o + 3]) << 24
        }
        let pool = Array(blob[(4 + trieBytes)...])
        guard String(validating: pool, as: UTF8.self) != nil else { throw bad("a UTF-8 replacement pool") }
        self.units = units
        self.pool = pool
    }

    /// Values of every key that is a prefix of `key`, shortest first (darts-clone `commonPrefixSearch`);
    /// `body(length, value)` returns false to stop.
    private func prefixes(_ key: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Bool) {
        func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }
        var node = offset(units[0])
        for (i, c) in key.enumerated() {
            if c == 0 { return }
            node ^= Int(c)
            guard node < units.count else { return }
            let unit = units[node]
            if unit & 0x8000_00FF != UInt32(c) { return }
            node ^= offset(unit)
            guard node < units.count else { return }
            if (unit >> 8) & 1 == 1, !body(i + 1, Int(units[node] & 0x7FFF_FFFF)) { return }
        }
    }

    /// The replacement at pool offset `value`, up to its NUL.
    private func replacement(_ value: Int) -> ArraySlice<UInt8> {
        guard value < pool.count else { return [] }
        let end = pool[value...].firstIndex(of: 0) ?? pool.count
        return pool[value..<end]
    }

    /// `spm_precompiled`'s `transform`: the replacement of the shortest rule matching a prefix of `chunk`.
    func transform(_ chunk: UnsafeBufferPointer<UInt8>) -> ArraySlice<UInt8>? {
        var found: Int?
        prefixes(chunk) { _, value in found = value; return false }
        return found.map(replacement)
    }

    /// Normalises `text` as Hugging Face's `Precompiled` normalizer does: each grapheme cluster under 6
    /// UTF-8 bytes is replaced whole by the rule matching its shortest prefix, when one does; otherwise each
    /// of its characters is replaced by its own rule, or kept.
    public func normalize(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for grapheme in text {
            var g = String(grapheme)
            g.withUTF8 { bytes in
                if bytes.count < 6, let r = transform(bytes) { out += r; return }
                var i = 0
                while i < bytes.count {
                    let n = Self.scalarLength(bytes[i])
                    let scalar = UnsafeBufferPointer(rebasing: bytes[i ..< min(i + n, bytes.count)])
                    if let r = transform(scalar) { out += r } else { out += scalar }
                    i += n
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes in the UTF-8 sequence that starts with `lead`.
    static func scalarLength(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }
}
