import Foundation
import Testing

@Suite("Uploads and job JSON")
struct UploadTests {
    /// A multipart body whose parts are given as they are: (Content-Disposition parameters, bytes).
    static func form(_ parts: [(disposition: String, data: Data)]) -> (body: Data, contentType: String) {
        let boundary = "folio-upload-\(UUID().uuidString)"
        var body = Data()
        for part in parts {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; \(part.disposition)\r\n\r\n".utf8)
            body += part.data + Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    @Test("A multipart upload without a file part, or with an empty filename, is a 400 and queues nothing")
    func noFilePart() async throws {
        try await withKnowledgeServer { server in
            #expect(try await server.post("/v1/kb/collections", json: ["name": "docs"]).status == 201)
            let bodies = [
                Self.form([("name=\"metadata\"", Data("{\"team\": \"a\"}".utf8))]),
                Self.form([("name=\"file\"", Data("no filename".utf8))]),
                Self.form([("name=\"file\"; filename=\"\"", Data())]),
            ]
            for form in bodies {
                let reply = try await server.send(
                    "POST", "/v1/kb/collections/docs/documents", body: form.body, headers: ["Content-Type": form.contentType])
                #expect(reply.status == 400, "\(reply.text)")
                #expect(reply.error["param"] as? String == "file")
            }
            let jobs = try await server.get("/v1/kb/collections/docs/jobs").object["data"] as? [[String: Any]]
            #expect(jobs?.isEmpty == true)
        }
    }

    @Test("Job JSON always has error (null when none) and warnings; a mislabelled page's warning shows there")
    func jobJSON() async throws {
        try await withKnowledgeServer { server in
            #expect(try await server.post("/v1/kb/collections", json: ["name": "web"]).status == 201)
            let page = try Data(contentsOf: fixtures.appendingPathComponent("ingestion/declared-gb2312-holds-utf8.html"))
            let form = multipart([("news.html", page)])
            let upload = try await server.send(
                "POST", "/v1/kb/collections/web/documents", body: form.body, headers: ["Content-Type": form.contentType])
            #expect(upload.status == 202, "\(upload.text)")
            #expect(upload.text.contains("\"error\":null"), "\(upload.text)")
            #expect(upload.text.contains("\"warnings\":[]"), "\(upload.text)")

            let job = try #require(try await server.waitForJobs("web").first)
            #expect(job["state"] as? String == "done", "\(job)")
            #expect(job.keys.contains("error") && job["error"] is NSNull)
            #expect(job["warnings"] as? [String] == ["the file declares charset gb2312, but its bytes are valid UTF-8: read as UTF-8"])
            #expect(job["attempts"] as? Int == 1)
        }
    }
}
