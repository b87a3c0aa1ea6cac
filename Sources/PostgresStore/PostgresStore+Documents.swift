import Foundation
import KnowledgeStore
import PostgresNIO

extension DocumentSummary {
    /// The `documents d JOIN collections c` columns a summary is read from.
    static let pgColumns = """
        d.id, c.name AS collection, d.title, d.source, d.media_type, d.content_hash, d.byte_size, d.metadata::text AS metadata,
        d.page_count, d.chunk_count, d.token_count, (d.embedding IS NOT NULL OR d.embedding_half IS NOT NULL) AS has_vector,
        d.added_at
        """

    init(pg row: PostgresRow) throws {
        let r = row.makeRandomAccess()
        self.init(
            id: try r["id"].decode(Int64.self), collection: try r["collection"].decode(String.self),
            title: try r["title"].decode(String.self), source: try r["source"].decode(String.self),
            mediaType: try r["media_type"].decode(String.self), contentHash: try r["content_hash"].decode(String.self),
            byteSize: try r["byte_size"].decode(Int.self),
            metadata: try MetadataJSON.decode(try r["metadata"].decode(String.self)),
            pageCount: try r["page_count"].decode(Int.self), chunkCount: try r["chunk_count"].decode(Int.self),
            tokenCount: try r["token_count"].decode(Int.self), hasVector: try r["has_vector"].decode(Bool.self), addedAt: try r["added_at"].decode(Date.self))
    }
}

extension StoredChunk {
    static let pgColumns = "k.document_id, k.ordinal, k.text, k.start_offset, k.end_offset, k.page, k.token_count"

    init(pg row: PostgresRow) throws {
        let r = row.makeRandomAccess()
        self.init(
            documentID: try r["document_id"].decode(Int64.self), ordinal: try r["ordinal"].decode(Int.self),
            text: try r["text"].decode(String.self), start: try r["start_offset"].decode(Int.self),
            end: try r["end_offset"].decode(Int.self), page: try r["page"].decode(Int?.self),
            tokenCount: try r["token_count"].decode(Int.self))
    }
}

extension PostgresStore {
    /// Rows per multi-row INSERT: 12 parameters a chunk stays far below PostgreSQL's 65,535.
    static let chunkBatch = 1000

    public func addDocument(_ document: NewDocument, chunks: [NewChunk], replacing: DocumentID?) async throws
        -> DocumentSummary
    {
        let logger = self.logger
        return try await inTransaction { db in
            // FOR SHARE: a concurrent deleteCollection waits for this transaction instead of racing it.
            let collection = try await Self.requireCollection(named: document.collection, on: db, logger: logger, lock: true)
            let d = collection.spec.dimensions
            for vector in (document.vector.map { [$0] } ?? []) + chunks.map(\.vector) where vector.count != d {
                throw StoreError.dimensionMismatch(expected: d, got: vector.count)
            }
            if let replacing {
                let deleted = try await db.query(
                    "DELETE FROM documents WHERE id = \(replacing) AND collection_id = \(collection.id) RETURNING id",
                    logger: logger
                ).collect()
                if deleted.isEmpty { throw StoreError.documentNotFound(replacing) }
            }
            let vectors = collection.vectors
            let terms = FullText.vectorLiteral(of: KeywordSegmenter.documentText(title: document.title, text: document.text))
            let pages = String(decoding: try JSONEncoder().encode(document.pages), as: UTF8.self)
            let inserted = try await Self.insertUnique(collection: collection.spec.name, source: document.source) {
                try await db.query("""
                INSERT INTO documents AS d (collection_id, title, source, media_type, content_hash, byte_size, metadata,
                    text, pages, page_count, chunk_count, token_count, \(unescaped: vectors.column), terms, term_count)
                VALUES (\(collection.id), \(storable(document.title)), \(storable(document.source)),
                    \(storable(document.mediaType)), \(document.contentHash), \(document.byteSize),
                    \(MetadataJSON.encode(document.metadata))::jsonb, \(storable(document.text)), \(pages)::jsonb,
                    \(document.pages.count), \(chunks.count), \(document.tokenCount),
                    \(document.vector.map(PgVector.init))::vector\(unescaped: vectors.column == "embedding" ? "" : "::halfvec"),
                    \(terms.literal)::tsvector, \(terms.termCount))
                RETURNING d.id, d.added_at
                """, logger: logger).collect()
            }
            let r = inserted[0].makeRandomAccess()
            let id = try r["id"].decode(Int64.self)
            for start in stride(from: 0, to: chunks.count, by: Self.chunkBatch) {
                let batch = chunks[start..<min(start + Self.chunkBatch, chunks.count)]
                try await db.query(
                    Self.insertChunks(batch, firstOrdinal: start, document: id, collection: collection), logger: logger)
            }
            return DocumentSummary(
                id: id, collection: collection.spec.name, title: storable(document.title),
                source: storable(document.source), mediaType: storable(document.mediaType),
                contentHash: document.contentHash, byteSize: document.byteSize,
                metadata: document.metadata.mapValues(storable), pageCount: document.pages.count,
                chunkCount: chunks.count, tokenCount: document.tokenCount, hasVector: document.vector != nil, addedAt: try r["added_at"].decode(Date.self))
        }
    }

    /// One multi-row INSERT for a batch of chunks; every value is a bound parameter.
    static func insertChunks(
        _ batch: ArraySlice<NewChunk>, firstOrdinal: Int, document: DocumentID, collection: CollectionRow
    ) -> PostgresQuery {
        let column = collection.vectors.column
        let cast = column == "embedding" ? "::vector" : "::vector::halfvec"
        var sql = """
            INSERT INTO chunks (document_id, collection_id, ordinal, text, start_offset, end_offset, page, token_count,
                text_hash, \(column), terms, term_count) VALUES
            """
        var binds = PostgresBindings(capacity: batch.count * 12)
        for (i, chunk) in batch.enumerated() {
            let p = i * 12
            sql += (i == 0 ? "\n" : ",\n")
            sql += "($\(p + 1), $\(p + 2), $\(p + 3), $\(p + 4), $\(p + 5), $\(p + 6), $\(p + 7), $\(p + 8), $\(p + 9), "
                + "$\(p + 10)\(cast), $\(p + 11)::tsvector, $\(p + 12))"
            let terms = FullText.vectorLiteral(of: chunk.text)
            binds.append(document)
            binds.append(collection.id)
            binds.append(firstOrdinal + i)
            binds.append(storable(chunk.text))
            binds.append(chunk.start)
            binds.append(chunk.end)
            binds.append(chunk.page)
            binds.append(chunk.tokenCount)
            binds.append(chunk.textHash)
            binds.append(PgVector(chunk.vector))
            binds.append(terms.literal)
            binds.append(terms.termCount)
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    public func document(withContentHash hash: String, in collection: String) async throws -> DocumentSummary? {
        try await inCollection(collection) { id in """
            SELECT \(DocumentSummary.pgColumns) FROM documents d JOIN collections c ON c.id = d.collection_id
            WHERE d.collection_id = \(id) AND d.content_hash = $1 ORDER BY d.id LIMIT 1
            """ } binds: { $0.append(hash) }.first.map(DocumentSummary.init(pg:))
    }

    public func document(withSource source: String, in collection: String) async throws -> DocumentSummary? {
        try await inCollection(collection) { id in """
            SELECT \(DocumentSummary.pgColumns) FROM documents d JOIN collections c ON c.id = d.collection_id
            WHERE d.collection_id = \(id) AND d.source = $1 ORDER BY d.id DESC LIMIT 1
            """ } binds: { $0.append(storable(source)) }.first.map(DocumentSummary.init(pg:))
    }

    /// Runs the statement `sql(collectionID)` makes after looking the collection up on the same connection
    /// (throwing `collectionNotFound`), with the parameters `binds` adds.
    func inCollection(
        _ name: String, _ sql: @escaping @Sendable (Int64) -> String,
        binds: @escaping @Sendable (inout PostgresBindings) -> Void = { _ in }
    ) async throws -> [PostgresRow] {
        let logger = self.logger
        return try await withConnection { db in
            let row = try await Self.requireCollection(named: name, on: db, logger: logger)
            var bindings = PostgresBindings()
            binds(&bindings)
            return try await db.query(PostgresQuery(unsafeSQL: sql(row.id), binds: bindings), logger: logger).collect()
        }
    }

    public func document(id: DocumentID) async throws -> DocumentSummary? {
        try await rows("""
            SELECT \(unescaped: DocumentSummary.pgColumns) FROM documents d JOIN collections c ON c.id = d.collection_id
            WHERE d.id = \(id)
            """).first.map(DocumentSummary.init(pg:))
    }

    public func documentPreviews(ids: [DocumentID], prefix: Int) async throws -> [DocumentID: DocumentPreview] {
        guard !ids.isEmpty else { return [:] }
        let unique = Array(Set(ids))
        // substr counts characters: Unicode scalars in a UTF-8 database.
        let found = try await rows("""
            SELECT \(unescaped: DocumentSummary.pgColumns), substr(d.text, 1, \(unescaped: String(max(0, prefix)))) AS preview,
                (d.pages -> 0 ->> 'number')::integer AS first_page
            FROM documents d JOIN collections c ON c.id = d.collection_id WHERE d.id = ANY(\(unique))
            """)
        var previews: [DocumentID: DocumentPreview] = [:]
        for row in found {
            let summary = try DocumentSummary(pg: row)
            let r = row.makeRandomAccess()
            previews[summary.id] = DocumentPreview(
                summary: summary, text: try r["preview"].decode(String.self), firstPage: try r["first_page"].decode(Int?.self))
        }
        return previews
    }

    public func documentText(id: DocumentID) async throws -> (text: String, pages: [PageSpan]) {
        guard let row = try await rows("SELECT text, pages::text AS pages FROM documents WHERE id = \(id)").first else {
            throw StoreError.documentNotFound(id)
        }
        let r = row.makeRandomAccess()
        let pages = try JSONDecoder().decode([PageSpan].self, from: Data(try r["pages"].decode(String.self).utf8))
        return (try r["text"].decode(String.self), pages)
    }

    public func documents(in collection: String, offset: Int, limit: Int) async throws -> [DocumentSummary] {
        try await inCollection(collection) { id in """
            SELECT \(DocumentSummary.pgColumns) FROM documents d JOIN collections c ON c.id = d.collection_id
            WHERE d.collection_id = \(id) ORDER BY d.id OFFSET \(max(0, offset)) LIMIT \(max(0, limit))
            """ }.map(DocumentSummary.init(pg:))
    }

    public func chunks(of document: DocumentID) async throws -> [StoredChunk] {
        let logger = self.logger
        return try await withConnection { db in
            let rows = try await db.query("""
                SELECT \(unescaped: StoredChunk.pgColumns) FROM chunks k WHERE k.document_id = \(document) ORDER BY k.ordinal
                """, logger: logger).collect()
            // No chunks: a document without any, or no such document.
            if rows.isEmpty,
               try await db.query("SELECT 1 FROM documents WHERE id = \(document)", logger: logger).collect().isEmpty {
                throw StoreError.documentNotFound(document)
            }
            return try rows.map(StoredChunk.init(pg:))
        }
    }

    public func deleteDocument(id: DocumentID) async throws {
        let deleted = try await rows("DELETE FROM documents WHERE id = \(id) RETURNING id")
        if deleted.isEmpty { throw StoreError.documentNotFound(id) }
    }

    public func chunkVectors(forTextHashes hashes: [String], in collection: String) async throws -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for row in try await inCollection(collection, { id in """
            SELECT DISTINCT ON (k.text_hash) k.text_hash, coalesce(k.embedding, k.embedding_half::vector) AS vector
            FROM chunks k WHERE k.collection_id = \(id) AND k.text_hash = ANY($1::text[])
            ORDER BY k.text_hash, k.id
            """ }, binds: { $0.append(hashes) }) {
            let r = row.makeRandomAccess()
            out[try r["text_hash"].decode(String.self)] = try r["vector"].decode(PgVector.self).values
        }
        return out
    }
}

extension PostgresStore {
    /// Runs an INSERT into `documents`, turning a violation of the unique (collection, source) or (collection,
    /// content hash) index (SQLSTATE 23505) into `alreadyStored`: another server stored the same file first.
    static func insertUnique<R>(collection: String, source: String, _ insert: () async throws -> R) async throws -> R {
        do { return try await insert() } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw StoreError.alreadyStored(collection: collection, source: source)
        }
    }
}
