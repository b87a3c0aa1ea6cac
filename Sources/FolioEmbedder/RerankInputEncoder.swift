import FolioModels
import Tokenization

/// Turns a (query, document) pair into the ids a reranker sees.
///
/// Qwen3-Reranker (the model card): `prefix + tokens("<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}")
/// + suffix`, the middle tokenized as one text and, when too long, cut at its end to
/// `maxTokens - prefix - suffix`. Cross-encoders: the tokenizer's pair template, `[CLS] query [SEP] document [SEP]`
/// (BERT) or `<s> query </s></s> document </s>` (XLM-RoBERTa), cut longest first (Hugging Face `truncation=True`),
/// the document from `secondSegmentStart` on.
public struct RerankInputEncoder: Sendable {
    /// The system turn and the start of the user turn, before `<Instruct>`.
    public static let qwen3Prefix = "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query "
        + "and the Instruct provided. Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n<|im_start|>user\n"
    /// The end of the user turn and an empty thinking block: the next token is the answer.
    public static let qwen3Suffix = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
    /// The model card's `max_length`.
    public static let qwen3MaxTokens = 8192

    public let tokenizer: any Tokenizer
    public let style: RerankInputStyle
    /// Longest pair, special tokens included.
    public let maxTokens: Int
    let prefixIDs: [Int32]   // Qwen3: the template before the text; BERT: [CLS]
    let suffixIDs: [Int32]   // Qwen3: the template after it; BERT: [SEP]
    let separatorIDs: [Int32] // between a pair's texts: BERT [SEP], XLM-RoBERTa </s></s>; Qwen3: none

    public init(tokenizer: any Tokenizer, style: RerankInputStyle, contextLength: Int) throws {
        self.tokenizer = tokenizer
        self.style = style
        switch style {
        case .qwen3Template:
            maxTokens = min(contextLength, Self.qwen3MaxTokens)
            prefixIDs = tokenizer.encode(Self.qwen3Prefix, addSpecialTokens: false)
            suffixIDs = tokenizer.encode(Self.qwen3Suffix, addSpecialTokens: false)
            separatorIDs = []
        case .sentencePair:
            maxTokens = contextLength
            let p = tokenizer.postProcessor
            guard p.prefix.count == 1, p.suffix.count == 1, !p.pairSeparator.isEmpty else {
                throw EmbedderError.tokenizerMissing(
                    path: "tokenizer", expected: "a [CLS] $A [SEP] (BERT) or <s> $A </s> (XLM-RoBERTa) post-processor")
            }
            (prefixIDs, suffixIDs, separatorIDs) = (p.prefix, p.suffix, p.pairSeparator)
        }
    }

    /// The text between Qwen3's prefix and suffix.
    public static func qwen3Text(query: String, document: String, instruction: String) -> String {
        "<Instruct>: \(instruction)\n<Query>: \(query)\n<Document>: \(document)"
    }

    /// The ids of one pair; `index` names the document in errors.
    public func sequence(query: String, document: String, options: RerankOptions, index: Int) throws -> RerankSequence {
        switch style {
        case .qwen3Template:
            let text = Self.qwen3Text(query: query, document: document,
                                      instruction: options.instruction ?? EmbedOptions.defaultRetrievalTask)
            var middle = tokenizer.encode(text, addSpecialTokens: false)
            let room = maxTokens - prefixIDs.count - suffixIDs.count
            if middle.count > room {
                guard options.truncate else { throw tooLong(index, prefixIDs.count + middle.count + suffixIDs.count) }
                middle.removeLast(middle.count - max(room, 0))
            }
            return RerankSequence(ids: prefixIDs + middle + suffixIDs, secondSegmentStart: 0)
        case .sentencePair:
            var q = tokenizer.encode(query, addSpecialTokens: false)
            var d = tokenizer.encode(document, addSpecialTokens: false)
            let special = prefixIDs.count + separatorIDs.count + suffixIDs.count
            let room = maxTokens - special
            if q.count + d.count > room {
                guard options.truncate else { throw tooLong(index, q.count + d.count + special) }
                // Hugging Face longest_first: one id at a time from the longer, the second on a tie.
                var (nq, nd) = (q.count, d.count)
                for _ in 0 ..< (q.count + d.count - max(room, 0)) {
                    if nq > nd { nq -= 1 } else { nd -= 1 }
                }
                q.removeLast(q.count - nq); d.removeLast(d.count - nd)
            }
            return RerankSequence(ids: prefixIDs + q + separatorIDs + d + suffixIDs,
                                  secondSegmentStart: prefixIDs.count + q.count + separatorIDs.count)
        }
    }

    private func tooLong(_ index: Int, _ tokens: Int) -> EmbedderError {
        .inputTooLong(index: index, tokens: tokens, limit: maxTokens)
    }
}
