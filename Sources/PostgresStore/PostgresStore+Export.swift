import Foundation
import KnowledgeStore
import PostgresNIO

extension PostgresStore {
    /// A stored document exactly as it was added: its text, pages, metadata, document vector, and every chunk with
    /// its vector, so another store can take it with `addDocument` without embedding anything again.
    /// f16 collections give back the f16 values widened to f32. Throws `documentNotFound`.
    public func exportDocument(id: DocumentID) async throws -> (document: NewDocument, chunks: [NewChunk]) {
        let logger = self.logger
        return try await inTransaction { db in
            // One snapshot for the document and its chunks: a concurrent replace cannot mix versions.
            try await db.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            let rows = try await db.query("""
                SELECT c.name AS collection, d.title, d.source, d.media_type, d.content_hash, d.byte_size,
                       d.metadata::text AS metadata, d.text, d.pages::text AS pages, d.token_count,
                       coalesce(d.embedding, d.embedding_half::vector) AS vector
                FROM documents d JOIN collections c ON c.id = d.collection_id WHERE d.id = \(id)
                """, logger: logger).collect()
            guard let row = rows.first else { throw StoreError.documentNotFound(id) }
            let r = row.makeRandomAccess()
            let document = NewDocument(
                collection: try r["collection"].decode(String.self), title: try r["title"].decode(String.self),
                source: try r["source"].decode(String.self), mediaType: try r["media_type"].decode(String.self),
                contentHash: try r["content_hash"].decode(String.self), byteSize: try r["byte_size"].decode(Int.self),
                metadata: try MetadataJSON.decode(try r["metadata"].decode(String.self)),
                text: try r["text"].decode(String.self),
                pages: try JSONDecoder().decode([PageSpan].self, from: Data(try r["pages"].decode(String.self).utf8)),
                tokenCount: try r["token_count"].decode(Int.self), vector: try r["vector"].decode(PgVector?.self)?.values)
            let chunks = try await db.query("""
                SELECT text, start_offset, end_offset, page, token_count, text_hash,
                       coalesce(embedding, embedding_half::vector) AS vector
                FROM chunks WHERE document_id = \(id) ORDER BY ordinal
                """, logger: logger).collect().map { row in
                let r = row.makeRandomAccess()
                return NewChunk(
                    text: try r["text"].decode(String.self), start: try r["start_offset"].decode(Int.self),
                    end: try r["end_offset"].decode(Int.self), page: try r["page"].decode(Int?.self),
                    tokenCount: try r["token_count"].decode(Int.self), textHash: try r["text_hash"].decode(String.self),
                    vector: try r["vector"].decode(PgVector.self).values)
            }
            return (document, chunks)
        }
    }
}
