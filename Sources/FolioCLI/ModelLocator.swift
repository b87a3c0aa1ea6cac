import Foundation
import ModelHub

/// Turns a `--model` value into a path `Embedder.load` accepts: a local file or folder stays as it is; a Hugging Face
/// reference (`Qwen/Qwen3-Embedding-0.6B-GGUF:Q8_0`) is found in, or downloaded into, the Hugging Face cache.
enum ModelLocator {
    /// The local path for `model`; downloads show progress on standard error. Reads the `HF_*` variables.
    static func localPath(for model: String) async throws -> String {
        guard ModelHub.isRepoReference(model) else { return model }
        let hub = ModelHub(configuration: .fromEnvironment(ProcessInfo.processInfo.environment))
        return try await hub.resolve(model, progress: TerminalProgress().handler).path
    }
}
