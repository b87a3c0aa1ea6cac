import ArgumentParser
import FolioEmbedder
import Foundation

/// `--model` and `--threads`, for the commands that load the model they are given (`embed`, `bench`, `eval`,
/// `kb create`). A Hugging Face repo id is resolved through ``ModelLocator`` here, once, so every such command
/// accepts one as the README promises.
struct ModelOptions: ParsableArguments {
    @Option(help: "A .gguf file, a Hugging Face model folder, or a repo id (owner/repo[:QUANT]).") var model: String
    @OptionGroup var threadOptions: ThreadOptions

    var threads: Int? { threadOptions.threads }

    /// Where the model is on disk; a repo id is found in, or downloaded into, the Hugging Face cache.
    func localPath() async throws -> String {
        try await ModelLocator.localPath(for: model)
    }

    /// Resolves the model and loads it with these threads and `precision`.
    func loadEmbedder(precision: EmbedderConfiguration.Precision = .f32, attention: EmbedderConfiguration.Attention = .auto,
                      maxBatchTokens: Int = 8192) async throws -> Embedder {
        try Embedder.load(
            path: try await localPath(),
            configuration: .init(threads: threads, maxBatchTokens: maxBatchTokens, precision: precision, attention: attention))
    }
}

/// `--threads`, on every command that runs the model; the `kb` commands that use a collection's own model take it alone.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Worker threads (default: every core).") var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }
}

/// `--precision f32|bf16`, on the commands whose engine runs float weights' linear layers (`embed`, `bench`, `serve`).
struct PrecisionOption: ParsableArguments {
    @Option(help: "Linear-layer arithmetic for float weights: f32 or bf16 (AVX-512 BF16; f32 elsewhere).")
    var precision: EmbedderConfiguration.Precision = .f32
    @Option(help: "Attention arithmetic: auto (bf16 from 2,048 tokens where AVX-512 BF16 exists, else f32), f32 or bf16.")
    var attention: EmbedderConfiguration.Attention = .auto
}

extension EmbedderConfiguration.Precision: ExpressibleByArgument {}
extension EmbedderConfiguration.Attention: ExpressibleByArgument {}
