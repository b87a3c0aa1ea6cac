import FolioEmbedder
import FolioModels
import Foundation
import ModelFiles
import Testing

/// A copy of the gqa2 folder whose config.json is edited, in a temporary folder.
func editedModelFolder(_ edit: (inout [String: Any]) -> Void) throws -> URL {
    let source = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2")
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("folio-bad-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for name in ["model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
        try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
    }
    var config = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as! [String: Any]
    edit(&config)
    try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
    return dir
}

/// Writes `bytes(info)` over the start of the final RMSNorm's scale in a copied folder's model.safetensors.
func overwriteFinalNorm(in dir: URL, with bytes: (SafetensorsTensorInfo) -> Data) throws {
    let weights = dir.appendingPathComponent("model.safetensors")
    let info = try #require(try SafetensorsFile(path: weights.path).tensorInfos.first { $0.name.hasSuffix("norm.weight") && !$0.name.contains("layers") })
    let handle = try FileHandle(forWritingTo: weights)
    try handle.seek(toOffset: UInt64(info.offset))
    try handle.write(contentsOf: bytes(info))
    try handle.close()
}

@Suite("Bad model files give typed errors that name the file")
struct BadModelTests {
    @Test("An unknown architecture is refused by name")
    func unknownArchitecture() throws {
        let dir = try editedModelFolder { $0["model_type"] = "llama" }
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: ModelError.self) { try Embedder.load(path: dir.path) }
        #expect(error == .unsupportedArchitecture("llama", path: dir.appendingPathComponent("config.json").path))
    }

    @Test("Weights that make NaN give a typed error naming the file, never a vector")
    func nonFiniteOutput() throws {
        let dir = try editedModelFolder { _ in }
        defer { try? FileManager.default.removeItem(at: dir) }
        // One NaN in the final RMSNorm's scale reaches every pooled vector.
        try overwriteFinalNorm(in: dir) { info in
            #expect(info.dtype == .f32, "premise: the final norm is stored as f32")
            return withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Data($0) }
        }
        let embedder = try Embedder.load(path: dir.path)
        let error = #expect(throws: EmbedderError.self) { try embedder.embed(["hello world", "a second input"]) }
        #expect(error == .nonFinite(index: 0, modelPath: embedder.description.path))
        #expect(String(describing: error!).contains(dir.lastPathComponent) && String(describing: error!).contains("broken"))
    }

    @Test("A head size above the attention kernel's limit is refused at load, not trapped on at the first request")
    func headDimTooLarge() throws {
        let dir = try editedModelFolder { $0["head_dim"] = 640 }
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: ModelError.self) { try Embedder.load(path: dir.path) }
        #expect(String(describing: error!).contains("head_dim") && String(describing: error!).contains("up to 512"), "\(String(describing: error))")
    }

    @Test("Weights that make an all-zero vector give the same typed error, never a vector of zeros")
    func zeroOutput() throws {
        let dir = try editedModelFolder { _ in }
        defer { try? FileManager.default.removeItem(at: dir) }
        // The final RMSNorm's scale set to zero zeroes every pooled vector.
        try overwriteFinalNorm(in: dir) { Data(count: $0.byteCount) }
        let embedder = try Embedder.load(path: dir.path)
        let error = #expect(throws: EmbedderError.self) { try embedder.embed(["hello world"]) }
        #expect(error == .nonFinite(index: 0, modelPath: embedder.description.path))
    }

    @Test("A configuration asking for more layers than stored names the missing weight")
    func missingWeight() throws {
        let dir = try editedModelFolder { $0["num_hidden_layers"] = 3 }
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: ModelError.self) { try Embedder.load(path: dir.path) }
        #expect(error == .missingWeight(name: "model.layers.2.input_layernorm.weight", path: dir.path))
    }

    @Test("A weight whose shape disagrees with the configuration is named with both shapes")
    func shapeMismatch() throws {
        let dir = try editedModelFolder { $0["intermediate_size"] = 128 }
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: ModelError.self) { try Embedder.load(path: dir.path) }
        #expect(error == .shapeMismatch(name: "model.layers.0.mlp.gate_proj.weight", path: dir.path,
                                        expected: [128, 64], found: [96, 64]))
    }

    @Test("Heads that do not divide evenly are a configuration error")
    func badHeads() throws {
        let dir = try editedModelFolder { $0["num_key_value_heads"] = 3 }
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: ModelError.self) { try Embedder.load(path: dir.path) }
    }

    @Test("A folder without tokenizer.json says what is missing")
    func missingTokenizer() throws {
        let dir = try editedModelFolder { _ in }
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("tokenizer.json"))
        let error = #expect(throws: EmbedderError.self) { try Embedder.load(path: dir.path) }
        #expect(error.map { "\($0)" }?.contains("tokenizer.json") == true)
    }

    @Test("A truncated GGUF file is a ModelFileError, not a crash")
    func truncatedGGUF() throws {
        let source = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2/qwen3-tiny-gqa2-q8_0.gguf")
        let data = try Data(contentsOf: source)
        for cut in [10, 200, data.count / 2, data.count - 1] {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("folio-trunc-\(UUID().uuidString).gguf")
            try data.prefix(cut).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            #expect(throws: ModelFileError.self, "cut at \(cut)") { try Embedder.load(path: url.path) }
        }
    }
}
