import Foundation
import Hummingbird
import KnowledgeBase
import KnowledgeStore

/// The knowledge base behind the routes: use cases and the upload queue.
public struct KnowledgeService: Sendable {
    public let knowledgeBase: KnowledgeBase
    public let queue: IngestQueue

    public init(knowledgeBase: KnowledgeBase, queue: IngestQueue) {
        self.knowledgeBase = knowledgeBase
        self.queue = queue
    }
}

/// `/v1/kb/...`: collections, documents and upload jobs (docs/knowledge-api.md). Search is in KnowledgeSearchRoutes.
extension Routes {
    func addKnowledge(to router: Router<Context>, _ kb: KnowledgeService) {
        let store = kb.knowledgeBase.store
        router.get("/v1/kb/collections") { _, _ in
            try await mapped { try KnowledgeJSON.response(ListDTO(data: try await store.collections().map {
                CollectionDTO($0.spec, documents: $0.documentCount, chunks: $0.chunkCount)
            })) }
        }
        router.post("/v1/kb/collections") { request, _ in
            try await mapped {
                let body = try reader.decode(
                    CreateCollectionRequest.self, from: try await reader.bytes(of: request), decoder: KnowledgeJSON.decoder())
                if let model = body.model, KnowledgeBase.modelName(of: model) != kb.knowledgeBase.modelName,
                   !configuration.modelNames.contains(model) {
                    throw APIError.modelNotFound(model, known: [kb.knowledgeBase.modelName])
                }
                var encoding = VectorEncoding.f32
                if let e = body.vectorEncoding {
                    guard let parsed = VectorEncoding(rawValue: e) else {
                        throw APIError.invalidRequest("vector_encoding \"\(e)\" is not valid; use \"f32\" or \"f16\"", param: "vector_encoding")
                    }
                    encoding = parsed
                }
                let spec = try await kb.knowledgeBase.createCollection(
                    name: body.name, dimensions: body.dimensions, vectorEncoding: encoding,
                    maxChunkTokens: body.maxChunkTokens, overlapTokens: body.overlapTokens)
                return try KnowledgeJSON.response(CollectionDTO(spec, documents: 0, chunks: 0), status: .created)
            }
        }
        router.get("/v1/kb/collections/:name") { _, context in
            try await mapped {
                let name = try context.parameters.require("name")
                guard let summary = try await store.collections().first(where: { $0.spec.name == name }) else {
                    throw StoreError.collectionNotFound(name)
                }
                return try KnowledgeJSON.response(CollectionDTO(summary.spec, documents: summary.documentCount, chunks: summary.chunkCount))
            }
        }
        router.delete("/v1/kb/collections/:name") { _, context in
            try await mapped {
                try await store.deleteCollection(named: try context.parameters.require("name"))
                return Response(status: .noContent)
            }
        }
        router.get("/v1/kb/collections/:name/documents") { request, context in
            try await mapped {
                let name = try context.parameters.require("name")
                guard try await store.collection(named: name) != nil else { throw StoreError.collectionNotFound(name) }
                let offset = max(0, request.uri.queryParameters.get("offset", as: Int.self) ?? 0)
                let limit = min(1000, max(1, request.uri.queryParameters.get("limit", as: Int.self) ?? 100))
                return try KnowledgeJSON.response(ListDTO(data: try await store.documents(in: name, offset: offset, limit: limit).map(DocumentDTO.init)))
            }
        }
        router.post("/v1/kb/collections/:name/documents") { request, context in
            try await mapped { try await upload(request, collection: try context.parameters.require("name"), kb) }
        }
        router.get("/v1/kb/collections/:name/jobs") { request, context in
            try await mapped {
                let name = try context.parameters.require("name")
                guard try await store.collection(named: name) != nil else { throw StoreError.collectionNotFound(name) }
                let limit = min(1000, max(1, request.uri.queryParameters.get("limit", as: Int.self) ?? 100))
                return try KnowledgeJSON.response(ListDTO(data: try await store.jobs(in: name, limit: limit).map(JobDTO.init)))
            }
        }
        router.get("/v1/kb/jobs/:id") { _, context in
            try await mapped {
                let id = try context.parameters.require("id", as: Int64.self)
                guard let job = try await store.job(id: id) else { throw StoreError.jobNotFound(id) }
                return try KnowledgeJSON.response(JobDTO(job))
            }
        }
        router.get("/v1/kb/documents/:id") { _, context in
            try await mapped {
                let id = try context.parameters.require("id", as: Int64.self)
                guard let d = try await store.document(id: id) else { throw StoreError.documentNotFound(id) }
                return try KnowledgeJSON.response(DocumentDTO(d))
            }
        }
        router.get("/v1/kb/documents/:id/chunks") { _, context in
            try await mapped {
                let id = try context.parameters.require("id", as: Int64.self)
                guard try await store.document(id: id) != nil else { throw StoreError.documentNotFound(id) }
                return try KnowledgeJSON.response(ListDTO(data: try await store.chunks(of: id).map(ChunkDTO.init)))
            }
        }
        router.delete("/v1/kb/documents/:id") { _, context in
            try await mapped {
                try await store.deleteDocument(id: try context.parameters.require("id", as: Int64.self))
                return Response(status: .noContent)
            }
        }
        addKnowledgeSearch(to: router, kb)
    }

    /// Multipart files (each its own job) or JSON raw text.
    func upload(_ request: Request, collection: String, _ kb: KnowledgeService) async throws -> Response {
        let contentType = request.headers[.contentType] ?? ""
        let body = try await reader.bytes(of: request)
        var jobs: [JobDTO] = []
        if let boundary = MultipartForm.boundary(contentType: contentType) {
            let form = try MultipartForm(data: body, boundary: boundary)
            var metadata: [String: String] = [:]
            if let part = form.parts.first(where: { $0.name == "metadata" && $0.fileName == nil }) {
                metadata = try reader.decode([String: String].self, from: part.data)
            }
            let files = form.parts.filter { $0.fileName != nil }
            guard !files.isEmpty else {
                throw APIError.invalidRequest("the upload holds no file; send one or more \"file\" parts with a filename", param: "file")
            }
            for part in files {
                jobs.append(JobDTO(try await kb.queue.enqueue(
                    collection: collection, fileName: part.fileName ?? "upload", data: part.data, metadata: metadata)))
            }
        } else if contentType.lowercased().hasPrefix("application/json") || contentType.isEmpty {
            let text = try reader.decode(TextDocumentRequest.self, from: body, decoder: KnowledgeJSON.decoder())
            let source = text.source ?? text.title.map { $0 + ".txt" } ?? "text.txt"
            jobs.append(JobDTO(try await kb.queue.enqueue(
                collection: collection, fileName: source.contains(".") ? source : source + ".txt", data: Data(text.text.utf8),
                metadata: text.metadata ?? [:], title: text.title)))
        } else {
            throw APIError(
                status: .unsupportedMediaType,
                message: "send files as multipart/form-data or raw text as application/json {\"text\": ...}",
                type: "invalid_request_error", code: "unsupported_media_type")
        }
        return try KnowledgeJSON.response(ListDTO(data: jobs), status: .accepted)
    }
}

/// Runs a handler, translating knowledge-base errors into API errors.
func mapped(_ body: () async throws -> Response) async throws -> Response {
    do {
        return try await body()
    } catch let error as APIError {
        throw error
    } catch {
        if let api = APIError.knowledge(error) { throw api }
        throw error
    }
}
