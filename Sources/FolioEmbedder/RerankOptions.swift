/// Per-request choices of `Reranker.score`.
public struct RerankOptions: Sendable, Equatable {
    /// Qwen3-Reranker's `<Instruct>`; nil uses ``EmbedOptions/defaultRetrievalTask``, as the model card
    /// does. BERT cross-encoders take no instruction and ignore it.
    public var instruction: String?
    /// Return the logit (Qwen3: logit("yes") - logit("no"); BERT: the classifier output) instead of its
    /// sigmoid, the probability in 0...1.
    public var rawScores: Bool
    /// Cut a pair longer than ``Reranker/maxTokens``, as the references do (Qwen3: the end of the
    /// instruction-query-document text; BERT: longest first, the document usually), instead of failing.
    public var truncate: Bool
    /// Compute the query part shared by every pair once (Qwen3; cross-encoders attend both ways and cannot).
    /// Scores are the same either way; off is for comparisons.
    public var reusePrefix: Bool

    public init(instruction: String? = nil, rawScores: Bool = false, truncate: Bool = true, reusePrefix: Bool = true) {
        self.instruction = instruction
        self.rawScores = rawScores
        self.truncate = truncate
        self.reusePrefix = reusePrefix
    }
}
