import FolioEmbedder
import Foundation
import KnowledgeBase
import KnowledgeStore
import PostgresStore
import SQLiteStore
import Testing

/// The tiny model, except that whole-document calls (phase two: `truncate: false`) wait until `release()`.
final class GatedEngine: EmbeddingEngine, @unchecked Sendable {
    let base: Embedder
    private let lock = NSLock()
    private var isOpen: Bool
    private var waiting = 0
    private var documentCalls = 0

    init(base: Embedder = tinyEmbedder, open: Bool = false) {
        self.base = base
        self.isOpen = open
    }

    var encoder: InputEncoder { base.encoder }
    var contextLength: Int { base.contextLength }
    var dimension: Int { base.dimension }

    func embed(tokenized: [[Int32]], dimensions: Int?, truncate: Bool) async throws -> [[Float]] {
        if !truncate {
            lock.withLock { documentCalls += 1; waiting += 1 }
            while !lock.withLock({ isOpen }) { try await Task.sleep(for: .milliseconds(5)) }
            lock.withLock { waiting -= 1 }
        }
        return try await base.embed(tokenized: tokenized, dimensions: dimensions, truncate: truncate)
    }

    func release() { lock.withLock { isOpen = true } }
    /// Whole-document calls so far.
    var documentVectorCalls: Int { lock.withLock { documentCalls } }

    /// Waits (at most 60 s) until a whole-document call is held at the gate: phase one has finished.
    func waitUntilHeld() async throws -> Bool {
        for _ in 0..<12_000 {
            if lock.withLock({ waiting > 0 }) { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return false
    }
}

enum BackingStore: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// A fresh store of `kind` and a function removing it (PostgreSQL: a fresh schema; fails without a server).
func freshStore(_ kind: BackingStore) async throws -> (store: any KnowledgeStore, reopen: () throws -> any KnowledgeStore,
                                                      cleanup: () async -> Void) {
    switch kind {
    case .sqlite:
        let (store, folder) = try temporaryStore()
        return (store, { try SQLiteStore(path: store.path) }, { try? FileManager.default.removeItem(at: folder) })
    case .postgres:
        let (url, drop) = try await freshPostgresSchema()
        let store = try PostgresStore(url: url)
        return (store, { try PostgresStore(url: url) }, { await store.close(); await drop() })
    }
}

func knowledgeBase(_ store: any KnowledgeStore, engine: any EmbeddingEngine) -> KnowledgeBase {
    KnowledgeBase(store: store, engine: engine, configuration: KnowledgeBaseConfiguration(
        model: tinyModelPath, queryInstruction: KnowledgeBaseConfiguration.defaultQueryInstruction(for: tinyEmbedder.encoder)))
}

/// The document vector as the one-phase ingestion computed it, straight from the engine: the whole text's ids
/// (cut to the model's context) in one pass.
func directDocumentVector(_ text: String) throws -> [Float] {
    let encoder = tinyEmbedder.encoder
    var ids = encoder.ids(for: text)
    let limit = min(32_768, tinyEmbedder.contextLength)
    if ids.count > limit { ids = Array(ids.prefix(limit - encoder.specialSuffix.count)) + encoder.specialSuffix }
    return try tinyEmbedder.embed(tokenized: [ids], options: .init(truncate: false))[0].vector
}

final class StageLog: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [IngestProgress] = []
    func add(_ p: IngestProgress) { lock.withLock { seen.append(p) } }
    var all: [IngestProgress] { lock.withLock { seen } }
}

@Suite("Ingestion in two phases: searchable first, the document vector after")
struct TwoPhaseIngestTests {
    @Test("A document is found by chunk, keyword and hybrid search while its document vector is computed",
          arguments: BackingStore.allCases)
    func searchableBeforePhaseTwo(kind: BackingStore) async throws {
        let (store, _, cleanup) = try await freshStore(kind)
        let engine = GatedEngine()
        let kb = knowledgeBase(store, engine: engine)
        _ = try await kb.createCollection(name: "papers", maxChunkTokens: 48, overlapTokens: 8)
        let log = StageLog()
        let ingesting = Task {
            try await kb.ingestFile(.init(collection: "papers", fileName: "a.md", data: Data(sampleText.utf8))) { log.add($0) }
        }
        defer { engine.release() }
        try #require(try await engine.waitUntilHeld(), "phase two never started")

        let document = try #require(try await store.document(withSource: "a.md", in: "papers"))
        #expect(!document.hasVector && document.chunkCount > 1)
        for mode in SearchMode.allCases {
            let hits = try await kb.search(.init(collection: "papers", query: "Longformer sliding window", k: 3, mode: mode))
            #expect(hits.first?.documentID == document.id, "\(mode) search finds the chunks at once")
        }
        let byKeyword = try await kb.searchReport(.init(collection: "papers", query: "tomatoes", mode: .keyword, target: .documents))
        #expect(byKeyword.results.map(\.documentID) == [document.id] && byKeyword.pendingDocumentVectors == 0)
        let byMeaning = try await kb.searchReport(.init(collection: "papers", query: "tomatoes", mode: .vector, target: .documents))
        #expect(byMeaning.results.isEmpty && byMeaning.pendingDocumentVectors == 1)
        let hybrid = try await kb.searchReport(.init(collection: "papers", query: "tomatoes", target: .documents))
        #expect(hybrid.results.map(\.documentID) == [document.id] && hybrid.pendingDocumentVectors == 1)
        #expect(try await kb.duplicateReport(in: "papers").pendingDocumentVectors == 1)
        let searchable = try #require(log.all.last)
        #expect(searchable.stage == .documentVector && searchable.document?.id == document.id && searchable.searchable)
        #expect(log.all.contains { $0.stage == .storing } && !log.all.dropLast().contains { $0.searchable })

        engine.release()
        let result = try await ingesting.value
        #expect(result.documentVector == .stored)
        #expect(result.outcome == .added(try #require(try await store.document(id: document.id))))
        #expect(try await store.document(id: document.id)?.hasVector == true)
        let after = try await kb.searchReport(.init(collection: "papers", query: "tomatoes", mode: .vector, target: .documents))
        #expect(after.results.map(\.documentID) == [document.id] && after.pendingDocumentVectors == 0)
        await cleanup()
    }

    @Test("Phase two stores the document vector the one-phase ingestion computed", arguments: BackingStore.allCases)
    func sameVectorAsOnePhase(kind: BackingStore) async throws {
        let (store, _, cleanup) = try await freshStore(kind)
        let kb = knowledgeBase(store, engine: tinyEmbedder)
        _ = try await kb.createCollection(name: "same")
        let result = try await kb.ingestFile(.init(collection: "same", fileName: "a.md", data: Data(sampleText.utf8)))
        #expect(result.documentVector == .stored)
        let exported = try await store.exportDocument(id: result.outcome.document.id)
        let expected = try directDocumentVector(exported.document.text)
        let stored = try #require(exported.document.vector)
        #expect(stored.count == expected.count && maxAbsDifference(stored, expected) < 1e-6)
        await cleanup()
    }

    @Test("After a stop between the phases, a restarted queue (or adding the file again) finishes the vectors",
          arguments: BackingStore.allCases)
    func restartFinishesPhaseTwo(kind: BackingStore) async throws {
        let (store, reopen, cleanup) = try await freshStore(kind)
        let kb = knowledgeBase(store, engine: tinyEmbedder)
        _ = try await kb.createCollection(name: "crash")
        var texts: [DocumentID: String] = [:]
        for (name, text) in [("a.md", sampleText), ("b.txt", "Linear attention runs in linear time."), ("c.txt", "Tomatoes need sun.")] {
            // Phase one only: what a process killed during phase two leaves behind.
            let r = try await kb.ingestSearchable(.init(collection: "crash", fileName: name, data: Data(text.utf8)))
            #expect(r.documentVector == .pending)
            texts[r.outcome.document.id] = try await store.documentText(id: r.outcome.document.id).text
        }
        #expect(try await store.pendingDocumentVectors(in: "crash", limit: 10).total == 3)

        // Adding a file again finishes its own vector.
        let again = try await kb.ingestFile(.init(collection: "crash", fileName: "b.txt", data: Data("Linear attention runs in linear time.".utf8)))
        guard case .unchanged = again.outcome else { Issue.record("expected unchanged, got \(again.outcome)"); return }
        #expect(again.documentVector == .stored)

        // A new process on the same store: its queue finds the others and finishes them.
        let reopened = try reopen()
        let restarted = knowledgeBase(reopened, engine: tinyEmbedder)
        let queue = IngestQueue(knowledgeBase: restarted, configuration: .init(pollSeconds: 0.05))
        await queue.start()
        var left = 3
        for _ in 0..<1200 where left > 0 {
            left = try await store.pendingDocumentVectors(in: "crash", limit: 0).total
            if left > 0 { try await Task.sleep(for: .milliseconds(50)) }
        }
        await queue.stop()
        if let pg = reopened as? PostgresStore { await pg.close() }
        #expect(left == 0, "the restarted queue left \(left) documents without a vector")
        for (id, text) in texts {
            let stored = try #require(try await store.exportDocument(id: id).document.vector)
            #expect(maxAbsDifference(stored, try directDocumentVector(text)) < 1e-6)
        }
        await cleanup()
    }

    @Test("Phase two for a deleted document does nothing, and two workers at once store one vector",
          arguments: BackingStore.allCases)
    func concurrentAndDeleted(kind: BackingStore) async throws {
        let (store, _, cleanup) = try await freshStore(kind)
        let kb = knowledgeBase(store, engine: tinyEmbedder)
        _ = try await kb.createCollection(name: "race")
        let gone = try await kb.ingestSearchable(.init(collection: "race", fileName: "gone.txt", data: Data("Soon deleted.".utf8)))
        try await store.deleteDocument(id: gone.outcome.document.id)
        #expect(try await kb.completeDocumentVector(of: gone.outcome.document) == .documentGone)

        let kept = try await kb.ingestSearchable(.init(collection: "race", fileName: "a.md", data: Data(sampleText.utf8)))
        let document = kept.outcome.document
        async let first = kb.completeDocumentVector(of: document)
        async let second = kb.completeDocumentVector(of: document)
        let outcomes = try await [first, second]
        #expect(outcomes.filter { $0 == .stored }.count == 1 && outcomes.filter { $0 == .storedElsewhere }.count == 1)
        #expect(try await store.documentVectors(in: "race").map(\.documentID) == [document.id])
        await cleanup()
    }

    @Test("With document vectors off, phase two is skipped and document search by meaning and duplicates say so",
          arguments: BackingStore.allCases)
    func optionOff(kind: BackingStore) async throws {
        let (store, _, cleanup) = try await freshStore(kind)
        let engine = GatedEngine(open: true)
        let kb = knowledgeBase(store, engine: engine)
        let spec = try await kb.createCollection(name: "plain", documentVectors: false)
        #expect(!spec.documentVectors)
        #expect(try await store.collection(named: "plain")?.documentVectors == false)
        let result = try await kb.ingestFile(.init(collection: "plain", fileName: "a.md", data: Data(sampleText.utf8)))
        #expect(result.documentVector == .off && engine.documentVectorCalls == 0)
        let id = result.outcome.document.id
        #expect(try await store.exportDocument(id: id).document.vector == nil)
        #expect(try await store.pendingDocumentVectors(in: nil, limit: 10).total == 0)
        #expect(try await kb.search(.init(collection: "plain", query: "Longformer")).first?.documentID == id)
        #expect(try await kb.search(.init(collection: "plain", query: "tomatoes", mode: .keyword, target: .documents))
            .map(\.documentID) == [id])
        for mode in [SearchMode.vector, .hybrid] {
            await #expect(throws: KnowledgeBaseError.noDocumentVectors(collection: "plain")) {
                try await kb.search(.init(collection: "plain", query: "tomatoes", mode: mode, target: .documents))
            }
        }
        await #expect(throws: KnowledgeBaseError.noDocumentVectors(collection: "plain")) { try await kb.duplicates(in: "plain") }
        await cleanup()
    }

    @Test("A job shows phase one's end (document_vector, its document, searchable) before it is done")
    func jobShowsBothPhases() async throws {
        let (store, _, cleanup) = try await freshStore(.sqlite)
        let engine = GatedEngine()
        let kb = knowledgeBase(store, engine: engine)
        _ = try await kb.createCollection(name: "jobs")
        let queue = IngestQueue(knowledgeBase: kb, configuration: .init(pollSeconds: 0.05))
        let job = try await queue.enqueue(collection: "jobs", fileName: "a.md", data: Data(sampleText.utf8))
        defer { engine.release() }
        try #require(try await engine.waitUntilHeld(), "phase two never started")
        var seen = try await store.job(id: job.id)
        for _ in 0..<200 where seen?.state != .documentVector {
            try await Task.sleep(for: .milliseconds(25))
            seen = try await store.job(id: job.id)
        }
        let held = try #require(seen)
        #expect(held.state == .documentVector && !held.state.isFinished)
        let documentID = try #require(held.documentID)
        #expect(try await store.document(id: documentID)?.hasVector == false)
        #expect(held.message?.contains("searchable") == true)
        let json = String(decoding: try JSONEncoder().encode(held), as: UTF8.self)
        #expect(json.contains("\"state\":\"document_vector\""))

        engine.release()
        var done = try await store.job(id: job.id)
        for _ in 0..<2400 where done?.state.isFinished != true {
            try await Task.sleep(for: .milliseconds(25))
            done = try await store.job(id: job.id)
        }
        await queue.stop()
        #expect(done?.state == .done && done?.documentID == held.documentID)
        #expect(try await store.pendingDocumentVectors(in: "jobs", limit: 0).total == 0)
        await cleanup()
    }
}
