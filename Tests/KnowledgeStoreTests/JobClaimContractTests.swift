import Foundation
import KnowledgeStore
import Testing

@Suite("Store contract: jobs are claimed, not shared")
struct JobClaimContractTests {
    @Test("Three stores on the same data claiming at once take each of 12 jobs exactly once",
          arguments: StoreKind.available)
    func exclusiveClaims(kind: StoreKind) async throws {
        try await withTestStore(kind) { made in
            let store = made.store
            _ = try await store.createCollection(Make.spec("jobs"))
            var queued: [JobID] = []
            for i in 0..<12 {
                queued.append(try await store.enqueueJob(
                    collection: "jobs", fileName: "f\(i).txt", payload: Data("file \(i)".utf8), metadata: [:]).id)
            }
            var peers: [(store: any KnowledgeStore, close: @Sendable () async -> Void)] = []
            for _ in 0..<3 { peers.append(try await made.peer()) }
            // Each worker claims until the queue is empty, all three at the same time.
            let claims = try await withThrowingTaskGroup(of: [(String, JobID)].self) { group in
                for (w, peer) in peers.enumerated() {
                    group.addTask {
                        var mine: [(String, JobID)] = []
                        while let job = try await peer.store.claimJob(holder: "worker-\(w)", lease: 60) {
                            mine.append(("worker-\(w)", job.id))
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            for peer in peers { await peer.close() }
            #expect(claims.map(\.1).sorted() == queued, "every job claimed once: \(claims)")
            for (holder, id) in claims {
                let job = try #require(try await store.job(id: id))
                #expect(job.holder == holder && job.attempts == 1 && job.state == .extracting)
                #expect(try #require(job.leaseExpiresAt) > Date().addingTimeInterval(30))
            }
        }
    }

    @Test("A holder that stops renewing loses the job to another when its lease runs out, and its writes are refused",
          arguments: StoreKind.available)
    func expiredLease(kind: StoreKind) async throws {
        try await withTestStore(kind) { made in
            let store = made.store
            _ = try await store.createCollection(Make.spec("jobs"))
            let queued = try await store.enqueueJob(collection: "jobs", fileName: "a.txt", payload: Data("a".utf8), metadata: [:])
            try await withPeer(made) { other in
                _ = try await other.jobs(in: nil, limit: 1)  // the peer's connection and schema check are ready
                // A long first lease, so a slow peer on a loaded machine still finds the job held; then a short renewal
                // that the holder never renews again.
                var first = try #require(try await store.claimJob(holder: "dead", lease: 30))
                #expect(try await other.claimJob(holder: "alive", lease: 1.5) == nil, "held until the lease runs out")
                try await store.renewJobLease(id: queued.id, holder: "dead", lease: 0.5)
                try await Task.sleep(for: .milliseconds(1500))

                let second = try #require(try await other.claimJob(holder: "alive", lease: 60))
                #expect(second.id == queued.id && second.holder == "alive" && second.attempts == 2)
                #expect(second.state == .extracting && second.progress == 0)
                first.state = .embedding
                first.progress = 0.9
                await #expect(throws: StoreError.leaseLost(job: queued.id, holder: "dead")) {
                    try await store.updateJob(first, holder: "dead")
                }
                await #expect(throws: StoreError.leaseLost(job: queued.id, holder: "dead")) {
                    try await store.renewJobLease(id: queued.id, holder: "dead", lease: 60)
                }
                #expect(try await store.job(id: queued.id)?.progress == 0, "the old holder's write did not land")

                var done = second
                done.state = .done
                done.progress = 1
                try await other.updateJob(done, holder: "alive")
                #expect(try await store.job(id: queued.id)?.state == .done)
                await #expect(throws: StoreError.leaseLost(job: queued.id, holder: "alive"), "a finished job stays finished") {
                    try await other.updateJob(second, holder: "alive")
                }
                #expect(try await store.claimJob(holder: "dead", lease: 60) == nil)
            }
        }
    }

    @Test("A released job is queued again at once; a worker that no longer holds a job cannot release it",
          arguments: StoreKind.available)
    func release(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            _ = try await store.createCollection(Make.spec("jobs"))
            let queued = try await store.enqueueJob(collection: "jobs", fileName: "a.txt", payload: Data("a".utf8), metadata: [:])
            _ = try #require(try await store.claimJob(holder: "stopping", lease: 60))
            try await store.releaseJob(id: queued.id, holder: "someone-else")
            #expect(try await store.job(id: queued.id)?.holder == "stopping")
            try await store.releaseJob(id: queued.id, holder: "stopping")
            let released = try #require(try await store.job(id: queued.id))
            #expect(released.state == .queued && released.holder == nil && released.leaseExpiresAt == nil)
            let again = try #require(try await store.claimJob(holder: "next", lease: 60))
            #expect(again.id == queued.id && again.attempts == 2)
            #expect(try await store.jobPayload(id: queued.id)?.data == Data("a".utf8), "the upload is kept")
        }
    }
}
