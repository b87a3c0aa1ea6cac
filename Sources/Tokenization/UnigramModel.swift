/// SentencePiece's Unigram model as Hugging Face `tokenizers` runs it: the segmentation of a word that
/// maximises the sum of its pieces' log-probabilities (Viterbi), a character no piece covers costing the
/// unknown score (the lowest piece score minus 10), consecutive unknowns fused into one `<unk>`.
///
/// Pieces live in a byte trie, so lookups compare UTF-8 bytes (Swift `String` keys would treat `é` and
/// `e` + U+0301 as one key). Immutable; safe to share.
struct UnigramModel: Sendable {
    /// [V] piece scores by id; ids that no piece uses score nothing.
    let scores: [Double]
    let unknownID: Int32
    /// `byte_fallback`: an unknown span becomes its bytes' `<0xXX>` pieces (when all exist).
    let byteFallback: Bool
    private let unknownScore: Double
    private let trie: ByteTrie
    private let byteIDs: [Int32]   // [256]: the id of `<0xXX>`, -1 when absent

    /// `pieces` are (UTF-8 piece, id, score); `unknownID` must be one of the ids.
    init(pieces: [([UInt8], Int32, Double)], vocabularySize: Int, unknownID: Int32, byteFallback: Bool) {
        var scores = [Double](repeating: 0, count: vocabularySize)
        var trie = ByteTrie()
        var minimum = Double.infinity
        for (bytes, id, score) in pieces {
            scores[Int(id)] = score
            trie.insert(bytes, id: id)
            minimum = min(minimum, score)
        }
        var byteIDs = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            let name = "<0x" + String(b, radix: 16, uppercase: true).leftPadded(to: 2) + ">"
            byteIDs[b] = trie.id(of: Array(name.utf8)) ?? -1
        }
        self.scores = scores
        self.unknownID = unknownID
        self.byteFallback = byteFallback
        self.unknownScore = (minimum.isFinite ? minimum : 0) - 10
        self.trie = trie
        self.byteIDs = byteIDs
    }

    /// The ids of one pre-tokenized word (UTF-8), appended to `out`.
    func encode(_ word: [UInt8], into out: inout [Int32]) {
        let n = word.count
        guard n > 0 else { return }
        // 1. Viterbi over byte positions (only character starts are reached): best[end] is the best
        //    segmentation of word[0 ..< end], found as (score, start of its last piece, that piece's id).
        var bestScore = [Double](repeating: 0, count: n + 1)
        var bestStart = [Int](repeating: -1, count: n + 1)
        var bestID = [Int32](repeating: -1, count: n + 1)
        bestStart[0] = 0
        var start = 0
        while start < n {
            let here = bestScore[start]
            let charLength = min(PrecompiledCharsmap.scalarLength(word[start]), n - start)
            var coversCharacter = false
            trie.prefixes(of: word, from: start) { end, id in
                let candidate = scores[Int(id)] + here
                // Strictly better only: of equal paths the first found stays, as in Hugging Face.
                if bestStart[end] < 0 || candidate > bestScore[end] {
                    (bestScore[end], bestStart[end], bestID[end]) = (candidate, start, id)
                }
                if end - start == charLength { coversCharacter = true }
            }
            if !coversCharacter {
                let end = start + charLength
                let candidate = unknownScore + here
                if bestStart[end] < 0 || candidate > bestScore[end] {
                    (bestScore[end], bestStart[end], bestID[end]) = (candidate, start, unknownID)
                }
            }
            start += charLength
        }
        // 2. Back from the end; consecutive unknown pieces fuse into one.
        var pieces: [(id: Int32, start: Int, end: Int)] = []
        var end = n
        while end > 0 {
            let s = bestStart[end], id = bestID[end]
            if id == unknownID, let last = pieces.last, last.id == unknownID {
                pieces[pieces.count - 1].start = s
            } else {
                pieces.append((id, s, end))
            }
            end = s
        }
        for piece in pieces.reversed() {
            guard piece.id == unknownID, byteFallback else { out.append(piece.id); continue }
            // 3. Byte fallback: every byte of the span, when each has its `<0xXX>` piece.
            let bytes = word[piece.start..<piece.end].map { byteIDs[Int($0)] }
            if bytes.contains(-1) { out.append(unknownID) } else { out += bytes }
        }
    }
}

/// A byte trie over piece texts: edges keyed by (node, byte) in one hash table.
struct ByteTrie: Sendable {
    private var edges: [UInt64: Int32] = [:]   // node << 8 | byte -> child node
    private var terminal: [Int32] = [-1]        // [nodes]: the id ending at each node, or -1

    mutating func insert(_ key: [UInt8], id: Int32) {
        var node: Int32 = 0
        for b in key {
            let k = UInt64(node) << 8 | UInt64(b)
            if let child = edges[k] { node = child; continue }
            let child = Int32(terminal.count)
            terminal.append(-1)
            edges[k] = child
            node = child
        }
        terminal[Int(node)] = id
    }

    func id(of key: [UInt8]) -> Int32? {
        var node: Int32 = 0
        for b in key {
            guard let child = edges[UInt64(node) << 8 | UInt64(b)] else { return nil }
            node = child
        }
        let id = terminal[Int(node)]
        return id >= 0 ? id : nil
    }

    /// Calls `body(end, id)` for every piece that is a prefix of `bytes[start...]`, shortest first.
    func prefixes(of bytes: [UInt8], from start: Int, _ body: (Int, Int32) -> Void) {
        var node: Int32 = 0
        var i = start
        while i < bytes.count, let child = edges[UInt64(node) << 8 | UInt64(bytes[i])] {
            node = child
            i += 1
            let id = terminal[Int(node)]
            if id >= 0 { body(i, id) }
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
