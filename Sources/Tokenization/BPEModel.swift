import Foundation

/// Byte-pair encoding of one pre-tokenized word, with merges applied lowest rank first, as Hugging
/// Face's `BPE::merge_word` does (ties go to the leftmost pair).
///
/// Glossary: a word is the UTF-8 bytes of one pre-tokenizer piece; a symbol is a token id covering a
/// run of them; `rank` is a merge's position in the merge list (lower merges first).
final class BPEModel: @unchecked Sendable {
    /// Id of each single byte's vocabulary entry; -1 when the vocabulary lacks it.
    let byteIDs: [Int32]                       // [256]
    let merges: MergeTable
    /// Hugging Face `ignore_merges` (Llama 3): a word that is itself a token skips merging.
    let ignoreMerges: Bool
    /// Vocabulary by raw bytes, used only with `ignoreMerges`.
    let wordIDs: [ByteKey: Int32]
    /// Id for bytes missing from the vocabulary; nil drops them (byte-level BPE never needs it).
    let unknownID: Int32?
    private let cache = WordCache(capacity: 200_000)

    init(byteIDs: [Int32], merges: MergeTable, ignoreMerges: Bool, wordIDs: [ByteKey: Int32], unknownID: Int32?) {
        self.byteIDs = byteIDs
        self.merges = merges
        self.ignoreMerges = ignoreMerges
        self.wordIDs = wordIDs
        self.unknownID = unknownID
    }

    /// Appends the ids of `word` to `out`, from the cache when the word was seen before.
    func encode(_ word: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        if word.count == 1 {
            let id = byteIDs[Int(word[0])]
            if id >= 0 { out.append(id) } else if let unk = unknownID { out.append(unk) }
            return
        }
        let key = ByteKey(word)
        if let hit = cache[key] { out += hit; return }
        if ignoreMerges, let id = wordIDs[key] { out.append(id); return }
        let ids = merges.merge(initialSymbols(word))
        cache[key] = ids
        out += ids
    }

    private func initialSymbols(_ word: UnsafeBufferPointer<UInt8>) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(word.count)
        for b in word {
            let id = byteIDs[Int(b)]
            if id >= 0 { ids.append(id) } else if let unk = unknownID { ids.append(unk) }
        }
        return ids
    }
}

/// The merge list keyed by the ids of the two symbols, and the merge loop every BPE flavour shares
/// (byte-level for Qwen3, SentencePiece-style with byte fallback for Gemma): Hugging Face's
/// `Word::merge_all`, lowest rank first, ties to the leftmost pair.
struct MergeTable: Sendable {
    /// (left << 32 | right) -> (rank << 32 | merged id).
    let table: [UInt64: UInt64]

    init(_ table: [UInt64: UInt64]) { self.table = table }

    /// The table key of the pair (left, right).
    @inline(__always)
    static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    private func lookup(_ a: Int32, _ b: Int32) -> UInt64? { table[Self.key(a, b)] }

    /// `ids` after every applicable merge.
    func merge(_ ids: [Int32]) -> [Int32] {
        if ids.count < 2 || table.isEmpty { return ids }
        return ids.count <= 48 ? mergeShort(ids) : mergeLong(ids)
    }

    /// Short words: keep the rank of every adjacent pair and rescan for the minimum (O(n²), n ≤ 48).
    private func mergeShort(_ initial: [Int32]) -> [Int32] {
        var ids = initial
        var pairs = [UInt64](repeating: .max, count: ids.count - 1)   // rank << 32 | merged id
        for k in 0..<pairs.count { pairs[k] = lookup(ids[k], ids[k + 1]) ?? .max }
        while true {
            var best = 0
            var bestValue = UInt64.max
            for k in 0..<pairs.count where pairs[k] < bestValue { best = k; bestValue = pairs[k] }
            if bestValue == .max { break }
            ids[best] = Int32(bitPattern: UInt32(truncatingIfNeeded: bestValue))
            ids.remove(at: best + 1)
            pairs.remove(at: best)
            if best > 0 { pairs[best - 1] = lookup(ids[best - 1], ids[best]) ?? .max }
            if best < pairs.count { pairs[best] = lookup(ids[best], ids[best + 1]) ?? .max }
        }
        return ids
    }

    /// Long words: a heap of candidate merges keyed by (rank, position) over a linked list of symbols,
    /// skipping stale entries, as in Hugging Face's `Word::merge_all` (O(n log n)).
    private func mergeLong(_ initial: [Int32]) -> [Int32] {
        var ids = initial
        let n = ids.count
        var prev = (0..<n).map { $0 - 1 }
        var next = (0..<n).map { $0 + 1 < n ? $0 + 1 : -1 }
        var alive = [Bool](repeating: true, count: n)
        var heap = MergeHeap()
        for k in 0..<(n - 1) {
            if let m = lookup(ids[k], ids[k + 1]) { heap.push(rank: UInt32(m >> 32), pos: UInt32(k), id: Int32(bitPattern: UInt32(truncatingIfNeeded: m))) }
        }
        while let top = heap.pop() {
            let pos = Int(top.pos)
            guard alive[pos], next[pos] >= 0 else { continue }
            let right = next[pos]
            guard let m = lookup(ids[pos], ids[right]), Int32(bitPattern: UInt32(truncatingIfNeeded: m)) == top.id else { continue }
            ids[pos] = top.id
            alive[right] = false
            next[pos] = next[right]
            if next[pos] >= 0 { prev[next[pos]] = pos }
            if prev[pos] >= 0, let m = lookup(ids[prev[pos]], ids[pos]) {
                heap.push(rank: UInt32(m >> 32), pos: UInt32(prev[pos]), id: Int32(bitPattern: UInt32(truncatingIfNeeded: m)))
            }
            if next[pos] >= 0, let m = lookup(ids[pos], ids[next[pos]]) {
                heap.push(rank: UInt32(m >> 32), pos: UInt32(pos), id: Int32(bitPattern: UInt32(truncatingIfNeeded: m)))
            }
        }
        var out: [Int32] = []
        var k = 0
        while k >= 0 { out.append(ids[k]); k = next[k] }
        return out
    }
}

/// A binary min-heap of merge candidates ordered by (rank, position).
struct MergeHeap {
    struct Entry { var key: UInt64; var id: Int32; var pos: UInt32 { UInt32(truncatingIfNeeded: key) } }
    private var items: [Entry] = []

    mutating func push(rank: UInt32, pos: UInt32, id: Int32) {
        items.append(Entry(key: UInt64(rank) << 32 | UInt64(pos), id: id))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent].key <= items[i].key { break }
            items.swapAt(parent, i)
            i = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && items[l].key < items[m].key { m = l }
                if r < items.count && items[r].key < items[m].key { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return first
    }
}

/// Bytes as a dictionary key, hashed in one call rather than byte by byte.
struct ByteKey: Hashable, Sendable {
    let bytes: [UInt8]
    init(_ buffer: UnsafeBufferPointer<UInt8>) { bytes = Array(buffer) }
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
    static func == (a: ByteKey, b: ByteKey) -> Bool { a.bytes == b.bytes }
}

/// Word -> ids, shared by all threads. Stops growing at `capacity` words (as Hugging Face's BPE cache
/// does) so memory stays bounded on huge corpora.
final class WordCache: @unchecked Sendable {
    private var words: [ByteKey: [Int32]] = [:]
    private let lock = NSLock()
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    subscript(key: ByteKey) -> [Int32]? {
        get { lock.lock(); defer { lock.unlock() }; return words[key] }
        set {
            lock.lock(); defer { lock.unlock() }
            if words.count < capacity { words[key] = newValue }
        }
    }
}
