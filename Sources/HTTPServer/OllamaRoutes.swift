import Foundation
import Hummingbird

/// Ollama's embedding routes and the model routes its clients call first, so Ollama clients work unchanged:
/// `POST /api/embed`, the older `POST /api/embeddings`, `GET /api/tags`, `POST /api/show`, `GET /api/ps` and
/// `GET /api/version`. Errors are Ollama's `{"error": "message"}` (``ErrorDialect``).
///
/// Ollama truncates by default (`truncate` true); `/api/embed` follows Ollama there, unlike the OpenAI route.
/// Model names may carry Ollama's default tag (`name:latest`); listings show it.
struct OllamaEmbedRequest: Decodable, Sendable {
    var model: String?
    var input: InputValue?
    var truncate: Bool?
    var dimensions: Int?
}

/// `/api/embeddings`, which many tools still call: one `prompt`, one unnormalised vector, as Ollama answers.
struct OllamaEmbeddingsRequest: Decodable, Sendable {
    var model: String?
    var prompt: String?
}

struct OllamaShowRequest: Decodable, Sendable {
    var model: String?
    var name: String?   // Ollama's older field
}

extension Routes {
    func addOllama(to router: Router<Context>) {
        router.post("/api/embed") { request, _ in try await ollamaEmbed(request) }
        router.post("/api/embeddings") { request, _ in try await ollamaEmbeddings(request) }
        router.get("/api/tags") { _, _ in try Responses.json(encoding: ["models": .array(models.embedders.map(ollamaModel))] as [String: JSONValue]) }
        router.get("/api/ps") { _, _ in try Responses.json(encoding: ["models": .array(models.embedders.map(ollamaModel))] as [String: JSONValue]) }
        router.post("/api/show") { request, _ in try await ollamaShow(request) }
        router.get("/api/version") { _, _ in try Responses.json(encoding: ["version": EmbeddingServer.version]) }
    }

    /// `name:latest` is `name` (Ollama's default tag); any other tag is part of the name.
    static func ollamaName(_ name: String?) -> String? {
        guard let name, name.hasSuffix(":latest") else { return name }
        return String(name.dropLast(":latest".count))
    }

    func ollamaEmbed(_ request: Request) async throws -> Response {
        let start = ContinuousClock.now
        let body = try await reader.json(OllamaEmbedRequest.self, from: request)
        let model = try models.embedder(named: Self.ollamaName(body.model))
        let texts = try body.input?.texts(param: "input") ?? []
        let name = body.model ?? model.reportedName
        // Ollama answers an empty input with no vectors, not an error.
        guard !texts.isEmpty, !(texts.count == 1 && texts[0].isEmpty) else {
            return Responses.json("{\"model\":\(Responses.string(name)),\"embeddings\":[]}")
        }
        let output = try await model.service.embed(.init(
            inputs: .texts(texts), role: .plain, dimensions: body.dimensions, truncate: body.truncate ?? true,
            inputParam: "input"))
        var json = "{\"model\":\(Responses.string(name)),\"embeddings\":"
        Responses.floatArrays(output.vectors, into: &json)
        let nanoseconds = (ContinuousClock.now - start) / .nanoseconds(1)
        json += ",\"total_duration\":\(Int(nanoseconds)),\"load_duration\":0,\"prompt_eval_count\":\(output.totalTokens)}"
        return Responses.json(json)
    }

    /// The pooled vector before normalisation, as Ollama's `/api/embeddings` returns it; an empty prompt gives `[]`.
    func ollamaEmbeddings(_ request: Request) async throws -> Response {
        let body = try await reader.json(OllamaEmbeddingsRequest.self, from: request)
        let model = try models.embedder(named: Self.ollamaName(body.model))
        guard let prompt = body.prompt, !prompt.isEmpty else { return Responses.json("{\"embedding\":[]}") }
        let output = try await model.service.embed(.init(
            inputs: .texts([prompt]), role: .plain, dimensions: nil, truncate: true, inputParam: "prompt", normalize: false))
        var json = "{\"embedding\":"
        Responses.floatArray(output.vectors[0], into: &json)
        return Responses.json(json + "}")
    }

    func ollamaShow(_ request: Request) async throws -> Response {
        let body = try await reader.json(OllamaShowRequest.self, from: request)
        guard let name = body.model ?? body.name else {
            throw APIError.invalidRequest("model is required; send {\"model\": NAME} (GET /api/tags lists them)", param: "model")
        }
        let model = try models.embedder(named: Self.ollamaName(name))
        let embedder = model.service.embedder, d = embedder.description
        let show: [String: JSONValue] = [
            "modelfile": .string(""), "parameters": .string(""), "template": .string(""),
            "details": ollamaDetails(d.format, d.architecture, d.parameterCount, d.tensorTypes),
            "model_info": .object([
                "general.architecture": .string(d.architecture),
                "general.parameter_count": .int(d.parameterCount),
                "\(d.architecture).embedding_length": .int(embedder.dimension),
                "\(d.architecture).context_length": .int(embedder.contextLength),
            ]),
            "capabilities": .array([.string("embedding")]),
        ]
        return try Responses.json(encoding: show)
    }

    /// One entry of `/api/tags` and `/api/ps`: `name:latest`, sizes and details from the model's files.
    private func ollamaModel(_ entry: ModelRegistry.Entry<EmbeddingService>) -> JSONValue {
        let d = entry.service.embedder.description
        let name = entry.reportedName.contains(":") ? entry.reportedName : entry.reportedName + ":latest"
        let modified = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(startTime)))
        return .object([
            "name": .string(name), "model": .string(name), "modified_at": .string(modified),
            "size": .int(d.weightBytes), "digest": .string(Self.digest(of: name + d.path)),
            "details": ollamaDetails(d.format, d.architecture, d.parameterCount, d.tensorTypes),
            "expires_at": .string("0001-01-01T00:00:00Z"), "size_vram": .int(0), "context_length": .int(entry.service.embedder.contextLength),
        ])
    }

    private func ollamaDetails(_ format: String, _ architecture: String, _ parameters: Int, _ types: [String: Int]) -> JSONValue {
        let size = parameters >= 1_000_000_000
            ? String(format: "%.1fB", Double(parameters) / 1e9) : String(format: "%.0fM", Double(parameters) / 1e6)
        return .object([
            "parent_model": .string(""), "format": .string(format), "family": .string(architecture),
            "families": .array([.string(architecture)]), "parameter_size": .string(size),
            "quantization_level": .string(types.max { $0.value < $1.value }?.key ?? "unknown"),
        ])
    }

    /// A stable 64-hex-digit identifier for a served model (Ollama lists a digest; Folio has no blob store).
    static func digest(of text: String) -> String {
        var out = ""
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for round in 0 ..< 4 {
            for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
            h = (h ^ UInt64(round)) &* 0x100_0000_01b3
            out += String(h, radix: 16).leftPadded(to: 16)
        }
        return out
    }
}

private extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
