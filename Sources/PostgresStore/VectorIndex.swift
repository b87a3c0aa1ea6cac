import KnowledgeStore

/// How one collection's vectors are stored, indexed and compared, as SQL fragments. Only integers the store
/// itself assigned (the collection id and D) are written into SQL; query values are always bound.
struct VectorIndex: Sendable {
    /// pgvector's HNSW limits: `vector` up to 2,000 dimensions, `halfvec` up to 4,000.
    static let maxVectorIndexDimensions = 2000
    static let maxHalfvecIndexDimensions = 4000
    /// pgvector stores at most 16,000 dimensions in either type.
    static let maxDimensions = 16000

    let collectionID: Int64
    let dimensions: Int
    let encoding: VectorEncoding

    /// The column holding this collection's vectors.
    var column: String { encoding == .f16 ? "embedding_half" : "embedding" }

    /// The type the index and ranking use: halfvec for f16, and for f32 beyond `vector`'s index limit.
    var indexType: String? {
        switch encoding {
        case .f32 where dimensions <= Self.maxVectorIndexDimensions: "vector"
        case _ where dimensions <= Self.maxHalfvecIndexDimensions: "halfvec"
        default: nil
        }
    }

    /// The column cast to its fixed-dimension type: the HNSW index's expression, repeated verbatim in searches.
    func indexedExpression(_ table: String) -> String {
        "(\(table).\(column)::\(indexType ?? (encoding == .f16 ? "halfvec" : "vector"))(\(dimensions)))"
    }

    /// A bound query vector (`$n` sent as binary `vector`) in the same type as `indexedExpression`.
    func queryExpression(_ parameter: String) -> String {
        let type = indexType ?? (encoding == .f16 ? "halfvec" : "vector")
        return type == "vector" ? "\(parameter)::vector(\(dimensions))" : "\(parameter)::vector(\(dimensions))::\(type)(\(dimensions))"
    }

    /// The same row filter as the partial index's predicate.
    func predicate(_ table: String) -> String { "\(table).collection_id = \(collectionID)" }

    func indexName(_ table: String) -> String { "\(table)_hnsw_\(collectionID)" }

    /// The statement creating the collection's HNSW index on `table` (chunks or documents), nil when D is too
    /// large to index. m = 16 and ef_construction = 64 are pgvector's defaults.
    func createIndexStatement(_ table: String) -> String? {
        guard let type = indexType else { return nil }
        return "CREATE INDEX IF NOT EXISTS \(indexName(table)) ON \(table) USING hnsw ("
            + "(\(column)::\(type)(\(dimensions))) \(type)_cosine_ops) WHERE collection_id = \(collectionID)"
    }

    func dropIndexStatement(_ table: String) -> String { "DROP INDEX IF EXISTS \(indexName(table))" }
}
