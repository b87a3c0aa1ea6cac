import Foundation
import KnowledgeBase
import KnowledgeStore
import PostgresStore
import SQLiteStore
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The PostgreSQL server scripts/test.sh starts (scripts/postgres.sh), or nil.
let postgresURL: String? = {
    let url = ProcessInfo.processInfo.environment["FOLIO_TEST_POSTGRES_URL"]
    return url?.isEmpty == false ? url : nil
}()

struct PostgresURLMissing: Error, CustomStringConvertible {
    var description: String {
        "FOLIO_TEST_POSTGRES_URL is not set: run the tests with `bash scripts/test.sh` (it starts a throwaway "
            + "PostgreSQL with pgvector), or start one with `bash scripts/postgres.sh start` and export the URL it prints"
    }
}

/// A PostgreSQL URL on a fresh schema of the test server, and a function dropping it; fails without a server.
func freshPostgresSchema() async throws -> (url: String, drop: @Sendable () async -> Void) {
    guard let base = postgresURL else { throw PostgresURLMissing() }
    let schema = "kbtest_\(UUID().uuidString.prefix(8).lowercased())"
    let url = base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
    return (url, {
        let store = try? PostgresStore(url: url)
        try? await store?.dropSchema()
        await store?.close()
    })
}

@Suite("One knowledge base in two stores and two servers")
struct SharedStoreTests {
    @Test("kb migrate copies collections, documents, chunks and vectors without embedding, and a second run copies nothing")
    func migrate() async throws {
        let (kb, folder) = try makeKnowledgeBase()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await kb.createCollection(name: "notes", vectorEncoding: .f16, maxChunkTokens: 48, overlapTokens: 8)
        _ = try await kb.createCollection(name: "more")
        _ = try await kb.ingest(.init(collection: "notes", fileName: "a.md", data: Data(sampleText.utf8), metadata: ["k": "v"]))
        _ = try await kb.ingest(.init(collection: "more", fileName: "b.txt", data: Data("Linear attention in linear time.".utf8)))

        var destinations: [(any KnowledgeStore, () async -> Void)] = []
        let (sqlite, other) = try temporaryStore()
        destinations.append((sqlite, { try? FileManager.default.removeItem(at: other) }))
        let pg = try await freshPostgresSchema()
        destinations.append((try PostgresStore(url: pg.url), pg.drop))
        for (destination, cleanup) in destinations {
            let report = try await StoreMigration.copy(from: kb.store, to: destination)
            #expect(report == .init(collections: 2, copied: 2, skipped: 0))
            #expect(try await StoreMigration.copy(from: kb.store, to: destination).skipped == 2)
            for name in ["notes", "more"] {
                #expect(try await destination.collection(named: name)?.vectorEncoding == kb.store.collection(named: name)?.vectorEncoding)
                let before = try await kb.store.documents(in: name, offset: 0, limit: 10)
                let after = try await destination.documents(in: name, offset: 0, limit: 10)
                #expect(before.map(\.contentHash) == after.map(\.contentHash))
                #expect(before.map(\.metadata) == after.map(\.metadata))
                for (a, b) in zip(before, after) {
                    let (x, y) = (try await kb.store.exportDocument(id: a.id), try await destination.exportDocument(id: b.id))
                    #expect(x.document.text == y.document.text)
                    #expect(x.chunks.map(\.text) == y.chunks.map(\.text))
                    #expect(zip(x.chunks, y.chunks).allSatisfy { maxAbsDifference($0.vector, $1.vector) < 1e-6 })
                    #expect(maxAbsDifference(x.document.vector ?? [], y.document.vector ?? [.nan]) < 1e-6)
                }
            }
            // Searching the copy gives what searching the original gives.
            let query = try tinyEmbedder.embed(["sparse attention"]).first!.vector
            let hitsA = try await kb.store.vectorSearch(collection: "notes", query: query, k: 3, target: .chunks, filter: .none)
            let hitsB = try await destination.vectorSearch(collection: "notes", query: query, k: 3, target: .chunks, filter: .none)
            #expect(hitsA.map { $0.chunk?.text } == hitsB.map { $0.chunk?.text })
            await cleanup()
        }
    }

    @Test("Two folio serve processes on one PostgreSQL database see each other's documents at once")
    func twoServers() async throws {
        let pg = try await freshPostgresSchema()
        try await Self.talkToTwoServers(url: pg.url)
        await pg.drop()
    }

    static func talkToTwoServers(url: String) async throws {
        let pg = (url: url, ())
        let a = try ServerProcess.start(["serve", "--model", tinyModelPath, "--port", "0", "--store", pg.url])
        defer { a.stop() }
        let b = try ServerProcess.start(["serve", "--model", tinyModelPath, "--port", "0", "--store", pg.url])
        defer { b.stop() }
        #expect(try await a.request("POST", "/v1/kb/collections", json: ["name": "shared"]).status == 201)
        let upload = try await a.request("POST", "/v1/kb/collections/shared/documents",
                                         json: ["text": "The observatory on the violet harbour opens at dusk.", "title": "Harbour"])
        #expect(upload.status == 202)
        let job = try #require(((upload.object["data"] as? [[String: Any]])?.first?["id"]) as? Int)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let state = try await b.request("GET", "/v1/kb/jobs/\(job)").object["state"] as? String
            if state == "done" || state == "failed" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let found = try await b.request("POST", "/v1/kb/collections/shared/search", json: ["query": "violet harbour", "mode": "hybrid"])
        #expect(found.status == 200, "\(found.text)")
        #expect(((found.object["data"] as? [[String: Any]])?.first?["title"]) as? String == "Harbour")
    }
}

/// A `folio serve` child process, ready once it printed its URL.
struct ServerProcess {
    let process: Process
    let baseURL: String

    struct Reply {
        let status: Int
        let body: Data
        var object: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    static func start(_ arguments: [String]) throws -> ServerProcess {
        let process = Process()
        process.executableURL = try folioExecutable()
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = ""
        while !seen.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = seen.range(of: #"http://[0-9.:]+"#, options: .regularExpression) else {
            process.terminate()
            throw CancellationError()
        }
        return ServerProcess(process: process, baseURL: String(seen[range]))
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    func request(_ method: String, _ path: String, json: Any? = nil) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }
}
