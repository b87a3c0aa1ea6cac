import Foundation
import GRDB
import KnowledgeStore

extension SQLiteStore {
    public func vectorSearch(
        collection: String, query: [Float], k: Int, target: SearchTarget, filter: SearchFilter
    ) async throws -> [SearchHit] {
        let key = IndexKey(collection: collection, target: target)
        // 1. A current index (cached, or loaded in this read's snapshot) and the documents the filter allows.
        let (index, allowed) = try await read { db in
            let (spec, generation) = try Self.requireCollection(db, collection)
            guard query.count == spec.dimensions else {
                throw StoreError.dimensionMismatch(expected: spec.dimensions, got: query.count)
            }
            let cached = self.indexes.withLock { $0[key] }
            let index = if let cached, cached.generation == generation, cached.dimensions == spec.dimensions,
                           cached.encoding == spec.vectorEncoding { cached }
                        else { try Self.loadIndex(db, spec: spec, generation: generation, target: target) }
            return (index, try Self.allowedDocuments(db, collection: collection, filter: filter))
        }
        indexes.withLock { cache in
            if (cache[key]?.generation ?? .min) < index.generation { cache[key] = index }
        }
        guard k > 0 else { return [] }

        // 2. Exact scan, then the hits' chunks.
        let matches = index.search(query: query, k: k, allowed: allowed)
        guard target == .chunks, !matches.isEmpty else {
            return matches.map { SearchHit(documentID: $0.documentID, chunk: nil, score: Double($0.score)) }
        }
        let ids = try Rows.encodeJSON(matches.map(\.itemID))
        let chunks = try await read { db in
            var byID: [Int64: StoredChunk] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT \(Rows.chunkColumns) FROM chunks WHERE id IN (SELECT value FROM json_each(?))
                """, arguments: [ids]) {
                byID[row["id"]] = Rows.chunk(row)
            }
            return byID
        }
        // A chunk deleted since the scan is simply left out.
        return matches.compactMap { m in
            chunks[m.itemID].map { SearchHit(documentID: m.documentID, chunk: $0, score: Double(m.score)) }
        }
    }

    public func keywordSearch(
        collection: String, query: String, k: Int, target: SearchTarget, filter: SearchFilter
    ) async throws -> [SearchHit] {
        // Each distinct term quoted (a term FTS5 splits further becomes a phrase), ORed: BM25 then ranks
        // documents matching more of the terms, and rarer ones, higher.
        var seen = Set<String>()
        let terms = KeywordSegmenter.queryTerms(query).filter { seen.insert($0).inserted }
        let match = terms.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " OR ")
        let (filterSQL, filterArgs) = try Rows.filterSQL(filter, alias: "d")
        return try await read { db in
            _ = try Self.requireCollection(db, collection)
            guard k > 0, !terms.isEmpty else { return [] }
            // FTS5's bm25() is lower-is-better (negative); the hit's score is its negation.
            switch target {
            case .chunks:
                let sql = """
                    SELECT \(Rows.chunkColumns.split(separator: ",").map { "c." + $0.trimmingCharacters(in: .whitespaces) }
                        .joined(separator: ", ")), bm25(chunk_fts) AS rank
                    FROM chunk_fts JOIN chunks c ON c.id = chunk_fts.rowid JOIN documents d ON d.id = c.document_id
                    WHERE chunk_fts MATCH ? AND d.collection = ?\(filterSQL)
                    ORDER BY rank, c.id LIMIT ?
                    """
                let args: StatementArguments = [match, collection] + filterArgs + [k]
                return try Row.fetchAll(db, sql: sql, arguments: args).map { row in
                    SearchHit(documentID: row["document_id"], chunk: Rows.chunk(row), score: -(row["rank"] as Double))
                }
            case .documents:
                let sql = """
                    SELECT d.id, bm25(document_fts) AS rank
                    FROM document_fts JOIN documents d ON d.id = document_fts.rowid
                    WHERE document_fts MATCH ? AND d.collection = ?\(filterSQL)
                    ORDER BY rank, d.id LIMIT ?
                    """
                let args: StatementArguments = [match, collection] + filterArgs + [k]
                return try Row.fetchAll(db, sql: sql, arguments: args).map { row in
                    SearchHit(documentID: row["id"], chunk: nil, score: -(row["rank"] as Double))
                }
            }
        }
    }

    public func documentVectors(in collection: String) async throws -> [DocumentVector] {
        try await read { db in
            let (spec, _) = try Self.requireCollection(db, collection)
            return try Row.fetchAll(db, sql: "SELECT id, vector FROM documents WHERE collection = ? AND vector IS NOT NULL ORDER BY id",
                                    arguments: [collection]).map { row in
                DocumentVector(documentID: row["id"],
                               vector: try VectorCodec.decode(row["vector"], as: spec.vectorEncoding, dimensions: spec.dimensions))
            }
        }
    }

    // MARK: Helpers

    /// The documents a filter allows, or nil for no restriction.
    static func allowedDocuments(_ db: Database, collection: String, filter: SearchFilter) throws -> Set<DocumentID>? {
        if filter.metadata.isEmpty { return filter.documentIDs.isEmpty ? nil : filter.documentIDs }
        let (sql, args) = try Rows.filterSQL(filter, alias: "d")
        return Set(try Int64.fetchAll(db, sql: "SELECT d.id FROM documents d WHERE d.collection = ?\(sql)",
                                      arguments: [collection] + args))
    }

    /// Every stored vector of (collection, target), read straight into one block: [N, D] in the stored encoding.
    static func loadIndex(_ db: Database, spec: CollectionSpec, generation: Int64, target: SearchTarget) throws -> VectorIndex {
        let (countSQL, rowsSQL) = switch target {
        case .chunks: (
            "SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.collection = ?",
            """
            SELECT c.document_id, c.id, c.vector FROM chunks c JOIN documents d ON d.id = c.document_id
            WHERE d.collection = ? ORDER BY c.document_id, c.ordinal
            """)
        case .documents: (
            // Documents whose vector phase two has not stored yet are not in the index until it does.
            "SELECT count(*) FROM documents WHERE collection = ? AND vector IS NOT NULL",
            "SELECT id AS document_id, id, vector FROM documents WHERE collection = ? AND vector IS NOT NULL ORDER BY id")
        }
        var index = VectorIndex(dimensions: spec.dimensions, encoding: spec.vectorEncoding, generation: generation)
        let n = try Int.fetchOne(db, sql: countSQL, arguments: [spec.name]) ?? 0
        guard n > 0 else { return index }
        let rowBytes = spec.dimensions * VectorCodec.bytesPerValue(spec.vectorEncoding)
        let storage = UnsafeMutableRawPointer.allocate(byteCount: n * rowBytes, alignment: 64)
        var docs: [DocumentID] = [], items: [Int64] = []
        docs.reserveCapacity(n)
        items.reserveCapacity(n)
        do {
            let rows = try Row.fetchCursor(db, sql: rowsSQL, arguments: [spec.name])
            while let row = try rows.next(), docs.count < n {
                // Read the blob in place: no Data copy per row.
                let copied = try row.withUnsafeData(atIndex: 2) { blob -> Bool in
                    guard let blob, blob.count == rowBytes else { return false }
                    blob.copyBytes(to: UnsafeMutableRawBufferPointer(start: storage + docs.count * rowBytes, count: rowBytes))
                    return true
                }
                guard copied else {
                    throw StoreError.unusable(
                        "a stored vector of collection '\(spec.name)' does not have \(spec.dimensions) "
                            + "\(spec.vectorEncoding.rawValue) values; the database was changed outside Folio")
                }
                docs.append(row[0])
                items.append(row[1])
            }
        } catch {
            storage.deallocate()
            throw error
        }
        index.append(VectorBlock(dimensions: spec.dimensions, encoding: spec.vectorEncoding, documentIDs: docs,
                                 itemIDs: items, adopting: storage))
        return index
    }
}
