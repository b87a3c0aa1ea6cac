import Foundation
import GRDB
import KnowledgeStore
import SQLiteStore
import Testing

/// The `folio` executable built beside the test bundle.
func folioExecutable() throws -> URL {
    var dir = Bundle.main.bundleURL
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("folio")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir.deleteLastPathComponent()
    }
    throw CancellationError()
}

/// Runs `folio` to the end.
func runFolio(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = try folioExecutable()
    process.arguments = arguments
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

@Suite("folio kb on the command line")
struct KBCLITests {
    /// Distinct documents, each long enough to take a moment to embed.
    static func writeDocuments(count: Int, into folder: URL) throws -> [URL] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try (0..<count).map { i in
            let url = folder.appendingPathComponent(String(format: "doc-%03d.md", i))
            let body = (0..<120).map { p in "Paragraph \(p) of document \(i) discusses topic \(i * 7 + p) in some detail, with numbers \(i * p)." }
            let subject = ["astronomy", "botany", "chemistry", "dentistry", "ecology", "forestry"][i % 6]
            try ("# Document \(i) on \(subject)\n\n" + body.joined(separator: "\n\n")).write(to: url, atomically: true, encoding: .utf8)
            return url
        }
    }

    @Test("kill -9 during `folio kb add` leaves a consistent store, and running it again completes the rest")
    func killDuringIngest() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("folio-kill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data").path
        let files = try Self.writeDocuments(count: 24, into: root.appendingPathComponent("docs"))
        let create = try runFolio(["kb", "create", "notes", "--model", tinyModelPath, "--data", data, "--chunk-tokens", "64", "--overlap-tokens", "8"])
        #expect(create.status == 0, "\(create.err)")

        // Start adding, and kill the process hard once two documents are in.
        let process = Process()
        process.executableURL = try folioExecutable()
        process.arguments = ["kb", "add", "notes", "--data", data] + files.map(\.path)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = ""
        while seen.components(separatedBy: "ok: ").count - 1 < 2 {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the add finished before it could be killed: \(seen)")

        // The file is a sound SQLite database and every stored document is whole.
        let database = root.appendingPathComponent("data/knowledge.sqlite").path
        let queue = try DatabaseQueue(path: database)
        let check = try await queue.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
        #expect(check == ["ok"])
        let store = try SQLiteStore(path: database)
        let stored = try await store.documents(in: "notes", offset: 0, limit: 100)
        #expect(stored.count >= 2 && stored.count < files.count)
        for doc in stored {
            let chunks = try await store.chunks(of: doc.id)
            #expect(!chunks.isEmpty && chunks.count == doc.chunkCount, "document \(doc.id) is partial")
            #expect(chunks.map(\.ordinal) == Array(0..<chunks.count))
        }
        let tables = try await queue.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        if tables.contains("chunks") && tables.contains("documents") {
            let orphans = try await queue.read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM chunks WHERE document_id NOT IN (SELECT id FROM documents)") ?? -1
            }
            #expect(orphans == 0)
        }

        // Running the same command again adds the rest and leaves what was stored unchanged.
        let again = try runFolio(["kb", "add", "notes", "--data", data] + files.map(\.path))
        #expect(again.status == 0, "\(again.err)")
        #expect(again.out.components(separatedBy: "unchanged").count - 1 == stored.count)
        let all = try await store.documents(in: "notes", offset: 0, limit: 100)
        #expect(all.count == files.count)
        #expect(Set(all.map(\.source)) == Set(files.map(\.lastPathComponent)))
    }

    @Test("An empty --meta key is refused the same way by kb add and kb search, before the store is opened")
    func emptyMetadataKey() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("folio-meta-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let add = try runFolio(["kb", "add", "notes", "file.md", "--meta", "=draft", "--data", data.path])
        let search = try runFolio(["kb", "search", "notes", "query", "--meta", "=draft", "--data", data.path])
        for run in [add, search] {
            #expect(run.status == 64, "\(run.err)")
            #expect(run.err.contains("--meta =draft has an empty key"), "\(run.err)")
        }
        let noEquals = try runFolio(["kb", "search", "notes", "query", "--meta", "draft", "--data", data.path])
        #expect(noEquals.status == 64 && noEquals.err.contains("--meta draft is not KEY=VALUE"))
        #expect(!FileManager.default.fileExists(atPath: data.path), "the store was opened for a bad flag")
    }

    @Test("kb create, add, list, search, duplicates and rm work end to end, with clear errors")
    func commands() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("folio-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data").path
        let files = try Self.writeDocuments(count: 2, into: root.appendingPathComponent("docs"))
        #expect(try runFolio(["kb", "create", "notes", "--model", tinyModelPath, "--data", data]).status == 0)
        let dup = try runFolio(["kb", "create", "notes", "--model", tinyModelPath, "--data", data])
        #expect(dup.status != 0 && dup.err.contains("already exists"))
        let folderWithoutFlag = try runFolio(["kb", "add", "notes", root.appendingPathComponent("docs").path, "--data", data])
        #expect(folderWithoutFlag.status != 0 && folderWithoutFlag.err.contains("--recursive"))
        let add = try runFolio(["kb", "add", "notes", "--recursive", root.appendingPathComponent("docs").path, "--data", data])
        #expect(add.status == 0, "\(add.err)")
        #expect(add.out.components(separatedBy: "ok: ").count - 1 == files.count)
        let list = try runFolio(["kb", "list", "notes", "--data", data])
        #expect(list.out.split(separator: "\n").count == files.count)
        let search = try runFolio(["kb", "search", "notes", "botany", "--mode", "keyword", "--json", "--data", data])
        #expect(search.status == 0, "\(search.err)")
        let object = try JSONSerialization.jsonObject(with: Data(search.out.utf8)) as? [String: Any]
        #expect(((object?["results"] as? [[String: Any]]) ?? []).first?["source"] as? String == "doc-001.md")
        #expect(try runFolio(["kb", "duplicates", "notes", "--json", "--data", data]).status == 0)
        #expect(try runFolio(["kb", "rm", "notes", "--data", data]).status == 0)
        let gone = try runFolio(["kb", "search", "notes", "x", "--data", data])
        #expect(gone.status != 0 && gone.err.contains("no collection named 'notes'"))
    }
}
