import CKernels
import Foundation
import KnowledgeStore

/// An immutable run of stored vectors: [count, D] values of the collection's encoding in one 64-byte-aligned
/// allocation, with the document and item (chunk or document) id of each row.
///
/// Immutable after init, which is why it may be shared between a search in flight and a writer that
/// appends new blocks beside it.
final class VectorBlock: @unchecked Sendable {
    let count: Int
    let dimensions: Int
    let encoding: VectorEncoding
    /// [count, D] f32 or binary16.
    let storage: UnsafeMutableRawPointer
    /// [count]
    let documentIDs: [DocumentID]
    /// [count] chunk ids for a chunk index, document ids for a document index.
    let itemIDs: [Int64]

    var byteCount: Int { count * dimensions * VectorCodec.bytesPerValue(encoding) }

    /// `fill` writes exactly `count · D` values of the encoding into the buffer it is given.
    convenience init(
        dimensions: Int, encoding: VectorEncoding, documentIDs: [DocumentID], itemIDs: [Int64],
        fill: (UnsafeMutableRawBufferPointer) -> Void
    ) {
        let bytes = documentIDs.count * dimensions * VectorCodec.bytesPerValue(encoding)
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes), alignment: 64)
        fill(UnsafeMutableRawBufferPointer(start: storage, count: bytes))
        self.init(dimensions: dimensions, encoding: encoding, documentIDs: documentIDs, itemIDs: itemIDs, adopting: storage)
    }

    /// Takes ownership of `storage`: [documentIDs.count, D] values, allocated with alignment 64.
    init(dimensions: Int, encoding: VectorEncoding, documentIDs: [DocumentID], itemIDs: [Int64],
         adopting storage: UnsafeMutableRawPointer) {
        precondition(documentIDs.count == itemIDs.count)
        self.count = documentIDs.count
        self.dimensions = dimensions
        self.encoding = encoding
        self.documentIDs = documentIDs
        self.itemIDs = itemIDs
        self.storage = storage
    }

    deinit { storage.deallocate() }

    /// Rows from stored blobs, one per row, each exactly D values long (checked by the caller).
    convenience init(dimensions: Int, encoding: VectorEncoding, documentIDs: [DocumentID], itemIDs: [Int64], blobs: [Data]) {
        let rowBytes = dimensions * VectorCodec.bytesPerValue(encoding)
        self.init(dimensions: dimensions, encoding: encoding, documentIDs: documentIDs, itemIDs: itemIDs) { dst in
            for (r, blob) in blobs.enumerated() {
                blob.copyBytes(to: UnsafeMutableRawBufferPointer(rebasing: dst[(r * rowBytes)..<((r + 1) * rowBytes)]))
            }
        }
    }

    /// Several blocks as one, keeping only the rows `keep` accepts (compaction and merging).
    convenience init(merging blocks: [VectorBlock], dimensions: Int, encoding: VectorEncoding,
                     keep: (DocumentID) -> Bool = { _ in true }) {
        var docs: [DocumentID] = [], items: [Int64] = []
        for b in blocks {
            for r in 0..<b.count where keep(b.documentIDs[r]) {
                docs.append(b.documentIDs[r])
                items.append(b.itemIDs[r])
            }
        }
        let rowBytes = dimensions * VectorCodec.bytesPerValue(encoding)
        self.init(dimensions: dimensions, encoding: encoding, documentIDs: docs, itemIDs: items) { dst in
            var out = 0
            for b in blocks {
                // Copy runs of kept rows at once: rows of one document are adjacent.
                var r = 0
                while r < b.count {
                    guard keep(b.documentIDs[r]) else { r += 1; continue }
                    var end = r + 1
                    while end < b.count, keep(b.documentIDs[end]) { end += 1 }
                    let n = (end - r) * rowBytes
                    dst.baseAddress!.advanced(by: out).copyMemory(from: b.storage.advanced(by: r * rowBytes), byteCount: n)
                    out += n
                    r = end
                }
            }
        }
    }

    /// scores[i] = row (first + i) · query, for rows [first, first + n). query: [D].
    func score(first: Int, n: Int, query: UnsafePointer<Float>, into scores: UnsafeMutablePointer<Float>) {
        guard n > 0 else { return }
        switch encoding {
        case .f32:
            let rows = storage.assumingMemoryBound(to: Float.self).advanced(by: first * dimensions)
            ck_dot_rows_f32(rows, Int64(n), Int32(dimensions), query, scores)
        case .f16:
            let rows = storage.assumingMemoryBound(to: UInt16.self).advanced(by: first * dimensions)
            ck_dot_rows_f16(rows, Int64(n), Int32(dimensions), query, scores)
        }
    }
}
