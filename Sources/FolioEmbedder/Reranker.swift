import Foundation
import FolioModels
import FolioTensor
import Tokenization

/// The reranking facade: a Qwen3-Reranker or BERT cross-encoder and its tokenizer, scoring documents
/// against a query.
///
/// Thread-safe. The pairs of one call share their query: for Qwen3 the ids they have in common (system
/// turn, instruction, query) run once and every document continues from their keys and values, so 100
/// candidates pay for the prefix once; scores equal scoring each pair alone.
public final class Reranker: Sendable {
    public let description: ModelDescription
    public let encoder: RerankInputEncoder
    public let configuration: EmbedderConfiguration
    let model: any RerankingModel

    /// Loads a Qwen3-Reranker (`.gguf` from llama.cpp's converter, or a Hugging Face folder) or a BERT
    /// cross-encoder folder. An embedding model throws `ModelError.wrongKind`; ``ModelKind/of(path:)``
    /// tells the two apart beforehand.
    public static func load(path: String, configuration: EmbedderConfiguration = .init()) throws -> Reranker {
        let pool = configuration.threads.map { ThreadPool(threads: $0) } ?? .shared
        let style = try ModelLoader.rerankerStyle(path: path)
        let tokenizer = try TokenizerFactory.tokenizer(path: path)
        var headIDs: (yes: Int32, no: Int32)?
        if style == .qwen3Template {
            guard let yes = tokenizer.id(of: "yes"), let no = tokenizer.id(of: "no") else {
                throw EmbedderError.tokenizerMissing(path: path, expected: "a vocabulary with the tokens \"yes\" and \"no\"")
            }
            headIDs = (yes, no)
        }
        let loaded = try ModelLoader.loadReranker(path: path, headIDs: headIDs, pool: pool)
        let model = (loaded.model as? Qwen3Reranker)?.using(
            precision: configuration.precision,
            // Scores are held to 1e-5 of the reference, which bf16 attention does not keep: f32 unless asked.
            attention: configuration.attention == .auto ? .f32 : configuration.attention) ?? loaded.model
        let encoder = try RerankInputEncoder(tokenizer: tokenizer, style: style, contextLength: model.contextLength)
        return Reranker(description: loaded.description, encoder: encoder, configuration: configuration, model: model)
    }

    init(description: ModelDescription, encoder: RerankInputEncoder, configuration: EmbedderConfiguration,
         model: any RerankingModel) {
        self.description = description
        self.encoder = encoder
        self.configuration = configuration
        self.model = model
    }

    /// Longest pair in tokens, special tokens included.
    public var maxTokens: Int { encoder.maxTokens }

    /// The ids of each (query, document) pair, as the model sees them.
    public func sequences(query: String, documents: [String], options: RerankOptions = .init()) throws -> [RerankSequence] {
        try documents.enumerated().map { i, d in try encoder.sequence(query: query, document: d, options: options, index: i) }
    }

    /// One score per document, in order: P(relevant) in 0...1, or the logit with `rawScores`.
    public func score(query: String, documents: [String], options: RerankOptions = .init()) throws -> [Float] {
        try score(sequences(query: query, documents: documents, options: options), options: options)
    }

    /// Scores pairs that are already ids (from ``sequences(query:documents:options:)``).
    public func score(_ sequences: [RerankSequence], options: RerankOptions = .init()) throws -> [Float] {
        guard !sequences.isEmpty else { return [] }
        for (i, s) in sequences.enumerated() {
            if s.ids.isEmpty { throw EmbedderError.emptyInput(index: i) }
            if let bad = s.ids.first(where: { $0 < 0 || Int($0) >= description.vocabularySize }) {
                throw EmbedderError.tokenOutOfRange(index: i, token: bad, vocabularySize: description.vocabularySize)
            }
            if s.ids.count > model.contextLength {
                throw EmbedderError.inputTooLong(index: i, tokens: s.ids.count, limit: model.contextLength)
            }
        }
        // 1. The shared prefix, once: ids every pair starts with, each pair keeping at least one of its own.
        let shared = options.reusePrefix && sequences.count > 1 ? Self.commonPrefixLength(sequences.map(\.ids)) : 0
        let prefix = shared > 0 ? try model.prefill(Array(sequences[0].ids.prefix(shared))) : nil
        let inputs = prefix == nil ? sequences : sequences.map {
            RerankSequence(ids: Array($0.ids.dropFirst(shared)), secondSegmentStart: max($0.secondSegmentStart - shared, 0))
        }
        // 2. The rest in forward passes of at most `maxBatchTokens` tokens.
        var logits = [Float](repeating: 0, count: inputs.count)
        for batch in Embedder.batches(lengths: inputs.map(\.ids.count), budget: configuration.maxBatchTokens) {
            let out = try model.logits(batch.map { inputs[$0] }, after: prefix)
            for (i, l) in zip(batch, out) { logits[i] = l }
        }
        // 3. Scores: the logit's sigmoid (Qwen3: softmax([no, yes])[1]; CrossEncoder's default for one label).
        return options.rawScores ? logits : logits.map { Float(1 / (1 + exp(-Double($0)))) }
    }

    /// Length of the ids all sequences begin with, at most the shortest length minus one.
    static func commonPrefixLength(_ sequences: [[Int32]]) -> Int {
        guard let first = sequences.first else { return 0 }
        var n = sequences.map(\.count).min()! - 1
        for s in sequences.dropFirst() {
            var i = 0
            while i < n && s[i] == first[i] { i += 1 }
            n = i
        }
        return max(n, 0)
    }
}
