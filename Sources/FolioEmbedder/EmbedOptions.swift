/// Per-request choices of `Embedder.embed`.
public struct EmbedOptions: Sendable, Equatable {
    /// A retrieval task; when set, each text is embedded as a query: `Instruct: {task}\nQuery:{text}`.
    /// Documents are embedded as they are (nil).
    public var instruction: String?
    /// Matryoshka size: keep the first N values, then renormalise. nil keeps the full vector.
    public var dimensions: Int?
    /// Cut inputs longer than the context to its length instead of failing.
    public var truncate: Bool

    public init(instruction: String? = nil, dimensions: Int? = nil, truncate: Bool = false) {
        self.instruction = instruction
        self.dimensions = dimensions
        self.truncate = truncate
    }
}

/// Engine-wide settings with documented defaults.
public struct EmbedderConfiguration: Sendable, Equatable {
    /// Worker threads for the kernels; nil uses every core.
    public var threads: Int?
    /// Most tokens one forward pass packs together (token-budget batching). Longer inputs run alone.
    public var maxBatchTokens: Int

    public init(threads: Int? = nil, maxBatchTokens: Int = 8192) {
        self.threads = threads
        self.maxBatchTokens = maxBatchTokens
    }
}

/// One output vector.
public struct Embedding: Sendable, Equatable {
    /// Position of the input in the request.
    public var index: Int
    /// Tokens the model saw, special tokens included.
    public var tokenCount: Int
    /// L2-normalised vector.
    public var vector: [Float]
}
