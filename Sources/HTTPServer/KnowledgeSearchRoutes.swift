import Foundation
import Hummingbird
import KnowledgeBase
import KnowledgeStore

/// `POST /v1/kb/collections/{name}/search` and `GET /v1/kb/collections/{name}/duplicates`.
extension Routes {
    func addKnowledgeSearch(to router: Router<Context>, _ kb: KnowledgeBase) {
        router.post("/v1/kb/collections/:name/search") { request, context in
            try await translatingKnowledgeErrors { try await search(request, collection: try context.parameters.require("name"), kb) }
        }
        router.get("/v1/kb/collections/:name/duplicates") { request, context in
            try await translatingKnowledgeErrors {
                let threshold = request.uri.queryParameters.get("threshold", as: Double.self) ?? 0.95
                let report = try await kb.duplicateReport(in: try context.parameters.require("name"), threshold: threshold)
                return try KnowledgeJSON.response(DuplicatesDTO(
                    threshold: threshold, pendingDocumentVectors: report.pendingDocumentVectors,
                    clusters: report.clusters.map(ClusterDTO.init)))
            }
        }
    }

    /// A hybrid, vector or keyword search, reranked with `rerank: true`; `took_ms` is the knowledge base's time, not the request's.
    private func search(_ request: Request, collection: String, _ kb: KnowledgeBase) async throws -> Response {
        let body = try await reader.json(SearchRequestDTO.self, from: request, decoder: KnowledgeJSON.decoder())
        let mode: SearchMode = try KnowledgeJSON.choice(body.mode, param: "mode", default: .hybrid)
        let target: SearchTarget = try KnowledgeJSON.choice(body.target, param: "target", default: .chunks)
        let clock = ContinuousClock(), start = clock.now
        let report = try await kb.searchReport(SearchRequest(
            collection: collection, query: body.query, k: body.k ?? 10, mode: mode, target: target,
            filter: SearchFilter(documentIDs: Set(body.documentIds ?? []), metadata: body.metadata ?? [:]),
            vectorWeight: body.vectorWeight ?? 1, keywordWeight: body.keywordWeight ?? 1,
            rerank: body.rerank ?? false, candidates: body.candidates ?? 50))
        let ms = Double((clock.now - start) / .microseconds(1)) / 1000
        return try KnowledgeJSON.response(SearchResponseDTO(
            mode: mode.rawValue, target: target.rawValue, reranked: body.rerank ?? false, tookMs: ms,
            pendingDocumentVectors: report.pendingDocumentVectors, queryTruncated: report.queryTruncated,
            data: report.results.map(HitDTO.init)))
    }
}
