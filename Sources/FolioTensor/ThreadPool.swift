#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A fixed set of worker threads that run `parallelFor` loops, created once and reused.
///
/// The calling thread works too, so a pool of `threads` runs `threads - 1` extra threads. Workers spin
/// briefly after each loop (the next matmul usually follows within microseconds), then sleep on a
/// condition variable, so an idle pool costs no CPU. Concurrent callers are served one at a time.
/// Do not call `parallelFor` on the same pool from inside its `body`: that would wait for itself.
public final class ThreadPool: @unchecked Sendable {
    /// A pool as wide as the machine (`ProcessInfo.activeProcessorCount`).
    public static let shared = ThreadPool(threads: ProcessInfo.processInfo.activeProcessorCount)

    /// Threads that run a loop, the caller included.
    public var threadCount: Int { state.workerCount + 1 }

    private let state: PoolState
    private let callers = NSLock()

    /// Starts `threads - 1` workers (at least none: `threads` below 1 counts as 1).
    public init(threads: Int) {
        state = PoolState(workerCount: max(threads, 1) - 1)
        for index in 0..<state.workerCount {
            let thread = Thread { [state] in state.workerLoop() }
            thread.name = "folio-pool-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit { state.shutDown() }

    /// Runs `body(i)` for every `i` in `0..<count`, spread over the pool's threads and the caller;
    /// returns when all have finished. Indices are handed out one at a time, so uneven work balances.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        if state.workerCount == 0 || count == 1 {
            for i in 0..<count { body(i) }
            return
        }
        callers.lock()
        defer { callers.unlock() }
        withoutActuallyEscaping(body) { body in state.run(count: count, body: body) }
    }
}

/// What the workers share with the caller. Workers hold it, not the pool, so the pool can deinit.
private final class PoolState: @unchecked Sendable {
    let workerCount: Int
    // Heap-allocated so their addresses never move (pthread objects must not be copied).
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)      // a new loop or shutdown
    private let finished = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)  // the last worker left

    /// Bumped once per loop; workers compare it with the last one they ran.
    private let generation = Atomic<Int>(0)
    private let nextIndex = Atomic<Int>(0)
    private let busyWorkers = Atomic<Int>(0)
    private var count = 0
    private var body: ((Int) -> Void)?
    private var stopping = false

    /// Spin iterations before sleeping (a few microseconds).
    private let spinLimit = 20_000

    init(workerCount: Int) {
        self.workerCount = workerCount
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(finished, nil)
    }

    deinit {
        pthread_cond_destroy(finished)
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(mutex)
        finished.deallocate()
        wake.deallocate()
        mutex.deallocate()
    }

    /// Called by one caller at a time (the pool's lock).
    func run(count: Int, body: @escaping (Int) -> Void) {
        self.count = count
        self.body = body
        nextIndex.store(0, ordering: .relaxed)
        busyWorkers.store(workerCount, ordering: .relaxed)
        pthread_mutex_lock(mutex)
        generation.add(1, ordering: .releasing)  // publishes count, body and the counters
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)

        work(count: count, body: body)

        var spins = 0
        while busyWorkers.load(ordering: .acquiring) != 0 && spins < spinLimit { spins += 1 }
        if busyWorkers.load(ordering: .acquiring) != 0 {
            pthread_mutex_lock(mutex)
            while busyWorkers.load(ordering: .acquiring) != 0 { pthread_cond_wait(finished, mutex) }
            pthread_mutex_unlock(mutex)
        }
        self.body = nil
    }

    private func work(count: Int, body: (Int) -> Void) {
        while true {
            let i = nextIndex.add(1, ordering: .relaxed).oldValue
            if i >= count { return }
            body(i)
        }
    }

    func workerLoop() {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen && spins < spinLimit { spins += 1 }
            if generation.load(ordering: .acquiring) == seen {
                pthread_mutex_lock(mutex)
                while generation.load(ordering: .acquiring) == seen && !stopping { pthread_cond_wait(wake, mutex) }
                let stop = stopping
                pthread_mutex_unlock(mutex)
                if stop { return }
            }
            seen = generation.load(ordering: .acquiring)
            if let body { work(count: count, body: body) }
            // The last worker out wakes the caller; take the mutex so the wake-up cannot be missed.
            if busyWorkers.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_signal(finished)
                pthread_mutex_unlock(mutex)
            }
        }
    }

    func shutDown() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
    }
}
