import FolioEmbedder
import Foundation
import HTTPServer
import Testing

@Suite("Dynamic batching")
struct ConcurrencyTests {
    let reference = Reference.tiny

    @Test("64 concurrent clients get the vectors a single request gets")
    func concurrentEqualsSingle() async throws {
        // A small engine budget so requests really share and split engine calls.
        try await LiveServer.with(ServerConfiguration(maxClientBatchSize: bigRequestInputs, batching: .init(maxBatchTokens: 160))) { server in
            let texts = reference.inputs.map(\.text)
            var single: [[Float]] = []
            for text in texts {
                let reply = try await server.post("/v1/embeddings", json: ["input": text, "encoding_format": "float"])
                single.append(try #require(vectors(reply).first))
            }
            let replies = try await withThrowingTaskGroup(of: (Int, LiveServer.Reply).self) { group in
                for client in 0 ..< 64 {
                    // Each client sends a rotation of the inputs, 1 to 8 of them.
                    let picks = (0 ..< (client % 8 + 1)).map { (client + $0) % texts.count }
                    group.addTask {
                        (client, try await server.post("/v1/embeddings", json: ["input": picks.map { texts[$0] }, "encoding_format": "base64"]))
                    }
                }
                var all: [(Int, LiveServer.Reply)] = []
                for try await r in group { all.append(r) }
                return all
            }
            #expect(replies.count == 64)
            for (client, reply) in replies {
                #expect(reply.status == 200)
                let picks = (0 ..< (client % 8 + 1)).map { (client + $0) % texts.count }
                let got = vectors(reply)
                #expect(got.count == picks.count)
                for (v, i) in zip(got, picks) {
                    #expect(cosine(v, single[i]) >= 0.99999, "client \(client) input \(i)")
                    #expect(cosine(v, reference.inputs[i].embedding) >= 0.9999)
                }
            }
            let metrics = try await server.get("/metrics").text
            // Shared engine calls: fewer calls than requests' inputs.
            #expect(metrics.contains("folio_queue_inputs 0"))
        }
    }

    /// Posts `texts` as one request and returns once its inputs are seen waiting in the queue; the task gives the
    /// reply and when it came.
    func queuedRequest(_ texts: [String], on server: LiveServer) async throws -> Task<(LiveServer.Reply, ContinuousClock.Instant), any Error> {
        let large = Task { () -> (LiveServer.Reply, ContinuousClock.Instant) in
            let reply = try await server.post("/v1/embeddings", json: ["input": texts])
            return (reply, ContinuousClock.now)
        }
        var queued = false
        for _ in 0 ..< 2000 where !queued { queued = queuedTokens(try await server.get("/metrics").text) > 0 }
        #expect(queued, "the large request was seen in the queue")
        return large
    }

    @Test("A short request queued behind a large one is answered first")
    func shortRequestsOvertake() async throws {
        // 64-token engine calls: the large request needs dozens of them; the short one needs one.
        let config = ServerConfiguration(maxClientBatchSize: bigRequestInputs, batching: .init(maxBatchTokens: 64, agingLimit: .seconds(60)))
        try await LiveServer.with(config) { server in
            let texts = (0 ..< bigRequestInputs).map { "a long passage number \($0) that waits its turn in the queue" }
            let large = try await queuedRequest(texts, on: server)
            let short = try await server.post("/v1/embeddings", json: ["input": "a short query"])
            let shortDone = ContinuousClock.now
            #expect(short.status == 200)
            #expect(queuedTokens(try await server.get("/metrics").text) > 0, "the large request was still queued")
            let (reply, largeDone) = try await large.value
            #expect(reply.status == 200)
            #expect(vectors(reply).count == texts.count)
            #expect(shortDone < largeDone)
        }
    }

    @Test("A request of many inputs as long as another request's takes turns with it instead of going first in full")
    func largeRequestsTakeTurns() async throws {
        // Every input costs the same, so shortest-first cannot help: only turn-taking answers the small one early.
        let config = ServerConfiguration(maxClientBatchSize: bigRequestInputs, batching: .init(maxBatchTokens: 64))
        try await LiveServer.with(config) { server in
            let texts = (0 ..< bigRequestInputs).map { "passage \(1000 + $0 % 9000) of the large request" }
            let large = try await queuedRequest(texts, on: server)
            let short = try await server.post("/v1/embeddings", json: ["input": ["passage 4321 of the large request"]])
            let shortDone = ContinuousClock.now
            #expect(short.status == 200)
            #expect(short.object["usage"].flatMap { ($0 as? [String: Any])?["prompt_tokens"] as? Int } == tinyEmbedder.tokens(for: texts[0]).count)
            #expect(queuedTokens(try await server.get("/metrics").text) > 0, "the large request was still queued")
            let (reply, largeDone) = try await large.value
            #expect(reply.status == 200 && vectors(reply).count == texts.count)
            #expect(shortDone < largeDone)
        }
    }

    @Test("Shutdown lets a queued request finish, then refuses new ones and stops")
    func gracefulShutdown() async throws {
        let live = try await LiveServer.start(ServerConfiguration(maxClientBatchSize: bigRequestInputs, batching: .init(maxBatchTokens: 64)))
        let texts = (0 ..< bigRequestInputs).map { "passage \($0) finishing during shutdown" }
        let inFlight = Task { try await live.post("/v1/embeddings", json: ["input": texts]) }
        var queued = false
        for _ in 0 ..< 2000 where !queued { queued = queuedTokens(try await live.get("/metrics").text) > 0 }
        #expect(queued)
        await live.server.shutdown()
        let reply = try await inFlight.value
        #expect(reply.status == 200)
        #expect(vectors(reply).count == texts.count)
        let stopped = await live.task.result
        #expect((try? stopped.get()) != nil, "run returned without error")
        let after = try? await live.get("/health")
        #expect(after == nil || after?.status == 503)
    }
}
