import Foundation
import Hummingbird
import KnowledgeBase
import KnowledgeStore

// JSON shapes of the knowledge-base routes (docs/knowledge-api.md). Outside names stay here.

struct CollectionDTO: Encodable {
    var name: String
    var model: String
    var dimensions: Int
    var vectorEncoding: String
    var maxChunkTokens: Int
    var overlapTokens: Int
    /// Whether documents get a whole-document vector (ingestion's phase two).
    var documentVectors: Bool
    var createdAt: Date
    var documentCount: Int
    var chunkCount: Int

    init(_ s: CollectionSpec, documents: Int, chunks: Int) {
        name = s.name
        model = KnowledgeBase.modelName(of: s.model)
        dimensions = s.dimensions
        vectorEncoding = s.vectorEncoding.rawValue
        maxChunkTokens = s.maxChunkTokens
        overlapTokens = s.overlapTokens
        documentVectors = s.documentVectors
        createdAt = s.createdAt
        documentCount = documents
        chunkCount = chunks
    }

    init(_ summary: CollectionSummary) {
        self.init(summary.spec, documents: summary.documentCount, chunks: summary.chunkCount)
    }
}

// Documents, chunks and jobs go out as the store's records: they are Encodable, and under `KnowledgeJSON`'s
// snake_case keys their Swift names are the documented wire names (`document_id`, `file_name`, `added_at`),
// the same JSON `folio kb list --json` prints. Copying them field by field into look-alike DTOs said it twice.
typealias DocumentDTO = DocumentSummary
typealias ChunkDTO = StoredChunk
typealias JobDTO = IngestJob

struct HitDTO: Encodable {
    var rank: Int
    var documentId: Int64
    var title: String
    var source: String
    var page: Int?
    var ordinal: Int?
    var start: Int?
    var end: Int?
    var text: String
    var highlights: [[Int]]
    var score: Double
    var vectorScore: Double?
    var keywordScore: Double?
    /// With `rerank`: the reranker's relevance (also `score`), and the first stage's score and 1-based rank.
    var rerankScore: Double?
    var firstStageScore: Double?
    var firstStageRank: Int?

    init(_ r: SearchResult) {
        rank = r.rank
        documentId = r.documentID
        title = r.title
        source = r.source
        page = r.page
        ordinal = r.ordinal
        start = r.start
        end = r.end
        text = r.text
        highlights = r.highlights.map { [$0.lowerBound, $0.upperBound] }
        score = r.score
        vectorScore = r.vectorScore
        keywordScore = r.keywordScore
        rerankScore = r.rerankScore
        firstStageScore = r.firstStageScore
        firstStageRank = r.firstStageRank
    }
}

struct SearchResponseDTO: Encodable {
    var object = "search"
    var mode: String
    var target: String
    var reranked: Bool
    var tookMs: Double
    /// Documents a whole-document search by meaning could not rank yet (their vector is still being computed).
    var pendingDocumentVectors: Int
    /// Only the query's start was searched for (past 16,384 characters, or past the model's context in tokens).
    var queryTruncated: Bool
    var data: [HitDTO]
}

struct ClusterDTO: Encodable {
    struct Member: Encodable {
        var id: Int64
        var title: String
        var source: String
    }
    var similarity: Double
    var documents: [Member]

    init(_ c: DuplicateCluster) {
        similarity = c.similarity
        documents = c.documents.map { Member(id: $0.id, title: $0.title, source: $0.source) }
    }
}

struct DuplicatesDTO: Encodable {
    var threshold: Double
    /// Documents left out because their vector is still being computed.
    var pendingDocumentVectors: Int
    var clusters: [ClusterDTO]
}

/// `{"data": [...]}`
struct ListDTO<T: Encodable>: Encodable {
    var data: [T]
}

struct CreateCollectionRequest: Decodable {
    var name: String
    var dimensions: Int?
    var vectorEncoding: String?
    var maxChunkTokens: Int?
    var overlapTokens: Int?
    var documentVectors: Bool?
    var model: String?
}

struct TextDocumentRequest: Decodable {
    var text: String
    var title: String?
    var source: String?
    var metadata: [String: String]?
}

struct SearchRequestDTO: Decodable {
    var query: String
    var k: Int?
    var mode: String?
    var target: String?
    var documentIds: [Int64]?
    var metadata: [String: String]?
    var vectorWeight: Double?
    var keywordWeight: Double?
    var rerank: Bool?
    var candidates: Int?
}

enum KnowledgeJSON {
    /// snake_case keys and ISO 8601 dates, as docs/knowledge-api.md shows.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return Responses.json(String(decoding: try encoder.encode(value), as: UTF8.self), status: status)
    }

    /// A request field naming one case of `T` (`"mode": "hybrid"`), `fallback` when absent; an unknown name is a 400
    /// that lists the accepted ones.
    static func choice<T: RawRepresentable & CaseIterable>(_ value: String?, param: String, default fallback: T) throws -> T
    where T.RawValue == String {
        guard let value else { return fallback }
        guard let parsed = T(rawValue: value) else {
            let names = T.allCases.map { "\"\($0.rawValue)\"" }
            let list = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names.joined()
            throw APIError.invalidRequest("\(param) \"\(value)\" is not valid; use \(list)", param: param)
        }
        return parsed
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }
}
