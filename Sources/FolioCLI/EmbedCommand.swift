import ArgumentParser
import FolioEmbedder
import Foundation

/// `folio embed`: JSON Lines of texts in, JSON Lines of vectors out.
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed JSON Lines input (a string or {\"text\": ...} per line) into JSON Lines vectors.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Embed the inputs as queries for this retrieval task.") var instruction: String?
    @Option(help: ArgumentHelp("Write the inputs behind this model's prompt: query, document, or one it names (`folio inspect` lists them).",
                               valueName: "name")) var prompt: String?
    @Option(help: "Keep the first N values of each vector, then renormalise (Matryoshka).") var dimensions: Int?
    @Flag(help: "Cut inputs longer than the model's context instead of failing.") var truncate = false
    @Option(help: "Input file (JSON Lines); standard input when absent.") var input: String?
    @Option(help: "Output file (JSON Lines); standard output when absent.") var output: String?
    @OptionGroup var precisionOption: PrecisionOption

    func run() async throws {
        try await reportingErrors {
            if prompt != nil, instruction != nil { throw ValidationError("give --prompt or --instruction, not both") }
            var texts = try readInputTexts(path: input)
            let embedder = try await modelOptions.loadEmbedder(precision: precisionOption.precision, attention: precisionOption.attention)
            var options = EmbedOptions(instruction: instruction, dimensions: dimensions, truncate: truncate)
            if let prompt {
                let prompts = embedder.prompts
                guard prompts.written("", prompt: prompt) != nil else {
                    let names = prompts.promptNames.map { "\"\($0)\"" }.joined(separator: ", ")
                    throw ValidationError("--prompt \"\(prompt)\" is not one of this model's prompts; use one of \(names)")
                }
                // The same prompt for every input: its text before each, and Qwen3's instruction for `query`.
                let written = texts.map { prompts.written($0, prompt: prompt)! }
                texts = written.map(\.text)
                options.instruction = written.first?.instruction
            }
            let writer = try LineWriter(path: output)
            // Chunks keep memory flat for long inputs files; results are written in input order.
            let chunk = 256
            for start in stride(from: 0, to: texts.count, by: chunk) {
                let part = Array(texts[start ..< min(start + chunk, texts.count)])
                let vectors: [Embedding]
                do { vectors = try embedder.embed(part, options: options) } catch let error as EmbedderError {
                    throw error.offset(by: start)
                }
                for e in vectors {
                    writer.write("{\"index\":\(start + e.index),\"tokens\":\(e.tokenCount),\"embedding\":\(jsonArray(e.vector))}")
                }
            }
            writer.flush()
        }
    }
}

extension EmbedderError {
    /// The same error with input indices counted from the start of the whole input.
    func offset(by n: Int) -> EmbedderError {
        switch self {
        case let .emptyInput(i): .emptyInput(index: i + n)
        case let .inputTooLong(i, tokens, limit): .inputTooLong(index: i + n, tokens: tokens, limit: limit)
        case let .tokenOutOfRange(i, token, size): .tokenOutOfRange(index: i + n, token: token, vocabularySize: size)
        default: self
        }
    }
}
