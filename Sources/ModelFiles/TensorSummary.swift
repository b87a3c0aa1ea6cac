import FolioTensor

/// Counts and sizes of a model's tensors, per element type (for an `inspect` command).
public struct TensorSummary: Sendable, Equatable {
    /// One row of the summary.
    public struct Row: Sendable, Equatable {
        public let dtype: DType
        /// Tensors stored in `dtype`.
        public let tensorCount: Int
        /// Weights stored in `dtype`.
        public let elementCount: Int
        /// Bytes they occupy in the file.
        public let byteCount: Int
    }

    /// One row per element type present, most bytes first.
    public let rows: [Row]
    /// All tensors.
    public var tensorCount: Int { rows.reduce(0) { $0 + $1.tensorCount } }
    /// All weights (the parameter count).
    public var elementCount: Int { rows.reduce(0) { $0 + $1.elementCount } }
    /// All tensor bytes (about the file size).
    public var byteCount: Int { rows.reduce(0) { $0 + $1.byteCount } }

    /// Summarises every tensor of `source` (views only: nothing is read from disk).
    public init(_ source: some WeightSource) throws {
        var tensors = [DType: Int](), elements = [DType: Int](), bytes = [DType: Int]()
        for name in source.tensorNames {
            let t = try source.tensor(name)
            tensors[t.dtype, default: 0] += 1
            elements[t.dtype, default: 0] += t.elementCount
            bytes[t.dtype, default: 0] += t.byteCount
        }
        rows = tensors.keys
            .map { Row(dtype: $0, tensorCount: tensors[$0]!, elementCount: elements[$0]!, byteCount: bytes[$0]!) }
            .sorted { ($0.byteCount, $1.dtype.rawValue) > ($1.byteCount, $0.dtype.rawValue) }
    }
}
