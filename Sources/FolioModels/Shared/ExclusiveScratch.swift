import Foundation

/// A model's activation buffers, used by one forward pass at a time.
final class ExclusiveScratch<Scratch>: @unchecked Sendable {
    private let lock = NSLock()
    private let scratch: Scratch

    init(_ scratch: Scratch) { self.scratch = scratch }

    /// Waits for the buffers; pair with ``release()`` (`let s = acquire(); defer { release() }`).
    func acquire() -> Scratch {
        lock.lock()
        return scratch
    }

    func release() { lock.unlock() }
}
