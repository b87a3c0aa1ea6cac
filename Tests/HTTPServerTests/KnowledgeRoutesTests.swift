import Foundation
import HTTPServer
import KnowledgeStore
import SQLiteStore
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A server with a knowledge base in a fresh SQLite file.
func withKnowledgeServer<T>(
    _ configuration: ServerConfiguration = .init(), models: [ServedModel]? = nil, _ body: (LiveServer) async throws -> T
) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("folio-http-kb-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try SQLiteStore(path: folder.appendingPathComponent("knowledge.sqlite").path)
    let server = try await LiveServer.start(configuration, names: ["qwen3-tiny-gqa2"], models: models, knowledgeStore: store)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A multipart/form-data body with `files` as `file` parts and optional metadata.
func multipart(_ files: [(name: String, data: Data)], metadata: [String: String]? = nil) -> (body: Data, contentType: String) {
    let boundary = "folio-test-\(UUID().uuidString)"
    var body = Data()
    if let metadata {
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n".utf8)
        body += try! JSONSerialization.data(withJSONObject: metadata)
        body += Data("\r\n".utf8)
    }
    for file in files {
        let escaped = file.name.replacingOccurrences(of: "\"", with: "\\\"")
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(escaped)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        body += file.data
        body += Data("\r\n".utf8)
    }
    body += Data("--\(boundary)--\r\n".utf8)
    return (body, "multipart/form-data; boundary=\(boundary)")
}

extension LiveServer {
    /// Polls the collection's jobs until none is queued or running.
    func waitForJobs(_ collection: String, timeout: Double = 60) async throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let jobs = try await get("/v1/kb/collections/\(collection)/jobs").object["data"] as? [[String: Any]] ?? []
            if !jobs.isEmpty, jobs.allSatisfy({ ["done", "failed"].contains($0["state"] as? String) }) { return jobs }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CancellationError()
    }
}

@Suite("Knowledge-base routes")
struct KnowledgeRoutesTests {
    static let notes = """
        # Efficient attention

        Sparse attention restricts each token to a few positions, which reduces the quadratic cost of self-attention. \
        Longformer combines a sliding window with global tokens.

        # Gardening

        Tomatoes need full sun and regular watering.
        """

    @Test("Create a collection, upload files, watch the jobs finish, list, search, read chunks, delete")
    func lifecycle() async throws {
        try await withKnowledgeServer { server in
            let created = try await server.post("/v1/kb/collections", json: ["name": "papers", "max_chunk_tokens": 64, "overlap_tokens": 8])
            #expect(created.status == 201, "\(created.text)")
            #expect(created.object["dimensions"] as? Int == 64)
            #expect(try await server.post("/v1/kb/collections", json: ["name": "papers"]).status == 409)
            #expect(try await server.post("/v1/kb/collections", json: ["name": "../etc"]).status == 400)

            let form = multipart([
                ("notes.md", Data(Self.notes.utf8)), ("archive.zip", Data([0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 40))),
            ], metadata: ["team": "research"])
            let upload = try await server.send(
                "POST", "/v1/kb/collections/papers/documents", body: form.body, headers: ["Content-Type": form.contentType])
            #expect(upload.status == 202, "\(upload.text)")
            #expect((upload.object["data"] as? [[String: Any]])?.count == 2)
            let text = try await server.post(
                "/v1/kb/collections/papers/documents", json: ["text": "番茄需要充足的阳光。稀疏注意力降低计算成本。", "title": "中文笔记"])
            #expect(text.status == 202)

            let jobs = try await server.waitForJobs("papers")
            let byName = Dictionary(jobs.map { ($0["file_name"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            #expect(byName["notes.md"]?["state"] as? String == "done")
            #expect(byName["archive.zip"]?["state"] as? String == "failed")
            #expect((byName["archive.zip"]?["error"] as? String ?? "").contains("archive"))

            let documents = try await server.get("/v1/kb/collections/papers/documents").object["data"] as? [[String: Any]] ?? []
            #expect(documents.count == 2)
            let notes = try #require(documents.first { $0["source"] as? String == "notes.md" })
            #expect((notes["metadata"] as? [String: String]) == ["team": "research"])
            #expect(documents.contains { $0["title"] as? String == "中文笔记" })
            let id = try #require(notes["id"] as? Int)
            let chunks = try await server.get("/v1/kb/documents/\(id)/chunks").object["data"] as? [[String: Any]] ?? []
            #expect(chunks.count == notes["chunk_count"] as? Int)

            let search = try await server.post("/v1/kb/collections/papers/search", json: ["query": "Longformer window", "mode": "keyword"])
            #expect(search.status == 200, "\(search.text)")
            let hits = search.object["data"] as? [[String: Any]] ?? []
            let first = try #require(hits.first)
            #expect(first["title"] as? String == "Efficient attention")
            #expect((first["text"] as? String ?? "").contains("Longformer"))
            #expect(!((first["highlights"] as? [[Int]]) ?? []).isEmpty)
            let zh = try await server.post("/v1/kb/collections/papers/search", json: ["query": "注意力", "mode": "hybrid", "k": 1])
            #expect((zh.object["data"] as? [[String: Any]])?.first?["title"] as? String == "中文笔记")
            #expect(try await server.get("/v1/kb/collections/papers/duplicates?threshold=0.99").status == 200)

            #expect(try await server.send("DELETE", "/v1/kb/documents/\(id)").status == 204)
            #expect(try await server.get("/v1/kb/documents/\(id)").status == 404)
            #expect(try await server.send("DELETE", "/v1/kb/collections/papers").status == 204)
            #expect(try await server.get("/v1/kb/collections/papers").status == 404)
        }
    }

    @Test("document_vectors: false is kept and shown; whole-document search by meaning and duplicates then answer 409, and collections with vectors count the pending ones")
    func documentVectorOption() async throws {
        try await withKnowledgeServer { server in
            let plain = try await server.post("/v1/kb/collections", json: ["name": "plain", "document_vectors": false])
            #expect(plain.status == 201, "\(plain.text)")
            #expect(plain.object["document_vectors"] as? Bool == false)
            let full = try await server.post("/v1/kb/collections", json: ["name": "full"])
            #expect(full.object["document_vectors"] as? Bool == true)
            #expect(try await server.get("/v1/kb/collections/plain").object["document_vectors"] as? Bool == false)
            for name in ["plain", "full"] {
                let added = try await server.post("/v1/kb/collections/\(name)/documents", json: ["text": Self.notes, "title": "notes"])
                #expect(added.status == 202)
                let jobs = try await server.waitForJobs(name)
                #expect(jobs.first?["state"] as? String == "done")
                #expect(jobs.first?["document_id"] as? Int != nil)
            }
            let refused = try await server.post("/v1/kb/collections/plain/search", json: ["query": "tomatoes", "target": "documents", "mode": "vector"])
            #expect(refused.status == 409 && refused.error["code"] as? String == "no_document_vectors", "\(refused.text)")
            #expect(try await server.get("/v1/kb/collections/plain/duplicates").status == 409)
            let keyword = try await server.post("/v1/kb/collections/plain/search", json: ["query": "tomatoes", "target": "documents", "mode": "keyword"])
            #expect((keyword.object["data"] as? [[String: Any]])?.count == 1)
            let found = try await server.post("/v1/kb/collections/full/search", json: ["query": "tomatoes", "target": "documents", "mode": "vector"])
            #expect(found.object["pending_document_vectors"] as? Int == 0)
            #expect((found.object["data"] as? [[String: Any]])?.count == 1)
            #expect(try await server.get("/v1/kb/collections/full/duplicates").object["pending_document_vectors"] as? Int == 0)
        }
    }

    @Test("Errors come in OpenAI's shape with the right status")
    func errors() async throws {
        try await withKnowledgeServer { server in
            let missing = try await server.post("/v1/kb/collections/nope/search", json: ["query": "x"])
            #expect(missing.status == 404)
            #expect((missing.error["message"] as? String ?? "").contains("nope"))
            _ = try await server.post("/v1/kb/collections", json: ["name": "c"])
            #expect(try await server.post("/v1/kb/collections/c/search", json: ["query": " "]).status == 400)
            #expect(try await server.post("/v1/kb/collections/c/search", json: ["query": "x", "mode": "fuzzy"]).error["param"] as? String == "mode")
            #expect(try await server.post("/v1/kb/collections", json: ["name": "d", "dimensions": 5]).status == 400)
            #expect(try await server.send("POST", "/v1/kb/collections/c/documents", body: Data("x".utf8), headers: ["Content-Type": "image/png"]).status == 415)
            #expect(try await server.get("/v1/kb/documents/999999").status == 404)
            for query in ["offset=-5&limit=-1", "offset=-5", "limit=0", "limit=1001", "limit=ten", "offset=1.5"] {
                let page = try await server.get("/v1/kb/collections/c/documents?\(query)")
                #expect(page.status == 400, "?\(query): \(page.status)")
                #expect(["offset", "limit"].contains(page.error["param"] as? String ?? ""), "?\(query)")
            }
            #expect(try await server.get("/v1/kb/collections/c/jobs?limit=-1").status == 400)
            #expect(try await server.get("/v1/kb/collections/c/documents?offset=0&limit=1000").status == 200)
        }
    }

    @Test("With API keys the page is public but every knowledge-base route needs the key")
    func auth() async throws {
        try await withKnowledgeServer(.init(apiKeys: ["secret"])) { server in
            let page = try await server.get("/")
            #expect(page.status == 200)
            #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
            #expect(try await server.get("/app.js").status == 200)
            #expect(try await server.get("/v1/kb/collections").status == 401)
            #expect(try await server.get("/v1/kb/collections", headers: ["Authorization": "Bearer secret"]).status == 200)
        }
    }

    @Test("/openapi.json describes every knowledge-base route, and a known path with the wrong method is 405")
    func documented() async throws {
        try await withKnowledgeServer { server in
            let paths = try await server.get("/openapi.json").object["paths"] as? [String: [String: Any]] ?? [:]
            let expected: [(String, String)] = [
                ("/v1/kb/collections", "get"), ("/v1/kb/collections", "post"), ("/v1/kb/collections/{name}", "delete"),
                ("/v1/kb/collections/{name}/documents", "post"), ("/v1/kb/collections/{name}/documents", "get"),
                ("/v1/kb/collections/{name}/jobs", "get"), ("/v1/kb/jobs/{id}", "get"), ("/v1/kb/documents/{id}", "delete"),
                ("/v1/kb/documents/{id}/chunks", "get"), ("/v1/kb/collections/{name}/search", "post"),
                ("/v1/kb/collections/{name}/duplicates", "get"), ("/", "get"),
            ]
            for (path, method) in expected { #expect(paths[path]?[method] != nil, "\(method) \(path)") }
            #expect(try await server.get("/v1/embeddings").status == 405)
            #expect(try await server.send("PUT", "/v1/kb/collections").status == 405)
            #expect(try await server.get("/v1/no-such-route").status == 404)
        }
    }

    @Test("The served page is the page folder's files, compiled in by PageAssetsPlugin")
    func pageIsCurrent() async throws {
        let page = fixtures.deletingLastPathComponent().appendingPathComponent("Sources/HTTPServer/Page")
        try await withKnowledgeServer { server in
            for (path, file) in [("/", "index.html"), ("/app.js", "app.js"), ("/app.css", "app.css")] {
                let onDisk = try String(contentsOf: page.appendingPathComponent(file), encoding: .utf8)
                let served = try await server.get(path).text
                #expect(served == onDisk, "\(file) is served changed")
            }
        }
    }
}

@Suite("Every documented route is served")
struct DocumentedRoutesTests {
    @Test("Each path and method in /openapi.json answers (no 'no such route', no 405), with the models and a store")
    func everyRoute() async throws {
        try await withKnowledgeServer(models: threeModels) { server in
            let document = try await server.get("/openapi.json").object
            let paths = document["paths"] as? [String: [String: Any]] ?? [:]
            #expect(paths.count >= 30)
            var answered = 0
            for (template, operations) in paths.sorted(by: { $0.key < $1.key }) {
                let path = template.replacingOccurrences(of: "{name}", with: "missing")
                    .replacingOccurrences(of: "{id}", with: "987654")
                for method in operations.keys where ["get", "post", "delete"].contains(method) {
                    let reply = try await server.send(method.uppercased(), path, body: method == "post" ? Data("{}".utf8) : nil)
                    let routeMissing = reply.status == 404 && reply.text.contains("no such route")
                    #expect(!routeMissing && reply.status != 405, "\(method.uppercased()) \(template): \(reply.status) \(reply.text.prefix(200))")
                    answered += 1
                }
            }
            #expect(answered >= paths.count)
        }
    }
}
