import CKernels
import Foundation
import KnowledgeStore

// Glossary: D = a collection's vector dimensions, N = stored rows.

/// The on-disk form of one vector: D little-endian f32 (4·D bytes) or IEEE binary16 (2·D bytes) values,
/// as the collection's `VectorEncoding` says. Every platform Swift runs on is little-endian, so the bytes
/// are the in-memory layout and the search cache can take them as they are.
enum VectorCodec {
    static func bytesPerValue(_ encoding: VectorEncoding) -> Int { encoding == .f32 ? 4 : 2 }

    /// [D] floats -> blob.
    static func encode(_ vector: [Float], as encoding: VectorEncoding) -> Data {
        switch encoding {
        case .f32:
            return vector.withUnsafeBytes { Data($0) }
        case .f16:
            var halves = [UInt16](repeating: 0, count: vector.count)
            vector.withUnsafeBufferPointer { src in
                halves.withUnsafeMutableBufferPointer { ck_f32_to_f16(src.baseAddress, $0.baseAddress, Int64(src.count)) }
            }
            return halves.withUnsafeBytes { Data($0) }
        }
    }

    /// Blob -> [D] floats (f16 widened exactly). Throws when the blob is not D values long.
    static func decode(_ blob: Data, as encoding: VectorEncoding, dimensions: Int) throws(StoreError) -> [Float] {
        guard blob.count == dimensions * bytesPerValue(encoding) else {
            throw .unusable(
                "a stored vector has \(blob.count) bytes where \(dimensions) \(encoding.rawValue) values were expected; "
                    + "the database was changed outside Folio — re-ingest the collection")
        }
        var out = [Float](repeating: 0, count: dimensions)
        switch encoding {
        case .f32:
            _ = out.withUnsafeMutableBytes { blob.copyBytes(to: $0) }
        case .f16:
            blob.withUnsafeBytes { raw in
                out.withUnsafeMutableBufferPointer {
                    ck_f16_to_f32(raw.bindMemory(to: UInt16.self).baseAddress, $0.baseAddress, Int64(dimensions))
                }
            }
        }
        return out
    }
}
