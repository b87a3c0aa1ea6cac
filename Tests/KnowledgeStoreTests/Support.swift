import Foundation
import KnowledgeStore

/// Deterministic pseudo-random numbers (SplitMix64), so a failing case can be rerun.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A random direction: [d] with unit length.
    mutating func unitVector(_ d: Int) -> [Float] {
        let v = (0..<d).map { _ in Float.random(in: -1...1, using: &self) }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / norm }
    }
}

/// Builders for documents and chunks; hashes only need to be distinct strings for the store.
enum Make {
    static func spec(_ name: String, d: Int = 8, encoding: VectorEncoding = .f32) -> CollectionSpec {
        CollectionSpec(name: name, model: "test-model", dimensions: d, vectorEncoding: encoding,
                       createdAt: Date(timeIntervalSince1970: 1_700_000_000))
    }

    /// A document whose chunks are `chunkTexts` laid end to end (separated by one space) in its text.
    static func document(
        _ collection: String, title: String = "doc", source: String = "doc.txt", chunkTexts: [String],
        metadata: [String: String] = [:], d: Int = 8, vector: [Float]? = nil, chunkVectors: [[Float]]? = nil,
        pages: [PageSpan] = [], rng: inout SeededRandom
    ) -> (NewDocument, [NewChunk]) {
        var chunks: [NewChunk] = []
        var offset = 0
        for (i, t) in chunkTexts.enumerated() {
            let n = t.unicodeScalars.count
            chunks.append(NewChunk(text: t, start: offset, end: offset + n, page: pages.isEmpty ? nil : 1,
                                   tokenCount: max(1, n / 4), textHash: "h-" + t,
                                   vector: chunkVectors?[i] ?? rng.unitVector(d)))
            offset += n + 1
        }
        let text = chunkTexts.joined(separator: " ")
        let doc = NewDocument(
            collection: collection, title: title, source: source, mediaType: "text/plain", contentHash: "c-" + text,
            byteSize: text.utf8.count, metadata: metadata, text: text, pages: pages, tokenCount: text.count / 4,
            vector: vector ?? rng.unitVector(d))
        return (doc, chunks)
    }
}

/// Exact top-k by dot product in double precision: (id, score), best first; ties by lower id.
func bruteForceTopK(_ items: [(id: Int64, vector: [Float])], query: [Float], k: Int) -> [(id: Int64, score: Double)] {
    var scored: [(id: Int64, score: Double)] = []
    for item in items {
        var s = 0.0
        for (a, b) in zip(item.vector, query) { s += Double(a) * Double(b) }
        scored.append((id: item.id, score: s))
    }
    scored.sort { $0.score > $1.score || ($0.score == $1.score && $0.id < $1.id) }
    return Array(scored.prefix(k))
}

/// The vector as the store keeps it: f16 rounds each value to the nearest binary16 (where Swift has Float16).
func stored(_ v: [Float], _ encoding: VectorEncoding) -> [Float] {
    #if arch(x86_64) && os(macOS)
    return v  // no Float16 here; scores then differ by up to the f16 tolerance and the test allows it
    #else
    return encoding == .f32 ? v : v.map { Float(Float16($0)) }
    #endif
}
