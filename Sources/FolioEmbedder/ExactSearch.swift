import FolioTensor

/// Exact nearest neighbours by dot product over unit vectors (cosine similarity), no index.
///
/// Scores come from one GEMM per block of queries: queries [Q, C] · corpusᵀ [C, N] -> [Q, N], the
/// corpus standing in for a linear layer's [N, C] f32 weight, so the SIMD matmul kernels do the work.
public struct ExactSearch: Sendable {
    /// Corpus vectors as rows: [N, C] f32.
    public let corpus: Tensor
    let pool: ThreadPool

    /// `vectors`: N unit vectors of equal length C.
    public init(vectors: [[Float]], pool: ThreadPool = .shared) {
        let C = vectors.first?.count ?? 0
        precondition(vectors.allSatisfy { $0.count == C }, "corpus vectors of different lengths")
        corpus = Tensor(vectors.flatMap { $0 }, shape: [vectors.count, C])
        self.pool = pool
    }

    /// For each query, the indices of the `k` highest-scoring corpus rows with their scores, best first
    /// (ties: lower index first).
    public func search(_ queries: [[Float]], k: Int) -> [[(index: Int, score: Float)]] {
        let (N, C) = (corpus.shape[0], corpus.shape[1])
        guard N > 0, !queries.isEmpty else { return queries.map { _ in [] } }
        // Blocks of 64 queries keep the score block at 64 · N floats.
        let block = 64
        var results: [[(index: Int, score: Float)]] = []
        results.reserveCapacity(queries.count)
        var scores = [Float](repeating: 0, count: block * N)
        for start in stride(from: 0, to: queries.count, by: block) {
            let part = queries[start ..< min(start + block, queries.count)]
            precondition(part.allSatisfy { $0.count == C }, "query vectors must have \(C) values")
            let x = part.flatMap { $0 }
            scores.withUnsafeMutableBufferPointer { s in
                x.withUnsafeBufferPointer { Ops.matmul($0.baseAddress!, rows: part.count, weight: corpus, into: s.baseAddress!, pool: pool) }
            }
            for q in 0..<part.count {
                results.append(Self.topK(scores[q * N ..< (q + 1) * N], k: k))
            }
        }
        return results
    }

    /// Pairs of corpus rows (i < j) whose dot product is at least `threshold`, from the same blocked GEMM as
    /// `search` (the corpus scored against itself 64 rows at a time).
    public func pairs(atLeast threshold: Float) -> [(i: Int, j: Int, score: Float)] {
        let (N, C) = (corpus.shape[0], corpus.shape[1])
        guard N > 1 else { return [] }
        let block = 64
        var found: [(i: Int, j: Int, score: Float)] = []
        var scores = [Float](repeating: 0, count: block * N)
        let rows = corpus.floats
        for start in stride(from: 0, to: N, by: block) {
            let count = min(block, N - start)
            scores.withUnsafeMutableBufferPointer { s in
                Ops.matmul(rows + start * C, rows: count, weight: corpus, into: s.baseAddress!, pool: pool)
            }
            for r in 0..<count {
                let i = start + r
                for j in (i + 1)..<N where scores[r * N + j] >= threshold { found.append((i, j, scores[r * N + j])) }
            }
        }
        return found
    }

    /// The k largest of `scores` (indices relative to its start), best first, ties by lower index.
    static func topK(_ scores: ArraySlice<Float>, k: Int) -> [(index: Int, score: Float)] {
        var best: [(index: Int, score: Float)] = []
        best.reserveCapacity(k + 1)
        for (i, s) in scores.enumerated() {
            if best.count == k, let last = best.last, s <= last.score { continue }
            // Insertion into a sorted list of at most k: cheap for k = 100 against N in the thousands.
            var lo = 0, hi = best.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if best[mid].score >= s { lo = mid + 1 } else { hi = mid }
            }
            best.insert((i, s), at: lo)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}
