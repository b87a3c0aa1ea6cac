import Foundation
import FolioTensor
import ModelFiles

/// What a loaded model is, for `folio inspect`, `/info` and logs.
public struct ModelDescription: Sendable, Codable, Equatable {
    public var path: String
    /// "gguf" or "safetensors".
    public var format: String
    public var architecture: String
    public var hiddenSize: Int
    public var layers: Int
    public var queryHeads: Int
    public var keyValueHeads: Int
    public var headDim: Int
    public var intermediateSize: Int
    public var vocabularySize: Int
    public var contextLength: Int
    /// RoPE base; nil for models with learned absolute positions (BERT).
    public var ropeTheta: Float?
    public var pooling: Pooling
    /// Tensor count per stored type, e.g. ["Q4_K": 169, "F32": 113].
    public var tensorTypes: [String: Int]
    public var parameterCount: Int
    /// Bytes of tensor data as stored.
    public var weightBytes: Int
}

/// A model ready to run, with what the embedder needs to build its tokenizer.
public struct LoadedModel: Sendable {
    public let model: any EmbeddingModel
    public let description: ModelDescription
    /// The GGUF file, whose metadata also holds the vocabulary; nil for a Hugging Face folder.
    public let gguf: GGUFFile?
    /// The Hugging Face folder; nil for GGUF.
    public let folder: URL?
}

/// Opens a `.gguf` file or a Hugging Face folder and builds its architecture. The one place that maps
/// architecture names to implementations.
public enum ModelLoader {
    public static func load(path: String, pool: ThreadPool = .shared) throws -> LoadedModel {
        switch try ModelFormat.detect(path: path) {
        case let .gguf(filePath):
            let file = try GGUFFile(path: filePath)
            let architecture = file.metadata["general.architecture"]?.string ?? "(none)"
            let infos = file.tensorInfos.map { ($0.dtype, $0.shape) }
            if ModelKind.of(gguf: file) == .reranker {
                throw ModelError.wrongKind(path: filePath, found: .reranker, expected: .embedder)
            }
            if architecture == "bert" {
                let model = try BertModel.load(gguf: file, pool: pool)
                let description = describe(model.config, format: "gguf", path: filePath, infos: infos)
                return LoadedModel(model: model, description: description, gguf: file, folder: nil)
            }
            if architecture == "nomic-bert" {
                let model = try NomicBertModel.load(gguf: file, pool: pool)
                let description = describe(model.config, format: "gguf", path: filePath, infos: infos)
                return LoadedModel(model: model, description: description, gguf: file, folder: nil)
            }
            if architecture == Gemma3Config.ggufArchitecture {
                let model = try Gemma3Model.load(gguf: file, pool: pool)
                let description = describe(model.config, format: "gguf", path: filePath, infos: infos)
                return LoadedModel(model: model, description: description, gguf: file, folder: nil)
            }
            guard architecture == "qwen3" else { throw ModelError.unsupportedArchitecture(architecture, path: filePath) }
            if let pooling = file.metadata["qwen3.pooling_type"]?.int, pooling != 3 {
                // llama.cpp numbering: 1 mean, 2 cls, 3 last. Qwen3-Embedding is trained with last-token pooling.
                throw ModelError.badConfiguration(key: "qwen3.pooling_type", path: filePath,
                                                  expected: "3 (last token), as Qwen3-Embedding uses; found \(pooling)")
            }
            let model = try Qwen3Model.load(gguf: file, pool: pool)
            let description = describe(model.config, format: "gguf", path: filePath, infos: infos)
            return LoadedModel(model: model, description: description, gguf: file, folder: nil)

        case let .huggingFaceFolder(folderPath):
            let folder = URL(fileURLWithPath: folderPath)
            let configURL = folder.appendingPathComponent("config.json")
            let data: Data
            do { data = try Data(contentsOf: configURL) } catch {
                throw ModelError.badConfiguration(key: "config.json", path: folderPath,
                                                  expected: "a readable config.json in the model folder")
            }
            let json = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]).map {
                HuggingFaceConfig(dict: $0, path: configURL.path)
            }
            let modelType = json?.modelType
            if let json, ModelKind.of(folder: folder, config: json) == .reranker {
                throw ModelError.wrongKind(path: folderPath, found: .reranker, expected: .embedder)
            }
            let weights = try SafetensorsWeights(folder: folderPath)
            if let modelType, BertConfig.modelTypes.contains(modelType) {
                let model = try BertModel.load(folder: folder, weights: weights, pool: pool)
                let description = describe(model.config, format: "safetensors", path: folderPath,
                                           infos: try infos(of: weights))
                return LoadedModel(model: model, description: description, gguf: nil, folder: folder)
            }
            if modelType == NomicBertConfig.modelType {
                let model = try NomicBertModel.load(folder: folder, weights: weights, pool: pool)
                let description = describe(model.config, format: "safetensors", path: folderPath,
                                           infos: try infos(of: weights))
                return LoadedModel(model: model, description: description, gguf: nil, folder: folder)
            }
            if modelType == Gemma3Config.modelType {
                let model = try Gemma3Model.load(folder: folder, weights: weights, pool: pool)
                // The Dense modules' weights count too (GGUF files hold them as dense_2 / dense_3).
                let dense = model.head.layers.map { ($0.dtype, $0.shape) }
                let description = describe(model.config, format: "safetensors", path: folderPath,
                                           infos: try infos(of: weights) + dense)
                return LoadedModel(model: model, description: description, gguf: nil, folder: folder)
            }
            let config = try Qwen3Config.fromHuggingFace(json: data, path: configURL.path)
            let model = try Qwen3Model.load(config: config, weights: weights, folder: folderPath, pool: pool)
            let description = describe(config, format: "safetensors", path: folderPath, infos: try infos(of: weights))
            return LoadedModel(model: model, description: description, gguf: nil, folder: folder)
        }
    }

    static func infos(of weights: SafetensorsWeights) throws -> [(DType, [Int])] {
        try weights.tensorNames.map { name -> (DType, [Int]) in
            let t = try weights.tensor(name)
            return (t.dtype, t.shape)
        }
    }

    /// Tensor count per type, parameter count and stored bytes.
    static func tally(_ infos: [(DType, [Int])]) -> (types: [String: Int], parameters: Int, bytes: Int) {
        var types: [String: Int] = [:]
        var parameters = 0, bytes = 0
        for (dtype, shape) in infos {
            types[dtype.description, default: 0] += 1
            let n = shape.reduce(1, *)
            parameters += n
            bytes += dtype.byteCount(elements: n) ?? 0
        }
        return (types, parameters, bytes)
    }

    /// The configuration's architecture fields with the file's facts: format, path, tensor types and sizes.
    static func describe(_ config: some DescribedConfiguration, format: String, path: String,
                         infos: [(DType, [Int])]) -> ModelDescription {
        let (types, parameters, bytes) = tally(infos)
        var d = config.architectureSummary
        (d.path, d.format, d.tensorTypes, d.parameterCount, d.weightBytes) = (path, format, types, parameters, bytes)
        return d
    }
}

/// A configuration that can fill the architecture fields of a ``ModelDescription``.
protocol DescribedConfiguration {
    /// The description with path, format and the tensor tally left empty.
    var architectureSummary: ModelDescription { get }
}

extension Qwen3Config: DescribedConfiguration {
    var architectureSummary: ModelDescription {
        ModelDescription(
            path: "", format: "", architecture: "qwen3", hiddenSize: hiddenSize, layers: layerCount,
            queryHeads: queryHeads, keyValueHeads: keyValueHeads, headDim: headDim,
            intermediateSize: intermediateSize, vocabularySize: vocabularySize, contextLength: contextLength,
            ropeTheta: ropeTheta, pooling: .lastToken, tensorTypes: [:], parameterCount: 0, weightBytes: 0)
    }
}

extension BertConfig: DescribedConfiguration {
    var architectureSummary: ModelDescription {
        ModelDescription(
            path: "", format: "", architecture: family, hiddenSize: hiddenSize, layers: layerCount,
            queryHeads: heads, keyValueHeads: heads, headDim: headDim,
            intermediateSize: intermediateSize, vocabularySize: vocabularySize, contextLength: contextLength,
            ropeTheta: nil, pooling: pooling, tensorTypes: [:], parameterCount: 0, weightBytes: 0)
    }
}

extension NomicBertConfig: DescribedConfiguration {
    var architectureSummary: ModelDescription {
        ModelDescription(
            path: "", format: "", architecture: "nomic-bert", hiddenSize: hiddenSize, layers: layerCount,
            queryHeads: heads, keyValueHeads: heads, headDim: headDim,
            intermediateSize: intermediateSize, vocabularySize: vocabularySize, contextLength: contextLength,
            ropeTheta: ropeTheta, pooling: pooling, tensorTypes: [:], parameterCount: 0, weightBytes: 0)
    }
}

extension Gemma3Config: DescribedConfiguration {
    var architectureSummary: ModelDescription {
        ModelDescription(
            path: "", format: "", architecture: Self.ggufArchitecture, hiddenSize: hiddenSize, layers: layerCount,
            queryHeads: queryHeads, keyValueHeads: keyValueHeads, headDim: headDim,
            intermediateSize: intermediateSize, vocabularySize: vocabularySize, contextLength: contextLength,
            ropeTheta: ropeTheta, pooling: pooling, tensorTypes: [:], parameterCount: 0, weightBytes: 0)
    }
}
