import Foundation
import FolioTensor
import Synchronization
import Testing

@Suite("Thread pool")
struct ThreadPoolTests {
    @Test("parallelFor covers every index exactly once under repeated calls from two threads")
    func everyIndexOnce() {
        let pool = ThreadPool(threads: 3)
        #expect(pool.threadCount == 3)
        let failures = Mutex<[String]>([])
        let done = DispatchGroup()
        for caller in 0..<2 {
            done.enter()
            Thread {
                for round in 0..<300 {
                    let count = (round * 7 + caller * 13) % 97  // includes 0 and 1
                    let hits = Mutex([Int](repeating: 0, count: count))
                    pool.parallelFor(count) { i in hits.withLock { $0[i] += 1 } }
                    let ok = hits.withLock { $0.allSatisfy { $0 == 1 } }
                    if !ok { failures.withLock { $0.append("caller \(caller) round \(round) count \(count)") } }
                }
                done.leave()
            }.start()
        }
        done.wait()
        #expect(failures.withLock { $0 }.isEmpty)
    }

    @Test("A one-thread pool runs the loop on the caller")
    func singleThread() {
        let pool = ThreadPool(threads: 1)
        var seen: [Int] = []
        pool.parallelFor(5) { seen.append($0) }
        #expect(seen == [0, 1, 2, 3, 4])
    }
}
