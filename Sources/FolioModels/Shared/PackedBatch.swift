/// Sequences packed end to end for one forward pass, never padded: each sequence's attention sees only
/// itself and its positions restart at 0.
struct PackedBatch {
    /// Tokens of each sequence, in order.
    let lengths: [Int]
    /// T, the packed row count.
    let tokens: Int
    /// [T] token ids as row indices of the embedding table.
    let rows: [Int]

    /// Lengths and ids were checked by the caller (the embedder or reranker): violations are programmer errors.
    init(_ sequences: [[Int32]], maxLength: Int, vocabularySize: Int) {
        lengths = sequences.map(\.count)
        precondition(lengths.allSatisfy { $0 > 0 && $0 <= maxLength }, "sequence length checked by the embedder")
        tokens = lengths.reduce(0, +)
        let ids = sequences.flatMap { $0 }
        precondition(ids.allSatisfy { $0 >= 0 && Int($0) < vocabularySize }, "token ids checked by the embedder")
        rows = ids.map { Int($0) }
    }
}

extension PackedBatch {
    /// Rows of a packed [T, C] matrix cut back into each sequence's tokens: [T, C] -> [sequences][tokens][C].
    static func split(_ x: UnsafePointer<Float>, lengths: [Int], dim C: Int) -> [[[Float]]] {
        var start = 0
        return lengths.map { t in
            defer { start += t }
            return (start ..< start + t).map { Array(UnsafeBufferPointer(start: x + $0 * C, count: C)) }
        }
    }
}
