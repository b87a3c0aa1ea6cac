import Foundation
import KnowledgeBase
import KnowledgeStore
import Testing

@Suite("How a file's text was read reaches the user")
struct EncodingWarningTests {
    static let mislabelled = fixtures.appendingPathComponent("ingestion/declared-gb2312-holds-utf8.html")
    static let badBytes = fixtures.appendingPathComponent("ingestion/few-bad-bytes.html")

    @Test("A queued upload of a mislabelled page finishes with the warning on its job")
    func jobWarnings() async throws {
        let (kb, folder) = try makeKnowledgeBase()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await kb.createCollection(name: "web")
        let queue = IngestQueue(knowledgeBase: kb, configuration: testLease)
        var ids: [JobID] = []
        for url in [Self.mislabelled, Self.badBytes] {
            ids.append(try await queue.enqueue(collection: "web", fileName: url.lastPathComponent, data: Data(contentsOf: url)).id)
        }
        var jobs: [IngestJob] = []
        let deadline = Date().addingTimeInterval(60)
        repeat {
            try await Task.sleep(for: .milliseconds(50))
            jobs = try await ids.asyncMap { try #require(try await kb.store.job(id: $0)) }
        } while !jobs.allSatisfy(\.state.isFinished) && Date() < deadline
        await queue.stop()
        #expect(jobs.map(\.state) == [.done, .done], "\(jobs.map(\.error))")
        #expect(jobs[0].warnings == ["the file declares charset gb2312, but its bytes are valid UTF-8: read as UTF-8"])
        #expect(jobs[1].warnings == ["3 byte sequences are not valid utf-8 and were replaced by U+FFFD"])
        let text = try await kb.store.documentText(id: try #require(jobs[0].documentID)).text
        #expect(text.contains("番茄需要充足的阳光和规律的浇水。"))
    }

    @Test("folio kb add prints the warning under the file's line, and in --json as a warnings array")
    func cliWarnings() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("folio-warn-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(try runFolio(["kb", "create", "web", "--model", tinyModelPath, "--data", data]).status == 0)
        let add = try runFolio(["kb", "add", "web", "--data", data, Self.mislabelled.path])
        #expect(add.status == 0, "\(add.err)")
        #expect(add.out.contains("warning: \(Self.mislabelled.path): the file declares charset gb2312, but its bytes are valid UTF-8"),
                "\(add.out)")
        let json = try runFolio(["kb", "add", "web", "--json", "--data", data, Self.badBytes.path])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any], "\(json.out)")
        #expect(object["warnings"] as? [String] == ["3 byte sequences are not valid utf-8 and were replaced by U+FFFD"])
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
