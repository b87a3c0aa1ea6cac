import Foundation

/// What a download reports as it goes; given to the `progress` handler of ``ModelHub/resolve(_:progress:)``.
public enum HubProgressEvent: Sendable, Equatable {
    /// A file starts downloading; `resumedFrom` bytes were already on disk from an earlier attempt.
    case started(file: String, totalBytes: Int64?, resumedFrom: Int64)
    /// More bytes of the file arrived; `completedBytes` counts from the start of the file.
    case advanced(file: String, completedBytes: Int64, totalBytes: Int64?)
    /// The file is downloaded and its checksum verified.
    case finished(file: String, bytes: Int64)
}

/// Draws download progress on standard error: a redrawn bar on a terminal, one line per file otherwise (logs).
public final class TerminalProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let isTerminal: Bool
    private var lastDraw = Date.distantPast
    private var started = Date()
    private var startBytes: Int64 = 0

    /// A reporter for standard error; `isTerminal` defaults to whether standard error is a TTY.
    public init(isTerminal: Bool = isatty(FileHandle.standardError.fileDescriptor) != 0) {
        self.isTerminal = isTerminal
    }

    /// The handler to pass to ``ModelHub/resolve(_:progress:)``.
    public var handler: @Sendable (HubProgressEvent) -> Void {
        { [self] event in lock.withLock { self.report(event) } }
    }

    private func report(_ event: HubProgressEvent) {
        switch event {
        case let .started(file, total, resumed):
            started = Date()
            startBytes = resumed
            lastDraw = .distantPast
            let size = total.map { " (\(Self.bytes($0)))" } ?? ""
            let resume = resumed > 0 ? ", resuming at \(Self.bytes(resumed))" : ""
            if !isTerminal { write("folio: downloading \(file)\(size)\(resume)\n") }
        case let .advanced(file, done, total):
            guard isTerminal, Date().timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = Date()
            write("\r\u{1B}[K" + bar(file: file, done: done, total: total))
        case let .finished(file, bytes):
            if isTerminal {
                write("\r\u{1B}[K" + bar(file: file, done: bytes, total: bytes) + "\n")
            } else {
                write("folio: downloaded \(file) (\(Self.bytes(bytes)))\n")
            }
        }
    }

    private func bar(file: String, done: Int64, total: Int64?) -> String {
        let elapsed = max(Date().timeIntervalSince(started), 0.001)
        let rate = Double(done - startBytes) / elapsed
        let name = file.count > 32 ? "…" + file.suffix(31) : file
        guard let total, total > 0 else { return "\(name) \(Self.bytes(done)) \(Self.bytes(Int64(rate)))/s" }
        let fraction = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let eta = rate > 0 ? " ETA \(Int(Double(total - done) / rate))s" : ""
        return "\(name) [\(String(repeating: "=", count: filled))\(String(repeating: " ", count: width - filled))] "
            + "\(Int(fraction * 100))% \(Self.bytes(done))/\(Self.bytes(total)) \(Self.bytes(Int64(rate)))/s\(eta)"
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    /// `1.2 GB`-style sizes (decimal units, as the hub's pages show them).
    static func bytes(_ n: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(n)
        var unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(n) B" : "\(String(format: "%.1f", value)) \(units[unit])"
    }
}
