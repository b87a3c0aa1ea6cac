import KnowledgeStore
import PostgresNIO

// The PostgreSQL schema, the same logical schema as SQLiteStore's: collections → documents → chunks, and jobs.
//
// Vectors: D differs per collection, so the vector columns are untyped (`vector` for f32 collections,
// `halfvec` for f16; exactly one is set on each row) and each collection gets its own partial expression
// HNSW index, made by `createCollection`:
//     CREATE INDEX chunks_hnsw_<id> ON chunks USING hnsw ((embedding::vector(D)) vector_cosine_ops)
//         WHERE collection_id = <id>
// A search repeats that expression and predicate with the collection's id and D as literals, so the planner
// can use the index (HNSW needs a fixed dimension, and the untyped column has none). One table instead of a
// table per collection keeps the schema static and migrations simple; deleting a collection drops its indexes.
// pgvector indexes `vector` up to 2,000 dimensions and `halfvec` up to 4,000: an f32 collection of 2,001–4,000
// dimensions is indexed as halfvec (ranking by f16 vectors, scores still exact), a larger one is searched exactly.
//
// Keyword search: `terms` is a tsvector built from KeywordSegmenter's terms (see FullText), `term_count` the
// document length BM25 needs. Texts are stored with NUL replaced (see `storable`); metadata and pages as jsonb.

/// One step of the schema, applied once and recorded in `folio_schema_migrations`: SQL statements, then an
/// optional rewrite of stored rows that SQL alone cannot compute (keyword terms come from `KeywordSegmenter`).
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: [String]
    var rewrite: (@Sendable (PostgresConnection, Logger) async throws -> Void)? = nil
}

extension PostgresStore {
    /// Every schema version in order. Append new steps; never edit a released one.
    static let migrations: [Migration] = [
        Migration(version: 1, name: "collections, documents, chunks, jobs", statements: [
            """
            CREATE TABLE collections (
                id bigserial PRIMARY KEY,
                name text NOT NULL UNIQUE,
                model text NOT NULL,
                dimensions integer NOT NULL CHECK (dimensions BETWEEN 1 AND 16000),
                vector_encoding text NOT NULL CHECK (vector_encoding IN ('f32', 'f16')),
                max_chunk_tokens integer NOT NULL,
                overlap_tokens integer NOT NULL,
                created_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE documents (
                id bigserial PRIMARY KEY,
                collection_id bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
                title text NOT NULL,
                source text NOT NULL,
                media_type text NOT NULL,
                content_hash text NOT NULL,
                byte_size bigint NOT NULL,
                metadata jsonb NOT NULL,
                text text NOT NULL,
                pages jsonb NOT NULL,
                page_count integer NOT NULL,
                chunk_count integer NOT NULL,
                token_count bigint NOT NULL,
                added_at timestamptz NOT NULL DEFAULT now(),
                embedding vector,
                embedding_half halfvec,
                terms tsvector NOT NULL,
                term_count integer NOT NULL)
            """,
            "CREATE INDEX documents_by_collection ON documents (collection_id, id)",
            "CREATE INDEX documents_by_hash ON documents (collection_id, content_hash)",
            "CREATE INDEX documents_by_source ON documents (collection_id, source, id)",
            "CREATE INDEX documents_metadata ON documents USING gin (metadata jsonb_path_ops)",
            "CREATE INDEX documents_terms ON documents USING gin (terms)",
            """
            CREATE TABLE chunks (
                id bigserial PRIMARY KEY,
                document_id bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
                collection_id bigint NOT NULL,
                ordinal integer NOT NULL,
                text text NOT NULL,
                start_offset bigint NOT NULL,
                end_offset bigint NOT NULL,
                page integer,
                token_count integer NOT NULL,
                text_hash text NOT NULL,
                embedding vector,
                embedding_half halfvec,
                terms tsvector NOT NULL,
                term_count integer NOT NULL,
                UNIQUE (document_id, ordinal))
            """,
            "CREATE INDEX chunks_by_hash ON chunks (collection_id, text_hash)",
            "CREATE INDEX chunks_terms ON chunks USING gin (terms)",
            """
            CREATE TABLE jobs (
                id bigserial PRIMARY KEY,
                collection_id bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
                file_name text NOT NULL,
                state text NOT NULL,
                progress double precision NOT NULL,
                error text,
                document_id bigint,
                message text,
                payload bytea,
                metadata jsonb NOT NULL,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL)
            """,
            "CREATE INDEX jobs_pending ON jobs (id) WHERE state NOT IN ('done', 'failed')",
            "CREATE INDEX jobs_by_collection ON jobs (collection_id, id)",
        ]),
        // Version 1 indexed a document's text only; SQLite indexed title and text. Both now index
        // `KeywordSegmenter.documentText(title:text:)`, so a word found only in a title finds the document on either.
        Migration(version: 2, name: "document keywords cover the title", statements: [], rewrite: reindexDocumentTerms),
        // One document per (collection, source) and per (collection, content hash), enforced by unique indexes, so
        // servers racing on the same file store it once. Duplicates stored before (by two servers) are removed
        // first, keeping the oldest (lowest id) of each; their chunks go by cascade. Jobs gain a holder and a
        // lease (see `KnowledgeStore.claimJob`), a claim count and warnings.
        Migration(version: 3, name: "unique documents, job leases", statements: [
            """
            DELETE FROM documents d USING documents o
            WHERE o.collection_id = d.collection_id AND o.content_hash = d.content_hash AND o.id < d.id
            """,
            """
            DELETE FROM documents d USING documents o
            WHERE o.collection_id = d.collection_id AND o.source = d.source AND o.id < d.id
            """,
            "DROP INDEX IF EXISTS documents_by_hash",
            "DROP INDEX IF EXISTS documents_by_source",
            "CREATE UNIQUE INDEX IF NOT EXISTS documents_unique_hash ON documents (collection_id, content_hash)",
            "CREATE UNIQUE INDEX IF NOT EXISTS documents_unique_source ON documents (collection_id, source)",
            """
            ALTER TABLE jobs ADD COLUMN IF NOT EXISTS holder text, ADD COLUMN IF NOT EXISTS lease_expires_at timestamptz,
                ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0,
                ADD COLUMN IF NOT EXISTS warnings jsonb NOT NULL DEFAULT '[]'
            """,
        ]),
        // Ingestion in two phases: a document is stored searchable with its chunks first and its whole-document
        // vector later (`setDocumentVector`). The vector columns were nullable from version 1 (one of the two is
        // set), so a pending document is one with both NULL; the partial index finds them for the restart that
        // finishes phase two. Collections gain `document_vectors` (on unless created with it off).
        Migration(version: 4, name: "document vectors after the chunks", statements: [
            "ALTER TABLE collections ADD COLUMN IF NOT EXISTS document_vectors boolean NOT NULL DEFAULT true",
            """
            CREATE INDEX IF NOT EXISTS documents_pending_vector ON documents (collection_id, id)
            WHERE embedding IS NULL AND embedding_half IS NULL
            """,
        ]),
    ]

    /// Recomputes every document's `terms` and `term_count` from its title and text, 256 rows a round trip.
    @Sendable static func reindexDocumentTerms(_ db: PostgresConnection, _ logger: Logger) async throws {
        var after: Int64 = 0
        while true {
            let rows = try await db.query(
                "SELECT id, title, text FROM documents WHERE id > \(after) ORDER BY id LIMIT 256", logger: logger
            ).collect()
            guard !rows.isEmpty else { return }
            for row in rows {
                let (id, title, text) = try row.decode((Int64, String, String).self)
                let terms = FullText.vectorLiteral(of: KeywordSegmenter.documentText(title: title, text: text))
                try await db.query(
                    "UPDATE documents SET terms = \(terms.literal)::tsvector, term_count = \(terms.termCount) WHERE id = \(id)",
                    logger: logger)
                after = id
            }
        }
    }

    /// The newest schema version this code knows.
    public static var schemaVersion: Int { migrations.last!.version }

    /// Applies the missing migrations in one transaction under an advisory lock, so servers starting together
    /// neither race nor see half a schema.
    func runMigrations() async throws {
        let logger = self.logger, schema = configuration.schema
        let database = configuration.database
        try await inTransaction(migrating: false) { db in
            // Any fixed key works: the lock only serialises Folio migrations within this database.
            try await db.query("SELECT pg_advisory_xact_lock(7306404771958030336)", logger: logger)
            if let schema {
                try await db.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: SQL.identifier(schema))", logger: logger)
            }
            let hasVector = try await db.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'", logger: logger)
                .collect().count > 0
            if !hasVector {
                do {
                    try await db.query("CREATE EXTENSION IF NOT EXISTS vector", logger: logger)
                } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42501" {
                    throw StoreError.unusable(
                        "the pgvector extension is not installed in database '\(database)' and this user may not "
                            + "install it; ask an administrator to run CREATE EXTENSION vector there")
                }
            }
            try await db.query("""
                CREATE TABLE IF NOT EXISTS folio_schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = Set<Int>()
            for try await version in try await db.query(
                "SELECT version FROM folio_schema_migrations", logger: logger
            ).decode(Int.self) {
                applied.insert(version)
            }
            if let newest = applied.max(), newest > Self.schemaVersion {
                throw StoreError.unusable(
                    "the database schema is version \(newest) but this Folio knows up to \(Self.schemaVersion); "
                        + "upgrade Folio or point it at another schema")
            }
            for migration in Self.migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    do {
                        try await db.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P07" {
                        throw StoreError.unusable(
                            "a table Folio needs already exists and is not Folio's ("
                                + (error.serverInfo?[.message] ?? "duplicate table")
                                + "); give Folio its own schema with ?schema=folio in the database URL")
                    }
                }
                try await migration.rewrite?(db, logger)
                try await db.query(
                    "INSERT INTO folio_schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
            }
        }
    }

    /// The applied schema versions, oldest first (for tests and diagnostics).
    public func appliedMigrations() async throws -> [Int] {
        try await rows("SELECT version FROM folio_schema_migrations ORDER BY version").map {
            try $0.decode(Int.self)
        }
    }

    /// Runs SQL statements as they are, in order, skipping the migration check. Only for tests (e.g. to plant a
    /// newer schema version).
    package func executeForTesting(_ statements: [String]) async throws {
        let logger = self.logger
        try await withConnection(migrating: false) { db in
            for statement in statements { try await db.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
        }
    }

    /// Drops this store's schema with everything in it. Only for tests: each test gets a fresh schema.
    package func dropSchema() async throws {
        guard let schema = configuration.schema else {
            throw StoreError.unusable("dropSchema needs a store opened with ?schema=NAME")
        }
        let logger = self.logger
        try await withConnection(migrating: false) { db in
            try await db.query("DROP SCHEMA IF EXISTS \(unescaped: SQL.identifier(schema)) CASCADE", logger: logger)
        }
    }
}
