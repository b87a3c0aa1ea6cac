#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Bytes that back one or more tensors: either owned heap memory or a read-only memory-mapped file.
///
/// Weights stay in their file's format: a mapped file is never copied, so a 4B Q4_K_M model costs
/// about its file size in page cache, not its f32 size.
public final class Storage: @unchecked Sendable {
    /// First byte. Mapped storage is read-only: never write through it.
    public let base: UnsafeMutableRawPointer
    public let byteCount: Int
    private let kind: Kind

    private enum Kind { case heap, mapped }

    /// Owned, 64-byte aligned, zero-filled memory.
    public init(byteCount: Int) {
        let bytes = max(byteCount, 1)
        var p: UnsafeMutableRawPointer?
        precondition(posix_memalign(&p, 64, bytes) == 0 && p != nil, "out of memory allocating \(bytes) bytes")
        memset(p!, 0, bytes)
        self.base = p!
        self.byteCount = byteCount
        self.kind = .heap
    }

    /// Maps `path` read-only. Throws `StorageError` when the file cannot be opened or mapped.
    public init(mapping path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw StorageError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw StorageError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        let size = Int(st.st_size)
        guard size > 0 else { throw StorageError.empty(path: path) }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw StorageError.cannotMap(path: path, reason: String(cString: strerror(errno)))
        }
        self.base = p
        self.byteCount = size
        self.kind = .mapped
    }

    deinit {
        switch kind {
        case .heap: free(base)
        case .mapped: munmap(base, byteCount)
        }
    }
}

/// Errors from opening or mapping a file.
public enum StorageError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case cannotMap(path: String, reason: String)
    case empty(path: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): "cannot open \(path): \(reason); check that the path exists and is readable"
        case let .cannotMap(path, reason): "cannot memory-map \(path): \(reason)"
        case let .empty(path): "\(path) is empty; expected a model file (it may be a failed download)"
        }
    }
}
