import Foundation
import KnowledgeStore
import PostgresNIO

extension PostgresStore {
    /// BM25 constants, as SQLite FTS5's `bm25()` uses them.
    static let bm25K1 = 1.2
    static let bm25B = 0.75

    /// Top-k by cosine similarity (1 − pgvector's cosine distance; the dot product for unit vectors).
    ///
    /// Large collections go through their HNSW index with `ef_search` from the configuration; with a metadata
    /// filter, pgvector's iterative index scan keeps walking the graph until k rows pass it. Collections under
    /// `exactSearchBelow` vectors, and searches restricted to listed documents, are ranked exactly: their
    /// ORDER BY is the stored column's distance, which no index serves.
    public func vectorSearch(
        collection: String, query: [Float], k: Int, target: SearchTarget, filter: SearchFilter
    ) async throws -> [SearchHit] {
        let logger = self.logger, exactBelow = configuration.exactSearchBelow
        let efSearch = min(max(configuration.efSearch, k), 1000)  // pgvector allows 1–1,000
        return try await inTransaction { db in
            let row = try await Self.requireCollection(named: collection, on: db, logger: logger)
            guard query.count == row.spec.dimensions else {
                throw StoreError.dimensionMismatch(expected: row.spec.dimensions, got: query.count)
            }
            guard k > 0 else { return [] }
            let v = row.vectors
            let t = target == .chunks ? "k" : "d"
            let stored = "coalesce(\(t).embedding, \(t).embedding_half::vector)"
            var approximate = v.indexType != nil && filter.documentIDs.isEmpty
            if approximate {
                let size = try await db.query(PostgresQuery(unsafeSQL: target == .chunks
                    ? "SELECT coalesce(sum(chunk_count), 0)::bigint FROM documents WHERE collection_id = \(row.id)"
                    : "SELECT count(*) FROM documents WHERE collection_id = \(row.id)"), logger: logger
                ).collect()
                approximate = try size[0].decode(Int.self) >= exactBelow
            }
            if approximate {
                // SET LOCAL lasts until COMMIT, so pooled connections go back unchanged.
                try await db.query("SET LOCAL hnsw.ef_search = \(unescaped: String(efSearch))", logger: logger)
                if filter != .none {
                    try await db.query("SET LOCAL hnsw.iterative_scan = strict_order", logger: logger)
                }
            }
            var sql = target == .chunks ? "SELECT \(StoredChunk.pgColumns), " : "SELECT d.id AS document_id, "
            // The score always comes from the stored column at full precision.
            sql += "1 - (\(stored) <=> $1::vector) AS score FROM "
            sql += target == .chunks ? "chunks k JOIN documents d ON d.id = k.document_id" : "documents d"
            sql += " WHERE \(v.predicate(t))"
            // A document whose vector phase two has not stored yet has none to rank by.
            if target == .documents { sql += " AND \(stored) IS NOT NULL" }
            var binds = PostgresBindings()
            binds.append(PgVector(query))
            Self.appendFilter(filter, to: &sql, binds: &binds)
            // The HNSW path repeats the index expression verbatim so the planner walks the graph.
            sql += approximate
                ? " ORDER BY \(v.indexedExpression(t)) <=> \(v.queryExpression("$1")) LIMIT \(k)"
                : " ORDER BY \(stored) <=> $1::vector, \(t).id LIMIT \(k)"
            let rows = try await db.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
            return try rows.map { try Self.hit($0, target: target) }
        }
    }

    /// Top-k by BM25 over the collection (FTS5's formula: idf = ln((N − n + 0.5)/(n + 0.5)), floored at 1e-6;
    /// tf·(k1 + 1)/(tf + k1·(1 − b + b·len/avglen)); N, n and avglen over the whole collection, the filter
    /// only choosing which rows are returned).
    public func keywordSearch(
        collection: String, query: String, k: Int, target: SearchTarget, filter: SearchFilter
    ) async throws -> [SearchHit] {
        let q = FullText.query(query)
        let logger = self.logger
        return try await withConnection { db in
            let row = try await Self.requireCollection(named: collection, on: db, logger: logger)
            guard k > 0, !q.terms.isEmpty else { return [] }
            let table = target == .chunks ? "chunks" : "documents"
            let t = target == .chunks ? "k" : "d"
            var binds = PostgresBindings()
            binds.append(q.terms)
            binds.append(q.termQueries)
            binds.append(q.any)
            var matches = target == .chunks
                ? "SELECT k.id, k.terms, k.term_count FROM chunks k JOIN documents d ON d.id = k.document_id"
                : "SELECT d.id, d.terms, d.term_count FROM documents d"
            matches += " WHERE \(t).collection_id = \(row.id) AND \(t).terms @@ $3::tsquery"
            Self.appendFilter(filter, to: &matches, binds: &binds)
            let k1 = Self.bm25K1, b = Self.bm25B
            var sql = """
                WITH stats AS (
                    SELECT count(*)::float8 AS n, greatest(avg(term_count), 1)::float8 AS avglen
                    FROM \(table) WHERE collection_id = \(row.id)),
                idf AS (
                    SELECT q.term, greatest(ln((s.n - df.n + 0.5) / (df.n + 0.5)), 1e-6) AS w
                    FROM unnest($1::text[], $2::text[]) AS q(term, tq) CROSS JOIN stats s
                    CROSS JOIN LATERAL (
                        SELECT count(*)::float8 AS n FROM \(table) x
                        WHERE x.collection_id = \(row.id) AND x.terms @@ q.tq::tsquery) df),
                matches AS (\(matches)),
                scored AS (
                    SELECT m.id, sum(idf.w * (tf.n * \(k1 + 1)) / (tf.n + \(k1) * (\(1 - b) + \(b) * m.term_count / s.avglen)))
                        AS score
                    FROM matches m CROSS JOIN stats s CROSS JOIN LATERAL unnest(m.terms) AS u
                    JOIN idf ON idf.term = u.lexeme
                    CROSS JOIN LATERAL (SELECT cardinality(u.positions)::float8 AS n) tf
                    GROUP BY m.id)
                """
            sql += target == .chunks
                ? " SELECT \(StoredChunk.pgColumns), s.score FROM scored s JOIN chunks k ON k.id = s.id"
                : " SELECT s.id AS document_id, s.score FROM scored s"
            sql += " ORDER BY s.score DESC, s.id LIMIT \(k)"
            let rows = try await db.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
            return try rows.map { try Self.hit($0, target: target) }
        }
    }

    public func documentVectors(in collection: String) async throws -> [DocumentVector] {
        try await inCollection(collection) { id in """
            SELECT d.id, coalesce(d.embedding, d.embedding_half::vector) AS vector
            FROM documents d
            WHERE d.collection_id = \(id) AND (d.embedding IS NOT NULL OR d.embedding_half IS NOT NULL) ORDER BY d.id
            """ }.map { row in
            let r = row.makeRandomAccess()
            return DocumentVector(documentID: try r["id"].decode(Int64.self), vector: try r["vector"].decode(PgVector.self).values)
        }
    }

    /// Adds the filter's conditions on `d` (documents) with bound parameters after those already in `binds`.
    static func appendFilter(_ filter: SearchFilter, to sql: inout String, binds: inout PostgresBindings) {
        if !filter.documentIDs.isEmpty {
            binds.append(filter.documentIDs.sorted())
            sql += " AND d.id = ANY($\(binds.count)::int8[])"
        }
        if !filter.metadata.isEmpty {
            binds.append(MetadataJSON.encode(filter.metadata))
            sql += " AND d.metadata @> $\(binds.count)::jsonb"
        }
    }

    static func hit(_ row: PostgresRow, target: SearchTarget) throws -> SearchHit {
        let r = row.makeRandomAccess()
        let score = try r["score"].decode(Double.self)
        let chunk = target == .chunks ? try StoredChunk(pg: row) : nil
        return SearchHit(
            documentID: try r["document_id"].decode(Int64.self), chunk: chunk, score: score.isNaN ? 0 : score)
    }
}
