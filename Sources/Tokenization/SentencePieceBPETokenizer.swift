import Foundation

/// SentencePiece-style BPE with byte fallback, as Hugging Face `tokenizers` runs Gemma's tokenizer
/// (Gemma 3, EmbeddingGemma): added tokens -> normalizer `Replace(" ", "▁")` -> pre-tokenizer
/// `Split(" ", MergedWithPrevious)` (a no-op once spaces are `▁`, so the text between two added tokens is
/// one word) -> characters -> merges by rank -> template (`<bos> $A`, EmbeddingGemma `<bos> $A <eos>`).
///
/// A character missing from the vocabulary becomes the `<0xXX>` pieces of its UTF-8 bytes (`byte_fallback`),
/// or `<unk>` when one is missing. Decoding is `Replace("▁", " ")`, `ByteFallback`, `Fuse`.
///
/// Build it from tokenizer.json (`load(tokenizerJSON:)`) or from a GGUF vocabulary
/// (`init(ggufTokens:…)`, llama.cpp's `llama` model with Gemma's settings). Immutable apart from an
/// internal word cache; safe to share between threads.
///
/// Glossary: a word is the normalised UTF-8 of one pre-tokenizer piece; a symbol is a token id covering a
/// run of it; a rank is a merge's position in the merge list.
public final class SentencePieceBPETokenizer: Tokenizer {
    public let vocabularySize: Int
    public let postProcessor: PostProcessor
    public let eosTokenID: Int32?
    public let bosTokenID: Int32?
    public let padTokenID: Int32?
    public let specialTokenIDs: Set<Int32>
    /// The added tokens, in id order.
    public let addedTokens: [AddedToken]

    let merges: MergeTable
    let characterIDs: [UInt32: Int32]       // scalar -> id of the vocabulary entry that is exactly that character
    let byteIDs: [Int32]                     // [256]: the id of `<0xXX>`, -1 when absent
    let byteFallback: Bool
    let unknownID: Int32?
    let normalizer: [(pattern: [UInt8], replacement: [UInt8])]   // literal `Replace` steps, in order
    let splitsAfterSpace: Bool               // `Split(" ", MergedWithPrevious)`
    let rawMatcher: AddedTokenMatcher        // added tokens matched before normalisation
    let normalizedMatcher: AddedTokenMatcher // `normalized: true` added tokens, matched after
    let tokens: [String?]                    // [vocabularySize], stored text by id
    let tokenIDs: [String: Int32]
    let decodeTable: [DecodePiece]           // [vocabularySize]
    private let cache = WordCache(capacity: 100_000)

    /// What one id decodes to: the bytes of its text with `▁` as a space, or one byte (`<0xXX>`).
    enum DecodePiece: Sendable {
        case text([UInt8])
        case byte(UInt8)
    }

    /// One step of the normalizer: every `pattern` in the text becomes `replacement` (`Replace` with a literal).
    struct Replacement: Sendable {
        var pattern: String
        var replacement: String
    }

    /// The shared constructor behind tokenizer.json and GGUF loading.
    /// - Parameters:
    ///   - pieces: the model's vocabulary as (UTF-8 text with `▁` for a space, id); added tokens may be in it too.
    ///   - merges: the merge table built from the vocabulary's ids (`mergeTable(_:vocabulary:source:)`).
    ///   - normalizer: literal replacements applied to the text between added tokens.
    ///   - unknownID: the id of `<unk>`, for characters without a piece when byte fallback cannot help.
    ///   - source: file path for error messages.
    init(pieces: [(bytes: [UInt8], id: Int32)], merges: MergeTable, addedTokens: [AddedToken], normalizer: [Replacement],
         splitsAfterSpace: Bool, byteFallback: Bool, unknownID: Int32?, postProcessor: PostProcessor,
         configured: (eos: Int32?, bos: Int32?, pad: Int32?), source: String) throws {
        // 1. Id table: model vocabulary plus added tokens.
        let table = try IDTable(pieces: pieces.map { (String(decoding: $0.bytes, as: UTF8.self), $0.id) }, added: addedTokens,
                                source: source)
        // 2. Single characters and byte pieces, by exact bytes.
        var characterIDs: [UInt32: Int32] = [:]
        var byteIDs = [Int32](repeating: -1, count: 256)
        for (bytes, id) in pieces where !bytes.isEmpty && bytes.count <= 6 {
            let length = PrecompiledCharsmap.scalarLength(bytes[0])
            if length == bytes.count {
                bytes.withUnsafeBufferPointer { characterIDs[Self.scalarValue($0, at: 0, length: length)] = id }
            } else if let b = Self.byteValue(bytes), !bytes[3...4].contains(where: { (0x61...0x66).contains($0) }) {
                byteIDs[Int(b)] = id
            }
        }
        // 3. Decoding: `▁` -> space per token; `<0xXX>` pieces become bytes when byte fallback decodes them.
        let space = Array("\u{2581}".utf8)
        decodeTable = table.tokens.map { token in
            guard let token else { return .text([]) }
            if let b = Self.byteValue(Array(token.utf8)) { return .byte(b) }
            return .text(Self.replacing(Array(token.utf8), space, with: [0x20]))
        }
        self.merges = merges
        self.characterIDs = characterIDs
        self.byteIDs = byteIDs
        self.byteFallback = byteFallback
        self.unknownID = unknownID
        let steps = normalizer.map { (Array($0.pattern.utf8), Array($0.replacement.utf8)) }
        self.normalizer = steps
        self.splitsAfterSpace = splitsAfterSpace
        vocabularySize = table.tokens.count
        tokens = table.tokens
        tokenIDs = table.ids
        let sorted = addedTokens.sorted { $0.id < $1.id }
        self.addedTokens = sorted
        rawMatcher = AddedTokenMatcher(sorted.filter { !$0.normalized })
        let normalized = sorted.filter(\.normalized)
        normalizedMatcher = AddedTokenMatcher(normalized, patterns: normalized.map { Self.normalize(Array($0.content.utf8), steps) })
        specialTokenIDs = Set(sorted.filter(\.special).map(\.id))
        self.postProcessor = postProcessor
        eosTokenID = postProcessor.suffix.count == 1 ? postProcessor.suffix[0] : configured.eos
        bosTokenID = configured.bos ?? (postProcessor.prefix.count == 1 ? postProcessor.prefix[0] : nil)
        padTokenID = configured.pad
    }

    public func id(of token: String) -> Int32? { tokenIDs[token] }

    public func token(of id: Int32) -> String? { id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : nil }

    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int32] {
        var out: [Int32] = []
        var text = text
        text.withUTF8 { bytes in
            rawMatcher.split(bytes) { start, end, id in
                if let id { out.append(id); return }
                // Each stretch between added tokens is normalised and split on its own, as in Hugging Face.
                let normalized = Self.normalize(Array(bytes[start..<end]), normalizer)
                normalized.withUnsafeBufferPointer { n in
                    normalizedMatcher.split(n) { s, e, id in
                        if let id { out.append(id); return }
                        var from = s
                        if splitsAfterSpace {
                            for k in s..<e where n[k] == 0x20 {
                                encodeWord(UnsafeBufferPointer(rebasing: n[from...k]), into: &out)
                                from = k + 1
                            }
                        }
                        if from < e { encodeWord(UnsafeBufferPointer(rebasing: n[from..<e]), into: &out) }
                    }
                }
            }
        }
        return addSpecialTokens ? postProcessor.apply(out) : out
    }

    /// One word: its characters' ids (byte pieces or `<unk>` for the missing ones), then the merges.
    func encodeWord(_ word: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        let cacheable = word.count <= 256
        let key = cacheable ? ByteKey(word) : nil
        if let key, let hit = cache[key] { out += hit; return }
        var ids: [Int32] = []
        ids.reserveCapacity(word.count)
        var lastWasUnknown = false
        var i = 0
        while i < word.count {
            let length = min(PrecompiledCharsmap.scalarLength(word[i]), word.count - i)
            let scalar = Self.scalarValue(word, at: i, length: length)
            defer { i += length }
            if let id = characterIDs[scalar] { ids.append(id); lastWasUnknown = false; continue }
            if byteFallback, (i..<i + length).allSatisfy({ byteIDs[Int(word[$0])] >= 0 }) {
                for k in i..<i + length { ids.append(byteIDs[Int(word[k])]) }
                lastWasUnknown = false
                continue
            }
            // `fuse_unk`: a run of unknown characters is one `<unk>`.
            if let unk = unknownID, !lastWasUnknown { ids.append(unk) }
            lastWasUnknown = unknownID != nil
        }
        let merged = merges.merge(ids)
        if let key { cache[key] = merged }
        out += merged
    }

    /// Hugging Face's decoder `Sequence[Replace("▁", " "), ByteFallback, Fuse]`: a run of byte pieces that is
    /// valid UTF-8 becomes its text, otherwise one U+FFFD per byte.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool) -> String {
        var out: [UInt8] = []
        var run: [UInt8] = []
        func flush() {
            if run.isEmpty { return }
            if String(validating: run, as: UTF8.self) != nil {
                out += run
            } else {
                for _ in run { out += [0xEF, 0xBF, 0xBD] }
            }
            run.removeAll(keepingCapacity: true)
        }
        for id in ids where id >= 0 && Int(id) < vocabularySize {
            if skipSpecialTokens && specialTokenIDs.contains(id) { continue }
            switch decodeTable[Int(id)] {
            case let .byte(b): run.append(b)
            case let .text(bytes): flush(); out += bytes
            }
        }
        flush()
        return String(decoding: out, as: UTF8.self)
    }
}

extension SentencePieceBPETokenizer {
    /// The byte of a `<0xXX>` piece (UTF-8), as Hugging Face's ByteFallback reads it; nil for other tokens.
    /// Encoding looks pieces up as `<0x%02X>`; the decoder also accepts lower-case hex, as Hugging Face does.
    static func byteValue(_ u: [UInt8]) -> UInt8? {
        guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E else { return nil }
        return UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
    }

    /// Every non-overlapping `pattern`, left to right, replaced (Hugging Face `Replace` with a literal).
    static func replacing(_ bytes: [UInt8], _ pattern: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        guard !pattern.isEmpty, bytes.count >= pattern.count else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 2)
        var i = 0
        while i < bytes.count {
            if bytes[i] == pattern[0], i + pattern.count <= bytes.count, bytes[i..<i + pattern.count].elementsEqual(pattern) {
                out += replacement
                i += pattern.count
            } else {
                out.append(bytes[i]); i += 1
            }
        }
        return out
    }

    static func normalize(_ bytes: [UInt8], _ steps: [(pattern: [UInt8], replacement: [UInt8])]) -> [UInt8] {
        steps.reduce(bytes) { replacing($0, $1.pattern, with: $1.replacement) }
    }

    /// The scalar value of the UTF-8 sequence at `i` (already known to be `length` bytes of valid UTF-8).
    @inline(__always)
    static func scalarValue(_ w: UnsafeBufferPointer<UInt8>, at i: Int, length: Int) -> UInt32 {
        switch length {
        case 1: return UInt32(w[i])
        case 2: return UInt32(w[i] & 0x1F) << 6 | UInt32(w[i + 1] & 0x3F)
        case 3: return UInt32(w[i] & 0x0F) << 12 | UInt32(w[i + 1] & 0x3F) << 6 | UInt32(w[i + 2] & 0x3F)
        default: return UInt32(w[i] & 0x07) << 18 | UInt32(w[i + 1] & 0x3F) << 12 | UInt32(w[i + 2] & 0x3F) << 6 | UInt32(w[i + 3] & 0x3F)
        }
    }
}
