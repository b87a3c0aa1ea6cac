/// One (query, document) input of a reranker, as token ids.
public struct RerankSequence: Sendable, Equatable {
    /// Every id the model sees, special tokens included.
    public var ids: [Int32]
    /// Index of the first id of the second segment: BERT cross-encoders give ids from here token type 1
    /// (`[CLS] query [SEP]` is type 0, `document [SEP]` type 1). Decoders ignore it.
    public var secondSegmentStart: Int

    public init(ids: [Int32], secondSegmentStart: Int) {
        self.ids = ids
        self.secondSegmentStart = secondSegmentStart
    }
}

/// The keys and values a causal model computed for a prefix shared by several sequences.
public protocol RerankPrefix: Sendable {
    /// The prefix's ids.
    var ids: [Int32] { get }
}

/// A network that gives each (query, document) sequence one relevance logit; the score is its sigmoid.
///
/// Qwen3-Reranker: logit("yes") - logit("no") at the last position, so sigmoid(logit) is
/// softmax([no, yes])[1]. BERT cross-encoders: the one-label classifier's output.
public protocol RerankingModel: Sendable {
    /// Longest sequence the model accepts, in tokens.
    var contextLength: Int { get }

    /// Runs `prefix` once and keeps what later sequences need from it; nil when the architecture cannot
    /// reuse a prefix (bidirectional attention sees the document from the first token).
    func prefill(_ prefix: [Int32]) throws -> (any RerankPrefix)?

    /// One logit per sequence. With `prefix` (from this model's ``prefill(_:)``), each sequence holds only
    /// the ids after it and is scored as `prefix.ids + ids`.
    func logits(_ sequences: [RerankSequence], after prefix: (any RerankPrefix)?) throws -> [Float]
}
