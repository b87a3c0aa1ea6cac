import Foundation
import KnowledgeStore
import PostgresNIO

/// A collection row: the spec plus the id other tables refer to.
struct CollectionRow: Sendable {
    let id: Int64
    let spec: CollectionSpec
    var vectors: VectorIndex { VectorIndex(collectionID: id, dimensions: spec.dimensions, encoding: spec.vectorEncoding) }

    static let columns = """
        id, name, model, dimensions, vector_encoding, max_chunk_tokens, overlap_tokens, document_vectors, created_at
        """

    init(_ row: PostgresRow) throws {
        let r = row.makeRandomAccess()
        id = try r["id"].decode(Int64.self)
        let name = try r["name"].decode(String.self), encodingName = try r["vector_encoding"].decode(String.self)
        // The schema's CHECK allows only f32 and f16; anything else is a foreign row, never read as f32.
        guard let encoding = VectorEncoding(rawValue: encodingName) else {
            throw StoreError.unusable("collection '\(name)' vector encoding has an unknown value '\(encodingName)'")
        }
        spec = CollectionSpec(
            name: name, model: try r["model"].decode(String.self),
            dimensions: try r["dimensions"].decode(Int.self),
            vectorEncoding: encoding,
            maxChunkTokens: try r["max_chunk_tokens"].decode(Int.self),
            overlapTokens: try r["overlap_tokens"].decode(Int.self),
            documentVectors: try r["document_vectors"].decode(Bool.self),
            createdAt: try r["created_at"].decode(Date.self))
    }
}

extension PostgresStore {
    /// The collection named `name` on this connection (locked against deletion with `lock`), or nil.
    static func collectionRow(named name: String, on db: PostgresConnection, logger: Logger, lock: Bool = false)
        async throws -> CollectionRow?
    {
        let rows = try await db.query(
            "SELECT \(unescaped: CollectionRow.columns) FROM collections WHERE name = \(name)\(unescaped: lock ? " FOR SHARE" : "")",
            logger: logger
        ).collect()
        return try rows.first.map(CollectionRow.init)
    }

    /// Like `collectionRow(named:)` but throws `collectionNotFound`.
    static func requireCollection(named name: String, on db: PostgresConnection, logger: Logger, lock: Bool = false)
        async throws -> CollectionRow
    {
        guard let row = try await collectionRow(named: name, on: db, logger: logger, lock: lock) else {
            throw StoreError.collectionNotFound(name)
        }
        return row
    }

    public func createCollection(_ spec: CollectionSpec) async throws -> CollectionSpec {
        try StoreError.validate(name: spec.name)
        guard (1...VectorIndex.maxDimensions).contains(spec.dimensions) else {
            throw StoreError.unusable(
                "a collection of \(spec.dimensions) dimensions cannot be stored: pgvector holds 1–16,000; "
                    + "cut the vectors with --dimensions")
        }
        let logger = self.logger
        return try await inTransaction { db in
            let rows: [PostgresRow]
            do {
                rows = try await db.query("""
                    INSERT INTO collections
                        (name, model, dimensions, vector_encoding, max_chunk_tokens, overlap_tokens, document_vectors,
                         created_at)
                    VALUES (\(spec.name), \(spec.model), \(spec.dimensions), \(spec.vectorEncoding.rawValue),
                            \(spec.maxChunkTokens), \(spec.overlapTokens), \(spec.documentVectors), \(spec.createdAt))
                    RETURNING \(unescaped: CollectionRow.columns)
                    """, logger: logger).collect()
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                throw StoreError.collectionExists(spec.name)
            }
            let row = try CollectionRow(rows[0])
            // Empty partial indexes: cheap now, kept up to date by every insert.
            for table in ["chunks", "documents"] {
                if let statement = row.vectors.createIndexStatement(table) {
                    try await db.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
            // The caller's spec as given: the database keeps dates to the microsecond only.
            return spec
        }
    }

    public func collection(named name: String) async throws -> CollectionSpec? {
        let logger = self.logger
        return try await withConnection { db in
            try await Self.collectionRow(named: name, on: db, logger: logger)?.spec
        }
    }

    public func collections() async throws -> [CollectionSummary] {
        let rows = try await rows("""
            SELECT c.id, c.name, c.model, c.dimensions, c.vector_encoding, c.max_chunk_tokens, c.overlap_tokens,
                   c.document_vectors, c.created_at, count(d.id) AS document_count, coalesce(sum(d.chunk_count), 0)::bigint AS chunk_count
            FROM collections c LEFT JOIN documents d ON d.collection_id = c.id
            GROUP BY c.id ORDER BY c.name
            """)
        return try rows.map { row in
            let r = row.makeRandomAccess()
            return CollectionSummary(
                spec: try CollectionRow(row).spec, documentCount: try r["document_count"].decode(Int.self),
                chunkCount: try r["chunk_count"].decode(Int.self))
        }
    }

    public func deleteCollection(named name: String) async throws {
        let logger = self.logger
        try await inTransaction { db in
            let row = try await Self.requireCollection(named: name, on: db, logger: logger)
            // Dropping the indexes first spares HNSW the per-row deletes; the rows go by ON DELETE CASCADE.
            for table in ["chunks", "documents"] {
                try await db.query(PostgresQuery(unsafeSQL: row.vectors.dropIndexStatement(table)), logger: logger)
            }
            try await db.query("DELETE FROM chunks WHERE collection_id = \(row.id)", logger: logger)
            try await db.query("DELETE FROM collections WHERE id = \(row.id)", logger: logger)
        }
    }

    /// Builds a collection's HNSW indexes from scratch. Building once after a bulk load (a migration from
    /// another store, say) is several times faster than growing the graph row by row. Each statement commits
    /// on its own: while an index is missing, that collection's searches scan exactly, and while it is being
    /// built, writes to the table wait (reads do not).
    public func rebuildVectorIndexes(collection name: String) async throws {
        try await setVectorIndexes(collection: name, present: false)
        try await setVectorIndexes(collection: name, present: true)
    }

    /// Runs `body` with the collection's HNSW indexes dropped, then builds them once: for bulk loads.
    public func withVectorIndexesDeferred<R: Sendable>(
        collection name: String, _ body: () async throws -> R
    ) async throws -> R {
        try await setVectorIndexes(collection: name, present: false)
        let result: R
        do {
            result = try await body()
        } catch {
            try? await setVectorIndexes(collection: name, present: true)
            throw error
        }
        try await setVectorIndexes(collection: name, present: true)
        return result
    }

    private func setVectorIndexes(collection name: String, present: Bool) async throws {
        let logger = self.logger
        try await withConnection { db in
            let vectors = try await Self.requireCollection(named: name, on: db, logger: logger).vectors
            for table in ["chunks", "documents"] {
                if let statement = present ? vectors.createIndexStatement(table) : vectors.dropIndexStatement(table) {
                    try await db.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
        }
    }
}
