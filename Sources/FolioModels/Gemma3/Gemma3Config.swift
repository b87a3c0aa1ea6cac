import FolioTensor
import Foundation

/// Hyperparameters of a Gemma 3 text model with bidirectional attention, used as an embedding model
/// (EmbeddingGemma).
///
/// Glossary: T = tokens, C = hidden size, F = MLP size, Hq / Hkv = query / key-value heads, D = head size,
/// W = sliding window.
public struct Gemma3Config: Sendable, Equatable {
    public var hiddenSize: Int          // C
    public var intermediateSize: Int    // F
    public var layerCount: Int
    public var queryHeads: Int          // Hq
    public var keyValueHeads: Int       // Hkv
    public var headDim: Int             // D (EmbeddingGemma: 256, not C / Hq)
    public var vocabularySize: Int
    public var contextLength: Int
    /// RoPE base of the full-attention layers (`rope_theta`, 1e6).
    public var ropeTheta: Float
    /// RoPE base of the sliding-window layers (`rope_local_base_freq`, 1e4).
    public var ropeLocalTheta: Float
    public var rmsNormEps: Float
    /// Softmax scale: `query_pre_attn_scalar`^-1/2 (EmbeddingGemma: 256, so 1/sqrt(D)).
    public var attentionScale: Float
    /// W as the files write it (`sliding_window`, 512). Bidirectional, token i sees j with |i - j| <= W / 2: see
    /// ``windowRadius``.
    public var slidingWindow: Int
    /// Per layer: whether it attends within the sliding window (`layer_types`: "sliding_attention") or to every
    /// token ("full_attention").
    public var slidingLayers: [Bool]
    /// The sentence-transformers pooling (mean for EmbeddingGemma).
    public var pooling: Pooling

    public init(hiddenSize: Int, intermediateSize: Int, layerCount: Int, queryHeads: Int, keyValueHeads: Int,
                headDim: Int, vocabularySize: Int, contextLength: Int, ropeTheta: Float, ropeLocalTheta: Float,
                rmsNormEps: Float, attentionScale: Float, slidingWindow: Int, slidingLayers: [Bool],
                pooling: Pooling = .mean) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.queryHeads = queryHeads
        self.keyValueHeads = keyValueHeads
        self.headDim = headDim
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.ropeTheta = ropeTheta
        self.ropeLocalTheta = ropeLocalTheta
        self.rmsNormEps = rmsNormEps
        self.attentionScale = attentionScale
        self.slidingWindow = slidingWindow
        self.slidingLayers = slidingLayers
        self.pooling = pooling
    }

    /// How far a sliding layer's token looks each way. transformers (`Gemma3TextConfig` with
    /// `use_bidirectional_attention`) turns W into W / 2 + 1 and allows |i - j| < W / 2 + 1; llama.cpp
    /// (`LLAMA_SWA_TYPE_SYMMETRIC`) allows |i - j| <= W / 2. Both: W / 2 (integer division).
    public var windowRadius: Int { slidingWindow / 2 }

    /// Gemma 3's default layer pattern: every `pattern`-th layer (1-based) is a full-attention layer, the rest slide
    /// (`sliding_window_pattern`, 6; llama.cpp's `set_swa_pattern(6)`).
    public static func slidingLayers(count: Int, pattern: Int) -> [Bool] {
        (0..<count).map { pattern <= 0 || ($0 + 1) % pattern != 0 }
    }

    /// Checks the values against each other; `path` names the file in errors.
    public func validate(path: String) throws {
        let check = ConfigCheck(path: path)
        let require = check.require
        try check.requireBlockSizes(hiddenSize: hiddenSize, intermediateSize: intermediateSize, layerCount: layerCount)
        try require(queryHeads > 0 && queryHeads <= 1024, "num_attention_heads", "1 to 1024")
        try require(keyValueHeads > 0 && queryHeads % keyValueHeads == 0, "num_key_value_heads",
                    "a divisor of num_attention_heads (\(queryHeads))")
        try require(headDim > 0 && headDim % 2 == 0 && headDim <= Ops.maxAttentionHeadDim, "head_dim",
                    "an even number up to \(Ops.maxAttentionHeadDim) (256 for EmbeddingGemma)")
        try require(vocabularySize > 0, "vocab_size", "a positive number")
        try require(contextLength > 0, "max_position_embeddings", "a positive number")
        try require(ropeTheta > 0 && ropeTheta.isFinite, "rope_theta", "a positive number (1e6 for Gemma 3)")
        try require(ropeLocalTheta > 0 && ropeLocalTheta.isFinite, "rope_local_base_freq",
                    "a positive number (1e4 for Gemma 3)")
        try require(rmsNormEps > 0 && rmsNormEps < 1, "rms_norm_eps", "a small positive number (1e-6 for Gemma 3)")
        try require(attentionScale > 0 && attentionScale.isFinite, "query_pre_attn_scalar", "a positive number (256)")
        try require(slidingWindow > 0, "sliding_window", "a positive number (512 for EmbeddingGemma)")
        try require(slidingLayers.count == layerCount, "layer_types", "one entry per layer (\(layerCount))")
    }
}
