import Foundation
import Hummingbird

/// Text Embeddings Inference's `POST /embed`, `POST /tokenize` and `GET /info`, so TEI clients work unchanged.
struct TEIEmbedRequest: Decodable, Sendable {
    var inputs: InputValue
    var normalize: Bool?
    var truncate: Bool?
    var dimensions: Int?
    var promptName: String?

    enum CodingKeys: String, CodingKey {
        case inputs, normalize, truncate, dimensions
        case promptName = "prompt_name"
    }
}

struct TEITokenizeRequest: Decodable, Sendable {
    var inputs: InputValue
    var addSpecialTokens: Bool?
    var promptName: String?

    enum CodingKeys: String, CodingKey {
        case inputs
        case addSpecialTokens = "add_special_tokens"
        case promptName = "prompt_name"
    }
}

/// One token as TEI's `/tokenize` returns it. Character offsets are not tracked by Folio's tokenizer (null).
struct TEIToken: Encodable {
    var id: Int32
    var text: String
    var special: Bool
    var start: Int?
    var stop: Int?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(text, forKey: .text)
        try c.encode(special, forKey: .special)
        try c.encode(start, forKey: .start)
        try c.encode(stop, forKey: .stop)
    }

    enum CodingKeys: String, CodingKey { case id, text, special, start, stop }
}

extension Routes {
    func addTEI(to router: Router<Context>) {
        router.post("/embed") { request, _ in try await teiEmbed(request) }
        router.post("/tokenize") { request, _ in try await teiTokenize(request) }
        router.get("/info") { _, _ in try Responses.json(encoding: info()) }
    }

    func teiEmbed(_ request: Request) async throws -> Response {
        let body = try await reader.decode(TEIEmbedRequest.self, from: request)
        if body.normalize == false {
            // The engine returns unit vectors only; answering normalised vectors here would silently ignore the flag.
            throw APIError.invalidRequest(
                "normalize: false is not supported; Folio returns unit-length vectors (omit normalize or send true)",
                param: "normalize")
        }
        let instruction = try Self.instruction(inputType: body.promptName, instruction: nil, param: "prompt_name")
        let output = try await service.embed(.init(
            inputs: .texts(try body.inputs.texts(param: "inputs")), instruction: instruction,
            dimensions: body.dimensions, truncate: body.truncate ?? false, inputParam: "inputs"))
        var json = ""
        Responses.floatArrays(output.vectors, into: &json)
        return Responses.json(json)
    }

    func teiTokenize(_ request: Request) async throws -> Response {
        let body = try await reader.decode(TEITokenizeRequest.self, from: request)
        let instruction = try Self.instruction(inputType: body.promptName, instruction: nil, param: "prompt_name")
        let encoder = service.embedder.encoder
        let special = encoder.tokenizer.specialTokenIDs.union(encoder.appendedEOS.map { [$0] } ?? [])
        let tokens = try body.inputs.texts(param: "inputs").map { text in
            encoder.ids(for: text, instruction: instruction, raw: !(body.addSpecialTokens ?? true)).map { id in
                TEIToken(
                    id: id, text: encoder.tokenizer.decode([id], skipSpecialTokens: false),
                    special: special.contains(id), start: nil, stop: nil)
            }
        }
        return try Responses.json(encoding: tokens)
    }

    /// TEI's `/info` fields that clients read (max input length and batch limits), plus Folio's model facts.
    func info() -> [String: JSONValue] {
        let d = service.embedder.description
        let dtype = d.tensorTypes.max { $0.value < $1.value }?.key.lowercased() ?? "unknown"
        return [
            "model_id": .string(configuration.reportedModelName),
            "model_sha": .null,
            "model_dtype": .string(dtype),
            "model_type": .object(["embedding": .object(["pooling": .string(d.pooling == .lastToken ? "last_token" : d.pooling.rawValue)])]),
            "architecture": .string(d.architecture),
            "dimension": .int(service.embedder.dimension),
            "max_input_length": .int(service.embedder.contextLength),
            "max_batch_tokens": .int(configuration.batching.maxBatchTokens),
            "max_client_batch_size": .null,
            "max_concurrent_requests": .null,
            "tokenization_workers": .null,
            "version": .string(EmbeddingServer.version),
        ]
    }
}

/// A small JSON tree for responses whose shape is fixed but not worth a struct.
enum JSONValue: Encodable {
    case string(String), int(Int), bool(Bool), null
    case object([String: JSONValue])
    case array([JSONValue])

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .string(s): try c.encode(s)
        case let .int(n): try c.encode(n)
        case let .bool(b): try c.encode(b)
        case .null: try c.encodeNil()
        case let .object(o): try c.encode(o)
        case let .array(a): try c.encode(a)
        }
    }
}
