/// A tensor: a shape, an element type and a view into `Storage`.
///
/// Shapes are written outermost first, as in PyTorch: a linear layer's weight is `[out, in]`, rows of
/// `in` contiguous elements. (GGUF lists dimensions innermost first; readers reverse them.)
/// Quantised tensors hold whole blocks along the innermost dimension.
public struct Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let dtype: DType
    public let storage: Storage
    /// Byte offset of the first element inside `storage`.
    public let offset: Int

    /// A view of existing storage. The caller checks bounds (readers do, with typed errors).
    public init(shape: [Int], dtype: DType, storage: Storage, offset: Int = 0) {
        precondition(offset >= 0 && offset + (dtype.byteCount(elements: shape.reduce(1, *)) ?? .max) <= storage.byteCount,
                     "tensor view past the end of its storage")
        self.shape = shape
        self.dtype = dtype
        self.storage = storage
        self.offset = offset
    }

    /// A new zero-filled f32 tensor.
    public static func zeros(_ shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, dtype: .f32, storage: Storage(byteCount: n * 4))
    }

    /// A new f32 tensor holding `values`.
    public init(_ values: [Float], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        let s = Storage(byteCount: values.count * 4)
        values.withUnsafeBytes { s.base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        self.init(shape: shape, dtype: .f32, storage: s)
    }

    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { dtype.byteCount(elements: elementCount)! }
    /// Elements in one row (the innermost dimension).
    public var rowLength: Int { shape.last ?? 1 }
    public var rowCount: Int { elementCount / max(rowLength, 1) }
    public var rowBytes: Int { dtype.byteCount(elements: rowLength)! }

    /// Read-only pointer to the first byte.
    public var rawPointer: UnsafeRawPointer { UnsafeRawPointer(storage.base + offset) }

    /// Mutable f32 pointer; only for owned f32 tensors (scratch and activations).
    public var floats: UnsafeMutablePointer<Float> {
        precondition(dtype == .f32, "floats on a \(dtype) tensor")
        return (storage.base + offset).assumingMemoryBound(to: Float.self)
    }

    /// The same bytes with another shape of equal element count: `[a, b] -> [a * b]` etc.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == elementCount, "reshape \(shape) -> \(newShape) changes the element count")
        return Tensor(shape: newShape, dtype: dtype, storage: storage, offset: offset)
    }

    /// Rows `range` of a 2-D tensor as a view of the same bytes: [R, K] -> [range.count, K] (a fused projection's
    /// parts, such as nomic-bert's q, k and v in `Wqkv`). Quantised rows hold whole blocks, so any row boundary works.
    public func rows(_ range: Range<Int>) -> Tensor {
        precondition(shape.count == 2 && range.lowerBound >= 0 && range.upperBound <= shape[0],
                     "rows \(range) of a tensor of shape \(shape)")
        return Tensor(shape: [range.count, shape[1]], dtype: dtype, storage: storage,
                      offset: offset + range.lowerBound * rowBytes)
    }
}
