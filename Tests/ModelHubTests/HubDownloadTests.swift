import Foundation
import ModelHub
import Testing

private let q8 = "models/qwen3-tiny-gqa2/qwen3-tiny-gqa2-q8_0.gguf"

/// A GGUF repository with one model file and a README, as many on the hub are.
private func addSingleGGUF(_ hub: FakeHub) throws -> Data {
    let bytes = try fixture(q8)
    try hub.add(
        repo: "test/tiny-GGUF", files: ["tiny-Q8_0.gguf": bytes, "README.md": Data("# tiny\n".utf8)], lfs: ["tiny-Q8_0.gguf"])
    return bytes
}

private func hubError(_ body: () async throws -> some Any) async -> HubError? {
    do { _ = try await body() } catch let error as HubError { return error } catch {
        Issue.record("expected a HubError, got \(error)")
    }
    return nil
}

@Suite("Downloads into the Hugging Face cache")
struct HubDownloadTests {
    @Test("A GGUF repository downloads into the huggingface_hub cache layout")
    func cacheLayout() async throws {
        try await withFakeHub { hub, cache in
            let bytes = try addSingleGGUF(hub)
            let path = try await ModelHub(configuration: configuration(hub, cache: cache)).resolve("test/tiny-GGUF")
            let repo = cache.appendingPathComponent("models--test--tiny-GGUF")
            let commit = hub.commit("test/tiny-GGUF")
            let sha = try referenceSHA256(bytes)
            #expect(path.path == repo.appendingPathComponent("snapshots/\(commit)/tiny-Q8_0.gguf").path)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: path.path) == "../../blobs/\(sha)")
            #expect(try Data(contentsOf: repo.appendingPathComponent("blobs/\(sha)")) == bytes)
            #expect(try String(contentsOf: repo.appendingPathComponent("refs/main"), encoding: .utf8) == commit)
            #expect(try Data(contentsOf: path) == bytes)
            let blobs = try FileManager.default.contentsOfDirectory(atPath: repo.appendingPathComponent("blobs").path)
            #expect(blobs == [sha], "only the model's blob, no .incomplete and no README")
            // The LFS file went through the hub's redirect to the CDN.
            #expect(hub.requests.contains { $0.method == "GET" && $0.path == "/cdn/\(sha)" })
        }
    }

    @Test("A second resolve uses the cache and makes no request")
    func secondResolveIsLocal() async throws {
        try await withFakeHub { hub, cache in
            _ = try addSingleGGUF(hub)
            let modelHub = ModelHub(configuration: configuration(hub, cache: cache))
            let first = try await modelHub.resolve("test/tiny-GGUF:q8_0")
            let count = hub.requests.count
            #expect(count > 0)
            let second = try await modelHub.resolve("test/tiny-GGUF:q8_0")
            let third = try await modelHub.resolve("test/tiny-GGUF")
            #expect(second == first && third == first)
            #expect(hub.requests.count == count)
        }
    }

    @Test("Offline mode resolves from the cache, and without it says where it looked and how to pass a file")
    func offline() async throws {
        try await withFakeHub { hub, cache in
            _ = try addSingleGGUF(hub)
            let offline = ModelHub(configuration: configuration(hub, cache: cache, ["HF_HUB_OFFLINE": "1"]))
            let error = await hubError { try await offline.resolve("test/tiny-GGUF") }
            #expect(error == .notCached(reference: "test/tiny-GGUF", cache: cache.path, reason: .offlineMode))
            let message = error?.description ?? ""
            #expect(message.contains(cache.path) && message.contains("HF_HUB_OFFLINE") && message.contains("--model /path/to/"))
            #expect(hub.requests.isEmpty)

            let online = try await ModelHub(configuration: configuration(hub, cache: cache)).resolve("test/tiny-GGUF")
            let count = hub.requests.count
            #expect(try await offline.resolve("test/tiny-GGUF") == online)
            #expect(hub.requests.count == count)
        }
    }

    @Test("An unreachable hub says so and how to pass a local file")
    func unreachable() async throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("folio-hub-cache-\(UUID().uuidString)")
        // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
        let config = HubConfiguration.fromEnvironment(["HF_HUB_CACHE": cache.path, "HF_ENDPOINT": "http://127.0.0.1:1"])
        let error = await hubError { try await ModelHub(configuration: config).resolve("test/tiny-GGUF") }
        guard case let .notCached(reference, path, .unreachable(reason)) = error else {
            Issue.record("expected notCached(.unreachable), got \(String(describing: error))")
            return
        }
        #expect(reference == "test/tiny-GGUF" && path == cache.path && !reason.isEmpty)
        #expect(error!.description.contains("cannot be reached") && error!.description.contains("--model /path/to/model.gguf"))
    }

    @Test("A partial download resumes with a Range request and verifies")
    func resume() async throws {
        try await withFakeHub { hub, cache in
            let bytes = try addSingleGGUF(hub)
            let sha = hub.etag("test/tiny-GGUF", "tiny-Q8_0.gguf")
            let blobs = cache.appendingPathComponent("models--test--tiny-GGUF/blobs")
            try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
            let kept = 70_001
            try bytes.prefix(kept).write(to: blobs.appendingPathComponent("\(sha).incomplete"))

            let path = try await ModelHub(configuration: configuration(hub, cache: cache)).resolve("test/tiny-GGUF")
            #expect(try Data(contentsOf: path) == bytes)
            let cdn = hub.requests.filter { $0.path == "/cdn/\(sha)" && $0.method == "GET" }
            #expect(cdn.map(\.range) == ["bytes=\(kept)-"])
            #expect(!FileManager.default.fileExists(atPath: blobs.appendingPathComponent("\(sha).incomplete").path))
        }
    }

    @Test("A server that ignores Range restarts the file from byte zero")
    func resumeIgnored() async throws {
        try await withFakeHub { hub, cache in
            let bytes = try addSingleGGUF(hub)
            hub.ignoresRange = true
            let sha = hub.etag("test/tiny-GGUF", "tiny-Q8_0.gguf")
            let blobs = cache.appendingPathComponent("models--test--tiny-GGUF/blobs")
            try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
            try bytes.prefix(1000).write(to: blobs.appendingPathComponent("\(sha).incomplete"))
            let path = try await ModelHub(configuration: configuration(hub, cache: cache)).resolve("test/tiny-GGUF")
            #expect(try Data(contentsOf: path) == bytes)
        }
    }

    @Test("A checksum mismatch fails, removes the download and leaves nothing in the snapshot")
    func checksumMismatch() async throws {
        try await withFakeHub { hub, cache in
            var bytes = try addSingleGGUF(hub)
            bytes[bytes.count / 2] ^= 0xFF
            hub.lie(repo: "test/tiny-GGUF", path: "tiny-Q8_0.gguf", bytes: bytes)
            let sha = hub.etag("test/tiny-GGUF", "tiny-Q8_0.gguf")
            let error = await hubError { try await ModelHub(configuration: configuration(hub, cache: cache)).resolve("test/tiny-GGUF") }
            #expect(error == .checksumMismatch(file: "tiny-Q8_0.gguf", expected: sha, actual: try referenceSHA256(bytes)))
            let repo = cache.appendingPathComponent("models--test--tiny-GGUF")
            let snapshot = repo.appendingPathComponent("snapshots/\(hub.commit("test/tiny-GGUF"))")
            #expect((try? FileManager.default.contentsOfDirectory(atPath: snapshot.path)) ?? [] == [])
            #expect((try? FileManager.default.contentsOfDirectory(atPath: repo.appendingPathComponent("blobs").path)) ?? [] == [])
            #expect(!FileManager.default.fileExists(atPath: repo.appendingPathComponent("refs/main").path))
        }
    }

    @Test("The token goes to the hub as a bearer; without it a refusal says to set HF_TOKEN")
    func token() async throws {
        try await withFakeHub { hub, cache in
            _ = try addSingleGGUF(hub)
            hub.requiredToken = "hf_secret"
            let error = await hubError { try await ModelHub(configuration: configuration(hub, cache: cache)).resolve("test/tiny-GGUF") }
            #expect(error == .unauthorized(repository: "test/tiny-GGUF", status: 401, tokenSent: false))
            #expect(error?.description.contains("HF_TOKEN") == true)

            let config = configuration(hub, cache: cache, ["HF_TOKEN": "hf_secret"])
            _ = try await ModelHub(configuration: config).resolve("test/tiny-GGUF")
            let hubRequests = hub.requests.filter { !$0.path.hasPrefix("/cdn/") }.suffix(2)
            #expect(hubRequests.count == 2 && hubRequests.allSatisfy { $0.authorization == "Bearer hf_secret" })
        }
    }

    @Test("Progress reports the start, the bytes and the end of each download")
    func progress() async throws {
        try await withFakeHub { hub, cache in
            let bytes = try addSingleGGUF(hub)
            let events = EventLog()
            _ = try await ModelHub(configuration: configuration(hub, cache: cache)).resolve("test/tiny-GGUF", progress: events.add)
            let seen = events.all
            let total = Int64(bytes.count)
            #expect(seen.first == .started(file: "tiny-Q8_0.gguf", totalBytes: total, resumedFrom: 0))
            #expect(seen.last == .finished(file: "tiny-Q8_0.gguf", bytes: total))
            #expect(seen.contains(.advanced(file: "tiny-Q8_0.gguf", completedBytes: total, totalBytes: total)))
        }
    }
}

final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [HubProgressEvent] = []
    var all: [HubProgressEvent] { lock.withLock { events } }
    var add: @Sendable (HubProgressEvent) -> Void { { [self] e in lock.withLock { events.append(e) } } }
}
