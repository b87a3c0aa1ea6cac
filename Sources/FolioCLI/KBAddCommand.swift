import ArgumentParser
import Foundation
import Ingestion
import KnowledgeBase
import KnowledgeStore

/// `folio kb add`: extracts, chunks, embeds and stores files, with a progress line. Each file is searchable once its
/// chunks are stored (phase one); its whole-document vector follows (phase two). A bad file is reported and skipped;
/// the others go on. Re-running after an interruption skips what is stored and finishes missing document vectors.
struct KBAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add files (PDF, HTML, Markdown, text, source code) to a collection.")

    @Argument(help: "Collection name.") var name: String
    @Argument(help: "Files, or folders with --recursive.") var paths: [String]
    @Flag(name: .shortAndLong, help: "Add every file under the folders given.") var recursive = false
    @Option(help: "A metadata pair KEY=VALUE stored with every file; repeat for several.") var meta: [String] = []
    @OptionGroup var threadOptions: ThreadOptions
    @Flag(help: "Print one JSON object per file.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws { _ = try parseMetadata(meta) }

    func run() async throws {
        try await reportingErrors {
            let metadata = try parseMetadata(meta)
            let files = try expand(paths)
            let store = try await storeOptions.open()
            let kb = try await openKnowledgeBase(store: store, collection: name, threads: threadOptions.threads)
            _ = try await kb.boundCollection(name)
            var failed = 0, counts: [String: Int] = [:]
            let started = Date()
            var tokensTotal = 0
            for (i, file) in files.enumerated() {
                let line = ProgressLine()
                let label = "[\(i + 1)/\(files.count)] \(file.lastPathComponent)"
                let fileStart = Date()
                let tokens = Counter(), searchableAt = Counter()
                do {
                    let data = try Data(contentsOf: file)
                    let ingested = try await kb.ingestFile(
                        IngestRequest(collection: name, fileName: file.lastPathComponent, data: data, metadata: metadata)
                    ) { p in
                        let text = Self.describe(p, label: label, since: fileStart)
                        if p.stage == .documentVector {
                            // Phase one is done: say so even without a terminal (a log shows when it became searchable).
                            searchableAt.value = max(1, Int(Date().timeIntervalSince(fileStart) * 1000))
                            if !line.enabled { FileHandle.standardError.write(Data((text + "\n").utf8)) }
                        } else {
                            tokens.value = p.tokensDone
                        }
                        line.update(text, force: p.stage != .embedding)
                    }
                    line.finish()
                    tokensTotal += tokens.value
                    let outcome = ingested.outcome, kind = Self.kind(outcome)
                    counts[kind, default: 0] += 1
                    let seconds = Date().timeIntervalSince(fileStart)
                    let searchable = searchableAt.value == 0 ? nil : Double(searchableAt.value) / 1000
                    let phases = searchable.map {
                        String(format: " (searchable after %.1f s, document vector after %.1f s)", $0, seconds)
                    } ?? ""
                    report(file: file, ok: true, kind: kind, message: outcome.message + phases, document: outcome.document.id,
                           warnings: ingested.warnings, timing: (searchable, seconds))
                } catch {
                    line.finish()
                    failed += 1
                    let message = String(describing: error)
                    report(file: file, ok: false, kind: "failed", message: message, document: nil, warnings: [], timing: nil)
                }
            }
            // Documents an earlier, interrupted run stored without their vector.
            let finished = try await kb.completePendingDocumentVectors(in: name) { d in
                FileHandle.standardError.write(Data("computing the missing document vector of document \(d.id) (\(d.source))\n".utf8))
            }
            if finished > 0 { print("stored \(finished) missing document vector\(finished == 1 ? "" : "s")") }
            let seconds = Date().timeIntervalSince(started)
            let summary = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" } + (failed > 0 ? ["\(failed) failed"] : [])
            let rate = Int(Double(tokensTotal) / max(seconds, 1e-3))
            let line = "\(files.count) files in \(String(format: "%.1f", seconds)) s (\(summary.joined(separator: ", "))); "
                + "\(tokensTotal) tokens embedded, \(rate) tokens/s\n"
            FileHandle.standardError.write(Data(line.utf8))
            if failed > 0 { throw ExitCode(1) }
        }
    }

    /// One line a file; warnings (how the text was read) follow a successful file's line, one a line. `timing`: seconds
    /// until the file was searchable (phase one; nil when nothing was stored) and until it was done.
    private func report(
        file: URL, ok: Bool, kind: String, message: String, document: DocumentID?, warnings: [String],
        timing: (searchable: Double?, total: Double)?
    ) {
        if json {
            var object: [String: Any] = [
                "file": file.path, "ok": ok, "outcome": kind, "message": message, "document_id": document as Any,
                "warnings": warnings,
            ]
            if let timing {
                object["seconds"] = timing.total
                object["searchable_seconds"] = timing.searchable as Any
            }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        } else {
            // Written at once, not left in a pipe's buffer: a caller watching progress (or killing us) sees each file.
            let lines = warnings.map { "warning: \(file.path): \($0)\n" }.joined()
            FileHandle.standardOutput.write(Data("\(ok ? "ok" : "failed"): \(file.path): \(message)\n\(lines)".utf8))
        }
    }

    static func kind(_ outcome: IngestOutcome) -> String {
        switch outcome {
        case .added: "added"
        case .replaced: "replaced"
        case .unchanged: "unchanged"
        case .duplicate: "duplicate"
        }
    }

    /// "[2/5] paper.pdf  [####........] 120/340 chunks  1,234 tokens/s  ETA 0:42", then in phase two
    /// "[2/5] paper.pdf  searchable (document 7, 39 chunks); document vector of 15872 tokens, 0:21"
    static func describe(_ p: IngestProgress, label: String, since start: Date) -> String {
        let elapsed = max(Date().timeIntervalSince(start), 1e-3)
        if p.stage == .documentVector, let d = p.document {
            return "\(label)  searchable (document \(d.id), \(d.chunkCount) chunks); document vector of \(d.tokenCount) tokens, "
                + String(format: "%d:%02d", Int(elapsed) / 60, Int(elapsed) % 60)
        }
        guard p.stage == .embedding, p.chunksTotal > 0 else { return "\(label)  \(p.stage.rawValue)" }
        let rate = Double(p.tokensDone) / elapsed
        let left = p.fraction > 0 ? elapsed * (1 - p.fraction) / p.fraction : 0
        let eta = p.fraction > 0 ? String(format: "%d:%02d", Int(left) / 60, Int(left) % 60) : "?"
        let width = 20, filled = Int(p.fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return "\(label)  [\(bar)] \(p.chunksDone)/\(p.chunksTotal) chunks  \(Int(rate)) tokens/s  ETA \(eta)"
    }

    /// Files to add: the files given, and with `--recursive` every regular file under the folders given, sorted.
    func expand(_ paths: [String]) throws -> [URL] {
        var out: [URL] = []
        let fm = FileManager.default
        for path in paths {
            var isFolder: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isFolder) else { throw ValidationError("no such file: \(path)") }
            let url = URL(fileURLWithPath: path)
            guard isFolder.boolValue else { out.append(url); continue }
            guard recursive else { throw ValidationError("\(path) is a folder; pass --recursive to add the files in it") }
            let walker = fm.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
            var found: [URL] = []
            while let item = walker?.nextObject() as? URL {
                if (try? item.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true { found.append(item) }
            }
            out += found.sorted { $0.path < $1.path }
        }
        return out
    }
}

/// An integer written from the progress callback and read after it.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = 0
    var value: Int {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
