import Foundation
import Ingestion
import KnowledgeStore

/// How a queue claims and holds jobs, with documented defaults.
public struct IngestQueueConfiguration: Sendable {
    /// This worker's name on the jobs it claims (`JobHolder.make()`: host, process id and a random part).
    public var holder: String
    /// Seconds a claim lasts unless renewed (30): how long a dead server's job waits before another takes it.
    public var leaseSeconds: TimeInterval
    /// Seconds between renewals while a job runs (10, a third of the lease, so two missed renewals are survived).
    public var renewSeconds: TimeInterval
    /// Seconds an idle worker waits before looking again for jobs queued by other processes or left by a dead
    /// holder (1). A job queued through this queue wakes it at once.
    public var pollSeconds: TimeInterval

    public init(holder: String = JobHolder.make(), leaseSeconds: TimeInterval = 30, renewSeconds: TimeInterval? = nil,
                pollSeconds: TimeInterval = 1) {
        self.holder = holder
        self.leaseSeconds = leaseSeconds
        self.renewSeconds = renewSeconds ?? leaseSeconds / 3
        self.pollSeconds = pollSeconds
    }
}

/// Runs uploads as jobs, one at a time, oldest first. Jobs and their bytes are in the store, and each job is
/// claimed by one queue with a lease (`KnowledgeStore.claimJob`), so several servers or processes on one store
/// split the queue instead of repeating each other's work, and a job whose holder died is finished by another
/// queue once its lease runs out (it starts over; its document was never half-stored).
///
/// Between jobs an idle queue also finishes ingestion's phase two for documents left without their document vector
/// (a process stopped or crashed between the phases), one at a time, oldest first, skipping those a running job
/// is finishing. Two idle servers may compute the same vector; the store keeps one.
public actor IngestQueue {
    public nonisolated let knowledgeBase: KnowledgeBase
    public nonisolated let configuration: IngestQueueConfiguration
    private var worker: Task<Void, Never>?
    private var nap: Task<Void, Never>?
    /// Documents whose phase two failed here (an engine error): not tried again by this queue.
    private var failedVectors: Set<DocumentID> = []

    /// Keys in a job's payload metadata carrying a title given with raw text and the upload's charset (neither is
    /// stored as metadata).
    static let titleKey = "folio:title", charsetKey = "folio:charset"

    public init(knowledgeBase: KnowledgeBase, configuration: IngestQueueConfiguration = .init()) {
        self.knowledgeBase = knowledgeBase
        self.configuration = configuration
    }

    /// Starts claiming jobs (those left by an earlier run or queued by other processes included) until `stop`.
    public func start() {
        guard worker == nil else { return }
        worker = Task { await self.loop() }
    }

    /// Stops claiming; the job in progress is cancelled and handed back to the queue (`releaseJob`), so another
    /// queue (or this one after a restart) runs it again. Queued jobs stay in the store.
    public func stop() {
        worker?.cancel()
        worker = nil
        nap?.cancel()
    }

    /// Queues a file. The collection must exist and be bound to this model; the file itself is checked by the job
    /// (a bad file fails its job with the reason, and other files are unaffected).
    public func enqueue(
        collection: String, fileName: String, data: Data, metadata: [String: String] = [:], title: String? = nil,
        charset: String? = nil
    ) async throws -> IngestJob {
        _ = try await knowledgeBase.boundCollection(collection)
        var payloadMetadata = metadata
        payloadMetadata[Self.titleKey] = title
        payloadMetadata[Self.charsetKey] = charset
        let job = try await knowledgeBase.store.enqueueJob(
            collection: collection, fileName: Extractor.sanitizedFileName(fileName), payload: data, metadata: payloadMetadata)
        start()
        nap?.cancel()
        return job
    }

    private func loop() async {
        let store = knowledgeBase.store
        while !Task.isCancelled {
            // A failed read or claim (database unavailable) is retried after the poll interval.
            let pending = try? await store.pendingJobs()
            // Only jobs of collections bound to this model: another server's model takes the others.
            if let pending, !pending.isEmpty,
               let job = try? await store.claimJob(
                   holder: configuration.holder, lease: configuration.leaseSeconds,
                   in: await knowledgeBase.boundCollectionNames(among: Set(pending.map(\.collection)))) {
                await JobRun(job: job, knowledgeBase: knowledgeBase, configuration: configuration).run()
                continue
            }
            if let pending, await finishOnePendingDocumentVector(skippingDocumentsOf: pending) { continue }
            let seconds = configuration.pollSeconds
            let nap = Task { _ = try? await Task.sleep(for: .seconds(seconds)) }
            self.nap = nap
            await nap.value
            self.nap = nil
        }
    }

    /// Phase two for the oldest document left without its vector that none of the unfinished `jobs` is finishing (a
    /// job whose holder died finishes its own document when claimed again). True when one was tried.
    private func finishOnePendingDocumentVector(skippingDocumentsOf jobs: [IngestJob]) async -> Bool {
        let kb = knowledgeBase
        let skipping = failedVectors.union(jobs.compactMap(\.documentID))
        guard let document = try? await kb.pendingDocumentVectors(skipping: skipping, limit: 1).first else { return false }
        do {
            _ = try await kb.completeDocumentVector(of: document)
        } catch {
            if Task.isCancelled { return false }
            failedVectors.insert(document.id)
        }
        return true
    }
}
