import Foundation
import GRDB
import KnowledgeStore

extension SQLiteStore {
    public func setDocumentVector(id: DocumentID, vector: [Float]) async throws -> Bool {
        let change: VectorChange? = try await write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT d.collection, d.vector IS NOT NULL AS has_vector FROM documents d WHERE d.id = ?
                """, arguments: [id])
            else { throw StoreError.documentNotFound(id) }
            let (spec, _) = try Self.requireCollection(db, row["collection"])
            guard vector.count == spec.dimensions else {
                throw StoreError.dimensionMismatch(expected: spec.dimensions, got: vector.count)
            }
            // Written once: a second worker that computed the same vector leaves the stored one (and the index) alone.
            if row["has_vector"] as Bool { return nil }
            let blob = VectorCodec.encode(vector, as: spec.vectorEncoding)
            try db.execute(sql: "UPDATE documents SET vector = ? WHERE id = ? AND vector IS NULL", arguments: [blob, id])
            // The chunk index takes the new generation with nothing added; the document index gains the row.
            return VectorChange(collection: spec.name, generation: try Schema.bumpGeneration(db, collection: spec.name),
                                documentID: id, documentBlob: blob)
        }
        guard let change else { return false }
        apply(change)
        return true
    }

    public func pendingDocumentVectors(in collection: String?, limit: Int) async throws -> PendingDocumentVectors {
        try await read { db in
            if let collection { _ = try Self.requireCollection(db, collection) }
            // The partial index documents_pending_vector holds exactly these rows.
            let condition = """
                FROM documents d JOIN collections c ON c.name = d.collection
                WHERE d.vector IS NULL AND c.document_vectors = 1\(collection == nil ? "" : " AND d.collection = ?")
                """
            let arguments: StatementArguments = collection.map { [$0] } ?? []
            let total = try Int.fetchOne(db, sql: "SELECT count(*) \(condition)", arguments: arguments) ?? 0
            let columns = Rows.documentColumns.split(separator: ",").map { "d." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .joined(separator: ", ")
            let documents = total == 0 || limit <= 0 ? [] : try Row.fetchAll(
                db, sql: "SELECT \(columns) \(condition) ORDER BY d.id LIMIT ?", arguments: arguments + [limit]
            ).map(Rows.document)
            return PendingDocumentVectors(total: total, documents: documents)
        }
    }
}
