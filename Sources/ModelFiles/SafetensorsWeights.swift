import FolioTensor
import Foundation

/// The weights of a Hugging Face model folder: `model.safetensors`, or the shards listed in
/// `model.safetensors.index.json` (`{"weight_map": {"tensor name": "model-00001-of-00002.safetensors"}}`).
///
/// Lookups try the exact name first, then the name with the `model.` prefix added or removed:
/// a bare `Qwen3Model` checkpoint (Qwen3-Embedding) stores `layers.0...` where a
/// `Qwen3ForCausalLM` one stores `model.layers.0...`. Weight-name tables in FolioModels can use either.
public struct SafetensorsWeights: Sendable {
    /// Name of the single-file checkpoint.
    public static let singleFileName = "model.safetensors"
    /// Name of the shard index.
    public static let indexFileName = "model.safetensors.index.json"

    /// The folder.
    public let path: String
    /// The opened files (one, or each shard once), in name order.
    public let files: [SafetensorsFile]
    /// Tensor name -> index into `files`.
    private let fileByTensor: [String: Int]

    /// Opens the weights in `folder`. Throws `ModelFileError` when neither file exists, the index is
    /// malformed, a shard is bad, or a tensor the index lists is missing from its shard.
    public init(folder: String) throws {
        let fm = FileManager.default
        let dir = URL(fileURLWithPath: folder, isDirectory: true)
        let indexPath = dir.appendingPathComponent(Self.indexFileName).path
        let singlePath = dir.appendingPathComponent(Self.singleFileName).path
        var files: [SafetensorsFile] = []
        var fileByTensor: [String: Int] = [:]
        if fm.fileExists(atPath: indexPath) {
            let weightMap = try Self.readWeightMap(indexPath)
            let shardNames = Array(Set(weightMap.values)).sorted()
            var shardIndex: [String: Int] = [:]
            for (i, shard) in shardNames.enumerated() {
                files.append(try SafetensorsFile(path: dir.appendingPathComponent(shard).path))
                shardIndex[shard] = i
            }
            for (tensor, shard) in weightMap {
                let i = shardIndex[shard]!
                guard files[i].info(tensor) != nil else { throw ModelFileError.missingTensor(name: tensor, path: files[i].path) }
                fileByTensor[tensor] = i
            }
        } else if fm.fileExists(atPath: singlePath) {
            let file = try SafetensorsFile(path: singlePath)
            files = [file]
            for name in file.tensorNames { fileByTensor[name] = 0 }
        } else {
            throw ModelFileError.notAModel(path: folder, lookedFor: [
                "\(Self.indexFileName) (sharded weights)", "\(Self.singleFileName) (single-file weights)",
            ])
        }
        self.path = folder
        self.files = files
        self.fileByTensor = fileByTensor
    }

    /// Every tensor name, sorted (for a sharded folder, the names the index lists).
    public var tensorNames: [String] { fileByTensor.keys.sorted() }

    /// A zero-copy view of tensor `name`, trying `name` and then it with `model.` added or removed.
    public func tensor(_ name: String) throws -> Tensor {
        for candidate in Self.candidates(name) {
            if let i = fileByTensor[candidate] { return try files[i].tensor(candidate) }
        }
        throw ModelFileError.missingTensor(name: name, path: path)
    }

    /// `name`, then the same name with the `model.` prefix toggled.
    static func candidates(_ name: String) -> [String] {
        let prefix = "model."
        return [name, name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : prefix + name]
    }

    /// Reads `weight_map` from an index file; shard names must be plain file names inside the folder.
    private static func readWeightMap(_ indexPath: String) throws -> [String: String] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: indexPath)) } catch {
            throw ModelFileError.unreadable(path: indexPath, reason: error.localizedDescription)
        }
        let expected = "expected {\"weight_map\": {\"tensor name\": \"shard.safetensors\", ...}}"
        guard let object = try? JSONSerialization.jsonObject(with: data),
              let root = object as? [String: Any] else {
            throw ModelFileError.badHeader(path: indexPath, reason: "the index is not a JSON object; \(expected)")
        }
        guard let map = root["weight_map"] as? [String: Any] else {
            throw ModelFileError.badHeader(path: indexPath, reason: "the index has no \"weight_map\" object; \(expected)")
        }
        var out: [String: String] = [:]
        for (tensor, value) in map {
            guard let shard = value as? String, !shard.isEmpty, !shard.contains("/"), shard != "..", shard != "." else {
                throw ModelFileError.badHeader(path: indexPath, reason: "tensor \"\(tensor)\" maps to \(value), "
                                               + "expected the file name of a shard in the same folder")
            }
            out[tensor] = shard
        }
        return out
    }
}

extension SafetensorsWeights: WeightSource {}
