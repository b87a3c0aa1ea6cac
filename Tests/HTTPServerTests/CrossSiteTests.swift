import Foundation
import HTTPServer
import Testing

/// What a hostile web page can make a browser send: `text/plain` and form bodies (no CORS preflight), cross-site
/// `Origin`s, and, through DNS rebinding, a foreign `Host`.
@Suite("Cross-site safety: JSON content type, Origin, Host")
struct CrossSiteTests {
    @Test("JSON routes refuse bodies not declared as JSON with 415, and nothing is created")
    func contentType() async throws {
        try await withKnowledgeServer { server in
            let create = #"{"name": "c"}"#
            let plain = try await server.send("POST", "/v1/kb/collections", body: Data(create.utf8), headers: ["Content-Type": "text/plain"])
            #expect(plain.status == 415, "\(plain.text)")
            #expect(plain.error["code"] as? String == "unsupported_media_type")
            #expect(plain.error["message"] as? String ?? "" == "this route takes a JSON body: send it with Content-Type: application/json (the request said text/plain)")
            let form = try await server.send(
                "POST", "/v1/embeddings", body: Data(#"{"input": "x"}"#.utf8), headers: ["Content-Type": "application/x-www-form-urlencoded"])
            #expect(form.status == 415)
            let none = try await RawHTTP.status(
                port: server.port, head: "POST /v1/kb/collections HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(create.utf8.count)", body: create)
            #expect(none == 415)
            let text = try await server.send(
                "POST", "/v1/kb/collections/c/documents", body: Data(#"{"text": "hello"}"#.utf8), headers: ["Content-Type": "text/plain"])
            #expect(text.status == 415)
            let listed = try await server.get("/v1/kb/collections")
            #expect((listed.object["data"] as? [Any])?.isEmpty == true, "a refused request created something: \(listed.text)")

            let withCharset = try await server.send(
                "POST", "/v1/kb/collections", body: Data(create.utf8), headers: ["Content-Type": "application/json; charset=utf-8"])
            #expect(withCharset.status == 201 || withCharset.status == 200, "\(withCharset.text)")
        }
    }

    @Test("A state-changing request from another site's page is refused; the server's own page and --cors-origin pass")
    func origin() async throws {
        try await withKnowledgeServer(ServerConfiguration(corsOrigins: ["https://app.example"])) { server in
            let body: [String: Any] = ["input": "hello"]
            let evil = try await server.post("/v1/embeddings", json: body, headers: ["Origin": "http://evil.example"])
            #expect(evil.status == 403)
            #expect(evil.error["code"] as? String == "origin_not_allowed")
            let sandboxed = try await server.post("/v1/kb/collections", json: ["name": "x"], headers: ["Origin": "null"])
            #expect(sandboxed.status == 403)
            let own = try await server.post("/v1/embeddings", json: body, headers: ["Origin": server.baseURL])
            #expect(own.status == 200, "\(own.text)")
            let listed = try await server.post("/v1/embeddings", json: body, headers: ["Origin": "https://app.example"])
            #expect(listed.status == 200)
            // Reading is not refused (the browser withholds the answer without CORS headers), and clients without Origin pass.
            #expect(try await server.get("/v1/models", headers: ["Origin": "http://evil.example"]).status == 200)
            #expect(try await server.post("/v1/embeddings", json: body).status == 200)
            #expect((try await server.get("/v1/kb/collections").object["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("A loopback server answers only loopback Host names unless --allowed-host names another (DNS rebinding)")
    func host() async throws {
        try await LiveServer.with { server in
            let refused = ["evil.example:\(server.port)", "127.0.0.1.nip.io"]
            let accepted = ["localhost:\(server.port)", "LOCALHOST", "app.localhost", "127.0.0.1:\(server.port)", "[::1]:\(server.port)", "127.1.2.3"]
            for (hosts, want) in [(refused, 403), (accepted, 200)] {
                for host in hosts {
                    let status = try await RawHTTP.status(port: server.port, head: "GET /v1/models HTTP/1.1\r\nHost: \(host)")
                    #expect(status == want, "Host: \(host)")
                }
            }
        }
        try await LiveServer.with(ServerConfiguration(allowedHosts: ["folio.example"])) { server in
            let listed = try await RawHTTP.status(port: server.port, head: "GET /v1/models HTTP/1.1\r\nHost: folio.example:8080")
            let other = try await RawHTTP.status(port: server.port, head: "GET /v1/models HTTP/1.1\r\nHost: other.example")
            #expect(listed == 200 && other == 403)
        }
    }

    @Test("A body shorter than its Content-Length is a 400, not a 413")
    func shortBody() async throws {
        try await LiveServer.with { server in
            let status = try await RawHTTP.status(
                port: server.port,
                head: "POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500",
                body: #"{"input": "x"}"#, halfClose: true)
            #expect(status == 400)
        }
    }
}
