import Foundation
import Hummingbird
import KnowledgeStore

/// `POST /v1/kb/collections/{name}/documents`: files or raw text, each queued as its own ingest job.
extension Routes {
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
            // A part is a file only with a non-empty filename (`filename=""` is how browsers send an empty file input).
            let files = form.parts.filter { !($0.fileName ?? "").isEmpty }
            guard !files.isEmpty else {
                throw APIError.invalidRequest("the upload holds no file; send one or more \"file\" parts with a filename", param: "file")
            }
            for part in files {
                jobs.append(try await kb.queue.enqueue(
                    collection: collection, fileName: part.fileName ?? "upload", data: part.data, metadata: metadata,
                    charset: part.contentType.flatMap { MultipartForm.parameter("charset", in: $0) }))
            }
        } else if (try? BodyReader.requireJSON(request)) != nil {
            let text = try reader.decode(TextDocumentRequest.self, from: body, decoder: KnowledgeJSON.decoder())
            let source = text.source ?? text.title.map { $0 + ".txt" } ?? "text.txt"
            jobs.append(try await kb.queue.enqueue(
                collection: collection, fileName: source.contains(".") ? source : source + ".txt", data: Data(text.text.utf8),
                metadata: text.metadata ?? [:], title: text.title))
        } else {
            throw APIError(
                status: .unsupportedMediaType,
                message: "send files as multipart/form-data or raw text as application/json {\"text\": ...}",
                type: "invalid_request_error", code: "unsupported_media_type")
        }
        return try KnowledgeJSON.response(ListDTO(data: jobs), status: .accepted)
    }
}
