import Foundation

/// Packs the inputs of concurrent requests into engine calls under a token budget, on a thread of its own.
///
/// Why a thread: an engine call blocks for up to seconds, and blocking Swift's cooperative pool would
/// stall every other request (parsing, auth, /health). Requests wait on a continuation instead.
///
/// Order: inputs that waited longer than `agingLimit` first, then shortest first, so a short query overtakes a
/// queued 32k-token document but the document still runs. Among equals, the request that has had the fewest
/// tokens embedded goes first, and a request puts at most one engine call's worth of inputs in the queue at a time
/// (the rest wait in its backlog): a request of 100,000 inputs takes turns with the others instead of making them
/// wait for all of it. A request's inputs are put back in order when all are done.
final class EmbeddingBatcher: @unchecked Sendable {
    /// The engine: token sequences in, one result per sequence out, in order. Runs on the batcher's thread.
    typealias Engine = @Sendable ([[Int32]]) throws -> [EngineResult]

    struct EngineResult: Sendable {
        var vector: [Float]
        var tokenCount: Int
    }

    /// What one engine call packed, for metrics.
    struct BatchReport: Sendable {
        var inputs: Int
        var tokens: Int
        var seconds: Double
    }

    /// One request's inputs and where their results go. Guarded by the batcher's lock.
    private final class Job: @unchecked Sendable {
        var results: [EngineResult?]
        var remaining: Int
        var outcome: Result<[EngineResult], any Error>?
        var continuation: CheckedContinuation<[EngineResult], any Error>?
        /// Inputs not yet in the queue, in order.
        var backlog: ArraySlice<Item> = []
        /// Cost of this job's inputs in the queue now.
        var queuedCost = 0
        /// Tokens of this job already taken for the engine: the fairness key.
        var servedTokens = 0
        init(count: Int) {
            results = Array(repeating: nil, count: count)
            remaining = count
        }
    }

    private struct Item {
        let job: Job
        let slot: Int
        let tokens: [Int32]
        let cost: Int       // tokens this input costs in a batch (after truncation)
        let sequence: Int   // arrival order
        var enqueued: ContinuousClock.Instant   // when it entered the queue (out of its job's backlog)
    }

    private let configuration: BatchingConfiguration
    private let engine: Engine
    private let onBatch: @Sendable (BatchReport) -> Void
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var pending: [Item] = []
    /// Tokens waiting, in the queue and in backlogs.
    private var queuedTokens = 0
    /// Inputs waiting in backlogs.
    private var backlogged = 0
    private var nextSequence = 0
    private var stopped = false
    /// Recent engine throughput in tokens per second, for `Retry-After`.
    private var tokensPerSecond = 0.0

    init(configuration: BatchingConfiguration, engine: @escaping Engine, onBatch: @escaping @Sendable (BatchReport) -> Void = { _ in }) {
        self.configuration = configuration
        self.engine = engine
        self.onBatch = onBatch
        let thread = Thread { [self] in self.loop() }
        thread.name = "folio-engine"
        thread.start()
    }

    /// Inputs and tokens waiting for the engine.
    var queueDepth: (inputs: Int, tokens: Int) {
        condition.lock(); defer { condition.unlock() }
        return (pending.count + backlogged, queuedTokens)
    }

    /// Embeds `sequences` (each at most `cost` tokens once the engine truncates), sharing engine calls with
    /// other requests. Throws `APIError` 429 when the queue is full, 503 after `stop()`, and
    /// `CancellationError` when the caller's task is cancelled (its queued inputs are dropped).
    func embed(_ sequences: [[Int32]], costs: [Int]) async throws -> [EngineResult] {
        if sequences.isEmpty { return [] }
        let job = Job(count: sequences.count)
        try admit(job, sequences, costs: costs)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                condition.lock()
                if let outcome = job.outcome {
                    condition.unlock()
                    continuation.resume(with: outcome)
                } else {
                    job.continuation = continuation
                    condition.unlock()
                }
            }
        } onCancel: {
            finish(job, with: .failure(CancellationError()), dropQueued: true)
        }
    }

    /// Stops the thread after the current engine call; queued requests get 503.
    func stop() {
        condition.lock()
        stopped = true
        var jobs: [Job] = []
        for item in pending where !jobs.contains(where: { $0 === item.job }) { jobs.append(item.job) }
        condition.broadcast()
        condition.unlock()
        for job in jobs { finish(job, with: .failure(APIError.shuttingDown), dropQueued: true) }
    }

    private func admit(_ job: Job, _ sequences: [[Int32]], costs: [Int]) throws {
        let total = costs.reduce(0, +)
        condition.lock()
        defer { condition.unlock() }
        if stopped { throw APIError.shuttingDown }
        // An empty queue takes any request, so a request larger than the limit is slow, never refused.
        if queuedTokens > 0 && queuedTokens + total > configuration.maxQueuedTokens {
            let seconds = tokensPerSecond > 0 ? Double(queuedTokens) / tokensPerSecond : 1
            throw APIError.overloaded(retryAfter: Int(min(60, max(1, seconds.rounded(.up)))))
        }
        let now = ContinuousClock.now
        job.backlog = ArraySlice(sequences.indices.map { slot in
            Item(job: job, slot: slot, tokens: sequences[slot], cost: costs[slot], sequence: nextSequence + slot, enqueued: now)
        })
        nextSequence += sequences.count
        backlogged += sequences.count
        queuedTokens += total
        refill(job)
        condition.signal()
    }

    /// Moves a job's next inputs from its backlog into the queue, up to one engine call's worth (at least one input).
    /// Called with the lock held.
    private func refill(_ job: Job) {
        let now = ContinuousClock.now
        while var next = job.backlog.first, job.queuedCost == 0 || job.queuedCost + next.cost <= configuration.maxBatchTokens {
            job.backlog.removeFirst()
            next.enqueued = now
            backlogged -= 1
            job.queuedCost += next.cost
            pending.append(next)
        }
    }

    /// Records a job's outcome and wakes its request. Called with the lock not held.
    private func finish(_ job: Job, with outcome: Result<[EngineResult], any Error>, dropQueued: Bool) {
        condition.lock()
        guard job.outcome == nil else { condition.unlock(); return }
        if dropQueued {
            queuedTokens -= job.queuedCost + job.backlog.reduce(0) { $0 + $1.cost }
            backlogged -= job.backlog.count
            pending.removeAll { $0.job === job }
            job.backlog = []
            job.queuedCost = 0
        }
        job.outcome = outcome
        let continuation = job.continuation
        job.continuation = nil
        condition.unlock()
        continuation?.resume(with: outcome)
    }

    private func loop() {
        while let batch = nextBatch() {
            let start = ContinuousClock.now
            let outcome = Result { try engine(batch.map(\.tokens)) }
            let seconds = (ContinuousClock.now - start) / .seconds(1)
            let tokens = batch.reduce(0) { $0 + $1.cost }
            onBatch(BatchReport(inputs: batch.count, tokens: tokens, seconds: seconds))
            deliver(batch, outcome, tokens: tokens, seconds: seconds)
        }
    }

    /// Waits for work and takes the next engine call's inputs; nil once stopped.
    private func nextBatch() -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty && !stopped { condition.wait() }
        if stopped { return nil }
        let now = ContinuousClock.now
        let aging = configuration.agingLimit
        let order = pending.indices.sorted { a, b in
            let (x, y) = (pending[a], pending[b])
            let (xOld, yOld) = (now - x.enqueued > aging, now - y.enqueued > aging)
            if xOld != yOld { return xOld }
            if !xOld && x.cost != y.cost { return x.cost < y.cost }
            if x.job.servedTokens != y.job.servedTokens { return x.job.servedTokens < y.job.servedTokens }
            return x.sequence < y.sequence
        }
        var taken: [Int] = [], used = 0
        for i in order where taken.isEmpty || used + pending[i].cost <= configuration.maxBatchTokens {
            taken.append(i)
            used += pending[i].cost
        }
        let batch = taken.map { pending[$0] }
        let takenSet = Set(taken)
        pending = pending.indices.filter { !takenSet.contains($0) }.map { pending[$0] }
        queuedTokens -= used
        for item in batch {
            item.job.servedTokens += item.cost
            item.job.queuedCost -= item.cost
        }
        for item in batch { refill(item.job) }
        return batch
    }

    private func deliver(_ batch: [Item], _ outcome: Result<[EngineResult], any Error>, tokens: Int, seconds: Double) {
        var done: [(Job, Result<[EngineResult], any Error>)] = []
        condition.lock()
        if seconds > 0 {
            let rate = Double(tokens) / seconds
            tokensPerSecond = tokensPerSecond == 0 ? rate : 0.8 * tokensPerSecond + 0.2 * rate
        }
        switch outcome {
        case let .success(results):
            for (item, result) in zip(batch, results) where item.job.outcome == nil {
                item.job.results[item.slot] = result
                item.job.remaining -= 1
                if item.job.remaining == 0 { done.append((item.job, .success(item.job.results.map { $0! }))) }
            }
        case let .failure(error):
            var seen = Set<ObjectIdentifier>()
            for item in batch where item.job.outcome == nil && seen.insert(ObjectIdentifier(item.job)).inserted {
                done.append((item.job, .failure(error)))
            }
        }
        condition.unlock()
        // A failed job's other inputs leave the queue too.
        for (job, result) in done { finish(job, with: result, dropQueued: true) }
    }
}
