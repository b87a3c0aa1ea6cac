/// Piece bytes -> id, looked up without allocating: open addressing over FNV-1a hashes, bytes compared on a
/// hit. Pieces are compared as bytes, never as Swift `String`s (canonical equivalence would merge `য়` and
/// `য` + U+09BC). A lookup may name the piece as two parts (`left + right`), which merge building needs.
struct PieceIndex: Sendable {
    private let bytes: [UInt8]          // every piece, concatenated
    private let starts: [Int]           // [n + 1]: piece k is bytes[starts[k] ..< starts[k + 1]]
    private let ids: [Int32]            // [n]
    private let slots: [Int32]          // [power of two >= 2n]: piece index, or -1

    /// `pieces` as (UTF-8 bytes, id); for a repeated piece the first id wins.
    init(_ pieces: [(bytes: [UInt8], id: Int32)]) {
        var bytes: [UInt8] = []
        var starts = [0]
        starts.reserveCapacity(pieces.count + 1)
        for p in pieces { bytes += p.bytes; starts.append(bytes.count) }
        var size = 16
        while size < 2 * pieces.count { size <<= 1 }
        var slots = [Int32](repeating: -1, count: size)
        bytes.withUnsafeBufferPointer { all in
            for k in 0..<pieces.count {
                let piece = UnsafeBufferPointer(rebasing: all[starts[k]..<starts[k + 1]])
                var slot = Int(truncatingIfNeeded: Self.hash(piece, Self.seed)) & (size - 1)
                while slots[slot] >= 0 {
                    let other = Int(slots[slot])
                    if all[starts[other]..<starts[other + 1]].elementsEqual(piece) { break }
                    slot = (slot + 1) & (size - 1)
                }
                if slots[slot] < 0 { slots[slot] = Int32(k) }
            }
        }
        self.bytes = bytes
        self.starts = starts
        self.ids = pieces.map(\.id)
        self.slots = slots
    }

    private static let seed: UInt64 = 0xCBF2_9CE4_8422_2325

    @inline(__always)
    private static func hash(_ p: UnsafeBufferPointer<UInt8>, _ h: UInt64) -> UInt64 {
        var h = h
        for b in p { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// The id of `left + right` (`right` empty: of `left` alone).
    func id(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: nil, count: 0)) -> Int32? {
        let h = Self.hash(right, Self.hash(left, Self.seed))
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        return bytes.withUnsafeBufferPointer { all in
            while slots[slot] >= 0 {
                let k = Int(slots[slot])
                let s = starts[k], e = starts[k + 1]
                if e - s == left.count + right.count
                    && all[s..<s + left.count].elementsEqual(left) && all[s + left.count..<e].elementsEqual(right) {
                    return ids[k]
                }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    /// The id of `piece`.
    func id(_ piece: [UInt8]) -> Int32? { piece.withUnsafeBufferPointer { id($0) } }
}
