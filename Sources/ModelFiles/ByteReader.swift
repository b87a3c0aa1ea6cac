import FolioTensor

/// A cursor over mapped file bytes where every read is checked against the file size.
///
/// Little-endian, as GGUF and safetensors are. Reads never go past `size`: a short file throws
/// `ModelFileError.truncated` naming what was being read.
struct ByteReader {
    let base: UnsafeRawPointer
    let size: Int
    let path: String
    private(set) var position: Int = 0

    init(storage: Storage, path: String) {
        self.base = UnsafeRawPointer(storage.base)
        self.size = storage.byteCount
        self.path = path
    }

    var remaining: Int { size - position }

    /// Throws unless `count` more bytes are available; `what` goes into the message.
    func require(_ count: Int, _ what: String) throws {
        guard count >= 0, count <= remaining else {
            let needed = count >= 0 && count <= Int.max - position ? position + count : Int.max
            throw ModelFileError.truncated(
                path: path, needed: needed, size: size,
                hint: "the file ends while reading \(what); it may be a partial download")
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        let n = MemoryLayout<T>.size
        try require(n, what)
        let v = base.loadUnaligned(fromByteOffset: position, as: T.self)
        position += n
        return T(littleEndian: v)
    }

    mutating func readFloat(_ what: String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what))
    }

    mutating func readDouble(_ what: String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what))
    }

    /// Reads `count` bytes as UTF-8 (invalid sequences are repaired, never fatal).
    mutating func readUTF8(count: Int, _ what: String) throws -> String {
        try require(count, what)
        let bytes = UnsafeRawBufferPointer(start: base + position, count: count)
        position += count
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Moves the cursor forward to the next multiple of `alignment` (a power of two).
    mutating func align(to alignment: Int) {
        position = (position + alignment - 1) & ~(alignment - 1)
    }
}
