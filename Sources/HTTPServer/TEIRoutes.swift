import FolioEmbedder
import Foundation
import Hummingbird

/// Text Embeddings Inference's routes, so TEI clients work unchanged: `POST /embed` (also `POST /` and
/// `/invocations`, as TEI maps them for an embedding model), `/embed_all`, `/tokenize`, `/decode`, `GET /info` and `/ping`.
/// Errors are TEI's `{"error", "error_type"}` (``ErrorDialect``).
struct TEIEmbedRequest: Decodable, Sendable {
    var inputs: InputValue
    var normalize: Bool?
    var truncate: Bool?
    var truncationDirection: String?
    var dimensions: Int?
    var promptName: String?

    enum CodingKeys: String, CodingKey {
        case inputs, normalize, truncate, dimensions
        case truncationDirection = "truncation_direction"
        case promptName = "prompt_name"
    }
}

/// `{"ids": [id, ...] | [[id, ...], ...], "skip_special_tokens": true}`
struct TEIDecodeRequest: Decodable, Sendable {
    var ids: InputValue
    var skipSpecialTokens: Bool?

    enum CodingKeys: String, CodingKey {
        case ids
        case skipSpecialTokens = "skip_special_tokens"
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

/// One token as TEI's `/tokenize` returns it: `start` and `stop` are UTF-8 byte offsets into the input, null for special tokens.
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
        // TEI answers `POST /` and `/invocations` (SageMaker's route) with the model's own task.
        for path in ["/", "/invocations"] {
            router.post(RouterPath(path)) { request, _ in
                try await models.embedders.isEmpty && !models.rerankers.isEmpty ? teiRerank(request) : teiEmbed(request)
            }
        }
        router.post("/tokenize") { request, _ in try await teiTokenize(request) }
        router.post("/embed_all") { request, _ in try await teiEmbedAll(request) }
        router.post("/decode") { request, _ in try await teiDecode(request) }
        router.get("/info") { _, _ in try Responses.json(encoding: info()) }
        // TEI's health check for SageMaker: 200 with an empty body.
        router.get("/ping") { _, _ in Response(status: .ok) }
    }

    func teiEmbed(_ request: Request) async throws -> Response {
        let body = try await reader.json(TEIEmbedRequest.self, from: request)
        try Self.checkTruncationDirection(body.truncationDirection)
        let service = try models.embedder(named: nil).service
        let role = try Self.role(inputType: body.promptName, instruction: nil, param: "prompt_name", prompts: service.embedder.prompts)
        let output = try await service.embed(.init(
            inputs: body.inputs.inputs, role: role, dimensions: body.dimensions,
            truncate: body.truncate ?? false, inputParam: "inputs", normalize: body.normalize ?? true))
        var json = ""
        Responses.floatArrays(output.vectors, into: &json)
        return Responses.json(json)
    }

    /// Every token's final hidden state, unpooled and unnormalised: `[[[Float]]]`, inputs × tokens × dimension.
    /// `normalize` and `dimensions` do not apply (TEI's `/embed_all` takes neither).
    func teiEmbedAll(_ request: Request) async throws -> Response {
        let body = try await reader.json(TEIEmbedRequest.self, from: request)
        try Self.checkTruncationDirection(body.truncationDirection)
        let service = try models.embedder(named: nil).service
        let role = try Self.role(inputType: body.promptName, instruction: nil, param: "prompt_name", prompts: service.embedder.prompts)
        let states = try await service.tokenStates(
            .init(inputs: body.inputs.inputs, role: role, dimensions: nil, truncate: body.truncate ?? false, inputParam: "inputs"),
            maxTokens: configuration.batching.maxBatchTokens)
        var json = "["
        for (i, rows) in states.enumerated() {
            if i > 0 { json += "," }
            Responses.floatArrays(rows, into: &json)
        }
        return Responses.json(json + "]")
    }

    /// TEI cuts at the end ("right", its default; huggingface_hub sends lowercase, older TEI capitalised).
    static func checkTruncationDirection(_ direction: String?) throws {
        guard let direction, direction.lowercased() != "right" else { return }
        throw APIError.invalidRequest(
            "truncation_direction \"\(direction)\" is not supported; inputs are cut at their end (\"right\")",
            param: "truncation_direction")
    }

    /// The text of each id sequence; `skip_special_tokens` (default true) drops `<|endoftext|>`, `[CLS]` and the like.
    func teiDecode(_ request: Request) async throws -> Response {
        let body = try await reader.json(TEIDecodeRequest.self, from: request)
        guard case let .tokens(sequences) = body.ids.inputs, !sequences.isEmpty else {
            throw APIError.invalidRequest("ids must be an array of token ids or an array of arrays of them", param: "ids")
        }
        let tokenizer = try models.embedder(named: nil).service.embedder.encoder.tokenizer
        for ids in sequences {
            if let bad = ids.first(where: { $0 < 0 || Int($0) >= tokenizer.vocabularySize }) {
                throw APIError.invalidRequest(
                    "token id \(bad) is outside this model's vocabulary of \(tokenizer.vocabularySize) ids", param: "ids",
                    code: "invalid_token")
            }
        }
        return try Responses.json(encoding: sequences.map { tokenizer.decode($0, skipSpecialTokens: body.skipSpecialTokens ?? true) })
    }

    /// TEI's tokens: special ones with their stored text and no offsets; the others with the text they cover and its
    /// UTF-8 byte range (`start`, `stop`) in the input as the model reads it (with the query format under
    /// `prompt_name: "query"`). Tokenizers that rewrite the text first (WordPiece, Unigram) give null offsets and
    /// each token's decoded text.
    func teiTokenize(_ request: Request) async throws -> Response {
        let body = try await reader.json(TEITokenizeRequest.self, from: request)
        let embedder = try models.embedder(named: nil).service.embedder
        let role = try Self.role(inputType: body.promptName, instruction: nil, param: "prompt_name", prompts: embedder.prompts)
        let encoder = embedder.encoder
        let tokenizer = encoder.tokenizer
        let special = tokenizer.specialTokenIDs.union(encoder.appendedEOS.map { [$0] } ?? [])
        let tokens = try body.inputs.texts(param: "inputs").map { text in
            let (written, instruction) = EmbeddingService.written(text, as: role, by: embedder.prompts)
            let ids = encoder.ids(for: written, instruction: instruction, raw: !(body.addSpecialTokens ?? true))
            let input = instruction.map { InputEncoder.formatQuery(written, task: $0) } ?? written
            let bytes = Array(input.utf8)
            let offsets = tokenizer.byteOffsets(of: ids, in: input)
            return ids.enumerated().map { i, id in
                let isSpecial = special.contains(id)
                guard !isSpecial, let offsets else {
                    let text = isSpecial ? tokenizer.token(of: id) ?? "" : tokenizer.decode([id], skipSpecialTokens: false)
                    return TEIToken(id: id, text: text, special: isSpecial, start: nil, stop: nil)
                }
                guard let range = offsets[i] else { return TEIToken(id: id, text: tokenizer.token(of: id) ?? "", special: false, start: nil, stop: nil) }
                return TEIToken(
                    id: id, text: String(decoding: bytes[range], as: UTF8.self), special: false, start: range.lowerBound,
                    stop: range.upperBound)
            }
        }
        return try Responses.json(encoding: tokens)
    }

    /// TEI's `/info`, every field with TEI's type, for the first embedder (or, on a server with rerankers only, the
    /// first reranker). `model_dtype` is the arithmetic's type, as TEI's (`float32`, or `bfloat16` under
    /// `--precision bf16`); Folio adds `weight_type` (the stored type of most tensors, e.g. `Q8_0`), `rerank_model`
    /// (the reranker rerank routes and knowledge-base search use by default, null when none is loaded), and
    /// `query_prompt` / `document_prompt` (what a query or document input type puts before the text).
    func info() -> [String: JSONValue] {
        var fields: [String: JSONValue] = [
            "model_sha": .null,
            "max_concurrent_requests": .int(configuration.maxConcurrentRequests),
            "max_batch_tokens": .int(configuration.batching.maxBatchTokens),
            "max_batch_requests": .null,
            "max_client_batch_size": .int(configuration.maxClientBatchSize),
            "auto_truncate": .bool(false),
            "tokenization_workers": .int(ProcessInfo.processInfo.activeProcessorCount),
            "version": .string(EmbeddingServer.version),
            "sha": .null,
            "docker_label": .null,
            "rerank_model": models.rerankers.first.map { .string($0.reportedName) } ?? .null,
        ]
        if let d = models.embedders.first?.service.embedder.description ?? models.rerankers.first?.service.reranker.description {
            fields["weight_type"] = .string(d.tensorTypes.max { $0.value < $1.value }?.key ?? "unknown")
            fields["architecture"] = .string(d.architecture)
        }
        if let first = models.embedders.first {
            let embedder = first.service.embedder, d = embedder.description
            fields["model_id"] = .string(first.reportedName)
            fields["served_model_name"] = .string(first.reportedName)
            fields["model_dtype"] = .string(embedder.precisionUsed == .bf16 ? "bfloat16" : "float32")
            fields["model_type"] = .object(["embedding": .object(["pooling": .string(d.pooling == .lastToken ? "last_token" : d.pooling.rawValue)])])
            fields["dimension"] = .int(embedder.dimension)
            fields["max_input_length"] = .int(embedder.contextLength)
            // What `input_type` / `prompt_name` query and document put before the text (null: nothing).
            fields["query_prompt"] = embedder.prompts.queryPromptText.map { .string($0) } ?? .null
            fields["document_prompt"] = embedder.prompts.documentPrefix.map { .string($0) } ?? .null
            // Every name `prompt_name` takes besides those two, with its text.
            fields["prompts"] = .object(embedder.prompts.named.mapValues { .string($0) })
        } else if let first = models.rerankers.first {
            fields["model_id"] = .string(first.reportedName)
            fields["served_model_name"] = .string(first.reportedName)
            fields["model_dtype"] = .string(first.service.reranker.configuration.precision == .bf16 ? "bfloat16" : "float32")
            fields["model_type"] = .object(["reranker": .object(["id2label": .object(["0": .string("LABEL_0")]),
                                                                 "label2id": .object(["LABEL_0": .int(0)])])])
            fields["max_input_length"] = .int(first.service.reranker.maxTokens)
        }
        return fields
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
