import Foundation
import Hummingbird
import KnowledgeBase
import KnowledgeStore

/// `POST /v1/kb/collections/{name}/search` and `GET /v1/kb/collections/{name}/duplicates`.
extension Routes {
    func addKnowledgeSearch(to router: Router<Context>, _ kb: KnowledgeService) {
        router.post("/v1/kb/collections/:name/search") { request, context in
            try await mapped {
                let name = try context.parameters.require("name")
                let body = try reader.decode(
                    SearchRequestDTO.self, from: try await reader.bytes(of: request), decoder: KnowledgeJSON.decoder())
                let mode = try body.mode.map { m in
                    guard let parsed = SearchMode(rawValue: m) else {
                        throw APIError.invalidRequest("mode \"\(m)\" is not valid; use \"hybrid\", \"vector\" or \"keyword\"", param: "mode")
                    }
                    return parsed
                } ?? .hybrid
                let target = try body.target.map { t in
                    guard let parsed = SearchTarget(rawValue: t) else {
                        throw APIError.invalidRequest("target \"\(t)\" is not valid; use \"chunks\" or \"documents\"", param: "target")
                    }
                    return parsed
                } ?? .chunks
                let clock = ContinuousClock(), start = clock.now
                let results = try await kb.knowledgeBase.search(SearchRequest(
                    collection: name, query: body.query, k: body.k ?? 10, mode: mode, target: target,
                    filter: SearchFilter(documentIDs: Set(body.documentIds ?? []), metadata: body.metadata ?? [:]),
                    vectorWeight: body.vectorWeight ?? 1, keywordWeight: body.keywordWeight ?? 1))
                let ms = Double((clock.now - start) / .microseconds(1)) / 1000
                return try KnowledgeJSON.response(SearchResponseDTO(
                    mode: mode.rawValue, target: target.rawValue, tookMs: ms, data: results.map(HitDTO.init)))
            }
        }
        router.get("/v1/kb/collections/:name/duplicates") { request, context in
            try await mapped {
                let name = try context.parameters.require("name")
                let threshold = request.uri.queryParameters.get("threshold", as: Double.self) ?? 0.95
                let clusters = try await kb.knowledgeBase.duplicates(in: name, threshold: threshold)
                return try KnowledgeJSON.response(DuplicatesDTO(
                    threshold: threshold,
                    clusters: clusters.map { c in
                        ClusterDTO(similarity: c.similarity, documents: c.documents.map { .init(id: $0.id, title: $0.title, source: $0.source) })
                    }))
            }
        }
    }
}
