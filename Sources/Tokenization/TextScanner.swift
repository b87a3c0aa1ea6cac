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
                var flags = UInt16(truncatingIfNeeded: entry)
                let ccc = entry >> 16
                // Quick check: a No/Maybe scalar, or combining classes out of canonical order.
                if flags & CharacterClasses.nfcUnsafe != 0 || (ccc != 0 && lastCCC > ccc) {
                    unsafe = true
                    flags |= CharacterClasses.nfcFlagged
                } else if ccc == 0 {
                    flags |= CharacterClasses.nfcBoundary   // a "Yes" starter: NFC can split the text here
                }
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

extension TextScanner {
    /// NFC of the loaded text, normalising only the stretches around scalars the quick check flagged
    /// (from the last boundary before to the next boundary after), copying the rest; `bytes` are the
    /// loaded bytes. UAX #15 section 9.1: normalisation never crosses a boundary scalar.
    func nfc(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var copied = 0   // scalars before this index are in `out`
        var i = 0
        while i < count {
            if classes[i] & CharacterClasses.nfcFlagged == 0 { i += 1; continue }
            var start = i
            while start > copied && classes[start] & CharacterClasses.nfcBoundary == 0 { start -= 1 }
            var end = i + 1
            while end < count && classes[end] & CharacterClasses.nfcBoundary == 0 { end += 1 }
            out += bytes[offsets[copied]..<offsets[start]]
            let region = String(decoding: UnsafeBufferPointer(rebasing: bytes[offsets[start]..<offsets[end]]), as: UTF8.self)
            out += region.precomposedStringWithCanonicalMapping.utf8
            copied = end
            i = end
        }
        out += bytes[offsets[copied]..<offsets[count]]
        return out
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

    /// NFC of `text` the way the encoder computes it (only flagged stretches normalised).
    package static func nfc(_ text: String) -> String {
        var text = text
        var scanner = TextScanner()
        return text.withUTF8 { bytes in
            scanner.load(bytes)
            return String(decoding: scanner.nfc(bytes), as: UTF8.self)
        }
    }
}
