import Foundation
import Hummingbird

/// Ollama's `POST /api/embed`, so Ollama clients work unchanged.
///
/// Ollama truncates by default (`truncate` true); this route follows Ollama there, unlike the OpenAI one.
struct OllamaEmbedRequest: Decodable, Sendable {
    var model: String?
    var input: InputValue
    var truncate: Bool?
    var dimensions: Int?
}

extension Routes {
    func addOllama(to router: Router<Context>) {
        router.post("/api/embed") { request, _ in try await ollamaEmbed(request) }
    }

    func ollamaEmbed(_ request: Request) async throws -> Response {
        let start = ContinuousClock.now
        let body = try await reader.decode(OllamaEmbedRequest.self, from: request)
        try checkModel(body.model)
        let output = try await service.embed(.init(
            inputs: .texts(try body.input.texts(param: "input")), instruction: nil,
            dimensions: body.dimensions, truncate: body.truncate ?? true, inputParam: "input"))
        var json = "{\"model\":\(Responses.string(body.model ?? configuration.reportedModelName)),\"embeddings\":"
        Responses.floatArrays(output.vectors, into: &json)
        let nanoseconds = (ContinuousClock.now - start) / .nanoseconds(1)
        json += ",\"total_duration\":\(Int(nanoseconds)),\"load_duration\":0,\"prompt_eval_count\":\(output.totalTokens)}"
        return Responses.json(json)
    }
}
