import Foundation
import GRDB
import KnowledgeStore

extension SQLiteStore {
    public func exportDocument(id: DocumentID) async throws -> (document: NewDocument, chunks: [NewChunk]) {
        try await read { db in
            // One read transaction: a concurrent replace cannot mix versions.
            guard let row = try Row.fetchOne(db, sql: """
                SELECT d.collection, d.title, d.source, d.media_type, d.content_hash, d.byte_size, d.metadata, d.text, d.pages,
                       d.token_count, d.vector, c.vector_encoding, c.dimensions
                FROM documents d JOIN collections c ON c.name = d.collection WHERE d.id = ?
                """, arguments: [id])
            else { throw StoreError.documentNotFound(id) }
            let encoding: VectorEncoding = try Rows.known(row["vector_encoding"], "collection '\(row["collection"] as String)' vector encoding")
            let dimensions: Int = row["dimensions"]
            let document = NewDocument(
                collection: row["collection"], title: row["title"], source: row["source"], mediaType: row["media_type"],
                contentHash: row["content_hash"], byteSize: row["byte_size"], metadata: try Rows.decodeMetadata(row["metadata"]),
                text: row["text"], pages: try Rows.decodePages(row["pages"]), tokenCount: row["token_count"],
                vector: try (row["vector"] as Data?).map { try VectorCodec.decode($0, as: encoding, dimensions: dimensions) })
            let chunks = try Row.fetchAll(db, sql: """
                SELECT text, start_offset, end_offset, page, token_count, text_hash, vector FROM chunks
                WHERE document_id = ? ORDER BY ordinal
                """, arguments: [id]).map { r in
                NewChunk(
                    text: r["text"], start: r["start_offset"], end: r["end_offset"], page: r["page"], tokenCount: r["token_count"],
                    textHash: r["text_hash"], vector: try VectorCodec.decode(r["vector"], as: encoding, dimensions: dimensions))
            }
            return (document, chunks)
        }
    }
}
