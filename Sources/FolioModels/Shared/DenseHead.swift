import Foundation
import FolioTensor
import ModelFiles

/// The weight names of sentence-transformers `Dense` modules: llama.cpp writes `2_Dense` as `dense_2` and any other as
/// `dense_3` (`--sentence-transformers-dense-modules`); each module folder's own safetensors names it `linear`.
enum DenseWeightName: WeightNameTable {
    case second, third

    var gguf: String { self == .second ? "dense_2.weight" : "dense_3.weight" }
    var huggingFace: String { "linear.weight" }
}

/// sentence-transformers `Dense` modules after pooling (EmbeddingGemma: `2_Dense` C -> 3072, `3_Dense` 3072 -> C),
/// without bias and with the identity activation: y = W x, one after the other. Empty: the pooled vector is the output.
struct DenseHead: @unchecked Sendable {
    let layers: [Tensor]    // each [out, in]; the first in = C, each in = the previous out

    /// The length of the head's output (the pooled size C without layers).
    func outputDimension(hidden: Int) -> Int { layers.last?.shape[0] ?? hidden }

    /// The `Dense` modules `modules.json` lists, read from each module folder's `config.json` and `model.safetensors`.
    init(folder: URL, modules: SentenceTransformersModules, hidden: Int) throws {
        var layers: [Tensor] = []
        var inputs = hidden
        for path in modules.denseFolders {
            let dir = folder.appendingPathComponent(path)
            let configPath = dir.appendingPathComponent("config.json").path
            guard let config = readJSONObject(dir.appendingPathComponent("config.json")),
                  let input = (config["in_features"] as? NSNumber)?.intValue,
                  let output = (config["out_features"] as? NSNumber)?.intValue else {
                throw ModelError.badConfiguration(key: "in_features", path: configPath,
                                                  expected: "a Dense config.json with in_features and out_features")
            }
            let activation = config["activation_function"] as? String ?? "torch.nn.modules.linear.Identity"
            guard activation.hasSuffix("Identity") else {
                throw ModelError.badConfiguration(key: "activation_function", path: configPath,
                                                  expected: "torch.nn.modules.linear.Identity (EmbeddingGemma); found \(activation)")
            }
            guard config["bias"] as? Bool != true else {
                throw ModelError.badConfiguration(key: "bias", path: configPath, expected: "false (EmbeddingGemma's Dense layers have no bias)")
            }
            guard input == inputs else {
                throw ModelError.badConfiguration(key: "in_features", path: configPath,
                                                  expected: "\(inputs), the size of the vector before this module; found \(input)")
            }
            let reader = WeightReader(source: try SafetensorsWeights(folder: dir.path), naming: .huggingFace(prefix: ""),
                                      path: dir.path)
            layers.append(try reader.tensor(DenseWeightName.second, [output, input]))
            inputs = output
        }
        guard inputs == hidden else {
            throw ModelError.badConfiguration(key: "out_features", path: folder.path,
                                              expected: "the last Dense module to give \(hidden) values (the hidden size); found \(inputs)")
        }
        self.layers = layers
    }

    /// `dense_2.weight` [F2, C] and `dense_3.weight` [C, F2] when the file has them.
    init(gguf reader: WeightReader, hidden: Int) throws {
        guard reader.contains(DenseWeightName.second) || reader.contains(DenseWeightName.third) else { layers = []; return }
        let first = try reader.source.tensor(DenseWeightName.second.gguf)
        guard first.shape.count == 2, first.shape[1] == hidden else {
            throw ModelError.shapeMismatch(name: DenseWeightName.second.gguf, path: reader.path, expected: [-1, hidden],
                                           found: first.shape)
        }
        layers = [first, try reader.tensor(DenseWeightName.third, [hidden, first.shape[0]])]
    }

    /// pooled [S, C] -> [S, out]: each layer in turn, in f32 (S rows only: cheap beside the encoder).
    func apply(_ pooled: [[Float]], pool: ThreadPool) -> [[Float]] {
        guard !layers.isEmpty, !pooled.isEmpty else { return pooled }
        let S = pooled.count
        var x = pooled.flatMap { $0 }
        for w in layers {
            var y = [Float](repeating: 0, count: S * w.shape[0])
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer {
                    Ops.matmul(xp.baseAddress!, rows: S, weight: w, into: $0.baseAddress!, pool: pool, int8Activations: false)
                }
            }
            x = y
        }
        let out = x.count / S
        return (0..<S).map { Array(x[$0 * out ..< ($0 + 1) * out]) }
    }
}
