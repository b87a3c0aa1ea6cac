import FolioEmbedder
import Foundation
import KnowledgeBase
import KnowledgeStore
import PostgresStore
import SQLiteStore
import Testing

/// One store opened several times, as several processes would open it: each `open()` is a new store value with its
/// own connections.
struct SharedTestStore: Sendable {
    let open: @Sendable () throws -> any KnowledgeStore
    let cleanup: @Sendable () async -> Void

    enum Kind: String, CaseIterable, Sendable { case sqlite, postgres }

    static func make(_ kind: Kind) async throws -> SharedTestStore {
        switch kind {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("folio-jobs-\(UUID().uuidString)")
            let path = folder.appendingPathComponent("knowledge.sqlite").path
            return SharedTestStore(open: { try SQLiteStore(path: path) }, cleanup: { try? FileManager.default.removeItem(at: folder) })
        case .postgres:
            let pg = try await freshPostgresSchema()
            return SharedTestStore(open: { try PostgresStore(url: pg.url + "&pool_max=4") }, cleanup: pg.drop)
        }
    }
}

/// A knowledge base over `store` with the tiny model, as `folio` configures it.
func tinyKnowledgeBase(_ store: any KnowledgeStore) -> KnowledgeBase {
    KnowledgeBase(store: store, engine: tinyEmbedder, configuration: KnowledgeBaseConfiguration(
        model: tinyModelPath, queryInstruction: KnowledgeBaseConfiguration.defaultQueryInstruction(for: tinyEmbedder.encoder)))
}

/// Closes a PostgreSQL store's pool (a SQLite store needs nothing).
func close(_ store: any KnowledgeStore) async {
    await (store as? PostgresStore)?.close()
}

/// Short leases so that a test sees a takeover in about a second.
let testLease = IngestQueueConfiguration(leaseSeconds: 1.5, renewSeconds: 0.25, pollSeconds: 0.05)

@Suite("Ingestion jobs on one store shared by several queues")
struct JobQueueTests {
    @Test("Three queues on one store take 12 uploads and 3 copies of one file: each job runs once, each file is stored once",
          arguments: SharedTestStore.Kind.allCases)
    func threeQueues(kind: SharedTestStore.Kind) async throws {
        let shared = try await SharedTestStore.make(kind)
        let stores = try (0..<3).map { _ in try shared.open() }
        let queues = stores.map { store in
            IngestQueue(knowledgeBase: tinyKnowledgeBase(store), configuration: IngestQueueConfiguration(
                leaseSeconds: 30, renewSeconds: 0.25, pollSeconds: 0.05))
        }
        _ = try await queues[0].knowledgeBase.createCollection(name: "shared", maxChunkTokens: 48, overlapTokens: 8)

        var jobs: [JobID] = []
        for i in 0..<12 {
            let text = "# File \(i)\n\n" + sampleText + "\n\nThis is file number \(i) of the shared upload test."
            jobs.append(try await queues[i % 3].enqueue(collection: "shared", fileName: "file-\(i).md", data: Data(text.utf8)).id)
        }
        for queue in queues {
            jobs.append(try await queue.enqueue(collection: "shared", fileName: "same.md", data: Data(sampleText.utf8)).id)
        }

        // Poll every job while they run: progress must never go backwards within a claim.
        var seen: [JobID: [(Int, Double)]] = [:]
        let deadline = Date().addingTimeInterval(180)
        var finished: [IngestJob] = []
        while Date() < deadline {
            finished = try await stores[0].jobs(in: "shared", limit: 100)
            for job in finished { seen[job.id, default: []].append((job.attempts, job.progress)) }
            if finished.count == jobs.count, finished.allSatisfy(\.state.isFinished) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        for queue in queues { await queue.stop() }

        #expect(finished.count == 15 && finished.allSatisfy { $0.state == .done }, "\(finished.map { ($0.id, $0.state, $0.error) })")
        #expect(finished.allSatisfy { $0.attempts == 1 }, "every job claimed exactly once")
        #expect(Set(finished.compactMap(\.holder)).isSubset(of: Set(queues.map(\.configuration.holder))))
        for (id, observed) in seen {
            let progress = observed.filter { $0.0 == 1 }.map(\.1)
            #expect(zip(progress, progress.dropFirst()).allSatisfy { $0 <= $1 }, "job \(id) went backwards: \(progress)")
        }
        let documents = try await stores[0].documents(in: "shared", offset: 0, limit: 100)
        #expect(documents.count == 13)
        #expect(Set(documents.map(\.source)).count == 13, "each source once")
        let copies = finished.filter { $0.fileName == "same.md" }
        #expect(Set(copies.compactMap(\.documentID)).count == 1, "the three copies name one document")
        #expect(copies.filter { $0.message?.hasPrefix("unchanged") == true }.count == 2, "\(copies.map { ($0.message, $0.documentID) })")
        for store in stores { await close(store) }
        await shared.cleanup()
    }

    @Test("Queues of two models on one store each run the jobs of their own collections, and none fails",
          arguments: SharedTestStore.Kind.allCases)
    func twoModels(kind: SharedTestStore.Kind) async throws {
        let shared = try await SharedTestStore.make(kind)
        let e5Folder = fixtures.appendingPathComponent("xlmr/mean").path
        let e5 = try Embedder.load(path: e5Folder)
        let qwenQueue = IngestQueue(knowledgeBase: tinyKnowledgeBase(try shared.open()), configuration: testLease)
        let e5Queue = IngestQueue(
            knowledgeBase: KnowledgeBase(store: try shared.open(), engine: e5,
                                         configuration: .forModel(e5Folder, prompts: e5.prompts)),
            configuration: testLease)
        _ = try await qwenQueue.knowledgeBase.createCollection(name: "qwen")
        _ = try await e5Queue.knowledgeBase.createCollection(name: "e5")
        // The uploads alternate, so a queue that took any job would meet the other model's first.
        var jobs: [IngestJob] = []
        for i in 0..<3 {
            for (queue, name) in [(e5Queue, "e5"), (qwenQueue, "qwen")] {
                jobs.append(try await queue.enqueue(collection: name, fileName: "\(name)-\(i).md",
                                                    data: Data("Notes \(i) for \(name).\n\n\(sampleText)".utf8)))
            }
        }
        let store = try shared.open()
        let started = Date()
        var final: [IngestJob] = []
        repeat {
            try await Task.sleep(for: .milliseconds(100))
            final = try await jobs.asyncMap { try #require(try await store.job(id: $0.id)) }
        } while final.contains { !$0.state.isFinished } && Date().timeIntervalSince(started) < 120
        await qwenQueue.stop()
        await e5Queue.stop()
        for job in final {
            #expect(job.state == .done, "\(job.fileName): \(job.error ?? "not finished")")
            #expect(job.attempts == 1, "\(job.fileName) ran \(job.attempts) times")
            let own = job.collection == "e5" ? e5Queue.configuration.holder : qwenQueue.configuration.holder
            #expect(job.holder == own, "\(job.fileName) was run by the other model's queue")
        }
        #expect(try await store.documents(in: "e5", offset: 0, limit: 10).count == 3)
        #expect(try await store.documents(in: "qwen", offset: 0, limit: 10).count == 3)
        await close(store)
        await close(qwenQueue.knowledgeBase.store)
        await close(e5Queue.knowledgeBase.store)
        await shared.cleanup()
    }

    @Test("A job whose holder died is finished by another queue once its lease runs out", arguments: SharedTestStore.Kind.allCases)
    func takeover(kind: SharedTestStore.Kind) async throws {
        let shared = try await SharedTestStore.make(kind)
        let store = try shared.open(), other = try shared.open()
        let queue = IngestQueue(knowledgeBase: tinyKnowledgeBase(other), configuration: testLease)
        _ = try await queue.knowledgeBase.createCollection(name: "takeover")
        let queued = try await store.enqueueJob(
            collection: "takeover", fileName: "notes.md", payload: Data(sampleText.utf8), metadata: [:])
        // A process claims the job and dies: it never renews and never writes again.
        let claimedAt = Date()
        let dead = try #require(try await store.claimJob(holder: "dead-process", lease: 1))
        #expect(dead.id == queued.id)

        await queue.start()
        var job = dead
        while !job.state.isFinished, Date().timeIntervalSince(claimedAt) < 60 {
            try await Task.sleep(for: .milliseconds(50))
            job = try #require(try await store.job(id: queued.id))
            // Read back before the lease (which started after `claimedAt`) ran out: still the dead holder's. Timed after
            // the read, so a slow sleep or query on a loaded machine cannot pass a later state off as an early one.
            if Date().timeIntervalSince(claimedAt) < 0.8 { #expect(job.holder == "dead-process", "not taken before the lease ran out") }
        }
        await queue.stop()
        #expect(job.state == .done && job.attempts == 2 && job.holder == queue.configuration.holder)
        #expect(try await store.documents(in: "takeover", offset: 0, limit: 10).count == 1)
        await close(store)
        await close(other)
        await shared.cleanup()
    }

    @Test("The same file ingested at once through three knowledge bases on one store is stored once",
          arguments: SharedTestStore.Kind.allCases)
    func concurrentIngest(kind: SharedTestStore.Kind) async throws {
        let shared = try await SharedTestStore.make(kind)
        let stores = try (0..<3).map { _ in try shared.open() }
        let bases = stores.map(tinyKnowledgeBase)
        _ = try await bases[0].createCollection(name: "cli")
        let outcomes = try await withThrowingTaskGroup(of: IngestOutcome.self) { group in
            for kb in bases {
                group.addTask { try await kb.ingest(.init(collection: "cli", fileName: "notes.md", data: Data(sampleText.utf8))) }
                group.addTask { try await kb.ingest(.init(collection: "cli", fileName: "copy.md", data: Data(sampleText.utf8))) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let added = outcomes.filter { if case .added = $0 { true } else { false } }
        #expect(added.count == 1, "\(outcomes.map(\.message))")
        #expect(Set(outcomes.map(\.document.id)).count == 1, "\(outcomes.map(\.message))")
        #expect(try await stores[0].documents(in: "cli", offset: 0, limit: 10).count == 1)
        for store in stores { await close(store) }
        await shared.cleanup()
    }
}

@Suite("Two folio serve processes on one SQLite folder")
struct TwoSQLiteServersTests {
    @Test("Six uploads to each of two servers on one --data folder, two of them to both: each file stored once, no job fails")
    func twoServers() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("folio-two-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let a = try ServerProcess.start(["serve", "--model", tinyModelPath, "--port", "0", "--data", data])
        defer { a.stop() }
        let b = try ServerProcess.start(["serve", "--model", tinyModelPath, "--port", "0", "--data", data])
        defer { b.stop() }
        #expect(try await a.request("POST", "/v1/kb/collections", json: ["name": "shared"]).status == 201)
        var ids: [Int] = []
        for i in 0..<12 {
            // Files 0 and 1 go to both servers under the same name; the rest to one of them.
            let name = i < 4 ? "both-\(i / 2).md" : "file-\(i).md"
            let text = "# \(name)\n\n" + sampleText + "\n\nThis is \(name)."
            let reply = try await (i % 2 == 0 ? a : b).request(
                "POST", "/v1/kb/collections/shared/documents", json: ["text": text, "source": name])
            #expect(reply.status == 202, "\(reply.text)")
            ids += ((reply.object["data"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int }
        }
        #expect(ids.count == 12)
        var jobs: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            jobs = try await b.request("GET", "/v1/kb/collections/shared/jobs").object["data"] as? [[String: Any]] ?? []
            if jobs.count == 12, jobs.allSatisfy({ ["done", "failed"].contains($0["state"] as? String) }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(jobs.count == 12 && jobs.allSatisfy { $0["state"] as? String == "done" }, "\(jobs)")
        #expect(jobs.allSatisfy { $0["attempts"] as? Int == 1 })
        let documents = try await a.request("GET", "/v1/kb/collections/shared/documents?limit=100").object["data"] as? [[String: Any]] ?? []
        let sources = documents.compactMap { $0["source"] as? String }
        #expect(sources.count == 10 && Set(sources).count == 10, "\(sources)")
    }
}
