import FolioTensor
import Foundation
import ModelFiles
import Testing

enum SampleSafetensors {
    static let embedding = (0..<12).map { Float($0) * 0.5 - 2 }      // [3, 4] F32
    static let norm: [Float] = [1, -0.5, 0.25, 65504, -2]            // [5] F16
    /// BF16 is the top half of an f32: [[1, -2], [0.5, 3]].
    static let head: [UInt8] = [0x80, 0x3F, 0x00, 0xC0, 0x00, 0x3F, 0x40, 0x40]

    static let embeddingEntry = SafetensorsBuilder.Entry(name: "model.embed_tokens.weight", dtype: "F32", shape: [3, 4],
                                                         data: floatBytes(embedding))
    static let normEntry = SafetensorsBuilder.Entry(name: "model.norm.weight", dtype: "F16", shape: [5], data: halfBytes(norm))
    static let headEntry = SafetensorsBuilder.Entry(name: "lm_head.weight", dtype: "BF16", shape: [2, 2], data: head)

    static var all: SafetensorsBuilder { SafetensorsBuilder(entries: [embeddingEntry, normEntry, headEntry]) }
}

func bf16s(_ t: Tensor) -> [Float] {
    (0..<t.elementCount).map {
        Float(bitPattern: UInt32(t.rawPointer.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) << 16)
    }
}

@Suite("safetensors reader")
struct SafetensorsTests {
    @Test("A single file gives F32, F16 and BF16 views with their shapes; __metadata__ is ignored")
    func singleFile() throws {
        let dir = try TempDir()
        let file = try SafetensorsFile(path: try dir.write("model.safetensors", SampleSafetensors.all.bytes))
        #expect(file.tensorNames == ["lm_head.weight", "model.embed_tokens.weight", "model.norm.weight"])
        let e = try file.tensor("model.embed_tokens.weight")
        #expect(e.shape == [3, 4] && e.dtype == .f32 && floats(e) == SampleSafetensors.embedding)
        let n = try file.tensor("model.norm.weight")
        #expect(n.shape == [5] && n.dtype == .f16 && halves(n) == SampleSafetensors.norm)
        let h = try file.tensor("lm_head.weight")
        #expect(h.shape == [2, 2] && h.dtype == .bf16 && bf16s(h) == [1, -2, 0.5, 3])
        #expect(throws: ModelFileError.missingTensor(name: "x", path: file.path)) { try file.tensor("x") }
    }

    @Test("A folder with model.safetensors loads, and names resolve with or without the model. prefix")
    func singleFileFolder() throws {
        let dir = try TempDir()
        try dir.write("model.safetensors", SampleSafetensors.all.bytes)
        let weights = try SafetensorsWeights(folder: dir.url.path)
        #expect(weights.tensorNames == ["lm_head.weight", "model.embed_tokens.weight", "model.norm.weight"])
        #expect(try floats(weights.tensor("model.embed_tokens.weight")) == SampleSafetensors.embedding)
        #expect(try floats(weights.tensor("embed_tokens.weight")) == SampleSafetensors.embedding)
        #expect(try bf16s(weights.tensor("model.lm_head.weight")) == [1, -2, 0.5, 3])
        #expect(throws: ModelFileError.missingTensor(name: "model.layers.0.x", path: dir.url.path)) {
            try weights.tensor("model.layers.0.x")
        }
    }

    @Test("A sharded folder loads every tensor from the shard its index names")
    func shardedFolder() throws {
        let dir = try TempDir()
        try dir.write("model-00001-of-00002.safetensors",
                      SafetensorsBuilder(entries: [SampleSafetensors.embeddingEntry, SampleSafetensors.headEntry]).bytes)
        // The second shard stores a bare name (as a Qwen3Model checkpoint does).
        var norm = SampleSafetensors.normEntry
        norm.name = "norm.weight"
        try dir.write("model-00002-of-00002.safetensors", SafetensorsBuilder(entries: [norm], metadata: nil).bytes)
        try dir.write("model.safetensors.index.json", Array("""
            {"metadata": {"total_size": 74}, "weight_map": {
              "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
              "lm_head.weight": "model-00001-of-00002.safetensors",
              "norm.weight": "model-00002-of-00002.safetensors"}}
            """.utf8))
        let weights = try SafetensorsWeights(folder: dir.url.path)
        #expect(weights.files.count == 2)
        #expect(weights.tensorNames == ["lm_head.weight", "model.embed_tokens.weight", "norm.weight"])
        #expect(try floats(weights.tensor("model.embed_tokens.weight")) == SampleSafetensors.embedding)
        #expect(try halves(weights.tensor("norm.weight")) == SampleSafetensors.norm)
        #expect(try halves(weights.tensor("model.norm.weight")) == SampleSafetensors.norm)
        #expect(try bf16s(weights.tensor("lm_head.weight")) == [1, -2, 0.5, 3])
        let summary = try TensorSummary(weights)
        #expect(summary.tensorCount == 3 && summary.byteCount == 48 + 10 + 8)
    }

    @Test("An index naming a tensor its shard lacks throws missingTensor")
    func indexListsMissingTensor() throws {
        let dir = try TempDir()
        let shard = try dir.write("a.safetensors", SafetensorsBuilder(entries: [SampleSafetensors.normEntry]).bytes)
        try dir.write("model.safetensors.index.json",
                      Array(#"{"weight_map": {"model.norm.weight": "a.safetensors", "ghost": "a.safetensors"}}"#.utf8))
        #expect(throws: ModelFileError.missingTensor(name: "ghost", path: shard)) { try SafetensorsWeights(folder: dir.url.path) }
    }

    @Test("An index whose shard names leave the folder, or that has no weight_map, throws badHeader")
    func badIndex() throws {
        for index in [#"{"weight_map": {"x": "../evil.safetensors"}}"#, #"{"weights": {}}"#, "not json", #"{"weight_map": {"x": 3}}"#] {
            let dir = try TempDir()
            try dir.write("model.safetensors.index.json", Array(index.utf8))
            #expect(throws: ModelFileError.self) { try SafetensorsWeights(folder: dir.url.path) }
            do { _ = try SafetensorsWeights(folder: dir.url.path) } catch let error as ModelFileError {
                guard case .badHeader = error else { Issue.record("expected badHeader, got \(error)"); continue }
            }
        }
    }

    @Test("A folder without weights throws notAModel listing both file names")
    func emptyFolder() throws {
        let dir = try TempDir()
        do {
            _ = try SafetensorsWeights(folder: dir.url.path)
            Issue.record("expected an error")
        } catch let error as ModelFileError {
            guard case .notAModel = error else { Issue.record("expected notAModel, got \(error)"); return }
            #expect(error.description.contains("model.safetensors.index.json"))
            #expect(error.description.contains("model.safetensors (single-file"))
        }
    }
}
