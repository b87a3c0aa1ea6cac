import ModelFiles
import Testing

/// Opens `bytes` as a GGUF file and returns the error it throws (nil if it opened).
func ggufError(_ bytes: [UInt8]) throws -> (error: ModelFileError?, path: String) {
    let dir = try TempDir()
    let path = try dir.write("bad.gguf", bytes)
    do {
        _ = try GGUFFile(path: path)
        return (nil, path)
    } catch let error as ModelFileError {
        return (error, path)
    }
}

/// A header with no tensors and one metadata entry whose bytes after the key are `tail`.
func rawHeader(tensorCount: UInt64 = 0, metadataCount: UInt64 = 1, _ body: (inout ByteWriter) -> Void) -> [UInt8] {
    var w = ByteWriter()
    w.bytes += Array("GGUF".utf8)
    w.u32(3)
    w.u64(tensorCount)
    w.u64(metadataCount)
    body(&w)
    return w.bytes
}

@Suite("GGUF reader rejects bad files")
struct GGUFBadInputTests {
    @Test("Wrong magic throws badMagic showing the bytes found")
    func wrongMagic() throws {
        var b = SampleGGUF.builder()
        b.magic = Array("GGML".utf8)
        let (error, path) = try ggufError(b.bytes)
        #expect(error == .badMagic(path: path, expected: "GGUF", found: "\"GGML\""))
    }

    @Test("Versions 1 and 4 throw unsupportedVersion; the v1 message says to re-convert", arguments: [UInt32(1), 4])
    func badVersion(version: UInt32) throws {
        var b = SampleGGUF.builder()
        b.version = version
        let (error, path) = try ggufError(b.bytes)
        #expect(error == .unsupportedVersion(path: path, version: version))
        if version == 1 { #expect(error?.description.contains("version 2 or 3") == true) }
    }

    @Test("Every truncation throws a typed error: truncated in the header, out of bounds in the data")
    func everyTruncation() throws {
        let (bytes, marks) = SampleGGUF.builder().build()
        for cut in 0..<bytes.count {
            let (error, path) = try ggufError(Array(bytes[..<cut]))
            switch error {
            case .unreadable?: #expect(cut == 0)
            case let .truncated(p, needed, size, _)?:
                #expect(p == path && size == cut && needed > cut && cut < marks.data, "cut \(cut)")
            case .tensorOutOfBounds?: #expect(cut >= marks.tensorInfos && cut < marks.lastTensorEnd, "cut \(cut)")
            case nil: #expect(cut == marks.lastTensorEnd, "cut \(cut) opened")   // exactly the trailing padding is gone
            case .badDataSection?: #expect(cut > marks.lastTensorEnd, "cut \(cut)")   // part of the padding is gone
            default: Issue.record("cut at \(cut) of \(bytes.count): \(String(describing: error))")
            }
        }
    }

    @Test("Cuts inside the header, metadata, tensor infos and data name what was being read",
          arguments: [("magic", 2), ("metadata", 60), ("tensor infos", -5), ("data", -1)])
    func namedTruncations(section: String, at: Int) throws {
        let (bytes, marks) = SampleGGUF.builder().build()
        let cut = switch section {
        case "magic": at
        case "metadata": marks.metadata + at
        case "tensor infos": marks.tensorInfosEnd + at   // inside the last tensor's info
        default: marks.end - 40                        // inside the last tensor's data
        }
        let (error, _) = try ggufError(Array(bytes[..<cut]))
        switch section {
        case "magic": #expect(error?.description.contains("the GGUF magic") == true)
        case "metadata": #expect(error?.description.contains("metadata") == true)
        case "tensor infos": #expect(error?.description.contains("tensor \"cube\"") == true, "\(String(describing: error))")
        default:
            guard case .tensorOutOfBounds(_, "cube", _, _, _)? = error else { Issue.record("\(String(describing: error))"); return }
        }
    }

    @Test("A string length of 2^60 throws absurdCount without allocating")
    func hugeString() throws {
        let (error, _) = try ggufError(rawHeader { $0.u64(1 << 60) })
        guard case let .absurdCount(_, _, count, limit)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(count == 1 << 60 && limit == GGUFLimits.maxStringBytes)
    }

    @Test("An array count of 2^40 throws absurdCount; a plausible count longer than the file throws truncated")
    func hugeArrays() throws {
        let huge = rawHeader { w in w.string("a"); w.u32(9); w.u32(10); w.u64(1 << 40) }
        guard case .absurdCount(_, _, 1 << 40, _)? = try ggufError(huge).error else { Issue.record("2^40"); return }
        let long = rawHeader { w in w.string("a"); w.u32(9); w.u32(10); w.u64(1 << 20) }
        guard case .truncated? = try ggufError(long).error else { Issue.record("2^20 u64 in a tiny file"); return }
    }

    @Test("Tensor and metadata counts of 2^40 throw absurdCount")
    func hugeCounts() throws {
        guard case .absurdCount(_, "tensors", 1 << 40, _)? = try ggufError(rawHeader(tensorCount: 1 << 40) { _ in }).error
        else { Issue.record("tensors"); return }
        guard case .absurdCount(_, "metadata entries", 1 << 40, _)? = try ggufError(rawHeader(metadataCount: 1 << 40) { _ in }).error
        else { Issue.record("metadata"); return }
    }

    @Test("Arrays nested deeper than the limit throw absurdCount")
    func deepNesting() throws {
        let bytes = rawHeader { w in
            w.string("deep")
            w.u32(9)
            for _ in 0..<20 { w.u32(9); w.u64(1) }
            w.u32(0); w.u64(0)
        }
        guard case .absurdCount? = try ggufError(bytes).error else { Issue.record("deep"); return }
    }

    @Test("A metadata type id of 13 throws badValueType; a bool of 2 throws badHeader")
    func badValues() throws {
        let (error, path) = try ggufError(rawHeader { w in w.string("k"); w.u32(13) })
        #expect(error == .badValueType(path: path, key: "k", typeID: 13))
        guard case .badHeader? = try ggufError(rawHeader { w in w.string("k"); w.u32(7); w.int(UInt8(2)) }).error
        else { Issue.record("bool"); return }
    }

    @Test("Duplicate metadata keys and duplicate tensor names are rejected")
    func duplicates() throws {
        var b = SampleGGUF.builder()
        b.metadata.append(("qwen3.block_count", .uint32(1)))
        let (keyError, path) = try ggufError(b.bytes)
        #expect(keyError == .duplicateKey(path: path, key: "qwen3.block_count"))
        var t = SampleGGUF.builder()
        t.tensors[3].name = "token_embd.weight"
        let (nameError, path2) = try ggufError(t.bytes)
        #expect(nameError == .duplicateTensor(path: path2, name: "token_embd.weight"))
    }

    @Test("Unknown tensor type 99 throws unknownTensorType naming the tensor and id")
    func unknownType() throws {
        var b = SampleGGUF.builder()
        b.tensors[1].typeID = 99
        let (error, path) = try ggufError(b.bytes)
        #expect(error == .unknownTensorType(path: path, tensor: "blk.0.attn_norm.weight", typeID: 99))
        #expect(error?.description.contains("Q8_0 (8)") == true)
    }

    @Test("Bytes inserted into the data or appended to the file, and overlapping tensors, are refused (badDataSection)")
    func dataSectionTiling() throws {
        let (bytes, marks) = SampleGGUF.builder().build()
        // 28 bytes inside the data: every later tensor shifts while its offset stays (a fuzzer's case that gave zeros).
        let inserted = Array(bytes[..<(marks.data + 4)]) + [UInt8](repeating: 0x5A, count: 28) + Array(bytes[(marks.data + 4)...])
        let appended = bytes + [UInt8](repeating: 0, count: 32)
        for (label, file) in [("inserted", inserted), ("appended", appended)] {
            let (error, path) = try ggufError(file)
            guard case let .badDataSection(p, reason)? = error else { Issue.record("\(label): \(String(describing: error))"); continue }
            #expect(p == path && reason.contains("\(file.count) bytes"), "\(label): \(reason)")
            #expect(error?.description.contains("re-download") == true)
        }
        var b = SampleGGUF.builder()
        b.tensors[3].offsetOverride = 0   // on top of the first tensor
        let (error, _) = try ggufError(b.bytes)
        guard case let .badDataSection(_, reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("overlap") && reason.contains("cube"))
    }

    @Test("Offsets past the end, near 2^63 or misaligned are rejected")
    func badOffsets() throws {
        for (offset, misaligned) in [(UInt64(1 << 20), false), (1 << 63, false), (UInt64.max - 31, false), (8, true)] {
            var b = SampleGGUF.builder()
            b.tensors[3].offsetOverride = offset
            let (error, path) = try ggufError(b.bytes)
            if misaligned {
                #expect(error == .misalignedTensor(path: path, tensor: "cube", offset: 8, alignment: 32))
            } else {
                guard case .tensorOutOfBounds(_, "cube", _, _, _)? = error else { Issue.record("\(offset): \(String(describing: error))"); continue }
            }
        }
    }

    @Test("Shapes that overflow, have a zero or five dimensions, or split a block are rejected",
          arguments: [[UInt64(1 << 32), 1 << 32, 1 << 32], [4, 0], [UInt64.max], [1, 1, 1, 1, 1]])
    func badShapes(ne: [UInt64]) throws {
        var b = SampleGGUF.builder()
        b.tensors[0].ne = ne
        let error = try ggufError(b.bytes).error
        switch error {
        case .badShape(_, "token_embd.weight", ne, _)?: #expect(ne.count <= 4)
        case .absurdCount?: #expect(ne.count == 5)
        default: Issue.record("\(ne): \(String(describing: error))")
        }
        var q = SampleGGUF.builder()
        q.tensors[2].ne = [33, 2]
        guard case .badShape(_, "blk.0.attn_q.weight", _, let reason)? = try ggufError(q.bytes).error else { Issue.record("q8"); return }
        #expect(reason.contains("block of 32"))
    }

    @Test("general.alignment must be a power of two stored as an unsigned integer",
          arguments: [GGUFValue.uint32(48), .uint32(0), .int32(64), .string("64")])
    func badAlignment(value: GGUFValue) throws {
        var b = SampleGGUF.builder()
        b.metadata.append(("general.alignment", value))
        guard case .badAlignment? = try ggufError(b.bytes).error else { Issue.record("\(value)"); return }
    }

    @Test("A missing file throws unreadable naming it")
    func missingFile() throws {
        #expect(throws: ModelFileError.self) { try GGUFFile(path: "/nonexistent/m.gguf") }
        do { _ = try GGUFFile(path: "/nonexistent/m.gguf") } catch let error as ModelFileError {
            guard case .unreadable("/nonexistent/m.gguf", _) = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains("/nonexistent/m.gguf"))
        }
    }
}
