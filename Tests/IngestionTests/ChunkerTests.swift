import Foundation
import Ingestion
import Testing

@Suite("Chunking in Qwen3 tokens")
struct ChunkerTests {
    static let fixtures = ["three-pages.pdf", "page-utf8.html", "page-gb18030.html", "guide.md", "geometry.py", "notes.txt"]

    @Test("Every fixture chunks within the limit and covers its text, at 64 and 512 tokens with overlap",
          arguments: [(64, 16), (512, 64), (16, 0)])
    func fixtureInvariants(maxTokens: Int, overlap: Int) throws {
        try Fixtures.requirePdftotext()
        let options = ChunkingOptions(maxTokens: maxTokens, overlapTokens: overlap)
        for name in Self.fixtures {
            let doc = try Fixtures.extract(name)
            checkInvariants(doc, options: options, label: name)
        }
    }

    @Test("A random long text in English, Chinese and unbroken runs keeps every invariant",
          arguments: [(64, 16), (512, 64), (100, 0)])
    func randomText(maxTokens: Int, overlap: Int) {
        let doc = ExtractedDocument(title: "random", text: RandomText.make(seed: 7, paragraphs: 60), mediaType: "text/plain")
        checkInvariants(doc, options: ChunkingOptions(maxTokens: maxTokens, overlapTokens: overlap), label: "random")
    }

    @Test("PDF chunks carry the page their start is on")
    func pdfChunkPages() throws {
        try Fixtures.requirePdftotext()
        let doc = try Fixtures.extract("three-pages.pdf")
        let chunks = Chunker(options: .init(maxTokens: 32, overlapTokens: 0), counter: TokenizerCounter.qwen3).chunks(of: doc)
        let phrases = try #require(try Fixtures.expectations("three-pages.pdf")["pagePhrases"] as? [String: [String]])
        for (page, list) in phrases {
            for phrase in list {
                // The chunk that holds the phrase entirely starts on its page.
                let holder = chunks.first { $0.text.contains(phrase) }
                if let holder { #expect(holder.page == Int(page), "\(phrase)") }
            }
        }
        #expect(Set(chunks.compactMap(\.page)) == [1, 2, 3])
    }

    @Test("A Markdown heading starts a chunk unless its whole section fits in the chunk before")
    func headingsStartChunks() throws {
        let doc = try Fixtures.extract("guide.md")
        let chunks = Chunker(options: .init(maxTokens: 24, overlapTokens: 4), counter: TokenizerCounter.qwen3).chunks(of: doc)
        let length = doc.text.unicodeScalars.count
        for section in doc.sections {
            let startsChunk = chunks.contains { $0.start == section.start }
            let end = section.end == length ? doc.text.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.count : section.end
            let insideOne = chunks.contains { $0.start < section.start && $0.end >= end }
            #expect(startsChunk || insideOne, "\(section.title) is cut but does not start a chunk")
        }
        #expect(chunks.first { $0.start == doc.sections[1].start }?.heading == "Installing")
        #expect(chunks.contains { $0.start == doc.sections[2].start })  // Searching + Tips exceed 24 tokens together with Installing's tail
    }

    @Test("A 21,000-token document chunks in well under a second")
    func speed() {
        let text = RandomText.make(seed: 11, paragraphs: 400)
        let counter = TokenizerCounter.qwen3
        let total = counter.tokenCount(text[...])
        #expect(total > 20_000)
        let doc = ExtractedDocument(title: "long", text: text, mediaType: "text/plain")
        let clock = ContinuousClock()
        var chunks: [TextChunk] = []
        let elapsed = clock.measure { chunks = Chunker(counter: counter).chunks(of: doc) }
        #expect(!chunks.isEmpty)
        print("chunked \(total) tokens into \(chunks.count) chunks in \(elapsed)")
        #if DEBUG
            let limit = Duration.seconds(10)  // unoptimised tokenizer
        #else
            let limit = Duration.seconds(1)
        #endif
        #expect(elapsed < limit, "chunking \(total) tokens took \(elapsed)")
    }

    @Test("Out-of-range options are refused with the allowed range")
    func optionRanges() {
        #expect(throws: ChunkingOptionsError.self) { try ChunkingOptions.checked(maxTokens: 8, overlapTokens: 0) }
        #expect(throws: ChunkingOptionsError.self) { try ChunkingOptions.checked(maxTokens: 9000, overlapTokens: 0) }
        #expect(throws: ChunkingOptionsError.self) { try ChunkingOptions.checked(maxTokens: 64, overlapTokens: 32) }
        #expect((try? ChunkingOptions.checked(maxTokens: 8192, overlapTokens: 100)) != nil)
    }

    /// The chunker's contract, measured independently of its internals.
    private func checkInvariants(_ doc: ExtractedDocument, options: ChunkingOptions, label: String) {
        let counter = TokenizerCounter.qwen3
        let chunks = Chunker(options: options, counter: counter).chunks(of: doc)
        let scalars = Array(doc.text.unicodeScalars)
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else {
            #expect(chunks.isEmpty)
            return
        }
        guard let head = chunks.first, let tail = chunks.last else {
            Issue.record("\(label): no chunks")
            return
        }
        #expect(head.start <= first, "\(label): text before the first chunk")
        #expect(tail.end >= last + 1, "\(label): text after the last chunk")
        for (k, chunk) in chunks.enumerated() {
            #expect(chunk.text == doc.text.scalarSlice(chunk.start, chunk.end), "\(label) #\(k): text is not the slice")
            let measured = counter.tokenCount(chunk.text[...])
            #expect(measured == chunk.tokenCount, "\(label) #\(k): token count")
            #expect(measured <= options.maxTokens, "\(label) #\(k): \(measured) tokens over \(options.maxTokens)")
            #expect(chunk.page == referencePage(doc.pages, chunk.start), "\(label) #\(k): page")
            guard k > 0 else { continue }
            let previous = chunks[k - 1]
            #expect(previous.start < chunk.start && previous.end < chunk.end, "\(label) #\(k): order")
            #expect(chunk.start <= previous.end, "\(label) #\(k): gap before chunk")
            if chunk.start < previous.end {
                #expect(options.overlapTokens > 0, "\(label) #\(k): overlap without overlap option")
                let shared = doc.text.scalarSlice(chunk.start, previous.end)
                #expect(counter.tokenCount(shared[...]) <= options.overlapTokens, "\(label) #\(k): overlap too long")
            }
        }
    }

    /// The page whose span holds `offset`, by linear search; blank pages hold nothing.
    private func referencePage(_ pages: [ExtractedPage], _ offset: Int) -> Int? {
        guard !pages.isEmpty else { return nil }
        return pages.last(where: { $0.start <= offset && ($0.start < $0.end || $0.number == pages.count) })?.number
            ?? pages[0].number
    }
}

/// Seeded text with sentences of varied length, Chinese paragraphs without spaces, headings, and
/// an unbroken run longer than any chunk (to force token-level cuts).
enum RandomText {
    static func make(seed: UInt64, paragraphs: Int) -> String {
        var rng = SplitMix64(seed: seed)
        let words = ["model", "token", "chunk", "the", "of", "retrieval", "embedding", "vector", "page", "index",
                     "search", "and", "a", "document", "knowledge", "Folio", "sentence", "heading", "überprüfen", "naïve"]
        let hanzi = Array("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你")
        var out = ""
        for p in 0..<paragraphs {
            switch rng.next() % 10 {
            case 0:
                out += "## Heading \(p)\n\n"
            case 1:
                for _ in 0..<(1 + rng.next() % 6) {
                    out += String((0..<(10 + rng.next() % 60)).map { _ in hanzi[Int(rng.next() % UInt64(hanzi.count))] })
                    out += ["。", "！", "？", "，"][Int(rng.next() % 4)]
                }
            case 2:
                out += String(repeating: "x7", count: 200 + Int(rng.next() % 400))  // no break anywhere
            default:
                for _ in 0..<(1 + rng.next() % 12) {
                    let n = 3 + Int(rng.next() % 30)
                    out += (0..<n).map { _ in words[Int(rng.next() % UInt64(words.count))] }.joined(separator: " ")
                    out += [". ", "! ", "? ", ".\n", "; "][Int(rng.next() % 5)]
                }
            }
            out += rng.next() % 3 == 0 ? "\n" : "\n\n"
        }
        return "\n  " + out + "  \n"
    }
}

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
