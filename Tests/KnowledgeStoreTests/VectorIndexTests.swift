import Foundation
import KnowledgeStore
import SQLiteStore
import Testing

/// The SQLite store's in-memory exact index on its own: correctness against brute force, and its latency.
/// Sizes come from `FOLIO_BENCH_VECTORS` (e.g. "10000,100000,1000000"; default 10000); timings are printed.
@Suite("Vector index")
struct VectorIndexTests {
    static let d = 1024
    static var sizes: [Int] {
        (ProcessInfo.processInfo.environment["FOLIO_BENCH_VECTORS"] ?? "10000").split(separator: ",").compactMap { Int($0) }
    }

    /// Fills an index with n rows of cheap pseudo-random values in [-1, 1), in 64k-row pieces (bounded memory).
    static func build(n: Int, encoding: VectorEncoding, keep: Set<Int>) -> (VectorIndex, [Int: [Float]]) {
        var index = VectorIndex(dimensions: d, encoding: encoding)
        var kept: [Int: [Float]] = [:]
        var state: UInt32 = 12345
        var row = 0
        while row < n {
            let m = min(65536, n - row)
            var values = [Float](repeating: 0, count: m * d)
            for i in values.indices {
                state = state &* 1_664_525 &+ 1_013_904_223
                values[i] = Float(Int32(bitPattern: state)) * (1 / 2_147_483_648)
            }
            for r in row..<(row + m) where keep.contains(r) { kept[r] = Array(values[((r - row) * d)..<((r - row + 1) * d)]) }
            // Document id = row / 4 (four chunks a document), item id = row.
            index.append(documentIDs: (row..<(row + m)).map { Int64($0 / 4) }, itemIDs: (row..<(row + m)).map { Int64($0) },
                         vectors: values)
            row += m
        }
        return (index, kept)
    }

    @Test("Exact search finds each planted row first and agrees with brute force", arguments: VectorEncoding.allCases)
    func plantedRows(encoding: VectorEncoding) throws {
        for n in Self.sizes {
            let planted = [0, n / 3, n - 1]
            let (index, rows) = Self.build(n: n, encoding: encoding, keep: Set(planted))
            #expect(index.count == n)
            var times: [Double] = []
            for j in planted {
                let query = try #require(rows[j])
                let start = DispatchTime.now().uptimeNanoseconds
                let hits = index.search(query: query, k: 10)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                #expect(hits.first?.itemID == Int64(j))
                #expect(hits.first?.documentID == Int64(j / 4))
                let selfDot = query.reduce(0.0) { $0 + Double($1) * Double($1) }
                #expect(abs(Double(hits.first?.score ?? 0) - selfDot) <= (encoding == .f32 ? 1e-3 : 0.5))
                #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
                // A filter to one document returns only its four rows, best first.
                let only = index.search(query: query, k: 10, allowed: [Int64(j / 4)])
                let first = j / 4 * 4
                let docRows: Set<Int64> = Set((first..<min(n, first + 4)).map { Int64($0) })
                #expect(Set(only.map(\.itemID)) == docRows)
            }
            print("vector index \(encoding) n=\(n) d=\(Self.d): search \(times.map { String(format: "%.1f", $0) }) ms")
        }
    }

    @Test("Deleting documents and appending rows keeps search exact")
    func updates() {
        var rng = SeededRandom(seed: 40)
        var index = VectorIndex(dimensions: 16, encoding: .f32)
        var all: [(id: Int64, doc: Int64, vector: [Float])] = []
        for doc in 0..<300 {
            let vs = (0..<3).map { _ in rng.unitVector(16) }
            let ids = (0..<3).map { Int64(doc * 3 + $0) }
            index.append(documentIDs: Array(repeating: Int64(doc), count: 3), itemIDs: ids, vectors: vs.flatMap { $0 })
            for (i, v) in vs.enumerated() { all.append((ids[i], Int64(doc), v)) }
        }
        // Remove a third of the documents in steps (compaction kicks in past a quarter).
        var gone = Set<Int64>()
        for step in 0..<4 {
            let drop = Set((0..<300).filter { $0 % 12 == step * 3 }.map { Int64($0) })
            index.remove(documents: drop)
            gone.formUnion(drop)
            let q = rng.unitVector(16)
            let live = all.filter { !gone.contains($0.doc) }
            let expected = bruteForceTopK(live.map { ($0.id, $0.vector) }, query: q, k: 20).map(\.id)
            #expect(index.search(query: q, k: 20).map(\.itemID) == expected)
            #expect(index.count == live.count)
        }
    }
}
