import Foundation

/// BERT's WordPiece as in Hugging Face `tokenizers` (all-MiniLM-L6-v2, bge, e5 …): added tokens ->
/// BertNormalizer -> BertPreTokenizer -> greedy longest-match WordPiece with a `##` prefix -> template.
public final class WordPieceTokenizer: Tokenizer {
    public let vocabularySize: Int
    public let postProcessor: PostProcessor
    public let eosTokenID: Int32?
    public let bosTokenID: Int32?
    public let padTokenID: Int32?
    public let specialTokenIDs: Set<Int32>
    /// The added tokens, in id order.
    public let addedTokens: [AddedToken]
    /// The id words become when they cannot be split or are too long (`[UNK]`).
    public let unknownID: Int32
    /// Words longer than this many scalars become `[UNK]` whole (Hugging Face default 100).
    public let maxInputCharsPerWord: Int

    let normalizer: BertNormalizer?
    let prefix: String
    let prefixBytes: [UInt8]
    let vocabulary: [String: Int32]
    let tokens: [String?]
    let tokenIDs: [String: Int32]
    let rawMatcher: AddedTokenMatcher
    let decoderCleanup: Bool
    private let cache = WordPieceCache()

    /// Loads a WordPiece tokenizer.json; eos/bos/pad names come from tokenizer_config.json beside it.
    public static func load(tokenizerJSON url: URL) throws -> WordPieceTokenizer {
        try WordPieceTokenizer(file: TokenizerJSON(url: url), config: TokenizerConfigJSON(beside: url))
    }

    convenience init(file: TokenizerJSON, config: TokenizerConfigJSON) throws {
        let path = file.path
        let model = try file.model(ofType: "WordPiece")
        let vocabulary = try file.vocabulary()
        let added = try file.addedTokens()
        // Normalizer: BertNormalizer or none.
        var normalizer: BertNormalizer?
        for (t, n) in try file.components("normalizer", listKey: "normalizers") {
            guard t == "BertNormalizer" else {
                throw TokenizerError.unsupportedComponent(path: path, component: "normalizer", type: t,
                                                          hint: "WordPiece supports BertNormalizer or no normalizer.")
            }
            let lowercase = n["lowercase"] as? Bool ?? true
            normalizer = BertNormalizer(cleanText: n["clean_text"] as? Bool ?? true,
                                        handleChineseChars: n["handle_chinese_chars"] as? Bool ?? true,
                                        stripAccents: n["strip_accents"] as? Bool ?? lowercase, lowercase: lowercase)
        }
        let pre = try file.components("pre_tokenizer", listKey: "pretokenizers").map(\.0)
        guard pre == ["BertPreTokenizer"] else {
            throw TokenizerError.unsupportedComponent(path: path, component: "pre_tokenizer",
                                                      type: pre.joined(separator: " + ").isEmpty ? "none" : pre.joined(separator: " + "),
                                                      hint: "WordPiece supports BertPreTokenizer.")
        }
        let unk = model["unk_token"] as? String ?? "[UNK]"
        guard let unknownID = vocabulary[unk] else {
            throw TokenizerError.malformed(path: path, field: "model.unk_token", expected: "a token in model.vocab (\"\(unk)\")",
                                           hint: "WordPiece needs its unknown token in the vocabulary.")
        }
        if added.contains(where: \.normalized) {
            throw TokenizerError.unsupportedComponent(path: path, component: "added_tokens", type: "normalized: true",
                                                      hint: "Folio matches WordPiece added tokens in the raw text only.")
        }
        let table = try IDTable(vocabulary: vocabulary, added: added, source: path)
        let post = try file.postProcessor(idOf: { table.ids[$0] })
        let decoder = try file.components("decoder", listKey: "decoders")
        self.init(vocabulary: vocabulary, table: table, added: added, normalizer: normalizer,
                  prefix: model["continuing_subword_prefix"] as? String ?? "##",
                  maxInputCharsPerWord: (model["max_input_chars_per_word"] as? NSNumber)?.intValue ?? 100,
                  unknownID: unknownID, postProcessor: post,
                  eos: post.suffix.count == 1 ? post.suffix[0] : config.eos.flatMap { table.ids[$0] },
                  bos: post.prefix.count == 1 ? post.prefix[0] : config.bos.flatMap { table.ids[$0] },
                  pad: config.pad.flatMap { table.ids[$0] } ?? file.padID,
                  decoderCleanup: decoder.first { $0.0 == "WordPiece" }?.1["cleanup"] as? Bool ?? true)
    }

    /// The one designated initialiser: both sources (tokenizer.json, GGUF) reduce to these parts.
    /// `vocabulary` holds the WordPiece pieces as Hugging Face writes them (`##` for continuations).
    init(vocabulary: [String: Int32], table: IDTable, added: [AddedToken], normalizer: BertNormalizer?,
         prefix: String, maxInputCharsPerWord: Int, unknownID: Int32, postProcessor: PostProcessor,
         eos: Int32?, bos: Int32?, pad: Int32?, decoderCleanup: Bool) {
        self.decoderCleanup = decoderCleanup
        self.normalizer = normalizer
        self.prefix = prefix
        self.prefixBytes = Array(prefix.utf8)
        self.maxInputCharsPerWord = maxInputCharsPerWord
        self.unknownID = unknownID
        self.vocabulary = vocabulary
        self.vocabularySize = table.tokens.count
        self.tokens = table.tokens
        self.tokenIDs = table.ids
        let sorted = added.sorted { $0.id < $1.id }
        self.addedTokens = sorted
        self.rawMatcher = AddedTokenMatcher(sorted)
        self.specialTokenIDs = Set(sorted.filter(\.special).map(\.id))
        self.postProcessor = postProcessor
        self.eosTokenID = eos
        self.bosTokenID = bos
        self.padTokenID = pad
    }

    public func id(of token: String) -> Int32? { tokenIDs[token] }

    public func token(of id: Int32) -> String? { id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : nil }

    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int32] {
        var out: [Int32] = []
        var text = text
        text.withUTF8 { bytes in
            rawMatcher.split(bytes) { start, end, id in
                if let id { out.append(id); return }
                let piece = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                let scalars = normalizer?.normalize(piece[...].unicodeScalars) ?? Array(piece.unicodeScalars)
                BertNormalizer.preTokenize(scalars) { word in encodeWord(word, into: &out) }
            }
        }
        return addSpecialTokens ? postProcessor.apply(out) : out
    }

    /// Greedy longest-match-first split of one word; any unmatched remainder makes the whole word `[UNK]`.
    private func encodeWord(_ word: ArraySlice<Unicode.Scalar>, into out: inout [Int32]) {
        if word.count > maxInputCharsPerWord { out.append(unknownID); return }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: word)
        let text = String(view)
        if let hit = cache[text] { out += hit; return }
        var ids: [Int32] = []
        let scalars = Array(word)
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: Int32?
            while start < end {
                var candidate = String.UnicodeScalarView()
                candidate.append(contentsOf: scalars[start..<end])
                let piece = start > 0 ? prefix + String(candidate) : String(candidate)
                if let id = vocabulary[piece] { found = id; break }
                end -= 1
            }
            guard let id = found else { ids = [unknownID]; break }
            ids.append(id)
            start = end
        }
        cache[text] = ids
        out += ids
    }

    public func decode(_ ids: [Int32], skipSpecialTokens: Bool) -> String {
        var out = ""
        var index = 0
        for id in ids {
            guard let token = token(of: id) else { continue }
            if skipSpecialTokens && specialTokenIDs.contains(id) { continue }
            // Byte-wise, as Rust compares: "##ो" starts with "##" although its first Character is "#ो".
            var piece = Array(token.utf8)
            if index > 0 {
                if piece.starts(with: prefixBytes) { piece.removeFirst(prefixBytes.count) } else { piece.insert(0x20, at: 0) }
            }
            if decoderCleanup { piece = Self.cleanup(piece) }
            out += String(decoding: piece, as: UTF8.self)
            index += 1
        }
        return out
    }

    private static let cleanupRules: [([UInt8], [UInt8])] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
        (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// Hugging Face's WordPiece decoder clean-up of tokenization spaces, applied to each token in
    /// order, replacing bytes (not grapheme clusters) like Rust's `str::replace`.
    static func cleanup(_ s: [UInt8]) -> [UInt8] {
        guard s.contains(0x20) else { return s }
        var s = s
        for (from, to) in cleanupRules {
            var out: [UInt8] = []
            out.reserveCapacity(s.count)
            var i = 0
            while i < s.count {
                if s[i] == from[0] && i + from.count <= s.count && s[i..<(i + from.count)].elementsEqual(from) {
                    out += to
                    i += from.count
                } else {
                    out.append(s[i])
                    i += 1
                }
            }
            s = out
        }
        return s
    }
}

/// Word -> ids for WordPiece, shared by all threads; bounded like `WordCache`.
final class WordPieceCache: @unchecked Sendable {
    private var words: [String: [Int32]] = [:]
    private let lock = NSLock()

    subscript(word: String) -> [Int32]? {
        get { lock.lock(); defer { lock.unlock() }; return words[word] }
        set {
            lock.lock(); defer { lock.unlock() }
            if words.count < 100_000 { words[word] = newValue }
        }
    }
}
