import Foundation
import Ingestion
import KnowledgeStore

/// Runs uploads as jobs, one at a time, in the order they arrived. Jobs and their bytes are in the store,
/// so a restarted server picks up what was queued or running when it stopped (a running job starts over;
/// its document was never half-stored).
public actor IngestQueue {
    public let knowledgeBase: KnowledgeBase
    private var worker: Task<Void, Never>?
    private var wakeUp = false

    /// Key in a job's payload metadata carrying a title given with raw text (not stored as metadata).
    static let titleKey = "folio:title"

    public init(knowledgeBase: KnowledgeBase) { self.knowledgeBase = knowledgeBase }

    /// Starts working through pending jobs (those left by an earlier run included).
    public func start() {
        guard worker == nil else { return }
        worker = Task { await self.loop() }
    }

    /// Stops after the current job's next step; pending jobs stay queued in the store.
    public func stop() {
        worker?.cancel()
        worker = nil
    }

    /// Queues a file. The collection must exist and be bound to this model; the file itself is checked by the job
    /// (a bad file fails its job with the reason, and other files are unaffected).
    public func enqueue(
        collection: String, fileName: String, data: Data, metadata: [String: String] = [:], title: String? = nil
    ) async throws -> IngestJob {
        _ = try await knowledgeBase.boundCollection(collection)
        var payloadMetadata = metadata
        payloadMetadata[Self.titleKey] = title
        let job = try await knowledgeBase.store.enqueueJob(
            collection: collection, fileName: Extractor.sanitizedFileName(fileName), payload: data, metadata: payloadMetadata)
        wakeUp = true
        start()
        return job
    }

    private func loop() async {
        while !Task.isCancelled {
            wakeUp = false
            let pending = (try? await knowledgeBase.store.pendingJobs()) ?? []
            for job in pending {
                if Task.isCancelled { return }
                await run(job)
            }
            if pending.isEmpty && !wakeUp {
                worker = nil
                return
            }
        }
    }

    /// Runs one job to `done` or `failed`, saving progress at most every quarter second.
    private func run(_ queued: IngestJob) async {
        let store = knowledgeBase.store
        var job = queued
        guard let payload = try? await store.jobPayload(id: job.id) else {
            job.state = .failed
            job.error = "the uploaded file was lost before it could be processed; upload it again"
            try? await store.updateJob(job)
            return
        }
        job.state = .extracting
        job.progress = 0
        job.updatedAt = Date()
        try? await store.updateJob(job)

        var metadata = payload.metadata
        let title = metadata.removeValue(forKey: Self.titleKey)
        let reporter = ProgressReporter(job: job, store: store)
        do {
            let outcome = try await knowledgeBase.ingest(
                IngestRequest(collection: job.collection, fileName: job.fileName, data: payload.data, metadata: metadata, title: title),
                progress: { reporter.report($0) })
            await reporter.flush()
            job.state = .done
            job.progress = 1
            job.documentID = outcome.document.id
            job.message = outcome.message
        } catch {
            await reporter.flush()
            job.state = .failed
            job.error = String(describing: error)
        }
        job.updatedAt = Date()
        try? await store.updateJob(job)
    }
}

/// Writes a job's progress to the store from the synchronous progress callback, at most four times a second.
final class ProgressReporter: @unchecked Sendable {
    private let lock = NSLock()
    private var job: IngestJob
    private var last = Date.distantPast
    private var pending: Task<Void, Never>?
    private let store: any KnowledgeStore

    init(job: IngestJob, store: any KnowledgeStore) {
        self.job = job
        self.store = store
    }

    func report(_ progress: IngestProgress) {
        lock.lock()
        defer { lock.unlock() }
        let state: JobState = progress.stage == .embedding || progress.stage == .storing ? .embedding : .extracting
        let now = Date()
        guard state != job.state || now.timeIntervalSince(last) >= 0.25 else { return }
        job.state = state
        job.progress = progress.fraction
        job.updatedAt = now
        last = now
        let snapshot = job, store = self.store, previous = pending
        pending = Task {
            await previous?.value
            try? await store.updateJob(snapshot)
        }
    }

    /// Waits for the last progress write, so it cannot land after the final state.
    func flush() async {
        let task = lock.withLock { pending }
        await task?.value
    }
}
