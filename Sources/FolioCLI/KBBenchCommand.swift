import ArgumentParser
import Foundation
import KnowledgeBase
import KnowledgeStore
import SQLiteStore

/// `folio kb bench`: ingestion throughput by stage, and exact-search latency as a store grows.
/// A benchmark, not a test: it prints what it measured.
struct KBBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure ingestion throughput (with --model and files) or search latency (with --vectors).",
        discussion: """
            With --model and files: extraction, chunking (tokenizing) and embedding timed apart, in documents and tokens
            per second, into a temporary SQLite store. With --vectors 10000,100000,1000000: random unit vectors of
            --dimensions values are stored as chunks in a temporary SQLite store (or --store), growing to each size in turn,
            and top-10 searches are timed (the first search, which loads the in-memory index, is reported apart).
            """)

    @Option(help: "A model, to time ingestion of the files given.") var model: String?
    @Argument(help: "Files to ingest (with --model).") var files: [String] = []
    @Option(help: "Store sizes to time searches at, comma-separated.") var vectors: String?
    @Option(help: "Vector length for --vectors.") var dimensions = 1024
    @Option(help: "f32 or f16 vectors for --vectors.") var vectorEncoding: VectorEncoding = .f32
    @Option(help: "Searches timed at each size.") var queries = 20
    @OptionGroup var threadOptions: ThreadOptions
    @Option(help: "Folder for the temporary store (default: the system's temporary folder).") var scratch: String?

    func run() async throws {
        try await reportingErrors {
            let folder = URL(fileURLWithPath: scratch ?? NSTemporaryDirectory()).appendingPathComponent("folio-kb-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let store = try SQLiteStore(path: folder.appendingPathComponent("bench.sqlite").path)
            if let model { try await ingestion(store: store, model: model) }
            if let vectors {
                let sizes = vectors.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                try await search(store: store, sizes: sizes)
            }
            if model == nil && vectors == nil { throw ValidationError("give --model with files, or --vectors SIZES") }
        }
    }

    /// Times each stage of `ingest` from its progress callbacks.
    func ingestion(store: SQLiteStore, model: String) async throws {
        let kb = try knowledgeBase(
            store: store, model: model, threads: threadOptions.threads, loadingFrom: try await ModelLocator.localPath(for: model))
        _ = try await kb.createCollection(name: "bench")
        let clock = StageClock()
        var documents = 0, tokens = 0, bytes = 0
        let started = Date()
        for path in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            clock.begin()
            let counter = Counter()
            let outcome = try await kb.ingest(
                IngestRequest(collection: "bench", fileName: URL(fileURLWithPath: path).lastPathComponent, data: data)
            ) { p in
                clock.enter(p.stage.rawValue)
                counter.value = p.tokensDone
            }
            clock.enter("done")
            documents += 1
            tokens += outcome.document.tokenCount
            bytes += data.count
        }
        let total = Date().timeIntervalSince(started)
        print("ingested \(documents) documents, \(tokens) tokens, \(bytes) bytes in \(String(format: "%.2f", total)) s: "
            + "\(String(format: "%.2f", Double(documents) / total)) documents/s, \(Int(Double(tokens) / total)) tokens/s")
        for (stage, seconds) in clock.totals.sorted(by: { $0.value > $1.value }) {
            let rate = stage == "embedding" ? ", \(Int(Double(tokens) / max(seconds, 1e-9))) tokens/s" : ""
            print("  \(stage): \(String(format: "%.3f", seconds)) s (\(String(format: "%.1f", 100 * seconds / total))%)\(rate)")
        }
    }

    /// Grows a collection of random unit vectors and times top-10 exact search at each size.
    func search(store: SQLiteStore, sizes: [Int]) async throws {
        _ = try await store.createCollection(CollectionSpec(
            name: "bench", model: "random", dimensions: dimensions, vectorEncoding: vectorEncoding))
        var rng = SplitMix64(seed: 42)
        func randomUnit() -> [Float] {
            var v = (0..<dimensions).map { _ in Float(rng.nextGaussian()) }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for i in v.indices { v[i] /= norm }
            return v
        }
        var stored = 0, documentNumber = 0
        let perDocument = 1000
        for size in sizes.sorted() {
            let insertStart = Date()
            while stored < size {
                let n = min(perDocument, size - stored)
                let chunks = (0..<n).map { i in
                    NewChunk(text: "chunk \(stored + i)", start: i, end: i + 1, page: nil, tokenCount: 1,
                             textHash: "\(stored + i)", vector: randomUnit())
                }
                _ = try await store.addDocument(
                    NewDocument(collection: "bench", title: "d\(documentNumber)", source: "d\(documentNumber)", mediaType: "text/plain",
                                contentHash: "h\(documentNumber)", byteSize: n, text: String(repeating: "x", count: n),
                                tokenCount: n, vector: randomUnit()),
                    chunks: chunks, replacing: nil)
                stored += n
                documentNumber += 1
            }
            let inserted = Date().timeIntervalSince(insertStart)
            let queryVectors = (0..<queries).map { _ in randomUnit() }
            let clock = ContinuousClock()
            let firstStart = clock.now
            _ = try await store.vectorSearch(collection: "bench", query: queryVectors[0], k: 10, target: .chunks, filter: .none)
            let first = (clock.now - firstStart) / .milliseconds(1)
            var times: [Double] = []
            for q in queryVectors {
                let t = clock.now
                _ = try await store.vectorSearch(collection: "bench", query: q, k: 10, target: .chunks, filter: .none)
                times.append((clock.now - t) / .milliseconds(1))
            }
            times.sort()
            print("\(size) vectors × \(dimensions) \(vectorEncoding.rawValue): search p50 \(String(format: "%.2f", times[times.count / 2])) ms, "
                + "p95 \(String(format: "%.2f", times[min(times.count - 1, times.count * 95 / 100)])) ms; "
                + "first (loads the index) \(String(format: "%.1f", first)) ms; inserted in \(String(format: "%.1f", inserted)) s")
        }
    }
}

/// Seconds spent in each named stage, from stage-change callbacks.
final class StageClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: (String, Date)?
    private(set) var totals: [String: Double] = [:]

    func begin() { lock.withLock { current = nil } }

    func enter(_ stage: String) {
        lock.withLock {
            let now = Date()
            if let (name, since) = current {
                if name == stage { return }
                totals[name, default: 0] += now.timeIntervalSince(since)
            }
            current = stage == "done" ? nil : (stage, now)
        }
    }
}

/// A small deterministic generator (SplitMix64) with Box–Muller normals.
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
    mutating func nextGaussian() -> Double {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(next() >> 11) / Double(1 << 53)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
