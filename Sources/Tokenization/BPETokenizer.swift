import Foundation

/// Byte-level BPE as in Hugging Face `tokenizers` for Qwen2/Qwen3 (also Llama 3's split pattern):
/// added tokens -> NFC -> split pattern -> bytes -> BPE merges -> template.
///
/// Build it from tokenizer.json (`BPETokenizer.load(tokenizerJSON:)`) or from a GGUF vocabulary
/// (`init(ggufTokens:…)`). Immutable apart from an internal word cache; safe to share between threads.
public final class BPETokenizer: Tokenizer {
    public let vocabularySize: Int
    public let postProcessor: PostProcessor
    public let eosTokenID: Int32?
    public let bosTokenID: Int32?
    public let padTokenID: Int32?
    public let specialTokenIDs: Set<Int32>
    /// The added tokens, in id order.
    public let addedTokens: [AddedToken]

    let model: BPEModel
    let pattern: SplitPattern
    let normalizesNFC: Bool
    let rawMatcher: AddedTokenMatcher          // added tokens matched before normalisation
    let normalizedMatcher: AddedTokenMatcher   // `normalized: true` added tokens, matched after
    let tokens: [String?]                      // [vocabularySize], stored text by id
    let tokenIDs: [String: Int32]
    let decodeBytes: [UInt8]                   // bytes of every id, concatenated
    let decodeOffsets: [Int32]                 // [vocabularySize + 1]

    /// The shared constructor behind tokenizer.json and GGUF loading.
    /// - Parameters:
    ///   - vocabulary: byte-level token text -> id (model vocabulary, added tokens excluded).
    ///   - merges: merge pairs in rank order.
    ///   - source: file path for error messages.
    init(vocabulary: [String: Int32], merges: [(String, String)], addedTokens: [AddedToken], pattern: SplitPattern,
         normalizesNFC: Bool, ignoreMerges: Bool, unknownToken: String?, postProcessor: PostProcessor,
         configured: (eos: Int32?, bos: Int32?, pad: Int32?), source: String) throws {
        if merges.isEmpty && vocabulary.count > 256 {
            throw TokenizerError.missingMerges(path: source, hint: "Byte-level BPE needs model.merges (tokenizer.json) or "
                + "tokenizer.ggml.merges (GGUF); re-download the tokenizer or re-convert the model.")
        }
        // 1. Id table: model vocabulary plus added tokens (an added token may reuse a vocabulary id).
        let table = try IDTable(vocabulary: vocabulary, added: addedTokens, source: source)
        let (tokens, tokenIDs, size) = (table.tokens, table.ids, table.tokens.count)
        // 2. Single bytes and merges, keyed by ids.
        var byteIDs = [Int32](repeating: -1, count: 256)
        for b in 0..<256 { byteIDs[b] = vocabulary[String(ByteLevel.characters[b])] ?? -1 }
        var mergeTable: [UInt64: UInt64] = [:]
        mergeTable.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let left = vocabulary[a], let right = vocabulary[b], let merged = vocabulary[a + b] else {
                throw TokenizerError.mergeNotInVocabulary(path: source, merge: "\(a) \(b)", index: rank)
            }
            mergeTable[MergeTable.key(left, right)] = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: merged))
        }
        var wordIDs: [ByteKey: Int32] = [:]
        if ignoreMerges {
            for (text, id) in vocabulary { wordIDs[ByteKey(ByteLevel.decode(text))] = id }
        }
        // 3. Decoding bytes per id (Hugging Face's ByteLevel decoder, token by token).
        var bytes: [UInt8] = []
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(size + 1)
        for t in tokens {
            if let t { bytes += ByteLevel.decode(t) }
            offsets.append(Int32(bytes.count))
        }
        let unknownID = unknownToken.flatMap { vocabulary[$0] }
        self.model = BPEModel(byteIDs: byteIDs, merges: MergeTable(mergeTable), ignoreMerges: ignoreMerges, wordIDs: wordIDs,
                              unknownID: unknownID)
        self.vocabularySize = size
        self.tokens = tokens
        self.tokenIDs = tokenIDs
        self.decodeBytes = bytes
        self.decodeOffsets = offsets
        self.pattern = pattern
        self.normalizesNFC = normalizesNFC
        let sorted = addedTokens.sorted { $0.id < $1.id }
        self.addedTokens = sorted
        self.rawMatcher = AddedTokenMatcher(sorted.filter { !$0.normalized })
        let normalized = sorted.filter { $0.normalized }
        self.normalizedMatcher = AddedTokenMatcher(normalized, patterns: normalized.map {
            Array((normalizesNFC ? $0.content.precomposedStringWithCanonicalMapping : $0.content).utf8)
        })
        self.specialTokenIDs = Set(sorted.filter(\.special).map(\.id))
        self.postProcessor = postProcessor
        self.eosTokenID = postProcessor.suffix.count == 1 ? postProcessor.suffix[0] : configured.eos
        self.bosTokenID = configured.bos ?? (postProcessor.prefix.count == 1 ? postProcessor.prefix[0] : nil)
        self.padTokenID = configured.pad
    }

    public func id(of token: String) -> Int32? { tokenIDs[token] }

    public func token(of id: Int32) -> String? {
        id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : nil
    }

    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int32] {
        encode(text, addSpecialTokens: addSpecialTokens, chunkBytes: 1 << 18)
    }

    /// `encode` with long stretches between added tokens cut into chunks of about `chunkBytes`, so
    /// scratch memory stays bounded (14 bytes per input byte) on huge documents. Cuts go after a
    /// newline followed by a printable ASCII character: no split-pattern piece and no NFC
    /// composition crosses such a point, so the ids are the same as without cutting.
    package func encode(_ text: String, addSpecialTokens: Bool, chunkBytes: Int) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(text.utf8.count / 3)
        var scanner = TextScanner()
        var text = text
        text.withUTF8 { bytes in
            rawMatcher.split(bytes) { start, end, id in
                if let id { out.append(id); return }
                var from = start
                while end - from > chunkBytes {
                    var cut = from + chunkBytes
                    while cut < end - 1 && !(bytes[cut - 1] == 0x0A && bytes[cut] > 0x20 && bytes[cut] < 0x7F) { cut += 1 }
                    if cut >= end - 1 { break }
                    encodeSegment(UnsafeBufferPointer(rebasing: bytes[from..<cut]), normalized: false, &scanner, &out)
                    from = cut
                }
                encodeSegment(UnsafeBufferPointer(rebasing: bytes[from..<end]), normalized: false, &scanner, &out)
            }
        }
        return addSpecialTokens ? postProcessor.apply(out) : out
    }

    /// Text between added tokens: normalise (NFC only when some scalar may change), match the
    /// normalised added tokens, then split and merge.
    private func encodeSegment(_ bytes: UnsafeBufferPointer<UInt8>, normalized: Bool, _ scanner: inout TextScanner,
                               _ out: inout [Int32]) {
        if bytes.isEmpty { return }
        scanner.load(bytes)
        if !normalized && normalizesNFC && scanner.mayNeedNFC {
            scanner.nfc(bytes).withUnsafeBufferPointer { encodeSegment($0, normalized: true, &scanner, &out) }
            return
        }
        if !normalizedMatcher.isEmpty {
            var pieces: [(Int, Int, Int32?)] = []
            normalizedMatcher.split(bytes) { pieces.append(($0, $1, $2)) }
            for (start, end, id) in pieces {
                if let id { out.append(id); continue }
                scanner.load(UnsafeBufferPointer(rebasing: bytes[start..<end]))
                splitAndMerge(UnsafeBufferPointer(rebasing: bytes[start..<end]), scanner, &out)
            }
            return
        }
        splitAndMerge(bytes, scanner, &out)
    }

    /// Pre-tokenizer pieces of the loaded segment, each merged by the BPE model.
    private func splitAndMerge(_ bytes: UnsafeBufferPointer<UInt8>, _ scanner: TextScanner, _ out: inout [Int32]) {
        let n = scanner.count
        scanner.scalars.withUnsafeBufferPointer { scalars in
            scanner.classes.withUnsafeBufferPointer { classes in
                scanner.offsets.withUnsafeBufferPointer { offsets in
                    pattern.split(UnsafeBufferPointer(rebasing: scalars[..<n]), UnsafeBufferPointer(rebasing: classes[..<n])) { start, end in
                        model.encode(UnsafeBufferPointer(rebasing: bytes[offsets[start]..<offsets[end]]), into: &out)
                    }
                }
            }
        }
    }

    public func decode(_ ids: [Int32], skipSpecialTokens: Bool) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids where id >= 0 && Int(id) < vocabularySize {
            if skipSpecialTokens && specialTokenIDs.contains(id) { continue }
            let start = Int(decodeOffsets[Int(id)]), end = Int(decodeOffsets[Int(id) + 1])
            bytes += decodeBytes[start..<end]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension BPETokenizer {
    /// The pre-tokenizer's pieces of `text` after normalisation, spelled as the vocabulary spells them
    /// (Hugging Face `pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text))`). Added tokens
    /// are not split out. For tests of the split pattern.
    package func prePieces(_ text: String) -> [String] {
        var text = normalizesNFC ? text.precomposedStringWithCanonicalMapping : text
        var scanner = TextScanner()
        var out: [String] = []
        text.withUTF8 { bytes in
            scanner.load(bytes)
            let n = scanner.count
            scanner.scalars.withUnsafeBufferPointer { scalars in
                scanner.classes.withUnsafeBufferPointer { classes in
                    pattern.split(UnsafeBufferPointer(rebasing: scalars[..<n]), UnsafeBufferPointer(rebasing: classes[..<n])) { start, end in
                        out.append(ByteLevel.encode(bytes[scanner.offsets[start]..<scanner.offsets[end]]))
                    }
                }
            }
        }
        return out
    }
}
