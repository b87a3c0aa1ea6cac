import Foundation
import ModelFiles

/// Little-endian byte sink for writing GGUF and safetensors files in tests.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func int<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func u32(_ v: UInt32) { int(v) }
    mutating func u64(_ v: UInt64) { int(v) }
    /// A GGUF string: u64 length, then UTF-8 bytes.
    mutating func string(_ s: String) {
        u64(UInt64(s.utf8.count))
        bytes.append(contentsOf: Array(s.utf8))
    }
    mutating func pad(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    /// One GGUF metadata value without its type tag (arrays carry their element type and count).
    mutating func value(_ v: GGUFValue) {
        switch v {
        case let .uint8(x): int(x)
        case let .int8(x): int(x)
        case let .uint16(x): int(x)
        case let .int16(x): int(x)
        case let .uint32(x): int(x)
        case let .int32(x): int(x)
        case let .float32(x): int(x.bitPattern)
        case let .bool(x): int(UInt8(x ? 1 : 0))
        case let .string(x): string(x)
        case let .array(type, values):
            u32(type.rawValue)
            u64(UInt64(values.count))
            for e in values { value(e) }
        case let .uint64(x): int(x)
        case let .int64(x): int(x)
        case let .float64(x): int(x.bitPattern)
        }
    }
}

/// A private folder under the system temporary directory, removed when the test ends.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("folio-modelfiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `bytes` to `name` inside the folder and returns the full path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Float16 bit patterns for `values` (IEEE half, round to nearest even), little-endian bytes.
func halfBytes(_ values: [Float]) -> [UInt8] {
    var w = ByteWriter()
    for v in values { w.int(Float16(v).bitPattern) }
    return w.bytes
}

/// Float32 little-endian bytes.
func floatBytes(_ values: [Float]) -> [UInt8] {
    var w = ByteWriter()
    for v in values { w.int(v.bitPattern) }
    return w.bytes
}
