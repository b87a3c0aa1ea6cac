import FolioTensor

/// Where one tensor lives in a GGUF file.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// Outermost first (PyTorch order): GGUF `ne[]` reversed. A linear weight is `[out, in]`.
    public let shape: [Int]
    public let dtype: DType
    /// Byte offset from the start of the data section (a multiple of the file's alignment).
    public let offset: Int
    /// Bytes the tensor occupies.
    public let byteCount: Int
}

/// A GGUF file (version 2 or 3), memory-mapped read-only.
///
/// Layout (little-endian): `"GGUF"`, u32 version, u64 tensor count, u64 metadata count, the
/// metadata key/value pairs, the tensor infos, padding to `alignment`, then the tensor data.
/// Every count, length and offset is checked against the file size and against caps that real
/// models stay far below, so a crafted file throws rather than crashing or exhausting memory.
/// Tensors are zero-copy views into the mapping.
public struct GGUFFile: Sendable {
    /// The path the file was opened from.
    public let path: String
    /// 2 or 3 (the two differ only in the big-endian convention, which Folio does not read).
    public let version: UInt32
    /// All metadata, by key.
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor descriptions in file order.
    public let tensorInfos: [GGUFTensorInfo]
    /// Data alignment in bytes: `general.alignment`, 32 when absent.
    public let alignment: Int
    /// Absolute file offset of the data section.
    public let dataOffset: Int

    let storage: Storage
    private let indexByName: [String: Int]

    /// Maps and parses `path`. Throws `ModelFileError` for any malformed, truncated or unsupported file.
    public init(path: String) throws {
        let storage: Storage
        do { storage = try Storage(mapping: path) } catch let error as StorageError { throw ModelFileError(error) }
        let header = try GGUFParser.parse(storage: storage, path: path)
        self.path = path
        self.storage = storage
        self.version = header.version
        self.metadata = header.metadata
        self.metadataKeys = header.metadataKeys
        self.tensorInfos = header.tensorInfos
        self.alignment = header.alignment
        self.dataOffset = header.dataOffset
        var index: [String: Int] = [:]
        for (i, info) in header.tensorInfos.enumerated() { index[info.name] = i }
        self.indexByName = index
    }

    /// Size of the mapped file in bytes.
    public var fileSize: Int { storage.byteCount }

    /// Tensor names in file order.
    public var tensorNames: [String] { tensorInfos.map(\.name) }

    /// The description of tensor `name`, or nil.
    public func info(_ name: String) -> GGUFTensorInfo? {
        indexByName[name].map { tensorInfos[$0] }
    }

    /// A zero-copy view of tensor `name` (bounds were checked when the file was opened).
    public func tensor(_ name: String) throws -> Tensor {
        guard let info = info(name) else { throw ModelFileError.missingTensor(name: name, path: path) }
        return Tensor(shape: info.shape, dtype: info.dtype, storage: storage, offset: dataOffset + info.offset)
    }

    /// Integer metadata (any integer width), e.g. `metadataInt("qwen3.block_count")`.
    public func metadataInt(_ key: String) -> Int? { metadata[key]?.int }
    /// Float metadata (integers are converted), e.g. `metadataDouble("qwen3.rope.freq_base")`.
    public func metadataDouble(_ key: String) -> Double? { metadata[key]?.double }
    /// String metadata, e.g. `metadataString("general.architecture")`.
    public func metadataString(_ key: String) -> String? { metadata[key]?.string }
    /// Boolean metadata.
    public func metadataBool(_ key: String) -> Bool? { metadata[key]?.bool }
    /// String-array metadata, e.g. `tokenizer.ggml.tokens`.
    public func metadataStrings(_ key: String) -> [String]? { metadata[key]?.stringArray }
    /// Integer-array metadata, e.g. `tokenizer.ggml.token_type`.
    public func metadataInts(_ key: String) -> [Int]? { metadata[key]?.intArray }

    /// The model architecture (`general.architecture`), e.g. `"qwen3"`.
    public var architecture: String? { metadataString("general.architecture") }
}

extension GGUFFile: WeightSource {}
