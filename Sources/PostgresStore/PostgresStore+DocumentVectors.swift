import Foundation
import KnowledgeStore
import PostgresNIO

extension PostgresStore {
    public func setDocumentVector(id: DocumentID, vector: [Float]) async throws -> Bool {
        let logger = self.logger
        return try await inTransaction { db in
            // FOR UPDATE: two servers storing the same document's vector take turns; the second finds it set.
            let found = try await db.query("""
                SELECT c.name, d.embedding IS NOT NULL OR d.embedding_half IS NOT NULL AS has_vector
                FROM documents d JOIN collections c ON c.id = d.collection_id WHERE d.id = \(id) FOR UPDATE OF d
                """, logger: logger).collect()
            guard let row = found.first else { throw StoreError.documentNotFound(id) }
            let (name, hasVector) = try row.decode((String, Bool).self)
            let collection = try await Self.requireCollection(named: name, on: db, logger: logger)
            guard vector.count == collection.spec.dimensions else {
                throw StoreError.dimensionMismatch(expected: collection.spec.dimensions, got: vector.count)
            }
            if hasVector { return false }
            let column = collection.vectors.column
            let cast = column == "embedding" ? "::vector" : "::vector::halfvec"
            var binds = PostgresBindings()
            binds.append(PgVector(vector))
            try await db.query(
                PostgresQuery(unsafeSQL: "UPDATE documents SET \(column) = $1\(cast) WHERE id = \(id)", binds: binds),
                logger: logger)
            return true
        }
    }

    public func pendingDocumentVectors(in collection: String?, limit: Int) async throws -> PendingDocumentVectors {
        let logger = self.logger
        return try await inTransaction { db in
            // One snapshot for the count and the list.
            try await db.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            var condition = """
                FROM documents d JOIN collections c ON c.id = d.collection_id
                WHERE d.embedding IS NULL AND d.embedding_half IS NULL AND c.document_vectors
                """
            if let collection {
                let row = try await Self.requireCollection(named: collection, on: db, logger: logger)
                condition += " AND d.collection_id = \(row.id)"
            }
            let counted = try await db.query(PostgresQuery(unsafeSQL: "SELECT count(*)::bigint \(condition)"), logger: logger)
                .collect()
            let total = try counted[0].decode(Int.self)
            guard total > 0, limit > 0 else { return PendingDocumentVectors(total: total, documents: []) }
            let rows = try await db.query(PostgresQuery(
                unsafeSQL: "SELECT \(DocumentSummary.pgColumns) \(condition) ORDER BY d.id LIMIT \(limit)"), logger: logger
            ).collect()
            return PendingDocumentVectors(total: total, documents: try rows.map(DocumentSummary.init(pg:)))
        }
    }
}
