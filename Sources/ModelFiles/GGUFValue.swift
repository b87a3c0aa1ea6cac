/// GGUF metadata value type ids (gguf spec `gguf_metadata_value_type`).
public enum GGUFValueType: UInt32, Sendable, CaseIterable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// The fewest bytes one value of this type occupies; bounds array counts by the bytes left.
    var minimumBytes: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        case .string: 8            // the u64 length, even when empty
        case .array: 12            // u32 element type + u64 count
        }
    }
}

/// One GGUF metadata value.
///
/// Cases mirror the spec's types; use the accessors (`int`, `double`, `string`, `stringArray`, ...)
/// rather than matching widths, since converters differ in which integer width they write.
public enum GGUFValue: Sendable, Equatable, CustomStringConvertible {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case float32(Float)
    case bool(Bool)
    case string(String)
    /// Elements all have `elementType`; arrays may nest.
    case array(elementType: GGUFValueType, values: [GGUFValue])
    case uint64(UInt64)
    case int64(Int64)
    case float64(Double)

    /// The value's type id.
    public var type: GGUFValueType {
        switch self {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .float32: .float32
        case .bool: .bool
        case .string: .string
        case .array: .array
        case .uint64: .uint64
        case .int64: .int64
        case .float64: .float64
        }
    }

    /// Any integer type as `Int`; nil for other types or a `UInt64` above `Int.max`.
    public var int: Int? {
        switch self {
        case let .uint8(v): Int(v)
        case let .int8(v): Int(v)
        case let .uint16(v): Int(v)
        case let .int16(v): Int(v)
        case let .uint32(v): Int(v)
        case let .int32(v): Int(v)
        case let .uint64(v): Int(exactly: v)
        case let .int64(v): Int(v)
        default: nil
        }
    }

    /// Floats, and integers converted to `Double` (a converter may store `1e6` as an integer).
    public var double: Double? {
        switch self {
        case let .float32(v): Double(v)
        case let .float64(v): v
        default: int.map(Double.init)
        }
    }

    /// The value of a `bool` entry.
    public var bool: Bool? {
        if case let .bool(v) = self { return v }
        return nil
    }

    /// The value of a `string` entry.
    public var string: String? {
        if case let .string(v) = self { return v }
        return nil
    }

    /// The elements of an array value.
    public var array: [GGUFValue]? {
        if case let .array(_, values) = self { return values }
        return nil
    }

    /// An array of strings (e.g. `tokenizer.ggml.tokens`); nil if any element is not a string.
    public var stringArray: [String]? {
        guard case let .array(type, values) = self, type == .string else { return nil }
        return values.map { $0.string ?? "" }
    }

    /// An array of integers of any width (e.g. `tokenizer.ggml.token_type`); nil otherwise.
    public var intArray: [Int]? { elements(\.int) }

    /// An array of booleans (e.g. `gemma-embedding.attention.sliding_window_pattern`); nil otherwise.
    public var boolArray: [Bool]? { elements(\.bool) }

    /// An array of numbers as `Double` (e.g. `tokenizer.ggml.scores`); nil otherwise.
    public var doubleArray: [Double]? { elements(\.double) }

    /// Every element of an array through `convert`; nil if this is not an array or any element does not convert.
    private func elements<T>(_ convert: (GGUFValue) -> T?) -> [T]? {
        guard let values = array else { return nil }
        var out: [T] = []
        out.reserveCapacity(values.count)
        for v in values {
            guard let x = convert(v) else { return nil }
            out.append(x)
        }
        return out
    }

    /// Short form for `inspect` output: long arrays show their length, not their elements.
    public var description: String {
        switch self {
        case let .string(s): return s.count > 80 ? "\"\(s.prefix(77))...\"" : "\"\(s)\""
        case let .array(type, values):
            if values.count > 8 { return "[\(type) × \(values.count)]" }
            return "[" + values.map(\.description).joined(separator: ", ") + "]"
        case let .bool(b): return String(b)
        case let .float32(f): return String(f)
        case let .float64(d): return String(d)
        case let .uint64(v): return String(v)
        default: return String(int!)   // every remaining case is an integer narrower than 64 bits, or Int64
        }
    }
}
