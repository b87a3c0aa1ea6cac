import ModelFiles
import Testing

/// Opens `bytes` as a safetensors file and returns the error it throws (nil if it opened).
func safetensorsError(_ bytes: [UInt8]) throws -> (error: ModelFileError?, path: String) {
    let dir = try TempDir()
    let path = try dir.write("bad.safetensors", bytes)
    do {
        _ = try SafetensorsFile(path: path)
        return (nil, path)
    } catch let error as ModelFileError {
        return (error, path)
    }
}

@Suite("safetensors reader rejects bad files")
struct SafetensorsBadInputTests {
    @Test("A header length of 2^40 or with the sign bit set throws absurdCount",
          arguments: [UInt64(1 << 40), UInt64(bitPattern: -8), 100_000_008])
    func hugeHeaderLength(length: UInt64) throws {
        var b = SampleSafetensors.all
        b.headerLengthOverride = length
        guard case .absurdCount(_, _, length, SafetensorsFile.maxHeaderBytes)? = try safetensorsError(b.bytes).error
        else { Issue.record("\(length)"); return }
    }

    @Test("A header length one byte off (still valid JSON thanks to the padding) is refused, not read shifted",
          arguments: [-1, 1])
    func headerLengthOffByOne(delta: Int) throws {
        var b = SampleSafetensors.all
        b.headerOverride = b.header + "        "  // padding room, so the cut JSON still parses
        let honest = b.bytes
        let length = honest.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        b.headerLengthOverride = UInt64(Int(length) + delta)
        #expect(try safetensorsError(honest).error == nil, "premise: the padded file itself is fine")
        guard case .badHeader(_, let reason)? = try safetensorsError(b.bytes).error else {
            Issue.record("a shifted data region was accepted"); return
        }
        // One byte short leaves valid JSON and a data region one byte too long; one byte long pulls a data byte
        // into the JSON, which then does not parse. Both are refused.
        if delta < 0 { #expect(reason.contains("shifted"), "\(reason)") }
    }

    @Test("A hole or an overlap between tensors' data is refused")
    func holesAndOverlaps() throws {
        // The sample: embedding bytes 0..<48, norm 48..<58, head 58..<66. Moving norm leaves a hole or an overlap.
        for (name, offsets) in [("hole", [50, 60]), ("overlap", [46, 56])] {
            var b = SampleSafetensors.all
            b.entries[1].offsetsOverride = offsets
            guard case .badHeader? = try safetensorsError(b.bytes).error else { Issue.record("\(name) was accepted"); continue }
        }
    }

    @Test("A header length longer than the file throws truncated")
    func headerPastEnd() throws {
        var b = SampleSafetensors.all
        b.headerLengthOverride = 1 << 20
        guard case .truncated? = try safetensorsError(b.bytes).error else { Issue.record("truncated"); return }
    }

    @Test("Every truncation throws a typed error and never crashes")
    func everyTruncation() throws {
        let bytes = SampleSafetensors.all.bytes
        for cut in 0..<bytes.count {
            let error = try safetensorsError(Array(bytes[..<cut])).error
            switch error {
            case .unreadable?: #expect(cut == 0)
            case .truncated?, .badHeader?, .tensorOutOfBounds?: break
            default: Issue.record("cut at \(cut): \(String(describing: error))")
            }
        }
    }

    @Test("JSON garbage, a non-object header and malformed entries throw badHeader", arguments: [
        "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]",      // unterminated
        "[1, 2, 3]",
        "{\"a\": 5}",
        "{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}",                     // no dtype
        "{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}",
        "{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}",
        "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}",
        "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}",  // 8 bytes needed
        "{\"a\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 4]}}",
    ])
    func badJSON(header: String) throws {
        var b = SafetensorsBuilder(entries: [.init(name: "a", dtype: "F32", shape: [1], data: floatBytes([1]))])
        b.headerOverride = header
        let (error, path) = try safetensorsError(b.bytes)
        guard case .badHeader(path, _)? = error else { Issue.record("\(header): \(String(describing: error))"); return }
    }

    @Test("data_offsets outside the data throw tensorOutOfBounds",
          arguments: [[0, 400], [8, 4], [-4, 0], [60, 70]])
    func offsetsOutOfRange(offsets: [Int]) throws {
        var b = SampleSafetensors.all
        b.entries[1].offsetsOverride = offsets
        let (error, path) = try safetensorsError(b.bytes)
        guard case .tensorOutOfBounds(path, "model.norm.weight", _, _, _)? = error
        else { Issue.record("\(offsets): \(String(describing: error))"); return }
    }

    @Test("An F64 tensor throws unsupportedDType naming the tensor and dtype")
    func unsupportedDType() throws {
        var b = SampleSafetensors.all
        b.entries.append(.init(name: "scale", dtype: "F64", shape: [2], data: [UInt8](repeating: 0, count: 16)))
        let (error, path) = try safetensorsError(b.bytes)
        #expect(error == .unsupportedDType(path: path, tensor: "scale", dtype: "F64"))
        #expect(error?.description.contains("F32, F16 and BF16") == true)
    }

    @Test("An I64 buffer such as BERT's position_ids is skipped, not read as a weight")
    func integerBufferSkipped() throws {
        var b = SampleSafetensors.all
        b.entries.append(.init(name: "embeddings.position_ids", dtype: "I64", shape: [2], data: [UInt8](repeating: 0, count: 16)))
        let dir = try TempDir()
        let file = try SafetensorsFile(path: try dir.write("model.safetensors", b.bytes))
        #expect(file.skippedTensors == ["embeddings.position_ids"])
        #expect(!file.tensorNames.contains("embeddings.position_ids"))
        #expect(file.tensorNames.count == SampleSafetensors.all.entries.count)
    }
}
