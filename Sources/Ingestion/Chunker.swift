/// Cuts a document into chunks of at most `maxTokens` model tokens that together cover its text.
///
/// Structure first: a section that fits the rest of a chunk joins it, otherwise its heading starts a
/// new chunk; then
/// paragraphs, sentences and finally token boundaries are the cut points. Consecutive units are packed
/// greedily; every packed chunk is measured once with the real counter and shrunk if over the limit.
/// Within a section each chunk after the first starts with up to `overlapTokens` tokens of the end of
/// the previous one (whole units when they fit, else the tail of the last unit from a word start);
/// a chunk that starts at a heading needs no overlap.
public struct Chunker: Sendable {
    public let options: ChunkingOptions
    public let counter: any TokenCounter

    public init(options: ChunkingOptions = .init(), counter: any TokenCounter) {
        self.options = options
        self.counter = counter
    }

    /// Chunks in text order. Leading and trailing whitespace of the whole text may be outside every
    /// chunk; every other scalar is in at least one. Empty for a whitespace-only text.
    public func chunks(of document: ExtractedDocument) -> [TextChunk] {
        let source = ScalarText(document.text, counter: counter)
        let s = source.scalars
        guard let first = s.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = s.lastIndex(where: { !$0.properties.isWhitespace })
        else { return [] }
        let sectionStarts = Set(document.sections.map { firstNonSpace(s, from: $0.start, to: last + 1) })
        let segmenter = Segmenter(source: source, maxTokens: options.maxTokens)
        var units = segmenter.units(from: first, to: last + 1, sectionStarts: sectionStarts)
        if sectionStarts.contains(first), !units.isEmpty { units[0].startsSection = true }
        let remaining = sectionRemainders(units)

        var result: [TextChunk] = []
        var i = 0  // first unit not yet in any chunk
        var begin = units[0].start  // where the next chunk starts (before units[i] when overlapping)
        while i < units.count {
            // 1. Pack greedily on the per-unit counts; leave room so a section can start the next chunk.
            var estimate = begin < units[i].start ? source.count(begin, units[i].start) : 0
            var j = i
            while j < units.count {
                if j > i, estimate + units[j].tokens > options.maxTokens { break }
                if j > i, units[j].startsSection, estimate + remaining[j] > options.maxTokens {
                    break  // the whole section does not fit here: let its heading start the next chunk
                }
                estimate += units[j].tokens
                j += 1
            }
            // 2. Verify with one real count; back off a unit, then the overlap, while over.
            var tokens = source.count(begin, units[j - 1].end)
            while tokens > options.maxTokens {
                if j - 1 > i {
                    j -= 1
                } else if begin < units[i].start {
                    begin = units[i].start
                } else {
                    break  // a unit alone was measured to fit; not reached
                }
                tokens = source.count(begin, units[j - 1].end)
            }
            let end = units[j - 1].end
            result.append(
                TextChunk(
                    text: String(source.slice(begin, end)), start: begin, end: end, page: document.page(at: begin),
                    heading: heading(document.sections, at: begin), tokenCount: tokens))
            // 3. The next chunk starts with the overlap, unless it opens a section.
            let previousBegin = begin
            i = j
            guard i < units.count else { break }
            begin = units[i].start
            if options.overlapTokens > 0, !units[i].startsSection {
                begin = overlapStart(units: units, before: i, after: previousBegin, source: source)
            }
        }
        return result
    }

    /// Where an overlap of at most `overlapTokens` before `units[i]` starts: whole trailing units of
    /// the previous chunk when the last one fits, else a word (or scalar) start inside the last one.
    private func overlapStart(units: [Segmenter.Unit], before i: Int, after floor: Int, source: ScalarText) -> Int {
        let end = units[i - 1].end
        var k = i
        var total = 0
        while k - 1 >= 0, units[k - 1].start > floor, total + units[k - 1].tokens <= options.overlapTokens {
            total += units[k - 1].tokens
            k -= 1
        }
        if k < i { return units[k].start }
        // The last unit is longer than the overlap: take its tail.
        let unit = units[i - 1]
        let lower = max(unit.start, floor) + 1
        guard lower < end else { return units[i].start }
        var candidates = (lower..<end).filter {
            !source.scalars[$0].properties.isWhitespace && source.scalars[$0 - 1].properties.isWhitespace
        }
        if candidates.isEmpty || source.count(candidates.last!, end) > options.overlapTokens {
            candidates = (lower..<end).filter { source.graphemeSafe($0, above: lower - 1) == $0 }
        }
        // Smallest candidate whose tail fits (tails shrink as the start moves right).
        var lo = 0, hi = candidates.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if source.count(candidates[mid], end) <= options.overlapTokens { hi = mid } else { lo = mid + 1 }
        }
        return lo < candidates.count ? candidates[lo] : units[i].start
    }

    /// For each unit, the tokens from it to the end of its section (sum of unit counts).
    private func sectionRemainders(_ units: [Segmenter.Unit]) -> [Int] {
        var result = [Int](repeating: 0, count: units.count)
        var running = 0
        for k in units.indices.reversed() {
            running += units[k].tokens
            result[k] = running
            if units[k].startsSection { running = 0 }
        }
        return result
    }

    private func firstNonSpace(_ s: [Unicode.Scalar], from: Int, to: Int) -> Int {
        var p = from
        while p < to, s[p].properties.isWhitespace { p += 1 }
        return p
    }

    /// The innermost section holding `offset`: the last one starting at or before it.
    private func heading(_ sections: [Section], at offset: Int) -> String? {
        sections.last(where: { $0.start <= offset && offset < max($0.end, $0.start + 1) })?.title
    }
}
