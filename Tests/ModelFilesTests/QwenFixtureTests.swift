import FolioTensor
import Foundation
import ModelFiles
import Testing

/// The tiny Qwen3 models in Fixtures/models (scripts/make_model_fixtures.py): GGUF files written by
/// gguf-py and llama.cpp's quantiser, safetensors written by transformers. Expected values come from
/// each folder's config.json and from the `gguf` object gguf-py wrote into `<file>.gguf.reference.json`.
enum QwenFixtures {
    static let folders = ["qwen3-tiny-gqa2", "qwen3-tiny-gqa4", "qwen3-tiny-realvocab"]

    static func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Every `.gguf` in the model folders, as (folder, file name).
    static var ggufFiles: [(String, String)] {
        folders.flatMap { folder in
            let names = (try? FileManager.default.contentsOfDirectory(atPath: fixturePath("models/\(folder)"))) ?? []
            return names.filter { $0.hasSuffix(".gguf") }.sorted().map { (folder, $0) }
        }
    }
}

@Suite("Tiny Qwen3 fixture models")
struct QwenFixtureTests {
    @Test("The fixture folders hold GGUF files")
    func fixturesPresent() {
        #expect(QwenFixtures.ggufFiles.count >= 10)
    }

    @Test("Every fixture GGUF reads with its architecture, version, tensor types and shapes",
          arguments: QwenFixtures.ggufFiles.map { "\($0.0)/\($0.1)" })
    func ggufFixture(name: String) throws {
        let path = fixturePath("models/" + name)
        let folder = (path as NSString).deletingLastPathComponent
        let config = try QwenFixtures.json(folder + "/config.json")
        let reference = try #require(try QwenFixtures.json(path + ".reference.json")["gguf"] as? [String: Any])
        let file = try GGUFFile(path: path)

        #expect(file.metadataString("general.architecture") == "qwen3")
        #expect(file.version == UInt32(try #require(reference["version"] as? Int)))
        #expect(file.metadataInt("general.file_type") == reference["file_type"] as? Int)
        #expect(file.metadataInt("qwen3.pooling_type") == reference["pooling_type"] as? Int)
        #expect(file.metadataInt("qwen3.block_count") == config["num_hidden_layers"] as? Int)
        #expect(file.metadataInt("qwen3.embedding_length") == config["hidden_size"] as? Int)
        #expect(file.metadataStrings("tokenizer.ggml.tokens")?.count == config["vocab_size"] as? Int)

        let types = try #require(reference["tensor_types"] as? [String: String])
        #expect(Set(file.tensorNames) == Set(types.keys))
        for info in file.tensorInfos { #expect(info.dtype.description == types[info.name], "\(info.name)") }

        // Shapes outermost first: token_embd is [vocab, hidden], attn_q is [heads * headDim, hidden].
        let vocab = try #require(config["vocab_size"] as? Int), hidden = try #require(config["hidden_size"] as? Int)
        let heads = try #require(config["num_attention_heads"] as? Int), headDim = try #require(config["head_dim"] as? Int)
        #expect(try file.tensor("token_embd.weight").shape == [vocab, hidden])
        #expect(try file.tensor("blk.0.attn_q.weight").shape == [heads * headDim, hidden])
        #expect(try file.tensor("output_norm.weight").shape == [hidden])
    }

    @Test("Every fixture folder's safetensors load, single or sharded, with or without the model. prefix",
          arguments: QwenFixtures.folders)
    func safetensorsFixture(folder: String) throws {
        let path = fixturePath("models/" + folder)
        #expect(try ModelFormat.detect(path: path) == .huggingFaceFolder(path: path))
        let config = try QwenFixtures.json(path + "/config.json")
        let weights = try SafetensorsWeights(folder: path)
        let layers = try #require(config["num_hidden_layers"] as? Int)
        #expect(weights.tensorNames.count == 2 + 11 * layers)   // embeddings + final norm, 11 per layer
        let dtype: DType = switch (config["torch_dtype"] ?? config["dtype"]) as? String {
        case "float16": .f16
        case "bfloat16": .bf16
        default: .f32
        }
        let embedding = try weights.tensor("model.embed_tokens.weight")
        #expect(embedding.shape == [config["vocab_size"] as? Int ?? -1, config["hidden_size"] as? Int ?? -1])
        #expect(embedding.dtype == dtype)
        let summary = try TensorSummary(weights)
        #expect(summary.rows.map(\.dtype) == [dtype])
    }
}
