import ArgumentParser
import FolioEmbedder
import Foundation

/// `folio tokenize`: the ids a model sees (or, with `--raw`, Hugging Face's `add_special_tokens=False` ids).
struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize", abstract: "Tokenize JSON Lines input into JSON Lines of ids.")

    @Option(help: "A .gguf file, a model folder, a folder holding tokenizer.json, or a Hugging Face repo id.") var model: String
    @Flag(help: "Ids without special tokens, as encode(text, add_special_tokens=False).") var raw = false
    @Option(help: "Input file (JSON Lines); standard input when absent.") var input: String?
    @Option(help: "Output file (JSON Lines); standard output when absent.") var output: String?

    func run() async throws {
        try await reportingErrors {
            let texts = try readInputTexts(path: input)
            let encoder = try InputEncoder.load(path: try await ModelLocator.localPath(for: model))
            let writer = try LineWriter(path: output)
            for (i, text) in texts.enumerated() {
                writer.write("{\"index\":\(i),\"ids\":\(jsonArray(encoder.ids(for: text, raw: raw)))}")
            }
            writer.flush()
        }
    }
}
