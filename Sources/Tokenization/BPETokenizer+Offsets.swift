extension BPETokenizer {
    /// Byte-level BPE keeps every byte of the text: each id's bytes follow the previous one's in the text itself, so
    /// the offsets are a walk along it. Ids whose bytes are not next (the post-processor's `<|endoftext|>`) get nil; a
    /// text that NFC changed does not line up, and gets nil altogether.
    public func byteOffsets(of ids: [Int32], in text: String) -> [Range<Int>?]? {
        let input = Array(text.utf8)
        let added = Set(postProcessor.prefix + postProcessor.suffix)
        var ranges: [Range<Int>?] = []
        ranges.reserveCapacity(ids.count)
        var position = 0
        for id in ids {
            guard id >= 0, Int(id) < vocabularySize else { return nil }
            let start = Int(decodeOffsets[Int(id)]), end = Int(decodeOffsets[Int(id) + 1])
            let count = end - start
            if count > 0, position + count <= input.count, input[position..<position + count].elementsEqual(decodeBytes[start..<end]) {
                ranges.append(position..<position + count)
                position += count
            } else if added.contains(id) {
                ranges.append(nil)
            } else {
                return nil
            }
        }
        guard position == input.count else { return nil }
        // A token holding part of a character (byte-level BPE splits rare characters) covers the whole character.
        func isContinuation(_ i: Int) -> Bool { i < input.count && input[i] & 0xC0 == 0x80 }
        return ranges.map { range in
            guard var lower = range?.lowerBound, var upper = range?.upperBound else { return nil }
            while lower > 0 && isContinuation(lower) { lower -= 1 }
            while isContinuation(upper) { upper += 1 }
            return lower..<upper
        }
    }
}
