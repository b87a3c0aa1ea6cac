import GRDB

/// The SQLite schema, applied by versioned migrations (GRDB's `DatabaseMigrator`, recorded in `grdb_migrations`).
/// Written down in ARCHITECTURE.md; a new version is a new migration, never an edit of an old one.
///
/// Times are REAL seconds since 1970. Vectors are BLOBs of D little-endian f32 or binary16 values (`VectorCodec`).
/// `collections.generation` is stamped from the store-wide counter `meta.generation` by every write that changes a
/// collection's vectors, so an in-memory search index knows whether it is current, also across processes.
enum Schema {
    static let migrator: DatabaseMigrator = {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
                INSERT INTO meta (key, value) VALUES ('generation', 0);

                CREATE TABLE collections (
                    name TEXT PRIMARY KEY NOT NULL,
                    model TEXT NOT NULL,
                    dimensions INTEGER NOT NULL,
                    vector_encoding TEXT NOT NULL,
                    max_chunk_tokens INTEGER NOT NULL,
                    overlap_tokens INTEGER NOT NULL,
                    created_at REAL NOT NULL,
                    generation INTEGER NOT NULL DEFAULT 0);

                -- AUTOINCREMENT: ids are never reused, so a replaced document always gets a new id.
                CREATE TABLE documents (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    collection TEXT NOT NULL REFERENCES collections(name) ON DELETE CASCADE,
                    title TEXT NOT NULL,
                    source TEXT NOT NULL,
                    media_type TEXT NOT NULL,
                    content_hash TEXT NOT NULL,
                    byte_size INTEGER NOT NULL,
                    metadata TEXT NOT NULL,          -- JSON object of strings
                    text TEXT NOT NULL,
                    pages TEXT NOT NULL,             -- JSON array of {number, start, end}
                    page_count INTEGER NOT NULL,
                    chunk_count INTEGER NOT NULL,
                    token_count INTEGER NOT NULL,
                    vector BLOB NOT NULL,
                    added_at REAL NOT NULL);
                CREATE INDEX documents_hash ON documents(collection, content_hash);
                CREATE INDEX documents_source ON documents(collection, source);

                -- The metadata again, one row a pair, for filters.
                CREATE TABLE document_metadata (
                    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (document_id, key)) WITHOUT ROWID;
                CREATE INDEX document_metadata_pair ON document_metadata(key, value);

                CREATE TABLE chunks (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                    ordinal INTEGER NOT NULL,
                    text TEXT NOT NULL,
                    start_offset INTEGER NOT NULL,
                    end_offset INTEGER NOT NULL,
                    page INTEGER,
                    token_count INTEGER NOT NULL,
                    text_hash TEXT NOT NULL,
                    vector BLOB NOT NULL);
                CREATE INDEX chunks_document ON chunks(document_id, ordinal);
                CREATE INDEX chunks_text_hash ON chunks(text_hash);

                -- Keyword indexes over KeywordSegmenter.indexText (terms joined by spaces; CJK as bigrams), rowid =
                -- chunk or document id. The triggers keep them in step with every delete, cascades included.
                CREATE VIRTUAL TABLE chunk_fts USING fts5(terms, tokenize = "unicode61 tokenchars '_'");
                CREATE VIRTUAL TABLE document_fts USING fts5(terms, tokenize = "unicode61 tokenchars '_'");
                CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
                    DELETE FROM chunk_fts WHERE rowid = old.id;
                END;
                CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
                    DELETE FROM document_fts WHERE rowid = old.id;
                END;

                CREATE TABLE jobs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    collection TEXT NOT NULL REFERENCES collections(name) ON DELETE CASCADE,
                    file_name TEXT NOT NULL,
                    state TEXT NOT NULL,
                    progress REAL NOT NULL,
                    error TEXT,
                    document_id INTEGER REFERENCES documents(id) ON DELETE SET NULL,
                    message TEXT,
                    payload BLOB,                    -- the upload; NULL once done or failed
                    payload_metadata TEXT NOT NULL,  -- JSON object of strings
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL);
                CREATE INDEX jobs_collection ON jobs(collection, id);
                CREATE INDEX jobs_state ON jobs(state, id);
                """)
        }
        // v2: one document per (collection, source) and per (collection, content hash), enforced by unique indexes,
        // so two writers racing on the same file store it once. Existing duplicates (stored before v2 by two
        // servers on one folder) are removed first, keeping the oldest (lowest id) of each; their chunks, metadata
        // and keyword rows go with them (cascades and triggers). Jobs gain a holder and a lease (see
        // `KnowledgeStore.claimJob`), a claim count and warnings.
        m.registerMigration("v2", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: """
                DELETE FROM documents WHERE EXISTS (
                    SELECT 1 FROM documents o
                    WHERE o.collection = documents.collection AND o.content_hash = documents.content_hash
                      AND o.id < documents.id);
                DELETE FROM documents WHERE EXISTS (
                    SELECT 1 FROM documents o
                    WHERE o.collection = documents.collection AND o.source = documents.source AND o.id < documents.id);
                DROP INDEX documents_hash;
                DROP INDEX documents_source;
                CREATE UNIQUE INDEX documents_hash ON documents(collection, content_hash);
                CREATE UNIQUE INDEX documents_source ON documents(collection, source);
                UPDATE meta SET value = value + 1 WHERE key = 'generation';
                UPDATE collections SET generation = (SELECT value FROM meta WHERE key = 'generation');

                ALTER TABLE jobs ADD COLUMN holder TEXT;
                ALTER TABLE jobs ADD COLUMN lease_expires_at REAL;
                ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE jobs ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';  -- JSON array of strings
                """)
        }
        // v3: ingestion in two phases. A document is stored searchable with its chunks first and its whole-document
        // vector later, so `documents.vector` may be NULL (pending). SQLite cannot drop a NOT NULL constraint, so
        // the table is rebuilt (SQLite's "making other kinds of table schema changes" procedure, run by GRDB with
        // foreign keys off and checked before commit): every row keeps its id, so chunks, metadata, jobs and the
        // keyword rows (rowid = document id) still point at it, and the AUTOINCREMENT counter is carried over so
        // ids of deleted documents are never handed out again. Collections gain `document_vectors` (1 = on).
        m.registerMigration("v3") { db in
            let sequence = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'documents'")
            try db.execute(sql: """
                CREATE TABLE documents_v3 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    collection TEXT NOT NULL REFERENCES collections(name) ON DELETE CASCADE,
                    title TEXT NOT NULL,
                    source TEXT NOT NULL,
                    media_type TEXT NOT NULL,
                    content_hash TEXT NOT NULL,
                    byte_size INTEGER NOT NULL,
                    metadata TEXT NOT NULL,
                    text TEXT NOT NULL,
                    pages TEXT NOT NULL,
                    page_count INTEGER NOT NULL,
                    chunk_count INTEGER NOT NULL,
                    token_count INTEGER NOT NULL,
                    vector BLOB,                     -- NULL until phase two stores it, or for collections without
                    added_at REAL NOT NULL);
                INSERT INTO documents_v3 (id, collection, title, source, media_type, content_hash, byte_size, metadata, text,
                                          pages, page_count, chunk_count, token_count, vector, added_at)
                    SELECT id, collection, title, source, media_type, content_hash, byte_size, metadata, text,
                           pages, page_count, chunk_count, token_count, vector, added_at FROM documents;
                DROP TABLE documents;
                ALTER TABLE documents_v3 RENAME TO documents;
                CREATE UNIQUE INDEX documents_hash ON documents(collection, content_hash);
                CREATE UNIQUE INDEX documents_source ON documents(collection, source);
                CREATE INDEX documents_pending_vector ON documents(collection, id) WHERE vector IS NULL;
                CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
                    DELETE FROM document_fts WHERE rowid = old.id;
                END;
                ALTER TABLE collections ADD COLUMN document_vectors INTEGER NOT NULL DEFAULT 1;
                """)
            if let sequence {
                try db.execute(sql: "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'documents'", arguments: [sequence])
                if try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'documents'") == nil {
                    try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('documents', ?)", arguments: [sequence])
                }
            }
        }
        return m
    }()

    /// Marks a collection's vectors as changed; returns (generation before, generation after).
    static func bumpGeneration(_ db: Database, collection: String) throws -> (before: Int64, after: Int64) {
        let before = try Int64.fetchOne(db, sql: "SELECT generation FROM collections WHERE name = ?", arguments: [collection]) ?? 0
        try db.execute(sql: "UPDATE meta SET value = value + 1 WHERE key = 'generation'")
        let after = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'generation'") ?? 0
        try db.execute(sql: "UPDATE collections SET generation = ? WHERE name = ?", arguments: [after, collection])
        return (before, after)
    }
}
