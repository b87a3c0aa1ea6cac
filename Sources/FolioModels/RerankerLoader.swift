import Foundation
import FolioTensor
import ModelFiles

/// A reranker ready to run, with what the facade needs to build its tokenizer.
public struct LoadedReranker: Sendable {
    public let model: any RerankingModel
    public let description: ModelDescription
    /// The GGUF file, whose metadata also holds the vocabulary; nil for a Hugging Face folder.
    public let gguf: GGUFFile?
    /// The Hugging Face folder; nil for GGUF.
    public let folder: URL?
}

/// How a reranker reads its input: Qwen3-Reranker's judging template, or a BERT cross-encoder's sentence pair.
public enum RerankInputStyle: Sendable, Equatable {
    case qwen3Template
    case sentencePair
}

extension ModelLoader {
    /// The architecture of a reranker file without loading it, to build the tokenizer first.
    public static func rerankerStyle(path: String) throws -> RerankInputStyle {
        switch try ModelFormat.detect(path: path) {
        case let .gguf(filePath):
            let file = try GGUFFile(path: filePath)
            guard ModelKind.of(gguf: file) == .reranker else {
                throw ModelError.wrongKind(path: filePath, found: .embedder, expected: .reranker)
            }
            let architecture = file.metadata["general.architecture"]?.string ?? "(none)"
            guard architecture == "qwen3" else {
                throw ModelError.unsupportedArchitecture(architecture + " reranker", path: filePath)
            }
            return .qwen3Template
        case let .huggingFaceFolder(folderPath):
            let folder = URL(fileURLWithPath: folderPath)
            let json = try HuggingFaceConfig(url: folder.appendingPathComponent("config.json"))
            guard ModelKind.of(folder: folder, config: json) == .reranker else {
                throw ModelError.wrongKind(path: folderPath, found: .embedder, expected: .reranker)
            }
            return BertConfig.modelTypes.contains(json.modelType) ? .sentencePair : .qwen3Template
        }
    }

    /// Opens a reranker: a Qwen3-Reranker GGUF (llama.cpp's layout) or Hugging Face folder, or a BERT
    /// cross-encoder folder. `headIDs` are the tokenizer's ids of "yes" and "no", needed for a Qwen3 folder
    /// (GGUF files store the two head rows). Embedding models throw ``ModelError/wrongKind(path:found:expected:)``.
    public static func loadReranker(path: String, headIDs: (yes: Int32, no: Int32)?,
                                    pool: ThreadPool = .shared) throws -> LoadedReranker {
        let style = try rerankerStyle(path: path)
        switch try ModelFormat.detect(path: path) {
        case let .gguf(filePath):
            let file = try GGUFFile(path: filePath)
            let model = try Qwen3Reranker.load(gguf: file, pool: pool)
            let description = describe(model.decoder.config, format: "gguf", path: filePath,
                                       infos: file.tensorInfos.map { ($0.dtype, $0.shape) })
            return LoadedReranker(model: model, description: description, gguf: file, folder: nil)
        case let .huggingFaceFolder(folderPath):
            let folder = URL(fileURLWithPath: folderPath)
            let weights = try SafetensorsWeights(folder: folderPath)
            let infos = try infos(of: weights)
            if style == .sentencePair {
                let model = try BertCrossEncoder.load(folder: folder, weights: weights, pool: pool)
                let description = describe(model.encoder.config, format: "safetensors", path: folderPath, infos: infos)
                return LoadedReranker(model: model, description: description, gguf: nil, folder: folder)
            }
            guard let headIDs else {
                throw ModelError.badConfiguration(key: "tokenizer.json", path: folderPath,
                                                  expected: "a tokenizer with the tokens \"yes\" and \"no\"")
            }
            let configURL = folder.appendingPathComponent("config.json")
            let config = try Qwen3Config.fromHuggingFace(json: try Data(contentsOf: configURL), path: configURL.path)
            let model = try Qwen3Reranker.load(config: config, weights: weights, folder: folderPath,
                                               yes: headIDs.yes, no: headIDs.no, pool: pool)
            let description = describe(config, format: "safetensors", path: folderPath, infos: infos)
            return LoadedReranker(model: model, description: description, gguf: nil, folder: folder)
        }
    }
}
