import FolioEmbedder
import Foundation

/// What every embedding route shares: checks, tokenization, the batcher, Matryoshka cuts.
///
/// Routes decode their own request shapes into `EmbeddingJob` and encode the vectors their way.
struct EmbeddingService: Sendable {
    /// The retrieval task `input_type: "query"` applies (the Qwen3-Embedding README's default).
    static let defaultQueryInstruction = EmbedOptions.defaultRetrievalTask

    let embedder: Embedder
    let batcher: EmbeddingBatcher
    let metrics: ServerMetrics

    /// Inputs of one request, as texts or as token ids the model sees.
    enum Inputs: Sendable {
        case texts([String])
        case tokens([[Int32]])

        var count: Int {
            switch self {
            case let .texts(t): t.count
            case let .tokens(t): t.count
            }
        }
    }

    struct Job: Sendable {
        var inputs: Inputs
        var instruction: String?
        var dimensions: Int?
        var truncate: Bool
        /// The request field holding the inputs, named in errors ("input", "inputs").
        var inputParam: String
    }

    struct Output: Sendable {
        var vectors: [[Float]]
        var tokenCounts: [Int]
        var totalTokens: Int { tokenCounts.reduce(0, +) }
    }

    func embed(_ job: Job) async throws -> Output {
        guard job.inputs.count > 0 else {
            throw APIError.invalidRequest("\(job.inputParam) is empty; send at least one text", param: job.inputParam)
        }
        do {
            // The engine checks `dimensions` before any work when given no inputs: its rule stays in one place.
            if let n = job.dimensions { _ = try embedder.embed(tokenized: [], options: EmbedOptions(dimensions: n)) }
            let sequences = try tokenize(job)
            let limit = embedder.contextLength
            let costs = sequences.map { min($0.count, limit) }
            let results = try await batcher.embed(sequences, costs: costs)
            metrics.recordEmbedded(inputs: results.count, tokens: results.reduce(0) { $0 + $1.tokenCount })
            return Output(
                vectors: results.map { Self.cut($0.vector, to: job.dimensions) },
                tokenCounts: results.map(\.tokenCount))
        } catch let error as EmbedderError {
            throw APIError(error, inputParam: job.inputParam)
        }
    }

    /// Token ids the model will see, checked the way the engine checks them, so one request's bad input
    /// fails that request alone instead of the engine call it would share with others.
    func tokenize(_ job: Job) throws(EmbedderError) -> [[Int32]] {
        let sequences: [[Int32]]
        switch job.inputs {
        case let .texts(texts):
            if let i = texts.firstIndex(where: \.isEmpty) { throw .emptyInput(index: i) }
            sequences = texts.map { embedder.tokens(for: $0, instruction: job.instruction) }
        case let .tokens(ids):
            sequences = ids
        }
        let vocabulary = embedder.description.vocabularySize, limit = embedder.contextLength
        for (i, ids) in sequences.enumerated() {
            if ids.isEmpty { throw .emptyInput(index: i) }
            if let bad = ids.first(where: { $0 < 0 || Int($0) >= vocabulary }) {
                throw .tokenOutOfRange(index: i, token: bad, vocabularySize: vocabulary)
            }
            if ids.count > limit && !job.truncate { throw .inputTooLong(index: i, tokens: ids.count, limit: limit) }
        }
        return sequences
    }

    /// Matryoshka: keep the first `n` values of a unit vector and make them unit length again.
    static func cut(_ vector: [Float], to n: Int?) -> [Float] {
        guard let n, n < vector.count else { return vector }
        let head = vector.prefix(n)
        let norm = head.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        return norm > 0 ? head.map { Float(Double($0) / norm) } : Array(head)
    }

    /// The engine as the batcher calls it: vectors at full size, inputs past the context cut (requests that
    /// did not ask for truncation were refused before queueing).
    static func engine(for embedder: Embedder) -> EmbeddingBatcher.Engine {
        { sequences in
            try embedder.embed(tokenized: sequences, options: EmbedOptions(truncate: true)).map {
                EmbeddingBatcher.EngineResult(vector: $0.vector, tokenCount: $0.tokenCount)
            }
        }
    }
}
