/// Pooling of an encoder's packed hidden states, shared by the encoder families (BERT, nomic-bert).
enum Pooled {
    /// One vector per sequence: x [T, C] packed end to end -> [sequences][C]. Mean runs over every token, [CLS] and
    /// [SEP] included, as sentence-transformers and llama.cpp do (the attention mask is all ones for real tokens).
    static func vectors(_ x: UnsafePointer<Float>, lengths: [Int], dim C: Int, pooling: Pooling) -> [[Float]] {
        var result: [[Float]] = []
        result.reserveCapacity(lengths.count)
        var start = 0
        for t in lengths {
            let rows = UnsafeBufferPointer(start: x + start * C, count: t * C)
            switch pooling {
            case .cls: result.append(Array(rows[0 ..< C]))
            case .lastToken: result.append(Array(rows[(t - 1) * C ..< t * C]))
            case .mean: result.append(meanRows(rows, count: t, dim: C))
            }
            start += t
        }
        return result
    }

    /// Column means of `count` rows of `dim` values, summed in double (order-independent to float precision).
    static func meanRows(_ rows: UnsafeBufferPointer<Float>, count: Int, dim: Int) -> [Float] {
        var sums = [Double](repeating: 0, count: dim)
        for r in 0..<count {
            for i in 0..<dim { sums[i] += Double(rows[r * dim + i]) }
        }
        return sums.map { Float($0 / Double(count)) }
    }
}
