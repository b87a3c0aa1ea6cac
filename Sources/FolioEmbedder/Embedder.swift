import Foundation
import FolioModels
import FolioTensor
import Tokenization

/// The engine facade: a model and its tokenizer, turning texts into normalised vectors.
///
/// Thread-safe. Inputs are packed into forward passes under a token budget; a batch gives the same
/// vectors as each input alone because sequences are never padded (see `EmbeddingModel`).
public final class Embedder: Sendable {
    public let description: ModelDescription
    public let encoder: InputEncoder
    public let configuration: EmbedderConfiguration
    /// How this model wants queries and documents written (its sentence-transformers prompts, or Qwen3's instruction).
    public let prompts: PromptConvention
    let model: any EmbeddingModel

    /// Loads a `.gguf` file or a Hugging Face folder (config.json, safetensors, tokenizer.json).
    public static func load(path: String, configuration: EmbedderConfiguration = .init()) throws -> Embedder {
        let pool = configuration.threads.map { ThreadPool(threads: $0) } ?? .shared
        let loaded = try ModelLoader.load(path: path, pool: pool)
        let tokenizer = try TokenizerFactory.tokenizer(for: loaded)
        return Embedder(loaded: loaded, tokenizer: tokenizer, configuration: configuration)
    }

    init(loaded: LoadedModel, tokenizer: any Tokenizer, configuration: EmbedderConfiguration) {
        self.description = loaded.description
        self.model = switch loaded.model {
        case let qwen3 as Qwen3Model: qwen3.using(precision: configuration.precision, attention: configuration.attention)
        case let bert as BertModel: bert.using(precision: configuration.precision)
        default: loaded.model
        }
        self.encoder = InputEncoder(tokenizer: tokenizer, lastTokenPooling: loaded.model.pooling == .lastToken)
        self.configuration = configuration
        self.prompts = PromptConvention.of(modelPath: loaded.description.path, architecture: loaded.description.architecture,
                                           encoder: encoder)
    }

    /// The precision the linear layers really run (bf16 falls back to f32 on CPUs without AVX-512 BF16
    /// and for quantised weights).
    public var precisionUsed: EmbedderConfiguration.Precision {
        switch model {
        case let qwen3 as Qwen3Model: qwen3.precisionUsed
        case let bert as BertModel: bert.precisionUsed
        default: .f32
        }
    }
    /// The SIMD path of the kernels, e.g. "avx512+vnni+bf16" (for benchmarks and logs).
    public var kernelPath: String { Ops.kernelPath }

    /// Vector length before any `dimensions` cut.
    public var dimension: Int { model.dimension }
    public var contextLength: Int { model.contextLength }

    /// Token ids the model sees for `text` (see `InputEncoder`).
    public func tokens(for text: String, instruction: String? = nil) -> [Int32] {
        encoder.ids(for: text, instruction: instruction)
    }

    /// Embeds texts (documents, or queries when `options.instruction` is set).
    public func embed(_ texts: [String], options: EmbedOptions = .init()) throws -> [Embedding] {
        for (i, text) in texts.enumerated() where text.isEmpty { throw EmbedderError.emptyInput(index: i) }
        return try embed(tokenized: texts.map { tokens(for: $0, instruction: options.instruction) }, options: options)
    }

    /// Embeds sequences that are already token ids, as the model will see them.
    public func embed(tokenized input: [[Int32]], options: EmbedOptions = .init()) throws -> [Embedding] {
        if let n = options.dimensions, n < min(32, dimension) || n > dimension {
            throw EmbedderError.badDimensions(requested: n, minimum: min(32, dimension), maximum: dimension)
        }
        let sequences = try checked(input, truncate: options.truncate)
        var vectors = [[Float]](repeating: [], count: sequences.count)
        for batch in Self.batches(lengths: sequences.map(\.count), budget: configuration.maxBatchTokens) {
            let pooled = try model.embed(batch.map { sequences[$0] })
            for (i, v) in zip(batch, pooled) {
                // Normalising would turn NaN into zeros or NaN that look like an answer, and an all-zero vector (zeroed or
                // shifted weights) has no direction: refuse them here.
                guard v.allSatisfy(\.isFinite), v.contains(where: { $0 != 0 }) else {
                    throw EmbedderError.nonFinite(index: i, modelPath: description.path)
                }
                vectors[i] = Self.finish(v, dimensions: options.dimensions, normalize: options.normalize)
            }
        }
        return sequences.indices.map { Embedding(index: $0, tokenCount: sequences[$0].count, vector: vectors[$0]) }
    }

    /// Every token's final hidden state, unpooled and unnormalised (TEI's `/embed_all`): [inputs][tokens][dimension],
    /// for token-id inputs as the model sees them; `truncate` as in `embed`.
    public func tokenStates(tokenized input: [[Int32]], truncate: Bool = false) throws -> [[[Float]]] {
        let sequences = try checked(input, truncate: truncate)
        var states = [[[Float]]](repeating: [], count: sequences.count)
        for batch in Self.batches(lengths: sequences.map(\.count), budget: configuration.maxBatchTokens) {
            for (i, rows) in zip(batch, try model.tokenStates(batch.map { sequences[$0] })) {
                guard rows.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
                    throw EmbedderError.nonFinite(index: i, modelPath: description.path)
                }
                states[i] = rows
            }
        }
        return states
    }

    /// The inputs as the model may run them: none empty, every id in the vocabulary, none longer than the context
    /// (cut with `truncate`, refused without).
    private func checked(_ input: [[Int32]], truncate: Bool) throws -> [[Int32]] {
        let limit = model.contextLength
        var sequences = input
        for i in sequences.indices {
            if sequences[i].isEmpty { throw EmbedderError.emptyInput(index: i) }
            if let bad = sequences[i].first(where: { $0 < 0 || Int($0) >= description.vocabularySize }) {
                throw EmbedderError.tokenOutOfRange(index: i, token: bad, vocabularySize: description.vocabularySize)
            }
            if sequences[i].count > limit {
                guard truncate else {
                    throw EmbedderError.inputTooLong(index: i, tokens: sequences[i].count, limit: limit)
                }
                sequences[i] = truncated(sequences[i], to: limit)
            }
        }
        return sequences
    }

    /// Keeps the leading ids and the final special ids (`<|endoftext|>`; BERT's `[SEP]`), cutting the
    /// text between them, as Hugging Face truncation does before its post-processor adds the specials:
    /// `[CLS] a b c d [SEP]` cut to 4 is `[CLS] a b [SEP]`.
    public func truncated(_ ids: [Int32], to limit: Int) -> [Int32] {
        guard ids.count > limit else { return ids }
        let suffix = encoder.specialSuffix
        guard !suffix.isEmpty, suffix.count < limit, ids.count > suffix.count, Array(ids.suffix(suffix.count)) == suffix
        else { return Array(ids.prefix(limit)) }
        return Array(ids.prefix(limit - suffix.count)) + suffix
    }

    /// Groups input indices so each group's tokens fit `budget`, keeping input order; an input over the
    /// budget runs alone.
    static func batches(lengths: [Int], budget: Int) -> [[Int]] {
        var groups: [[Int]] = [], current: [Int] = [], used = 0
        for (i, n) in lengths.enumerated() {
            if !current.isEmpty && used + n > budget {
                groups.append(current)
                current = []; used = 0
            }
            current.append(i); used += n
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// With `dimensions`, keep the first N values (Matryoshka); then L2-normalise unless `normalize` is false.
    public static func finish(_ v: [Float], dimensions: Int?, normalize: Bool = true) -> [Float] {
        var out = dimensions.map { Array(v.prefix($0)) } ?? v
        if normalize { out.withUnsafeMutableBufferPointer { Ops.l2Normalize($0.baseAddress!, count: $0.count) } }
        return out
    }
}
