import FolioEmbedder
import Foundation
import Hummingbird

/// `POST /v1/rerank` and `/v2/rerank` in the shape Cohere, Jina, vLLM and llama.cpp share, and TEI's `POST /rerank`.
struct RerankRequest: Decodable, Sendable {
    var model: String?
    var query: String
    var documents: [RerankDocument]
    var topN: Int?
    var returnDocuments: Bool?
    // Extensions: Qwen3-Reranker's task, logits instead of probabilities, refusing over-long pairs.
    var instruction: String?
    var rawScores: Bool?
    var truncate: Bool?

    enum CodingKeys: String, CodingKey {
        case model, query, documents, instruction, truncate
        case topN = "top_n"
        case returnDocuments = "return_documents"
        case rawScores = "raw_scores"
    }
}

/// A document as a string or as `{"text": ...}` (Cohere v1, Jina).
struct RerankDocument: Decodable, Sendable {
    let text: String

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let text = try? c.decode(String.self) {
            self.text = text
        } else if let object = try? c.decode([String: String].self), let text = object["text"] {
            self.text = text
        } else {
            throw DecodingError.typeMismatch(RerankDocument.self, .init(
                codingPath: c.codingPath, debugDescription: "expected a string or an object with a \"text\" string"))
        }
    }
}

struct TEIRerankRequest: Decodable, Sendable {
    var query: String
    var texts: [String]
    var rawScores: Bool?
    var returnText: Bool?
    var truncate: Bool?
    var truncationDirection: String?

    enum CodingKeys: String, CodingKey {
        case query, texts, truncate
        case rawScores = "raw_scores"
        case returnText = "return_text"
        case truncationDirection = "truncation_direction"
    }
}

private struct RerankResponse: Encodable {
    struct Document: Encodable { var text: String }
    struct Result: Encodable {
        var index: Int
        var relevanceScore: Float
        var document: Document?
        enum CodingKeys: String, CodingKey {
            case index, document
            case relevanceScore = "relevance_score"
        }
    }
    struct Usage: Encodable {
        var promptTokens: Int
        var totalTokens: Int
        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case totalTokens = "total_tokens"
        }
    }
    /// Cohere's `meta`: the API version and one search unit per request.
    struct Meta: Encodable {
        var apiVersion: [String: String]
        var billedUnits: [String: Int]
        enum CodingKeys: String, CodingKey {
            case apiVersion = "api_version"
            case billedUnits = "billed_units"
        }
    }
    var id: String
    var model: String
    var results: [Result]
    var usage: Usage
    var meta: Meta
}

private struct TEIRank: Encodable {
    var index: Int
    var score: Float
    var text: String?
}

extension Routes {
    func addRerank(to router: Router<Context>) {
        router.post("/v1/rerank") { request, _ in try await rerank(request, apiVersion: "1") }
        router.post("/v2/rerank") { request, _ in try await rerank(request, apiVersion: "2") }
        router.post("/rerank") { request, _ in try await teiRerank(request) }
    }

    func rerank(_ request: Request, apiVersion: String) async throws -> Response {
        let body = try await reader.json(RerankRequest.self, from: request)
        let model = try models.reranker(named: body.model)
        if let n = body.topN, n < 1 { throw APIError.invalidRequest("top_n \(n) is not valid; give at least 1", param: "top_n") }
        let documents = body.documents.map(\.text)
        let output = try await model.service.rerank(.init(
            query: body.query, documents: documents,
            options: RerankOptions(instruction: body.instruction, rawScores: body.rawScores ?? false, truncate: body.truncate ?? true),
            documentsParam: "documents"))
        let kept = output.ranked.prefix(body.topN ?? output.ranked.count)
        let response = RerankResponse(
            id: UUID().uuidString.lowercased(), model: body.model ?? model.reportedName,
            results: kept.map {
                .init(index: $0.index, relevanceScore: $0.score,
                      document: body.returnDocuments == true ? .init(text: documents[$0.index]) : nil)
            },
            usage: .init(promptTokens: output.totalTokens, totalTokens: output.totalTokens),
            meta: .init(apiVersion: ["version": apiVersion], billedUnits: ["search_units": 1]))
        return try Responses.json(encoding: response)
    }

    /// TEI: `truncate` defaults to false (an over-long pair is a 400), scores are probabilities unless `raw_scores`.
    func teiRerank(_ request: Request) async throws -> Response {
        let body = try await reader.json(TEIRerankRequest.self, from: request)
        if let direction = body.truncationDirection, direction.lowercased() != "right" {
            throw APIError.invalidRequest(
                "truncation_direction \"\(direction)\" is not supported; pairs are cut at their end (\"right\")",
                param: "truncation_direction")
        }
        let model = try models.reranker(named: nil)
        let output = try await model.service.rerank(.init(
            query: body.query, documents: body.texts,
            options: RerankOptions(rawScores: body.rawScores ?? false, truncate: body.truncate ?? false),
            documentsParam: "texts"))
        return try Responses.json(encoding: output.ranked.map {
            TEIRank(index: $0.index, score: $0.score, text: body.returnText == true ? body.texts[$0.index] : nil)
        })
    }
}
