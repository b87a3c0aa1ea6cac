import Foundation

/// Turns text into the token ids a model was trained on, and back.
///
/// Implementations match Hugging Face `tokenizers` id for id (byte-level BPE for Qwen3, WordPiece for
/// BERT). They are immutable after loading and safe to share between threads.
///
/// Truncating an input the way Hugging Face does: encode without special tokens, cut the ids to
/// `maxLength - postProcessor.addedCount`, then `postProcessor.apply(_:)`.
public protocol Tokenizer: Sendable {
    /// Token ids for `text`. With `addSpecialTokens`, the post-processor runs (Qwen3-Embedding appends
    /// `<|endoftext|>`; BERT wraps the ids in `[CLS] … [SEP]`), like Hugging Face `encode(text)`;
    /// without it, like `encode(text, add_special_tokens=False)`. Added tokens written in the text
    /// (`<|im_start|>`, `[SEP]`) become their ids either way.
    func encode(_ text: String, addSpecialTokens: Bool) -> [Int32]

    /// Text for `ids`; ids outside the vocabulary are skipped. With `skipSpecialTokens`, tokens marked
    /// special are left out, as in Hugging Face `decode(ids, skip_special_tokens=True)`.
    func decode(_ ids: [Int32], skipSpecialTokens: Bool) -> String

    /// Number of ids, added tokens included (Qwen3: 151,669; all-MiniLM-L6-v2: 30,522).
    var vocabularySize: Int { get }

    /// The id of a vocabulary entry or added token, written as stored (byte-level BPE stores a leading
    /// space as `Ġ`); nil when there is none.
    func id(of token: String) -> Int32?

    /// The stored form of `id` (the inverse of `id(of:)`); nil when out of range.
    func token(of id: Int32) -> String?

    /// The ids `encode(_:addSpecialTokens: true)` adds around the text.
    var postProcessor: PostProcessor { get }

    /// End of sequence: the token the post-processor appends when it appends exactly one
    /// (Qwen3-Embedding: `<|endoftext|>` = 151643, whose hidden state is the embedding), otherwise the
    /// configured end-of-sequence token (GGUF `eos_token_id`, `eos_token` of tokenizer_config.json).
    var eosTokenID: Int32? { get }

    /// Beginning of sequence, when the model has one (GGUF `bos_token_id`, `bos_token`).
    var bosTokenID: Int32? { get }

    /// Padding token (GGUF `padding_token_id`, tokenizer_config.json `pad_token`, tokenizer.json
    /// `padding.pad_id`), for callers that pad; nil when none is configured.
    var padTokenID: Int32? { get }

    /// Ids of the added tokens marked special (skipped by `decode(_:skipSpecialTokens: true)`).
    var specialTokenIDs: Set<Int32> { get }

    /// Where each of `ids` (as `encode(text, …)` gave them) lies in `text`: UTF-8 byte ranges, widened to whole
    /// characters, as Hugging Face's `Encoding.offsets` in Rust (TEI's `/tokenize` `start`/`stop`); nil for an id the
    /// text does not hold (what the post-processor added). Nil altogether when this tokenizer cannot tell, because its
    /// normalizer rewrote the text (lowercasing, accents, NFC changes).
    func byteOffsets(of ids: [Int32], in text: String) -> [Range<Int>?]?
}

extension Tokenizer {
    /// Not tracked: WordPiece and Unigram normalise the text before splitting it.
    public func byteOffsets(of ids: [Int32], in text: String) -> [Range<Int>?]? { nil }

    /// `encode(text, addSpecialTokens: true)`: the ids the model sees.
    public func encode(_ text: String) -> [Int32] { encode(text, addSpecialTokens: true) }

    /// `decode(ids, skipSpecialTokens: true)`, Hugging Face's default.
    public func decode(_ ids: [Int32]) -> String { decode(ids, skipSpecialTokens: true) }

    /// Tokens in `text` without special tokens; what a chunker counts.
    public func count(_ text: String) -> Int { encode(text, addSpecialTokens: false).count }

    /// Whether `encode(_:addSpecialTokens: true)` ends with `eosTokenID`.
    public var appendsEOS: Bool {
        guard let eos = eosTokenID else { return false }
        return postProcessor.suffix.last == eos
    }
}

/// Hugging Face `TemplateProcessing` for one sequence: fixed ids before and after the text.
///
/// `$A:0 <|endoftext|>:0` (Qwen3-Embedding) is `suffix = [151643]`; `[CLS] $A [SEP]` (BERT) is
/// `prefix = [101], suffix = [102]`. Of the pair template only what goes between the two texts is kept
/// (`pairSeparator`), for cross-encoders: `[CLS] A [SEP] B [SEP]` (BERT), `<s> A </s></s> B </s>` (XLM-RoBERTa).
public struct PostProcessor: Sendable, Equatable {
    /// Ids placed before the text.
    public var prefix: [Int32]
    /// Ids placed after the text.
    public var suffix: [Int32]
    /// Ids between a pair's two texts when they differ from `suffix`; nil: `suffix` (BERT's `[SEP]`).
    public var pairSeparatorOverride: [Int32]?

    /// A post-processor adding `prefix` and `suffix`, and `pairSeparator` between a pair's texts (nil: `suffix`).
    public init(prefix: [Int32] = [], suffix: [Int32] = [], pairSeparator: [Int32]? = nil) {
        self.prefix = prefix
        self.suffix = suffix
        self.pairSeparatorOverride = pairSeparator == suffix ? nil : pairSeparator
    }

    /// Ids between a pair's two texts: the pair template is `prefix + A + pairSeparator + B + suffix`.
    public var pairSeparator: [Int32] { pairSeparatorOverride ?? suffix }

    /// Adds nothing (no post_processor, or GGUF without add_bos/add_eos).
    public static let none = PostProcessor()

    /// How many ids `apply` adds; subtract it from a length limit before truncating.
    public var addedCount: Int { prefix.count + suffix.count }

    /// `prefix + ids + suffix`.
    public func apply(_ ids: [Int32]) -> [Int32] {
        if addedCount == 0 { return ids }
        var out = prefix
        out.reserveCapacity(ids.count + addedCount)
        out += ids
        out += suffix
        return out
    }
}
