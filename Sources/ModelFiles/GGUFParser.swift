import FolioTensor

/// Bounds on what a GGUF header may declare. Real models sit far below them: Qwen3's vocabulary
/// is one array of 151,669 strings, its merges ~151k, its chat template a few KB, ~400 tensors.
/// Array counts are also bounded by the bytes left in the file (each element needs at least
/// `minimumBytes`), so allocation never exceeds a small multiple of the file size.
public enum GGUFLimits {
    /// Longest metadata string or tensor name, in bytes.
    public static let maxStringBytes = 1 << 20
    /// Most elements in one metadata array.
    public static let maxArrayCount = 1 << 24
    /// Most metadata entries.
    public static let maxMetadataCount = 1 << 16
    /// Most tensors.
    public static let maxTensorCount = 1 << 16
    /// Most dimensions of a tensor (GGML_MAX_DIMS).
    public static let maxDims = 4
    /// Deepest nesting of arrays inside arrays.
    public static let maxArrayDepth = 8
}

/// The parsed header of a GGUF file.
struct GGUFHeader {
    var version: UInt32
    var metadata: [String: GGUFValue]
    var metadataKeys: [String]
    var tensorInfos: [GGUFTensorInfo]
    var alignment: Int
    var dataOffset: Int
}

/// Reads a GGUF header with every read bounded (after candle `gguf_file.rs` and ggml `gguf.cpp`).
enum GGUFParser {
    /// `"GGUF"` read as a little-endian u32.
    static let magic: UInt32 = 0x4655_4747

    static func parse(storage: Storage, path: String) throws -> GGUFHeader {
        var r = ByteReader(storage: storage, path: path)
        let magic = try r.read(UInt32.self, "the GGUF magic")
        guard magic == Self.magic else {
            throw ModelFileError.badMagic(path: path, expected: "GGUF", found: describeMagic(magic))
        }
        let version = try r.read(UInt32.self, "the GGUF version")
        guard version == 2 || version == 3 else { throw ModelFileError.unsupportedVersion(path: path, version: version) }

        let tensorCount = try count(&r, "tensors", limit: GGUFLimits.maxTensorCount)
        let metadataCount = try count(&r, "metadata entries", limit: GGUFLimits.maxMetadataCount)

        // 1. Metadata key/value pairs.
        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        for i in 0..<metadataCount {
            let key = try string(&r, "the key of metadata entry \(i)")
            let rawType = try r.read(UInt32.self, "the type of metadata \"\(key)\"")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw ModelFileError.badValueType(path: path, key: key, typeID: rawType)
            }
            let value = try self.value(&r, type: type, key: key, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else { throw ModelFileError.duplicateKey(path: path, key: key) }
            keys.append(key)
        }

        // 2. Alignment of the data section and of every tensor offset.
        var alignment = 32
        if let value = metadata["general.alignment"] {
            guard let a = value.int, value.type == .uint32 || value.type == .uint64,
                  a > 0, a & (a - 1) == 0, a <= 1 << 20
            else { throw ModelFileError.badAlignment(path: path, value: value.description) }
            alignment = a
        }

        // 3. Tensor infos: shapes and types are validated here, bounds once the data offset is known.
        var infos: [GGUFTensorInfo] = []
        var seen = Set<String>()
        for i in 0..<tensorCount {
            let info = try tensorInfo(&r, index: i, alignment: alignment)
            guard seen.insert(info.name).inserted else { throw ModelFileError.duplicateTensor(path: path, name: info.name) }
            infos.append(info)
        }

        // 4. Data section: starts at the next multiple of `alignment`; every tensor must fit in the file.
        r.align(to: alignment)
        let dataOffset = r.position
        for info in infos {
            let start = UInt64(dataOffset) + UInt64(info.offset)   // both < 2^63: cannot overflow UInt64
            let (end, overflow) = start.addingReportingOverflow(UInt64(info.byteCount))
            guard !overflow, end <= UInt64(storage.byteCount) else {
                throw ModelFileError.tensorOutOfBounds(path: path, tensor: info.name, start: start,
                                                       end: overflow ? .max : end, size: storage.byteCount)
            }
        }
        try checkTiling(infos, dataOffset: dataOffset, alignment: alignment, size: storage.byteCount, path: path)
        return GGUFHeader(version: version, metadata: metadata, metadataKeys: keys, tensorInfos: infos,
                          alignment: alignment, dataOffset: dataOffset)
    }

    /// 5. The tensors tile the data section as llama.cpp and gguf-py write it: no two overlap, and the file ends with
    ///    the last tensor (or its padding to `alignment`). Bytes inserted into the data would shift every later tensor
    ///    while the offsets still point at the old places, giving silently wrong weights.
    private static func checkTiling(_ infos: [GGUFTensorInfo], dataOffset: Int, alignment: Int, size: Int, path: String) throws {
        guard !infos.isEmpty else { return }
        let sorted = infos.sorted { $0.offset < $1.offset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw ModelFileError.badDataSection(
                path: path, reason: "tensors \"\(a.name)\" and \"\(b.name)\" overlap (\(a.name) ends at \(a.offset + a.byteCount), "
                    + "\(b.name) starts at \(b.offset))")
        }
        let end = dataOffset + sorted.map { $0.offset + $0.byteCount }.max()!
        let padded = (end + alignment - 1) / alignment * alignment
        guard size == end || size == padded else {
            throw ModelFileError.badDataSection(
                path: path, reason: "the tensors end at byte \(end) (\(padded) with padding) but the file has \(size) bytes")
        }
    }

    // MARK: - Pieces

    private static func count(_ r: inout ByteReader, _ what: String, limit: Int) throws -> Int {
        let n = try r.read(UInt64.self, "the number of \(what)")
        guard n <= UInt64(limit) else { throw ModelFileError.absurdCount(path: r.path, what: what, count: n, limit: limit) }
        return Int(n)
    }

    private static func string(_ r: inout ByteReader, _ what: String) throws -> String {
        let n = try r.read(UInt64.self, "the length of \(what)")
        guard n <= UInt64(GGUFLimits.maxStringBytes) else {
            throw ModelFileError.absurdCount(path: r.path, what: "bytes in \(what)", count: n, limit: GGUFLimits.maxStringBytes)
        }
        return try r.readUTF8(count: Int(n), what)
    }

    private static func value(_ r: inout ByteReader, type: GGUFValueType, key: String, depth: Int) throws -> GGUFValue {
        let what = "metadata \"\(key)\""
        switch type {
        case .uint8: return .uint8(try r.read(UInt8.self, what))
        case .int8: return .int8(try r.read(Int8.self, what))
        case .uint16: return .uint16(try r.read(UInt16.self, what))
        case .int16: return .int16(try r.read(Int16.self, what))
        case .uint32: return .uint32(try r.read(UInt32.self, what))
        case .int32: return .int32(try r.read(Int32.self, what))
        case .float32: return .float32(try r.readFloat(what))
        case .bool:
            let b = try r.read(UInt8.self, what)
            guard b <= 1 else { throw ModelFileError.badHeader(path: r.path, reason: "\(what) is a bool stored as \(b), expected 0 or 1") }
            return .bool(b == 1)
        case .string: return .string(try string(&r, what))
        case .uint64: return .uint64(try r.read(UInt64.self, what))
        case .int64: return .int64(try r.read(Int64.self, what))
        case .float64: return .float64(try r.readDouble(what))
        case .array:
            guard depth < GGUFLimits.maxArrayDepth else {
                throw ModelFileError.absurdCount(path: r.path, what: "levels of nested arrays in \(what)",
                                                 count: UInt64(depth + 1), limit: GGUFLimits.maxArrayDepth)
            }
            let rawType = try r.read(UInt32.self, "the element type of \(what)")
            guard let elementType = GGUFValueType(rawValue: rawType) else {
                throw ModelFileError.badValueType(path: r.path, key: key, typeID: rawType)
            }
            let n = try r.read(UInt64.self, "the length of \(what)")
            guard n <= UInt64(GGUFLimits.maxArrayCount) else {
                throw ModelFileError.absurdCount(path: r.path, what: "elements in \(what)", count: n, limit: GGUFLimits.maxArrayCount)
            }
            // Before allocating, check the file can hold n elements of at least their minimum size.
            try r.require(Int(n) * elementType.minimumBytes, "the \(n) elements of \(what)")
            var values: [GGUFValue] = []
            values.reserveCapacity(Int(n))
            for _ in 0..<Int(n) { values.append(try value(&r, type: elementType, key: key, depth: depth + 1)) }
            return .array(elementType: elementType, values: values)
        }
    }

    private static func tensorInfo(_ r: inout ByteReader, index: Int, alignment: Int) throws -> GGUFTensorInfo {
        let path = r.path
        let name = try string(&r, "the name of tensor \(index)")
        let nDims = try r.read(UInt32.self, "the dimension count of tensor \"\(name)\"")
        guard nDims <= UInt32(GGUFLimits.maxDims) else {
            throw ModelFileError.absurdCount(path: path, what: "dimensions in tensor \"\(name)\"", count: UInt64(nDims),
                                             limit: GGUFLimits.maxDims)
        }
        var ne: [UInt64] = []   // innermost first, as GGUF stores them
        for _ in 0..<Int(nDims) { ne.append(try r.read(UInt64.self, "the shape of tensor \"\(name)\"")) }
        let rawType = try r.read(UInt32.self, "the type of tensor \"\(name)\"")
        let offset = try r.read(UInt64.self, "the data offset of tensor \"\(name)\"")

        guard let dtype = DType(rawValue: rawType) else {
            throw ModelFileError.unknownTensorType(path: path, tensor: name, typeID: rawType)
        }
        var elements = 1
        for d in ne {
            guard d > 0 else { throw ModelFileError.badShape(path: path, tensor: name, shape: ne, reason: "a dimension is 0") }
            guard d <= UInt64(Int.max) else {
                throw ModelFileError.badShape(path: path, tensor: name, shape: ne, reason: "a dimension exceeds Int.max")
            }
            let (p, overflow) = elements.multipliedReportingOverflow(by: Int(d))
            guard !overflow else { throw ModelFileError.badShape(path: path, tensor: name, shape: ne, reason: "the element count overflows") }
            elements = p
        }
        // Quantised rows are whole blocks along the innermost dimension (ne[0]).
        if let inner = ne.first, Int(inner) % dtype.blockSize != 0 {
            throw ModelFileError.badShape(path: path, tensor: name, shape: ne,
                                          reason: "the innermost dimension is not a multiple of \(dtype)'s block of \(dtype.blockSize)")
        }
        guard let bytes = dtype.byteCount(elements: elements) else {
            throw ModelFileError.badShape(path: path, tensor: name, shape: ne, reason: "the byte size overflows")
        }
        guard offset % UInt64(alignment) == 0 else {
            throw ModelFileError.misalignedTensor(path: path, tensor: name, offset: offset, alignment: alignment)
        }
        guard offset <= UInt64(Int.max / 2) else {
            throw ModelFileError.tensorOutOfBounds(path: path, tensor: name, start: offset, end: offset, size: r.size)
        }
        return GGUFTensorInfo(name: name, shape: ne.reversed().map { Int($0) }, dtype: dtype, offset: Int(offset), byteCount: bytes)
    }

    /// The first four bytes, printable if they are ASCII.
    private static func describeMagic(_ magic: UInt32) -> String {
        let bytes = withUnsafeBytes(of: magic.littleEndian) { Array($0) }
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return "\"" + String(decoding: bytes, as: UTF8.self) + "\"" }
        return bytes.map { "0x" + String($0, radix: 16) }.joined(separator: " ")
    }
}
