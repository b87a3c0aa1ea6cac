import CKernels
import Dispatch
import KnowledgeStore

// Glossary: N = stored rows, D = dimensions, K = hits asked for.

/// The stored vectors of one (collection, target) in memory, for exact search by dot product.
///
/// Rows live in a few immutable `VectorBlock`s: the one loaded from the database, then small ones appended
/// per added document and merged geometrically (so a scan touches O(log N) blocks and no write copies the big
/// one). Deleted documents are skipped until a quarter of the rows are dead, then the blocks are compacted.
/// A value type: a search keeps scanning the blocks it started with while a writer builds the next version.
package struct VectorIndex: Sendable {
    /// One search result: the row's document, its chunk (or document) id, and the dot product.
    package struct Match: Sendable, Equatable {
        package var documentID: DocumentID
        package var itemID: Int64
        package var score: Float
    }

    package let dimensions: Int
    package let encoding: VectorEncoding
    private(set) var blocks: [VectorBlock] = []
    /// Documents deleted since the last compaction; their rows are still in `blocks`.
    private var deleted: Set<DocumentID> = []
    private var deadRows = 0
    /// The collection generation (see `Schema`) this index reflects.
    var generation: Int64

    /// Blocks up to this size merge with their neighbours; bigger ones stay as they are.
    static let mergeLimitBytes = 256 << 20
    /// Scans of at least this many values use two threads (below it, waking a thread costs more than it saves).
    static let parallelValues = 1 << 21

    package init(dimensions: Int, encoding: VectorEncoding, generation: Int64 = 0) {
        self.dimensions = dimensions
        self.encoding = encoding
        self.generation = generation
    }

    /// Live rows.
    package var count: Int { blocks.reduce(0) { $0 + $1.count } - deadRows }

    /// Appends rows given as floats: `vectors` is [n, D] row-major, n = documentIDs.count. Stored in the
    /// index's encoding exactly as the database stores them.
    package mutating func append(documentIDs: [DocumentID], itemIDs: [Int64], vectors: [Float]) {
        precondition(vectors.count == documentIDs.count * dimensions, "vectors must be [n, D]")
        let block = VectorBlock(dimensions: dimensions, encoding: encoding, documentIDs: documentIDs, itemIDs: itemIDs) { dst in
            vectors.withUnsafeBufferPointer { src in
                switch encoding {
                case .f32: dst.copyMemory(from: UnsafeRawBufferPointer(src))
                case .f16: ck_f32_to_f16(src.baseAddress, dst.baseAddress!.assumingMemoryBound(to: UInt16.self), Int64(src.count))
                }
            }
        }
        append(block)
    }

    mutating func append(_ block: VectorBlock) {
        guard block.count > 0 else { return }
        blocks.append(block)
        // Binary-counter merging: a block absorbs the one before it once it is at least as big.
        while blocks.count >= 2 {
            let a = blocks[blocks.count - 2], b = blocks[blocks.count - 1]
            guard a.count <= b.count, a.byteCount + b.byteCount <= Self.mergeLimitBytes else { break }
            blocks.removeLast(2)
            blocks.append(VectorBlock(merging: [a, b], dimensions: dimensions, encoding: encoding))
        }
    }

    /// Drops the rows of these documents.
    package mutating func remove(documents: Set<DocumentID>) {
        let fresh = documents.subtracting(deleted)
        guard !fresh.isEmpty else { return }
        deleted.formUnion(fresh)
        for b in blocks { for d in b.documentIDs where fresh.contains(d) { deadRows += 1 } }
        let total = blocks.reduce(0) { $0 + $1.count }
        if deadRows * 4 > total {
            let gone = deleted
            let merged = VectorBlock(merging: blocks, dimensions: dimensions, encoding: encoding) { !gone.contains($0) }
            blocks = merged.count > 0 ? [merged] : []
            deleted = []
            deadRows = 0
        }
    }

    /// The K rows with the largest dot product with `query` [D], best first; only rows of `allowed` documents
    /// when given.
    package func search(query: [Float], k: Int, allowed: Set<DocumentID>? = nil) -> [Match] {
        precondition(query.count == dimensions, "query must have D values")
        var offsets: [Int] = []  // first global row of each block
        var total = 0
        for b in blocks { offsets.append(total); total += b.count }
        guard k > 0, total > 0 else { return [] }

        // 1. Which rows may be returned: nil means all of them.
        let mask = rowMask(allowed: allowed, total: total)
        let selected = mask.map { $0.reduce(0) { $0 + ($1 ? 1 : 0) } } ?? total
        guard selected > 0 else { return [] }

        // 2. Scores [N]. A selective filter scores only its rows; otherwise scan everything, split in two.
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: total)
        defer { scores.deallocate() }
        if let mask, selected < total / 8 {
            query.withUnsafeBufferPointer { q in
                for (bi, b) in blocks.enumerated() {
                    var r = 0
                    while r < b.count {
                        guard mask[offsets[bi] + r] else { r += 1; continue }
                        var end = r + 1
                        while end < b.count, mask[offsets[bi] + end] { end += 1 }
                        b.score(first: r, n: end - r, query: q.baseAddress!, into: scores + offsets[bi] + r)
                        r = end
                    }
                }
            }
        } else {
            let parts = total * dimensions >= Self.parallelValues ? 2 : 1
            let out = SendablePointer(scores), blocks = self.blocks, starts = offsets, n = total
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                let lo = n * p / parts, hi = n * (p + 1) / parts
                query.withUnsafeBufferPointer { q in
                    for (bi, b) in blocks.enumerated() {
                        let s = max(lo, starts[bi]), e = min(hi, starts[bi] + b.count)
                        if s < e { b.score(first: s - starts[bi], n: e - s, query: q.baseAddress!, into: out.pointer + s) }
                    }
                }
            }
        }

        // 3. Top K, then rows -> ids.
        var top = TopK(k: k)
        if let mask {
            for r in 0..<total where mask[r] { top.offer(scores[r], row: r) }
        } else {
            for r in 0..<total where scores[r] > top.threshold { top.offer(scores[r], row: r) }
        }
        return top.sorted().map { hit in
            let bi = (offsets.lastIndex { $0 <= hit.row })!
            let local = hit.row - offsets[bi]
            return Match(documentID: blocks[bi].documentIDs[local], itemID: blocks[bi].itemIDs[local], score: hit.score)
        }
    }

    /// [N] live rows of allowed documents, or nil when every row qualifies.
    private func rowMask(allowed: Set<DocumentID>?, total: Int) -> [Bool]? {
        guard allowed != nil || !deleted.isEmpty else { return nil }
        var mask = [Bool](repeating: false, count: total)
        var r = 0, lastDoc: DocumentID? = nil, lastOK = false
        for b in blocks {
            for d in b.documentIDs {
                // Rows of one document are adjacent, so one lookup usually serves many rows.
                if d != lastDoc {
                    lastDoc = d
                    lastOK = !deleted.contains(d) && (allowed?.contains(d) ?? true)
                }
                mask[r] = lastOK
                r += 1
            }
        }
        return mask
    }
}

/// A pointer handed to the scan threads, each writing its own disjoint range.
struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}
