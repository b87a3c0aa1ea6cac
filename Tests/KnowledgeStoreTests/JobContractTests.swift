import Foundation
import KnowledgeStore
import Testing

@Suite("Store contract: ingestion jobs")
struct JobContractTests {
    @Test("A claim limited to some collections takes only their jobs (servers of different models share one store)",
          arguments: StoreKind.available)
    func claimByCollection(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            for name in ["qwen", "e5", "other"] { _ = try await store.createCollection(Make.spec(name)) }
            let first = try await store.enqueueJob(collection: "qwen", fileName: "a.txt", payload: Data("a".utf8), metadata: [:])
            let second = try await store.enqueueJob(collection: "e5", fileName: "b.txt", payload: Data("b".utf8), metadata: [:])
            let third = try await store.enqueueJob(collection: "other", fileName: "c.txt", payload: Data("c".utf8), metadata: [:])
            #expect(try await store.claimJob(holder: "e5-server", lease: 60, in: []) == nil)
            #expect(try await store.claimJob(holder: "e5-server", lease: 60, in: ["e5", "missing"])?.id == second.id)
            #expect(try await store.claimJob(holder: "e5-server", lease: 60, in: ["e5"]) == nil, "the older qwen job is left")
            #expect(try await store.claimJob(holder: "qwen-server", lease: 60, in: ["qwen", "other"])?.id == first.id)
            #expect(try await store.claimJob(holder: "qwen-server", lease: 60, in: ["qwen", "other"])?.id == third.id)
            #expect(try await store.job(id: second.id)?.holder == "e5-server")
        }
    }

    @Test("A job goes from queued to done; its payload is dropped and it leaves the pending queue",
          arguments: StoreKind.available)
    func lifecycle(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            _ = try await store.createCollection(Make.spec("jobs"))
            _ = try await store.createCollection(Make.spec("more"))
            let bytes = Data((0..<3000).map { UInt8($0 % 251) })
            var job = try await store.enqueueJob(collection: "jobs", fileName: "paper.pdf", payload: bytes, metadata: ["by": "me"])
            let other = try await store.enqueueJob(collection: "more", fileName: "b.txt", payload: Data("b".utf8), metadata: [:])
            #expect(job.state == .queued && job.collection == "jobs" && job.fileName == "paper.pdf" && job.progress == 0)
            #expect(try await store.job(id: job.id) == job)
            let payload = try #require(try await store.jobPayload(id: job.id))
            #expect(payload.data == bytes && payload.metadata == ["by": "me"])
            #expect(try await store.pendingJobs().map(\.id) == [job.id, other.id])

            let claimed = try #require(try await store.claimJob(holder: "w1", lease: 60))
            #expect(claimed.id == job.id && claimed.state == .extracting && claimed.holder == "w1" && claimed.attempts == 1)
            #expect(try await store.claimJob(holder: "w1", lease: 60)?.id == other.id, "a held job is not claimed twice")
            #expect(try await store.claimJob(holder: "w2", lease: 60) == nil)
            job.state = .embedding
            job.progress = 0.5
            try await store.updateJob(job, holder: "w1")
            let running = try #require(try await store.job(id: job.id))
            #expect(running.state == .embedding && running.progress == 0.5)
            #expect(try await store.jobPayload(id: job.id)?.data == bytes, "kept while the job runs")

            job.state = .done
            job.progress = 1
            job.message = "stored"
            job.warnings = ["read as UTF-8"]
            try await store.updateJob(job, holder: "w1")
            let done = try #require(try await store.job(id: job.id))
            #expect(done.state == .done && done.message == "stored" && done.error == nil && done.warnings == ["read as UTF-8"])
            #expect(try await store.jobPayload(id: job.id) == nil)
            #expect(try await store.pendingJobs().map(\.id) == [other.id])

            var failed = other
            failed.state = .failed
            failed.error = "not a PDF"
            try await store.updateJob(failed, holder: "w1")
            #expect(try await store.job(id: other.id)?.error == "not a PDF")
            #expect(try await store.pendingJobs().isEmpty)

            #expect(try await store.jobs(in: nil, limit: 10).map(\.id) == [other.id, job.id], "newest first")
            #expect(try await store.jobs(in: "jobs", limit: 10).map(\.id) == [job.id])
            #expect(try await store.jobs(in: nil, limit: 1).map(\.id) == [other.id])
            var missing = job
            missing.id = job.id + 1000
            await #expect(throws: StoreError.jobNotFound(missing.id)) { try await store.updateJob(missing, holder: "w1") }
            #expect(try await store.job(id: missing.id) == nil)
        }
    }

    @Test("A job records the document it produced", arguments: StoreKind.available)
    func documentLink(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 12)
            _ = try await store.createCollection(Make.spec("jobs"))
            var job = try await store.enqueueJob(collection: "jobs", fileName: "a.txt", payload: Data("a".utf8), metadata: [:])
            let (doc, chunks) = Make.document("jobs", chunkTexts: ["a"], rng: &rng)
            let added = try await store.addDocument(doc, chunks: chunks, replacing: nil)
            _ = try await store.claimJob(holder: "w", lease: 60)
            job.state = .done
            job.documentID = added.id
            try await store.updateJob(job, holder: "w")
            #expect(try await store.job(id: job.id)?.documentID == added.id)
        }
    }
}
