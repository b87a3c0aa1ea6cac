import Foundation
import GRDB
import KnowledgeStore

extension SQLiteStore {
    public func createCollection(_ spec: CollectionSpec) async throws -> CollectionSpec {
        try StoreError.validate(name: spec.name)
        guard spec.dimensions > 0 else {
            throw StoreError.unusable("a collection needs at least one vector dimension, got \(spec.dimensions)")
        }
        return try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM collections WHERE name = ?", arguments: [spec.name]) != nil {
                throw StoreError.collectionExists(spec.name)
            }
            try db.execute(
                sql: """
                    INSERT INTO collections (name, model, dimensions, vector_encoding, max_chunk_tokens, overlap_tokens,
                                             document_vectors, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [spec.name, spec.model, spec.dimensions, spec.vectorEncoding.rawValue, spec.maxChunkTokens,
                            spec.overlapTokens, spec.documentVectors, spec.createdAt.timeIntervalSince1970])
            // A fresh stamp, so no index cached for an earlier collection of this name passes for current.
            _ = try Schema.bumpGeneration(db, collection: spec.name)
            return spec
        }
    }

    public func collection(named name: String) async throws -> CollectionSpec? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM collections WHERE name = ?", arguments: [name]).map(Rows.collection)
        }
    }

    public func collections() async throws -> [CollectionSummary] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.*,
                       (SELECT count(*) FROM documents d WHERE d.collection = c.name) AS document_total,
                       (SELECT coalesce(sum(d.chunk_count), 0) FROM documents d WHERE d.collection = c.name) AS chunk_total
                FROM collections c ORDER BY c.name
                """
            ).map { row in
                CollectionSummary(spec: try Rows.collection(row), documentCount: row["document_total"], chunkCount: row["chunk_total"])
            }
        }
    }

    public func deleteCollection(named name: String) async throws {
        try await write { db in
            _ = try Self.requireCollection(db, name)
            // Cascades to documents, metadata, chunks, jobs; the triggers clear both keyword indexes.
            try db.execute(sql: "DELETE FROM collections WHERE name = ?", arguments: [name])
        }
        dropIndexes(of: name)
    }

    /// Forgets the in-memory vector indexes of a collection.
    func dropIndexes(of collection: String) {
        indexes.withLock { cache in
            for target in SearchTarget.allCases { cache[IndexKey(collection: collection, target: target)] = nil }
        }
    }
}
