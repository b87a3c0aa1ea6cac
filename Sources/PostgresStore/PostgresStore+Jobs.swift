import Foundation
import KnowledgeStore
import PostgresNIO

extension IngestJob {
    static let pgColumns = """
        j.id, c.name AS collection, j.file_name, j.state, j.progress, j.error, j.document_id, j.message,
        j.warnings::text AS warnings, j.holder, j.lease_expires_at, j.attempts, j.created_at, j.updated_at
        """

    init(pg row: PostgresRow) throws {
        let r = row.makeRandomAccess()
        let state = try r["state"].decode(String.self)
        guard let jobState = JobState(rawValue: state) else {
            throw StoreError.unusable("job state '\(state)' in the database is not one this Folio knows")
        }
        self.init(
            id: try r["id"].decode(Int64.self), collection: try r["collection"].decode(String.self),
            fileName: try r["file_name"].decode(String.self), state: jobState,
            progress: try r["progress"].decode(Double.self), error: try r["error"].decode(String?.self),
            documentID: try r["document_id"].decode(Int64?.self), message: try r["message"].decode(String?.self),
            warnings: try MetadataJSON.decodeStrings(try r["warnings"].decode(String.self)),
            holder: try r["holder"].decode(String?.self), leaseExpiresAt: try r["lease_expires_at"].decode(Date?.self),
            attempts: Int(try r["attempts"].decode(Int32.self)),
            createdAt: try r["created_at"].decode(Date.self), updatedAt: try r["updated_at"].decode(Date.self))
    }
}

extension PostgresStore {
    public func enqueueJob(collection: String, fileName: String, payload: Data, metadata: [String: String]) async throws
        -> IngestJob
    {
        let logger = self.logger
        return try await withConnection { db in
            let row = try await Self.requireCollection(named: collection, on: db, logger: logger)
            let now = Date()
            let inserted = try await db.query("""
                INSERT INTO jobs AS j (collection_id, file_name, state, progress, payload, metadata, created_at, updated_at)
                VALUES (\(row.id), \(storable(fileName)), \(JobState.queued.rawValue), 0, \(payload),
                        \(MetadataJSON.encode(metadata))::jsonb, \(now), \(now))
                RETURNING j.id, \(collection) AS collection, j.file_name, j.state, j.progress, j.error, j.document_id,
                          j.message, j.warnings::text AS warnings, j.holder, j.lease_expires_at, j.attempts,
                          j.created_at, j.updated_at
                """, logger: logger).collect()
            return try IngestJob(pg: inserted[0])
        }
    }

    /// `FOR UPDATE SKIP LOCKED`: servers claiming at once each lock a different row instead of waiting for (or
    /// taking) the same one. Lease times are the database's clock, so servers' clocks need not agree.
    public func claimJob(holder: String, lease: TimeInterval, in collections: Set<String>?) async throws -> IngestJob? {
        if collections?.isEmpty == true { return nil }
        let names = collections.map { Array($0).sorted() }
        return try await rows("""
            WITH claimed AS (
                UPDATE jobs SET holder = \(holder), lease_expires_at = clock_timestamp() + make_interval(secs => \(lease)),
                    attempts = attempts + 1, state = 'extracting', progress = 0, updated_at = clock_timestamp()
                WHERE id = (
                    SELECT id FROM jobs
                    WHERE state NOT IN ('done', 'failed') AND (holder IS NULL OR lease_expires_at < clock_timestamp())
                        AND (\(names == nil) OR collection_id IN (
                            SELECT id FROM collections WHERE name = ANY(\(names ?? []))))
                    ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
                RETURNING *)
            SELECT \(unescaped: IngestJob.pgColumns) FROM claimed j JOIN collections c ON c.id = j.collection_id
            """).first.map(IngestJob.init(pg:))
    }

    public func renewJobLease(id: JobID, holder: String, lease: TimeInterval) async throws {
        let updated = try await rows("""
            UPDATE jobs SET lease_expires_at = clock_timestamp() + make_interval(secs => \(lease))
            WHERE id = \(id) AND holder = \(holder) AND state NOT IN ('done', 'failed') RETURNING id
            """)
        if updated.isEmpty { try await leaseFailure(id: id, holder: holder) }
    }

    public func updateJob(_ job: IngestJob, holder: String) async throws {
        // The upload is only needed until the job ends; dropping it then keeps the database from growing by
        // every file ever uploaded.
        let warnings = MetadataJSON.encodeStrings(job.warnings)
        let updated = try await rows("""
            UPDATE jobs SET state = \(job.state.rawValue), progress = \(job.progress), error = \(job.error.map(storable)),
                document_id = \(job.documentID), message = \(job.message.map(storable)), warnings = \(warnings)::jsonb,
                updated_at = \(Date()), payload = CASE WHEN \(job.state.isFinished) THEN NULL ELSE payload END
            WHERE id = \(job.id) AND holder = \(holder) AND state NOT IN ('done', 'failed') RETURNING id
            """)
        if updated.isEmpty { try await leaseFailure(id: job.id, holder: holder) }
    }

    public func releaseJob(id: JobID, holder: String) async throws {
        _ = try await rows("""
            UPDATE jobs SET holder = NULL, lease_expires_at = NULL, state = 'queued', progress = 0,
                updated_at = clock_timestamp()
            WHERE id = \(id) AND holder = \(holder) AND state NOT IN ('done', 'failed') RETURNING id
            """)
    }

    /// Why a holder's write changed nothing: the job is gone, or someone else holds it (or it has finished).
    private func leaseFailure(id: JobID, holder: String) async throws -> Never {
        if try await rows("SELECT 1 FROM jobs WHERE id = \(id)").isEmpty { throw StoreError.jobNotFound(id) }
        throw StoreError.leaseLost(job: id, holder: holder)
    }

    public func job(id: JobID) async throws -> IngestJob? {
        try await rows("""
            SELECT \(unescaped: IngestJob.pgColumns) FROM jobs j JOIN collections c ON c.id = j.collection_id
            WHERE j.id = \(id)
            """).first.map(IngestJob.init(pg:))
    }

    public func jobs(in collection: String?, limit: Int) async throws -> [IngestJob] {
        let logger = self.logger
        return try await withConnection { db in
            var query: PostgresQuery = """
                SELECT \(unescaped: IngestJob.pgColumns) FROM jobs j JOIN collections c ON c.id = j.collection_id
                """
            if let collection {
                let row = try await Self.requireCollection(named: collection, on: db, logger: logger)
                query.sql += " WHERE j.collection_id = \(row.id)"
            }
            query.sql += " ORDER BY j.id DESC LIMIT \(max(0, limit))"
            return try await db.query(query, logger: logger).collect().map(IngestJob.init(pg:))
        }
    }

    public func pendingJobs() async throws -> [IngestJob] {
        try await rows("""
            SELECT \(unescaped: IngestJob.pgColumns) FROM jobs j JOIN collections c ON c.id = j.collection_id
            WHERE j.state NOT IN ('done', 'failed') ORDER BY j.id
            """).map(IngestJob.init(pg:))
    }

    public func jobPayload(id: JobID) async throws -> (data: Data, metadata: [String: String])? {
        guard let row = try await rows("SELECT payload, metadata::text AS metadata FROM jobs WHERE id = \(id)").first else {
            throw StoreError.jobNotFound(id)
        }
        let r = row.makeRandomAccess()
        guard let data = try r["payload"].decode(Data?.self) else { return nil }
        return (data, try MetadataJSON.decode(try r["metadata"].decode(String.self)))
    }
}
