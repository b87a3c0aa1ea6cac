extension Pooling {
    /// Each packed sequence's rows pooled to one vector: x [T, C] -> [sequences][C]. Mean runs over every token
    /// (special tokens included, as sentence-transformers does: its attention mask is all ones for real tokens)
    /// and sums in double, so the order of the rows does not matter to float precision.
    func pool(_ x: UnsafePointer<Float>, lengths: [Int], dim C: Int) -> [[Float]] {
        var result: [[Float]] = []
        result.reserveCapacity(lengths.count)
        var start = 0
        for t in lengths {
            let rows = UnsafeBufferPointer(start: x + start * C, count: t * C)
            switch self {
            case .cls: result.append(Array(rows[0 ..< C]))
            case .lastToken: result.append(Array(rows[(t - 1) * C ..< t * C]))
            case .mean:
                var sums = [Double](repeating: 0, count: C)
                for r in 0..<t {
                    for i in 0..<C { sums[i] += Double(rows[r * C + i]) }
                }
                result.append(sums.map { Float($0 / Double(t)) })
            }
            start += t
        }
        return result
    }
}
