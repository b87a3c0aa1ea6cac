import FolioTensor
import Foundation

/// Where one tensor lives in a safetensors file.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    /// The name in the JSON header, verbatim.
    public let name: String
    /// Outermost first, as PyTorch writes it.
    public let shape: [Int]
    /// F32, F16 or BF16.
    public let dtype: DType
    /// Absolute byte offset of the first element in the file.
    public let offset: Int
    /// Bytes the tensor occupies (`end - begin` of its data_offsets).
    public let byteCount: Int
}

/// One `.safetensors` file, memory-mapped read-only.
///
/// Layout: u64 little-endian header length N, N bytes of JSON
/// `{"name": {"dtype": "BF16", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {...}}`,
/// then the data; offsets are relative to the first byte after the header. Only F32, F16 and BF16
/// are read (what Hugging Face embedding checkpoints ship). Integer and boolean tensors are PyTorch
/// buffers, not weights (BERT checkpoints store `embeddings.position_ids` as I64): they are listed in
/// `skippedTensors` and otherwise ignored.
public struct SafetensorsFile: Sendable {
    /// Largest JSON header accepted (the safetensors crate uses the same 100 MB cap).
    public static let maxHeaderBytes = 100_000_000

    /// The path the file was opened from.
    public let path: String
    /// Tensor descriptions, sorted by name.
    public let tensorInfos: [SafetensorsTensorInfo]
    /// Integer or boolean tensors (buffers such as `position_ids`), not readable as weights; sorted.
    public let skippedTensors: [String]
    let storage: Storage
    private let indexByName: [String: Int]

    /// Maps and parses `path`. Throws `ModelFileError` for a malformed, truncated or unsupported file.
    public init(path: String) throws {
        let storage: Storage
        do { storage = try Storage(mapping: path) } catch let error as StorageError { throw ModelFileError(error) }
        var r = ByteReader(storage: storage, path: path)
        let headerLength = try r.read(UInt64.self, "the safetensors header length")
        guard headerLength <= UInt64(Self.maxHeaderBytes) else {
            throw ModelFileError.absurdCount(path: path, what: "bytes of JSON header (read as u64 little-endian)",
                                             count: headerLength, limit: Self.maxHeaderBytes)
        }
        try r.require(Int(headerLength), "the safetensors JSON header")
        let dataStart = 8 + Int(headerLength)
        let json = Data(bytesNoCopy: storage.base + 8, count: Int(headerLength), deallocator: .none)
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: json) } catch {
            throw ModelFileError.badHeader(path: path, reason: "the header is not valid JSON (\(error.localizedDescription)); "
                                           + "expected a safetensors file, which starts with a u64 length and a JSON object")
        }
        guard let entries = object as? [String: Any] else {
            throw ModelFileError.badHeader(path: path, reason: "the header is JSON but not an object; expected {\"name\": {...}}")
        }
        var infos: [SafetensorsTensorInfo] = []
        var skipped: [String] = []
        var spans: [(begin: Int, end: Int, name: String)] = []  // every entry's data, buffers included
        for (name, entry) in entries where name != "__metadata__" {
            if let dtype = (entry as? [String: Any])?["dtype"] as? String, Self.bufferDTypes.contains(dtype) {
                guard let offsets = Self.integers((entry as? [String: Any])?["data_offsets"]), offsets.count == 2 else {
                    throw ModelFileError.badHeader(path: path, reason: "buffer \"\(name)\" has no \"data_offsets\" pair of integers")
                }
                spans.append((offsets[0], offsets[1], name))
                skipped.append(name)
                continue
            }
            let info = try Self.tensorInfo(name: name, entry: entry, path: path, dataStart: dataStart, fileSize: storage.byteCount)
            spans.append((info.offset - dataStart, info.offset - dataStart + info.byteCount, name))
            infos.append(info)
        }
        try Self.checkCoverage(spans, dataSize: storage.byteCount - dataStart, path: path)
        infos.sort { $0.name < $1.name }
        self.path = path
        self.storage = storage
        self.tensorInfos = infos
        self.skippedTensors = skipped.sorted()
        var index: [String: Int] = [:]
        for (i, info) in infos.enumerated() { index[info.name] = i }
        self.indexByName = index
    }

    /// Tensor names, sorted.
    public var tensorNames: [String] { tensorInfos.map(\.name) }

    /// The description of tensor `name`, or nil.
    public func info(_ name: String) -> SafetensorsTensorInfo? { indexByName[name].map { tensorInfos[$0] } }

    /// A zero-copy view of tensor `name`.
    public func tensor(_ name: String) throws -> Tensor {
        guard let info = info(name) else { throw ModelFileError.missingTensor(name: name, path: path) }
        return Tensor(shape: info.shape, dtype: info.dtype, storage: storage, offset: info.offset)
    }

    /// safetensors dtypes of buffers (ids, masks), which no model reads as weights.
    static let bufferDTypes: Set<String> = ["BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64"]

    /// The safetensors dtype names Folio maps to `DType`.
    static func dtype(named name: String) -> DType? {
        switch name {
        case "F32": .f32
        case "F16": .f16
        case "BF16": .bf16
        default: nil
        }
    }

    private static func tensorInfo(name: String, entry: Any, path: String, dataStart: Int,
                                   fileSize: Int) throws -> SafetensorsTensorInfo {
        func bad(_ reason: String) -> ModelFileError {
            .badHeader(path: path, reason: "tensor \"\(name)\" \(reason); expected {\"dtype\": \"F32\", \"shape\": [...], "
                       + "\"data_offsets\": [begin, end]}")
        }
        guard let fields = entry as? [String: Any] else { throw bad("is not an object") }
        guard let dtypeName = fields["dtype"] as? String else { throw bad("has no string \"dtype\"") }
        guard let dtype = dtype(named: dtypeName) else {
            throw ModelFileError.unsupportedDType(path: path, tensor: name, dtype: dtypeName)
        }
        guard let shape = integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
            throw bad("has no \"shape\" of non-negative integers")
        }
        guard let offsets = integers(fields["data_offsets"]), offsets.count == 2 else {
            throw bad("has no \"data_offsets\" pair of integers")
        }
        var elements = 1
        for d in shape {
            let (p, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow else { throw bad("has a shape \(shape) whose element count overflows") }
            elements = p
        }
        guard let bytes = dtype.byteCount(elements: elements) else { throw bad("has a shape \(shape) whose byte size overflows") }
        let (begin, end) = (offsets[0], offsets[1])
        let dataSize = fileSize - dataStart
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw ModelFileError.tensorOutOfBounds(path: path, tensor: name, start: UInt64(max(begin, 0)) + UInt64(dataStart),
                                                   end: UInt64(max(end, 0)) + UInt64(dataStart), size: fileSize)
        }
        guard end - begin == bytes else {
            throw bad("has data_offsets [\(begin), \(end)] spanning \(end - begin) bytes, but shape \(shape) of \(dtypeName) needs \(bytes)")
        }
        return SafetensorsTensorInfo(name: name, shape: shape, dtype: dtype, offset: dataStart + begin, byteCount: bytes)
    }

    /// The tensors must cover the data region exactly, end to end, as every safetensors writer lays them out (the
    /// reference library refuses holes too). A header length a few bytes off still parses, because writers pad the
    /// JSON with spaces, but then every tensor would be read shifted: garbage weights and NaN vectors.
    private static func checkCoverage(_ spans: [(begin: Int, end: Int, name: String)], dataSize: Int, path: String) throws {
        var cursor = 0
        for span in spans.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard span.begin == cursor else {
                throw ModelFileError.badHeader(path: path, reason: span.begin > cursor
                    ? "data bytes \(cursor)..<\(span.begin) belong to no tensor (before \"\(span.name)\"); the header length or "
                        + "data_offsets are wrong, so tensors would be read shifted"
                    : "tensor \"\(span.name)\" overlaps the one before it at data byte \(span.begin)")
            }
            cursor = span.end
        }
        guard cursor == dataSize else {
            throw ModelFileError.badHeader(path: path, reason: "the tensors cover \(cursor) data bytes but the file has \(dataSize) "
                + "after the header; the header length or data_offsets are wrong, so tensors would be read shifted")
        }
    }

    /// A JSON array of integers (NSNumber without a fractional part), or nil.
    private static func integers(_ any: Any?) -> [Int]? {
        guard let array = any as? [Any] else { return nil }
        var out: [Int] = []
        for element in array {
            // Integral numbers only: 2.5 or 1e30 do not round-trip through Int64.
            guard let n = element as? NSNumber, Double(n.int64Value) == n.doubleValue else { return nil }
            out.append(Int(n.int64Value))
        }
        return out
    }
}

extension SafetensorsFile: WeightSource {}
