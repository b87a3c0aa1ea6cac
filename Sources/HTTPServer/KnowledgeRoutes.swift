import Foundation
import Hummingbird
import KnowledgeBase
import KnowledgeStore

/// The knowledge base behind the routes: use cases and the upload queue.
public struct KnowledgeService: Sendable {
    public let knowledgeBase: KnowledgeBase
    public let queue: IngestQueue
    /// The names the embedding model answers to; a collection created with one of them uses this model.
    public let names: [String]

    public init(knowledgeBase: KnowledgeBase, queue: IngestQueue, names: [String] = []) {
        self.knowledgeBase = knowledgeBase
        self.queue = queue
        self.names = names
    }
}

/// `/v1/kb/...`: collections, documents and upload jobs (docs/knowledge-api.md). Every route goes through the
/// `KnowledgeBase` use cases, never straight to the store; search and duplicates are in KnowledgeSearchRoutes,
/// uploads in KnowledgeUploadRoutes.
extension Routes {
    func addKnowledge(to router: Router<Context>, _ kb: KnowledgeService) {
        addCollectionRoutes(to: router, kb)
        addDocumentRoutes(to: router, kb)
        addJobRoutes(to: router, kb.knowledgeBase)
        addKnowledgeSearch(to: router, kb.knowledgeBase)
    }

    /// `GET|POST /v1/kb/collections`, `GET|DELETE /v1/kb/collections/{name}`.
    private func addCollectionRoutes(to router: Router<Context>, _ service: KnowledgeService) {
        let kb = service.knowledgeBase
        router.get("/v1/kb/collections") { _, _ in
            try await translatingKnowledgeErrors {
                try KnowledgeJSON.response(ListDTO(data: try await kb.collections().map(CollectionDTO.init)))
            }
        }
        router.post("/v1/kb/collections") { request, _ in
            try await translatingKnowledgeErrors { try await createCollection(request, service) }
        }
        router.get("/v1/kb/collections/:name") { _, context in
            try await translatingKnowledgeErrors {
                try KnowledgeJSON.response(CollectionDTO(try await kb.collection(named: try context.parameters.require("name"))))
            }
        }
        router.delete("/v1/kb/collections/:name") { _, context in
            try await translatingKnowledgeErrors {
                try await kb.deleteCollection(named: try context.parameters.require("name"))
                return Response(status: .noContent)
            }
        }
    }

    /// `GET|POST /v1/kb/collections/{name}/documents`, `GET|DELETE /v1/kb/documents/{id}`,
    /// `GET /v1/kb/documents/{id}/chunks`.
    private func addDocumentRoutes(to router: Router<Context>, _ service: KnowledgeService) {
        let kb = service.knowledgeBase
        router.get("/v1/kb/collections/:name/documents") { request, context in
            try await translatingKnowledgeErrors {
                let offset = try Self.integer("offset", of: request, default: 0, in: 0...Int(Int32.max))
                let documents = try await kb.documents(
                    in: try context.parameters.require("name"), offset: offset, limit: try Self.pageLimit(request))
                return try KnowledgeJSON.response(ListDTO(data: documents))
            }
        }
        router.post("/v1/kb/collections/:name/documents") { request, context in
            try await translatingKnowledgeErrors { try await upload(request, collection: try context.parameters.require("name"), service) }
        }
        router.get("/v1/kb/documents/:id") { _, context in
            try await translatingKnowledgeErrors {
                try KnowledgeJSON.response(try await kb.document(id: try context.parameters.require("id", as: Int64.self)))
            }
        }
        router.get("/v1/kb/documents/:id/chunks") { _, context in
            try await translatingKnowledgeErrors {
                let chunks = try await kb.chunks(ofDocument: try context.parameters.require("id", as: Int64.self))
                return try KnowledgeJSON.response(ListDTO(data: chunks))
            }
        }
        router.delete("/v1/kb/documents/:id") { _, context in
            try await translatingKnowledgeErrors {
                try await kb.deleteDocument(id: try context.parameters.require("id", as: Int64.self))
                return Response(status: .noContent)
            }
        }
    }

    /// `GET /v1/kb/collections/{name}/jobs`, `GET /v1/kb/jobs/{id}`.
    private func addJobRoutes(to router: Router<Context>, _ kb: KnowledgeBase) {
        router.get("/v1/kb/collections/:name/jobs") { request, context in
            try await translatingKnowledgeErrors {
                let jobs = try await kb.jobs(in: try context.parameters.require("name"), limit: try Self.pageLimit(request))
                return try KnowledgeJSON.response(ListDTO(data: jobs))
            }
        }
        router.get("/v1/kb/jobs/:id") { _, context in
            try await translatingKnowledgeErrors {
                try KnowledgeJSON.response(try await kb.job(id: try context.parameters.require("id", as: Int64.self)))
            }
        }
    }

    /// `POST /v1/kb/collections`: the model, when given, must be the one this server runs.
    private func createCollection(_ request: Request, _ service: KnowledgeService) async throws -> Response {
        let kb = service.knowledgeBase
        let body = try await reader.json(CreateCollectionRequest.self, from: request, decoder: KnowledgeJSON.decoder())
        if let model = body.model, KnowledgeBase.modelName(of: model) != kb.modelName, !service.names.contains(model) {
            throw APIError.modelNotFound(model, known: [kb.modelName])
        }
        let encoding: VectorEncoding = try KnowledgeJSON.choice(body.vectorEncoding, param: "vector_encoding", default: .f32)
        let spec = try await kb.createCollection(
            name: body.name, dimensions: body.dimensions, vectorEncoding: encoding,
            maxChunkTokens: body.maxChunkTokens, overlapTokens: body.overlapTokens, documentVectors: body.documentVectors ?? true)
        return try KnowledgeJSON.response(CollectionDTO(spec, documents: 0, chunks: 0), status: .created)
    }

    /// `?limit=N` of a list route: 100 unless given, 1…1000 so one request cannot ask for everything.
    static func pageLimit(_ request: Request) throws -> Int {
        try integer("limit", of: request, default: 100, in: 1...1000)
    }

    /// An integer query parameter: `fallback` when absent, 400 naming the parameter when it is not an integer in `range`.
    static func integer(_ name: String, of request: Request, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters[Substring(name)] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.invalidRequest(
                "?\(name)=\(String(text).prefix(40)) is not allowed: give an integer from \(range.lowerBound) to \(range.upperBound)", param: name)
        }
        return value
    }
}

/// Runs a knowledge route's handler, turning knowledge-base, store and extraction errors into the API errors
/// clients see (``APIError/knowledge(_:)``); any other error is left as it is.
func translatingKnowledgeErrors(_ body: () async throws -> Response) async throws -> Response {
    do {
        return try await body()
    } catch {
        throw APIError.knowledge(error) ?? error
    }
}
