import FolioTensor
import ModelFiles
import Testing

/// A small but complete GGUF: one metadata entry of every type (nested arrays included) and
/// F32, F16 and Q8_0 tensors, one of them 4-D. Values are what the test wrote; the format is the spec.
enum SampleGGUF {
    static let embedding = (0..<12).map { Float($0) * 0.5 - 2 }          // ne [4, 3] -> shape [3, 4]
    static let norm: [Float] = [1, -0.5, 0.25, 65504, -2]                // ne [5], F16 (10 bytes: forces padding)
    static let cube = (0..<6).map { Float($0) + 0.125 }                   // ne [2, 1, 3, 1] -> shape [1, 3, 1, 2]
    /// Two rows of two Q8_0 blocks (fp16 scale + 32 int8) = 136 bytes, arbitrary but recognisable.
    static let q8: [UInt8] = (0..<136).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }

    static let metadata: [(String, GGUFValue)] = [
        ("general.architecture", .string("qwen3")),
        ("t.u8", .uint8(200)), ("t.i8", .int8(-100)), ("t.u16", .uint16(60000)), ("t.i16", .int16(-30000)),
        ("t.u32", .uint32(4_000_000_000)), ("t.i32", .int32(-2_000_000_000)), ("t.f32", .float32(1.5)),
        ("t.bool", .bool(true)), ("t.string", .string("héllo ✓")),
        ("t.u64", .uint64(1 << 40 + 3)), ("t.i64", .int64(-(1 << 40))), ("t.f64", .float64(1_000_000.25)),
        ("t.strings", .array(elementType: .string, values: [.string("a"), .string("bb"), .string("")])),
        ("t.ints", .array(elementType: .int32, values: [.int32(1), .int32(-2), .int32(3)])),
        ("t.nested", .array(elementType: .array, values: [
            .array(elementType: .uint8, values: [.uint8(1), .uint8(2)]),
            .array(elementType: .uint8, values: [.uint8(3)]),
        ])),
        ("t.empty", .array(elementType: .float32, values: [])),
        ("qwen3.block_count", .uint32(28)),
    ]

    static func builder(version: UInt32 = 3, alignment: Int = 32) -> GGUFBuilder {
        var b = GGUFBuilder()
        b.version = version
        b.alignment = alignment
        b.metadata = metadata
        if alignment != 32 { b.metadata.append(("general.alignment", .uint32(UInt32(alignment)))) }
        b.tensors = [
            .init(name: "token_embd.weight", ne: [4, 3], typeID: 0, data: floatBytes(embedding)),
            .init(name: "blk.0.attn_norm.weight", ne: [5], typeID: 1, data: halfBytes(norm)),
            .init(name: "blk.0.attn_q.weight", ne: [64, 2], typeID: 8, data: q8),
            .init(name: "cube", ne: [2, 1, 3, 1], typeID: 0, data: floatBytes(cube)),
        ]
        return b
    }
}

func floats(_ t: Tensor) -> [Float] {
    (0..<t.elementCount).map { t.rawPointer.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
}

func halves(_ t: Tensor) -> [Float] {
    (0..<t.elementCount).map { Float(Float16(bitPattern: t.rawPointer.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }
}

@Suite("GGUF reader")
struct GGUFReaderTests {
    @Test("Reads metadata of every type and tensors of v2 and v3 files at alignment 32 and 64",
          arguments: [(UInt32(3), 32), (3, 64), (2, 32), (2, 64)])
    func readsEverything(version: UInt32, alignment: Int) throws {
        let dir = try TempDir()
        let path = try dir.write("m.gguf", SampleGGUF.builder(version: version, alignment: alignment).bytes)
        let file = try GGUFFile(path: path)

        #expect(file.version == version)
        #expect(file.alignment == alignment)
        #expect(file.dataOffset % alignment == 0)
        let expectedKeys = SampleGGUF.metadata.map(\.0) + (alignment == 32 ? [] : ["general.alignment"])
        #expect(file.metadataKeys == expectedKeys)
        for (key, value) in SampleGGUF.metadata { #expect(file.metadata[key] == value, "\(key)") }

        // Accessors.
        #expect(file.architecture == "qwen3")
        #expect(file.metadataInt("qwen3.block_count") == 28)
        #expect(file.metadataInt("t.u8") == 200)
        #expect(file.metadataInt("t.i16") == -30000)
        #expect(file.metadataInt("t.u32") == 4_000_000_000)
        #expect(file.metadataInt("t.u64") == 1 << 40 + 3)
        #expect(file.metadataInt("t.i64") == -(1 << 40))
        #expect(file.metadataDouble("t.f32") == 1.5)
        #expect(file.metadataDouble("t.f64") == 1_000_000.25)
        #expect(file.metadataDouble("t.i32") == -2_000_000_000)
        #expect(file.metadataBool("t.bool") == true)
        #expect(file.metadataString("t.string") == "héllo ✓")
        #expect(file.metadataStrings("t.strings") == ["a", "bb", ""])
        #expect(file.metadataInts("t.ints") == [1, -2, 3])
        #expect(file.metadata["t.nested"]?.array?.map { $0.intArray ?? [] } == [[1, 2], [3]])
        #expect(file.metadata["t.empty"]?.array?.isEmpty == true)
        #expect(file.metadataInt("t.string") == nil)
        #expect(file.metadataString("missing") == nil)

        // Tensors: shapes reversed to outermost first, zero-copy views at aligned offsets.
        #expect(file.tensorNames == ["token_embd.weight", "blk.0.attn_norm.weight", "blk.0.attn_q.weight", "cube"])
        let embd = try file.tensor("token_embd.weight")
        #expect(embd.shape == [3, 4] && embd.dtype == .f32)
        #expect(floats(embd) == SampleGGUF.embedding)
        let norm = try file.tensor("blk.0.attn_norm.weight")
        #expect(norm.shape == [5] && norm.dtype == .f16)
        #expect(halves(norm) == SampleGGUF.norm)
        let q = try file.tensor("blk.0.attn_q.weight")
        #expect(q.shape == [2, 64] && q.dtype == .q8_0 && q.byteCount == 136 && q.rowBytes == 68)
        #expect(Array(UnsafeRawBufferPointer(start: q.rawPointer, count: 136)) == SampleGGUF.q8)
        let cube = try file.tensor("cube")
        #expect(cube.shape == [1, 3, 1, 2])
        #expect(floats(cube) == SampleGGUF.cube)
        for info in file.tensorInfos {
            #expect(info.offset % alignment == 0)
            #expect((file.dataOffset + info.offset) % alignment == 0)
        }
    }

    @Test("Tensors are views into the mapping, not copies")
    func tensorsShareTheMapping() throws {
        let dir = try TempDir()
        let file = try GGUFFile(path: try dir.write("m.gguf", SampleGGUF.builder().bytes))
        let a = try file.tensor("token_embd.weight"), b = try file.tensor("cube")
        #expect(a.storage === b.storage)
        #expect(a.storage.byteCount == file.fileSize)
    }

    @Test("A missing tensor throws missingTensor naming the tensor and the file")
    func missingTensor() throws {
        let dir = try TempDir()
        let path = try dir.write("m.gguf", SampleGGUF.builder().bytes)
        let file = try GGUFFile(path: path)
        #expect(throws: ModelFileError.missingTensor(name: "output.weight", path: path)) { try file.tensor("output.weight") }
    }

    @Test("A file without tensors or metadata is valid")
    func emptyFile() throws {
        let dir = try TempDir()
        let file = try GGUFFile(path: try dir.write("e.gguf", GGUFBuilder().bytes))
        #expect(file.tensorNames.isEmpty && file.metadata.isEmpty && file.alignment == 32)
    }

    @Test("The summary counts tensors and bytes per type")
    func summary() throws {
        let dir = try TempDir()
        let file = try GGUFFile(path: try dir.write("m.gguf", SampleGGUF.builder().bytes))
        let s = try TensorSummary(file)
        #expect(s.tensorCount == 4)
        #expect(s.rows.map(\.dtype) == [.q8_0, .f32, .f16])
        #expect(s.rows.first { $0.dtype == .f32 }?.byteCount == 18 * 4)
        #expect(s.byteCount == 136 + 72 + 10)
        #expect(s.elementCount == 128 + 18 + 5)
    }
}
