/// Storage types of tensor elements, numbered as GGML numbers them (the GGUF `type` field).
///
/// Quantised types store `blockSize` weights in `blockBytes` bytes; rows are whole blocks.
public enum DType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0
    case f16 = 1
    case q5_0 = 6
    case q8_0 = 8
    case q4_K = 12
    case q5_K = 13
    case q6_K = 14
    case bf16 = 30

    /// Weights per block (1 for plain floats).
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q5_0, .q8_0: 32
        case .q4_K, .q5_K, .q6_K: 256
        }
    }

    /// Bytes per block (ggml `type_size`).
    public var blockBytes: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q5_0: 22    // fp16 d, 4 bytes of high bits, 16 bytes of nibbles
        case .q8_0: 34    // fp16 d, 32 int8
        case .q4_K: 144   // fp16 d, fp16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles
        case .q5_K: 176   // as Q4_K plus 32 bytes of high bits
        case .q6_K: 210   // 128 low nibbles, 64 high bits, 16 int8 scales, fp16 d
        }
    }

    /// Bytes needed for `count` elements; nil when `count` is not a whole number of blocks.
    public func byteCount(elements count: Int) -> Int? {
        guard count >= 0, count % blockSize == 0 else { return nil }
        let (bytes, overflow) = (count / blockSize).multipliedReportingOverflow(by: blockBytes)
        return overflow ? nil : bytes
    }

    public var isQuantized: Bool { blockSize > 1 }

    public var description: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .bf16: "BF16"
        case .q5_0: "Q5_0"
        case .q8_0: "Q8_0"
        case .q4_K: "Q4_K"
        case .q5_K: "Q5_K"
        case .q6_K: "Q6_K"
        }
    }
}
