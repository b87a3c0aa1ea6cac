import FolioTensor
import Foundation
import ModelFiles
import Testing

/// `Fixtures/<name>` in the package root (the folder holding Package.swift above this file).
func fixturePath(_ name: String) -> String {
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
        dir.deleteLastPathComponent()
    }
    return dir.appendingPathComponent("Fixtures").appendingPathComponent(name).path
}

/// Files written by the reference libraries (gguf-py, safetensors) via scripts/make_modelfiles_fixtures.py.
@Suite("Files written by gguf-py and safetensors")
struct ReferenceFileTests {
    @Test("gguf-py files read back with their metadata, shapes and data", arguments: [32, 64])
    func ggufPy(alignment: Int) throws {
        let file = try GGUFFile(path: fixturePath("modelfiles/reference-a\(alignment).gguf"))
        #expect(file.version == 3 && file.alignment == alignment && file.dataOffset % alignment == 0)
        #expect(file.architecture == "qwen3")
        #expect(file.metadataInt("qwen3.block_count") == 28)
        #expect(file.metadataDouble("qwen3.rope.freq_base") == 1_000_000)
        #expect(file.metadata["test.i8"] == .int8(-100))
        #expect(file.metadata["test.u64"] == .uint64(1 << 40 + 3))
        #expect(file.metadata["test.f64"] == .float64(1_000_000.25))
        #expect(file.metadataBool("test.bool") == true)
        #expect(file.metadataString("test.string") == "héllo ✓")
        #expect(file.metadataStrings("test.strings") == ["a", "bb", ""])
        #expect(file.metadataInts("test.ints") == [1, -2, 3])

        #expect(file.tensorNames == ["token_embd.weight", "blk.0.attn_norm.weight", "blk.0.attn_q.weight"])
        let e = try file.tensor("token_embd.weight")
        #expect(e.shape == [3, 4] && e.dtype == .f32 && floats(e) == (0..<12).map { Float($0) * 0.5 - 2 })
        let n = try file.tensor("blk.0.attn_norm.weight")
        #expect(n.shape == [5] && n.dtype == .f16 && halves(n) == [1, -0.5, 0.25, 65504, -2])
        let q = try file.tensor("blk.0.attn_q.weight")
        #expect(q.shape == [2, 64] && q.dtype == .q8_0 && q.byteCount == 136)
        // Block 0 holds 0...31: gguf-py's scale is max|x| / 127 = 31/127, stored as fp16.
        let d = Float(Float16(bitPattern: q.rawPointer.loadUnaligned(as: UInt16.self)))
        #expect(d == Float(Float16(Float(31) / 127)))
        #expect(q.rawPointer.load(fromByteOffset: 2 + 31, as: Int8.self) == 127)
    }

    @Test("A file written by the safetensors library reads back")
    func safetensorsLibrary() throws {
        let file = try SafetensorsFile(path: fixturePath("modelfiles/reference.safetensors"))
        #expect(file.tensorNames == ["lm_head.weight", "model.embed_tokens.weight", "model.norm.weight"])
        #expect(try floats(file.tensor("model.embed_tokens.weight")) == (0..<12).map { Float($0) * 0.5 - 2 })
        #expect(try halves(file.tensor("model.norm.weight")) == [1, -0.5, 0.25, 65504, -2])
        let h = try file.tensor("lm_head.weight")
        #expect(h.shape == [2, 2] && bf16s(h) == [1, -2, 0.5, 3])
    }
}
