import Foundation
import FolioEmbedder
import Hummingbird

/// `POST /v1/embeddings` and `GET /v1/models`, as OpenAI's API and SDKs expect them.
struct OpenAIEmbeddingsRequest: Decodable, Sendable {
    var input: InputValue
    var model: String?
    var dimensions: Int?
    var encodingFormat: String?
    var user: String?
    // Extensions.
    var inputType: String?
    var instruction: String?
    var truncate: Bool?

    enum CodingKeys: String, CodingKey {
        case input, model, dimensions, user, instruction, truncate
        case encodingFormat = "encoding_format"
        case inputType = "input_type"
    }
}

extension Routes {
    func addOpenAI(to router: Router<Context>) {
        router.post("/v1/embeddings") { request, _ in try await openAIEmbeddings(request) }
        // TEI also answers OpenAI's route without the version prefix.
        router.post("/embeddings") { request, _ in try await openAIEmbeddings(request) }
        router.get("/v1/models") { _, _ in
            let list = models.models.map { modelObject($0.reportedName, kind: $0.kind) }.joined(separator: ",")
            return Responses.json("{\"object\":\"list\",\"data\":[\(list)]}")
        }
        router.get("/v1/models/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            let only = models.models.count == 1 && models.models[0].names.isEmpty ? models.models.first : nil
            guard let model = only ?? models.models.first(where: { $0.names.contains(id) }) else {
                throw APIError.modelNotFound(id, known: models.allNames)
            }
            return Responses.json(modelObject(id, kind: model.kind))
        }
    }

    /// OpenAI's model object, with Folio's `kind` ("embedding" or "rerank") added.
    private func modelObject(_ id: String, kind: String) -> String {
        "{\"id\":\(Responses.string(id)),\"object\":\"model\",\"created\":\(startTime),\"owned_by\":\"folio\",\"kind\":\"\(kind)\"}"
    }

    func openAIEmbeddings(_ request: Request) async throws -> Response {
        let body = try await reader.json(OpenAIEmbeddingsRequest.self, from: request)
        let model = try models.embedder(named: body.model)
        let base64: Bool
        switch body.encodingFormat ?? "float" {
        case "float": base64 = false
        case "base64": base64 = true
        case let other:
            throw APIError.invalidRequest(
                "encoding_format \"\(other)\" is not supported; use \"float\" or \"base64\"", param: "encoding_format")
        }
        let role = try Self.role(inputType: body.inputType, instruction: body.instruction, param: "input_type",
                                 prompts: model.service.embedder.prompts)
        let output = try await model.service.embed(.init(
            inputs: body.input.inputs, role: role, dimensions: body.dimensions,
            truncate: body.truncate ?? false, inputParam: "input"))
        var json = "{\"object\":\"list\",\"data\":["
        json.reserveCapacity(output.vectors.count * (output.vectors.first?.count ?? 0) * 12 + 200)
        for (i, v) in output.vectors.enumerated() {
            json += i == 0 ? "{\"object\":\"embedding\",\"index\":\(i),\"embedding\":" : ",{\"object\":\"embedding\",\"index\":\(i),\"embedding\":"
            if base64 { json += "\"\(Responses.base64(v))\"" } else { Responses.floatArray(v, into: &json) }
            json += "}"
        }
        let tokens = output.totalTokens
        json += "],\"model\":\(Responses.string(body.model ?? model.reportedName)),"
        json += "\"usage\":{\"prompt_tokens\":\(tokens),\"total_tokens\":\(tokens)}}"
        return Responses.json(json)
    }

    /// The prompt an input gets: a query with `instruction` as its task when one is given; else `query`, `document`
    /// (or `passage`), another of the model's named prompts (`prompts`: EmbeddingGemma's `STS`), or the text as it is
    /// without an input type. Each model writes these its own way.
    static func role(inputType: String?, instruction: String?, param: String, prompts: PromptConvention) throws -> EmbeddingService.Role {
        if let instruction, !instruction.isEmpty { return .query(task: instruction) }
        switch inputType {
        case nil: return .plain
        case "document", "passage": return .document
        case "query": return .query(task: nil)
        case let name?:
            if let prompt = prompts.named[name] { return .prompt(prompt) }
            let names = prompts.promptNames.map { "\"\($0)\"" }.joined(separator: ", ")
            throw APIError.invalidRequest("\(param) \"\(name)\" is not one of this model's prompts; use one of \(names)", param: param)
        }
    }
}
