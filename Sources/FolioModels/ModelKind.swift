import Foundation
import ModelFiles

/// What a model file is for: turning texts into vectors, or scoring (query, document) pairs.
public enum ModelKind: String, Sendable, Codable, CustomStringConvertible {
    case embedder
    case reranker

    public var description: String { rawValue }
}

extension ModelKind {
    /// Reads the kind from the configuration alone (no weights):
    /// - GGUF: `{arch}.pooling_type` 4 (llama.cpp's RANK) is a reranker;
    /// - Hugging Face BERT / XLM-RoBERTa: `BertForSequenceClassification` / `XLMRobertaForSequenceClassification`
    ///   in `architectures` is a cross-encoder;
    /// - Hugging Face Qwen3: llama.cpp's converter rule, as both Qwen3-Embedding and Qwen3-Reranker name
    ///   `Qwen3ForCausalLM`: a README heading `# Qwen3-Reranker`, or `qwen3-reranker` in the folder name or
    ///   `_name_or_path`.
    public static func of(path: String) throws -> ModelKind {
        switch try ModelFormat.detect(path: path) {
        case let .gguf(filePath): return of(gguf: try GGUFFile(path: filePath))
        case let .huggingFaceFolder(folderPath):
            let folder = URL(fileURLWithPath: folderPath)
            return of(folder: folder, config: try HuggingFaceConfig(url: folder.appendingPathComponent("config.json")))
        }
    }

    static func of(gguf file: GGUFFile) -> ModelKind {
        let architecture = file.metadata["general.architecture"]?.string ?? ""
        return file.metadata[architecture + ".pooling_type"]?.int == 4 ? .reranker : .embedder
    }

    static func of(folder: URL, config: HuggingFaceConfig) -> ModelKind {
        switch config.modelType {
        case "bert", "xlm-roberta":
            let classifiers: Set = ["BertForSequenceClassification", "XLMRobertaForSequenceClassification"]
            return config.architectures.contains(where: classifiers.contains) ? .reranker : .embedder
        case "qwen3":
            let readme = (try? String(contentsOf: folder.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
            let hints = [folder.lastPathComponent, config.dict["_name_or_path"] as? String ?? ""].map { $0.lowercased() }
            let isReranker = readme.lowercased().contains("# qwen3-reranker") || hints.contains { $0.contains("qwen3-reranker") }
            return isReranker ? .reranker : .embedder
        default:
            return .embedder
        }
    }
}
