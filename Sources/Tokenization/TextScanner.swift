/// Reusable buffers for one `encode` call: the scalars of a text segment, their character classes and
/// where each starts in the UTF-8 bytes, so a piece's bytes are a slice of the input (no re-encoding).
/// The arrays only grow; `count` says how much of them the last `load` filled.
struct TextScanner {
    private(set) var scalars: [Unicode.Scalar] = []
    private(set) var classes: [UInt16] = []
    private(set) var offsets: [Int] = []        // byte offset of each scalar, then the end ([count + 1])
    private(set) var count = 0
    /// Whether NFC could change the text (UAX #15 quick check says "no" or "maybe").
    private(set) var mayNeedNFC = false

    /// Decodes valid UTF-8 (a Swift string's bytes, or Foundation's output).
    mutating func load(_ bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        if scalars.count < n || offsets.isEmpty {
            scalars = [Unicode.Scalar](repeating: "\0", count: n)
            classes = [UInt16](repeating: 0, count: n)
            offsets = [Int](repeating: 0, count: n + 1)
        }
        var k = 0
        var unsafe = false
        scalars.withUnsafeMutableBufferPointer { sp in
        classes.withUnsafeMutableBufferPointer { cp in
        offsets.withUnsafeMutableBufferPointer { op in
        CharacterClasses.table.withUnsafeBufferPointer { table in   // read the lazy table once
            var lastCCC: UInt32 = 0
            var i = 0
            while i < n {
                let b0 = UInt32(bytes[i])
                var v: UInt32
                var len: Int
                if b0 < 0x80 {
                    v = b0; len = 1
                } else if b0 < 0xE0 {
                    v = (b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F); len = 2
                } else if b0 < 0xF0 {
                    v = (b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F); len = 3
                } else {
                    v = (b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
                        | UInt32(bytes[i + 3] & 0x3F)
                    len = 4
                }
                let s = Unicode.Scalar(v) ?? "\u{FFFD}"
                let entry = v < UInt32(CharacterClasses.tableSize) ? table[Int(v)] : CharacterClasses.compute(s)
                let flags = UInt16(truncatingIfNeeded: entry)
                let ccc = entry >> 16
                // Quick check: a No/Maybe scalar, or combining classes out of canonical order.
                if flags & CharacterClasses.nfcUnsafe != 0 || (ccc != 0 && lastCCC > ccc) { unsafe = true }
                lastCCC = ccc
                sp[k] = s
                cp[k] = flags
                op[k] = i
                k += 1
                i += len
            }
            op[k] = n
        }
        }
        }
        }
        count = k
        mayNeedNFC = unsafe
    }
}

/// Test access to the NFC quick check the encoder uses to skip normalisation.
package enum NFCQuickCheckProbe {
    /// True when the encoder would run NFC on `text`; false promises `text` is already NFC.
    package static func mayNeedNFC(_ text: String) -> Bool {
        var text = text
        var scanner = TextScanner()
        text.withUTF8 { scanner.load($0) }
        return scanner.mayNeedNFC
    }
}
