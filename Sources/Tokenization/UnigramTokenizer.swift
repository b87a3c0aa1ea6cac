import Foundation

/// SentencePiece Unigram as in Hugging Face `tokenizers` (XLM-RoBERTa: bge-m3, multilingual-e5,
/// bge-reranker-v2-m3): added tokens -> normalizer (`Precompiled` charsmap, space clean-up) ->
/// `Metaspace` -> Viterbi over piece scores -> template (`<s> A </s>`, pair `<s> A </s></s> B </s>`).
///
/// Build it from tokenizer.json (`UnigramTokenizer.load(tokenizerJSON:)`) or from a GGUF vocabulary
/// (`init(ggufTokens:…)`, llama.cpp's `t5` model). Immutable; safe to share between threads.
public final class UnigramTokenizer: Tokenizer {
    public let vocabularySize: Int
    public let postProcessor: PostProcessor
    public let eosTokenID: Int32?
    public let bosTokenID: Int32?
    public let padTokenID: Int32?
    public let specialTokenIDs: Set<Int32>
    /// The added tokens, in id order.
    public let addedTokens: [AddedToken]
    /// The id of `<unk>`.
    public var unknownID: Int32 { model.unknownID }

    let model: UnigramModel
    let normalization: [UnigramNormalization]
    let metaspace: Metaspace
    let rawMatcher: AddedTokenMatcher
    let tokens: [String?]
    let tokenIDs: [String: Int32]

    /// The one designated initialiser: both sources reduce to these parts. `pieces` are the model's
    /// vocabulary as (text, id, score), added tokens included where the vocabulary lists them.
    init(pieces: [(String, Int32, Double)], added: [AddedToken], unknownID: Int32, byteFallback: Bool,
         normalization: [UnigramNormalization], metaspace: Metaspace, postProcessor: PostProcessor,
         eos: Int32?, bos: Int32?, pad: Int32?, source: String) throws {
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(pieces.count)
        for (text, id, _) in pieces { vocabulary[text] = id }
        let table = try IDTable(vocabulary: vocabulary, added: added, source: source)
        guard unknownID >= 0, Int(unknownID) < table.tokens.count else {
            throw TokenizerError.idOutOfRange(path: source, token: "<unk>", id: Int(unknownID), vocabularySize: table.tokens.count)
        }
        model = UnigramModel(pieces: pieces.map { (Array($0.0.utf8), $0.1, $0.2) }, vocabularySize: table.tokens.count,
                             unknownID: unknownID, byteFallback: byteFallback)
        vocabularySize = table.tokens.count
        tokens = table.tokens
        tokenIDs = table.ids
        let sorted = added.sorted { $0.id < $1.id }
        addedTokens = sorted
        rawMatcher = AddedTokenMatcher(sorted)
        specialTokenIDs = Set(sorted.filter(\.special).map(\.id))
        self.normalization = normalization
        self.metaspace = metaspace
        self.postProcessor = postProcessor
        eosTokenID = eos
        bosTokenID = bos
        padTokenID = pad
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
                var piece = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                for step in normalization { piece = step.apply(piece) }
                for word in metaspace.words(piece, isFirst: start == 0) { model.encode(word, into: &out) }
            }
        }
        return addSpecialTokens ? postProcessor.apply(out) : out
    }

    /// Hugging Face's `Metaspace` decoder (`▁` -> space, none kept in the first token), with byte
    /// pieces `<0xXX>` joined into their UTF-8 text when the model falls back to bytes.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool) -> String {
        var out: [UInt8] = []
        let mark = Array(String(metaspace.replacement).utf8)
        var index = 0
        for id in ids {
            guard let token = token(of: id) else { continue }
            if skipSpecialTokens && specialTokenIDs.contains(id) { continue }
            let bytes = Array(token.utf8)
            if model.byteFallback, bytes.count == 6, token.hasPrefix("<0x"), token.hasSuffix(">"),
               let b = UInt8(token.dropFirst(3).dropLast(), radix: 16) {
                out.append(b)
            } else {
                var i = 0
                while i < bytes.count {
                    if bytes[i...].starts(with: mark) {
                        if index > 0 || metaspace.prependScheme == .never { out.append(0x20) }
                        i += mark.count
                    } else {
                        out.append(bytes[i]); i += 1
                    }
                }
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
