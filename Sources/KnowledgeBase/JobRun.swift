import Foundation
import KnowledgeStore

/// One claimed job, run to `done` or `failed` while its lease is renewed beside it. Every write is conditional on
/// holding the job: when the lease is lost (another queue took the job over), the ingestion is cancelled and
/// nothing more is written.
struct JobRun: Sendable {
    let job: IngestJob
    let knowledgeBase: KnowledgeBase
    let configuration: IngestQueueConfiguration

    private enum End: Sendable {
        case finished(Result<IngestResult, any Error>)
        case leaseLost
    }

    func run() async {
        let store = knowledgeBase.store, holder = configuration.holder
        var job = self.job
        guard let payload = try? await store.jobPayload(id: job.id) else {
            job.state = .failed
            job.error = "the uploaded file was lost before it could be processed; upload it again"
            try? await store.updateJob(job, holder: holder)
            return
        }
        var metadata = payload.metadata
        let title = metadata.removeValue(forKey: IngestQueue.titleKey)
        let charset = metadata.removeValue(forKey: IngestQueue.charsetKey)
        let request = IngestRequest(
            collection: job.collection, fileName: job.fileName, data: payload.data, metadata: metadata, title: title,
            charset: charset)
        let reporter = ProgressReporter(job: job, store: store, holder: holder)

        let end = await withTaskGroup(of: End.self) { group in
            group.addTask { [knowledgeBase] in
                do {
                    return .finished(.success(try await knowledgeBase.ingestFile(request, progress: { reporter.report($0) })))
                } catch {
                    return .finished(.failure(error))
                }
            }
            group.addTask { await renewUntilLost() ? .leaseLost : .finished(.failure(CancellationError())) }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
        await reporter.flush()
        guard case .finished(let result) = end else { return }  // another queue holds the job now
        switch result {
        case .failure where Task.isCancelled:
            // The queue stopped: hand the job back for another worker (or this one after a restart).
            let id = job.id
            await Self.outsideCancellation { try await store.releaseJob(id: id, holder: holder) }
            return
        case .success(let ingested):
            job.state = .done
            job.progress = 1
            job.documentID = ingested.outcome.document.id
            job.message = ingested.outcome.message + (ingested.documentVector == .pending ? "; document vector pending" : "")
            job.warnings = ingested.warnings
        case .failure(let error) where Self.isOutage(error) && job.attempts < Self.maxAttempts:
            // The database went away mid-job: this attempt stored nothing (phase one is one transaction), so the job
            // goes back to the queue and runs again once the database answers. If the release cannot be written
            // either, the lease runs out and the job returns to the queue all the same.
            let id = job.id
            await Self.outsideCancellation { try await store.releaseJob(id: id, holder: holder) }
            return
        case .failure(let error):
            job.state = .failed
            job.error = String(describing: error)
        }
        job.updatedAt = Date()
        let finished = job
        await Self.outsideCancellation { try await store.updateJob(finished, holder: holder) }
    }

    /// Claims a job may take before a database outage fails it instead of queueing it again.
    static let maxAttempts = 5

    /// A database that did not answer (down, restarting, no connection within the timeout), as opposed to a bad file.
    static func isOutage(_ error: any Error) -> Bool {
        if case StoreError.unavailable = error { return true }
        return false
    }

    /// Runs a last store write even when the queue was stopped meanwhile (a cancelled task's database calls would be
    /// cancelled too). A failure is left to the lease: the job runs again elsewhere.
    private static func outsideCancellation(_ write: @escaping @Sendable () async throws -> Void) async {
        await Task.detached { try? await write() }.value
    }

    /// Renews the lease every `renewSeconds` until cancelled (false) or the store says another worker holds the job
    /// (true). A failed renewal for another reason (the database unavailable for a moment) is tried again.
    private func renewUntilLost() async -> Bool {
        let store = knowledgeBase.store
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(configuration.renewSeconds))
                try await store.renewJobLease(id: job.id, holder: configuration.holder, lease: configuration.leaseSeconds)
            } catch StoreError.leaseLost, StoreError.jobNotFound {
                return true
            } catch {
                if Task.isCancelled { return false }
            }
        }
        return false
    }
}

/// Writes a job's progress to the store from the synchronous progress callback, at most four times a second, in
/// order, as its holder.
final class ProgressReporter: @unchecked Sendable {
    private let lock = NSLock()
    private var job: IngestJob
    private var last = Date.distantPast
    private var pending: Task<Void, Never>?
    private let store: any KnowledgeStore
    private let holder: String

    init(job: IngestJob, store: any KnowledgeStore, holder: String) {
        self.job = job
        self.store = store
        self.holder = holder
    }

    func report(_ progress: IngestProgress) {
        lock.lock()
        defer { lock.unlock() }
        let state: JobState = switch progress.stage {
        case .extracting, .chunking: .extracting
        case .embedding, .storing: .embedding
        case .documentVector: .documentVector
        }
        let now = Date()
        guard state != job.state || now.timeIntervalSince(last) >= 0.25 else { return }
        // Within one claim progress only moves forward, as a client polling the job sees it.
        job.state = state
        job.progress = max(job.progress, progress.fraction)
        if let document = progress.document {
            // Phase one is done: a client can search the document while its vector is computed.
            job.documentID = document.id
            job.message = "searchable as document \(document.id) (\(document.chunkCount) chunks); computing the document vector"
        }
        job.updatedAt = now
        last = now
        let snapshot = job, store = self.store, holder = self.holder, previous = pending
        pending = Task {
            await previous?.value
            try? await store.updateJob(snapshot, holder: holder)
        }
    }

    /// Waits for the last progress write, so it cannot land after the final state.
    func flush() async {
        let task = lock.withLock { pending }
        await task?.value
    }
}
