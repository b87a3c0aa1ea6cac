import FolioTensor

/// Per-request choices of `Embedder.embed`.
public struct EmbedOptions: Sendable, Equatable {
    /// The retrieval task Qwen3-Embedding's README uses for web-search-style queries; applied to queries when the
    /// caller names no other task.
    public static let defaultRetrievalTask = "Given a web search query, retrieve relevant passages that answer the query"

    /// A retrieval task; when set, each text is embedded as a query: `Instruct: {task}\nQuery:{text}`.
    /// Documents are embedded as they are (nil).
    public var instruction: String?
    /// Matryoshka size: keep the first N values, then renormalise. nil keeps the full vector.
    public var dimensions: Int?
    /// Cut inputs longer than the context to its length instead of failing.
    public var truncate: Bool
    /// Unit-length vectors (the default, as sentence-transformers' normalize step and every embedding API give
    /// them); false returns the pooled vector as the model computed it (TEI's `normalize: false`).
    public var normalize: Bool

    public init(instruction: String? = nil, dimensions: Int? = nil, truncate: Bool = false, normalize: Bool = true) {
        self.instruction = instruction
        self.dimensions = dimensions
        self.truncate = truncate
        self.normalize = normalize
    }
}

/// Engine-wide settings with documented defaults.
public struct EmbedderConfiguration: Sendable, Equatable {
    /// Arithmetic of the linear layers over float weights: `.f32` (the reference's) or `.bf16`.
    public typealias Precision = ComputePrecision
    /// Arithmetic of attention's products.
    public typealias Attention = AttentionPrecision

    /// Worker threads for the kernels; nil uses every core.
    public var threads: Int?
    /// Most tokens one forward pass packs together (token-budget batching). Longer inputs run alone.
    public var maxBatchTokens: Int
    /// `.bf16` rounds float weights (F32, F16, BF16 files) and activations to bfloat16 and multiplies
    /// with AVX-512 BF16, about twice as fast at a cosine of about 0.999 to f32. Quantised weights and
    /// CPUs without AVX-512 BF16 run as with `.f32`; `Embedder.precisionUsed` says which applied.
    public var precision: Precision
    /// Attention's products: `.auto` (f32 for short sequences, bf16 from 2,048 tokens on CPUs with AVX-512 BF16,
    /// cosine above 0.9999 to float64 at 8k and 32k tokens), `.f32` always, or `.bf16` always.
    public var attention: AttentionPrecision

    public init(threads: Int? = nil, maxBatchTokens: Int = 8192, precision: Precision = .f32,
                attention: AttentionPrecision = .auto) {
        self.threads = threads
        self.maxBatchTokens = maxBatchTokens
        self.precision = precision
        self.attention = attention
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
