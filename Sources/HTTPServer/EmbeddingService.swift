import FolioEmbedder
import Foundation

/// What every embedding route shares: checks, tokenization, the batcher, Matryoshka cuts.
///
/// Routes decode their own request shapes into `EmbeddingJob` and encode the vectors their way.
struct EmbeddingService: Sendable {
    let embedder: Embedder
    let batcher: EmbeddingBatcher
    let metrics: ServerMetrics
    let policy: InputPolicy

    /// What requests may send, from `ServerConfiguration`.
    struct InputPolicy: Sendable {
        /// Token-id inputs are embedded (with the model's special tokens) only when the operator allows them.
        var allowTokenIDs = false
        /// Most inputs one request may hold.
        var maxInputs = ServerConfiguration.defaultMaxClientBatchSize
    }

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

    /// Which of the model's prompts text inputs get (OpenAI's `input_type`, TEI's `prompt_name`; see `PromptConvention`).
    enum Role: Sendable, Equatable {
        /// The text as it is: no input type given (sentence-transformers without a prompt name).
        case plain
        /// A query: Qwen3's instruction (`task`, else the model's default) or the model's query prompt (e5's `query: `).
        case query(task: String?)
        /// A document: the model's document prompt (e5's `passage: `; none for Qwen3).
        case document
        /// The text behind one of the model's other named prompts (TEI's `prompt_name: "STS"` for EmbeddingGemma).
        case prompt(String)
    }

    struct Job: Sendable {
        var inputs: Inputs
        var role: Role
        var dimensions: Int?
        var truncate: Bool
        /// The request field holding the inputs, named in errors ("input", "inputs").
        var inputParam: String
        /// Unit-length vectors; false returns the pooled vectors as the model computed them.
        var normalize = true
    }

    struct Output: Sendable {
        var vectors: [[Float]]
        var tokenCounts: [Int]
        var totalTokens: Int { tokenCounts.reduce(0, +) }
    }

    func embed(_ job: Job) async throws -> Output {
        try admit(job)
        do {
            // The engine checks `dimensions` before any work when given no inputs: its rule stays in one place.
            if let n = job.dimensions { _ = try embedder.embed(tokenized: [], options: EmbedOptions(dimensions: n)) }
            let sequences = try tokenize(job)
            let limit = embedder.contextLength
            let costs = sequences.map { min($0.count, limit) }
            let results = try await batcher.embed(sequences, costs: costs)
            metrics.recordEmbedded(inputs: results.count, tokens: results.reduce(0) { $0 + $1.tokenCount })
            return Output(
                vectors: results.map { Embedder.finish($0.vector, dimensions: job.dimensions, normalize: job.normalize) },
                tokenCounts: results.map(\.tokenCount))
        } catch let error as EmbedderError {
            throw APIError(error, inputParam: job.inputParam)
        }
    }

    /// Every token's hidden state for each input (TEI's `/embed_all`), at most `maxTokens` tokens in all since the
    /// answer holds one vector per token. Runs off the cooperative pool; the model's scratch lock orders it with the batcher.
    func tokenStates(_ job: Job, maxTokens: Int) async throws -> [[[Float]]] {
        try admit(job)
        do {
            let sequences = try tokenize(job).map { job.truncate ? embedder.truncated($0, to: embedder.contextLength) : $0 }
            let total = sequences.reduce(0) { $0 + $1.count }
            guard total <= maxTokens else {
                throw APIError.invalidRequest(
                    "\(job.inputParam) holds \(total) tokens; per-token vectors are limited to \(maxTokens) tokens a request: send fewer or shorter inputs",
                    param: job.inputParam, code: "too_many_tokens")
            }
            let engine = embedder
            let states = try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global(qos: .userInitiated).async {
                    continuation.resume(with: Result { try engine.tokenStates(tokenized: sequences, truncate: job.truncate) })
                }
            }
            metrics.recordEmbedded(inputs: states.count, tokens: total)
            return states
        } catch let error as EmbedderError {
            throw APIError(error, inputParam: job.inputParam)
        }
    }

    /// What every request must pass before its inputs are read: not empty, not too many, token ids only when allowed.
    private func admit(_ job: Job) throws {
        guard job.inputs.count > 0 else {
            throw APIError.invalidRequest("\(job.inputParam) is empty; send at least one text", param: job.inputParam)
        }
        if job.inputs.count > policy.maxInputs {
            throw APIError.invalidRequest(
                "\(job.inputParam) has \(job.inputs.count) inputs, more than this server's limit of \(policy.maxInputs) per request; "
                    + "split them into several requests", param: job.inputParam, code: "too_many_inputs")
        }
        if case .tokens = job.inputs, !policy.allowTokenIDs { throw APIError.tokenIDsRefused(param: job.inputParam) }
    }

    /// A text input as the model reads it: the text with any prompt, and the task for Qwen3's instruction format.
    static func written(_ text: String, as role: Role, by prompts: PromptConvention) -> (text: String, instruction: String?) {
        switch role {
        case .plain: (text, nil)
        case let .query(task): prompts.query(text, task: task)
        case .document: (prompts.document(text), nil)
        case let .prompt(prompt): (prompt + text, nil)
        }
    }

    /// Token ids the model will see, checked the way the engine checks them, so one request's bad input
    /// fails that request alone instead of the engine call it would share with others.
    func tokenize(_ job: Job) throws(EmbedderError) -> [[Int32]] {
        let sequences: [[Int32]]
        switch job.inputs {
        case let .texts(texts):
            if let i = texts.firstIndex(where: \.isEmpty) { throw .emptyInput(index: i) }
            sequences = texts.map {
                let (text, instruction) = Self.written($0, as: job.role, by: embedder.prompts)
                return embedder.tokens(for: text, instruction: instruction)
            }
        case let .tokens(ids):
            // Allowed by the operator (`policy`): the client's ids get the special tokens text would get.
            sequences = ids.map { $0.isEmpty ? $0 : embedder.encoder.withSpecialTokens($0) }
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

    /// The engine as the batcher calls it: pooled vectors at full size, not yet normalised (each request
    /// normalises and cuts its own), inputs past the context cut (requests that did not ask for truncation were
    /// refused before queueing).
    static func engine(for embedder: Embedder) -> EmbeddingBatcher.Engine {
        { sequences in
            try embedder.embed(tokenized: sequences, options: EmbedOptions(truncate: true, normalize: false)).map {
                EmbeddingBatcher.EngineResult(vector: $0.vector, tokenCount: $0.tokenCount)
            }
        }
    }
}
