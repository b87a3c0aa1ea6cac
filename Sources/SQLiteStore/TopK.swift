/// The k best (score, row) pairs seen, as a min-heap: the root is the worst kept, so a new candidate costs one
/// comparison unless it beats it. Ties keep the lower row, so results do not depend on thread timing.
struct TopK {
    private(set) var items: [(score: Float, row: Int)] = []
    let k: Int

    init(k: Int) {
        self.k = k
        items.reserveCapacity(k)
    }

    /// Whether (a) ranks below (b): lower score, or equal score and higher row.
    @inline(__always) private static func worse(_ a: (score: Float, row: Int), _ b: (score: Float, row: Int)) -> Bool {
        a.score < b.score || (a.score == b.score && a.row > b.row)
    }

    /// The score a candidate must beat once the heap is full (-inf before).
    var threshold: Float { items.count < k ? -.infinity : items[0].score }

    mutating func offer(_ score: Float, row: Int) {
        guard k > 0, !score.isNaN else { return }
        let x = (score: score, row: row)
        if items.count < k {
            items.append(x)
            var i = items.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard Self.worse(items[i], items[parent]) else { break }
                items.swapAt(i, parent)
                i = parent
            }
        } else if Self.worse(items[0], x) {
            items[0] = x
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, Self.worse(items[l], items[m]) { m = l }
                if r < items.count, Self.worse(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
    }

    /// Best first.
    func sorted() -> [(score: Float, row: Int)] { items.sorted { Self.worse($1, $0) } }
}
