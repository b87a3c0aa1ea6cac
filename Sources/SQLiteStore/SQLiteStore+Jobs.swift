import Foundation
import GRDB
import KnowledgeStore

extension SQLiteStore {
    public func enqueueJob(collection: String, fileName: String, payload: Data, metadata: [String: String]) async throws -> IngestJob {
        let metadataJSON = try Rows.encodeJSON(metadata)
        return try await write { db in
            _ = try Self.requireCollection(db, collection)
            let now = Date().timeIntervalSince1970
            try db.execute(
                sql: """
                    INSERT INTO jobs (collection, file_name, state, progress, payload, payload_metadata, created_at, updated_at)
                    VALUES (?, ?, ?, 0, ?, ?, ?, ?)
                    """,
                arguments: [collection, fileName, JobState.queued.rawValue, payload, metadataJSON, now, now])
            let when = Date(timeIntervalSince1970: now)
            return IngestJob(id: db.lastInsertedRowID, collection: collection, fileName: fileName, state: .queued,
                             createdAt: when, updatedAt: when)
        }
    }

    /// GRDB's `write` opens an IMMEDIATE transaction: the claim takes SQLite's write lock before it reads, so two
    /// processes on one file cannot both see the same job as free.
    public func claimJob(holder: String, lease: TimeInterval, in collections: Set<String>?) async throws -> IngestJob? {
        if collections?.isEmpty == true { return nil }
        return try await write { db in
            let now = Date().timeIntervalSince1970
            let names = collections.map { Array($0).sorted() } ?? []
            let only = collections == nil ? "" : " AND collection IN (\(names.map { _ in "?" }.joined(separator: ", ")))"
            let arguments: [any DatabaseValueConvertible] = [JobState.done.rawValue, JobState.failed.rawValue, now] + names
            guard let id = try Int64.fetchOne(db, sql: """
                SELECT id FROM jobs WHERE state NOT IN (?, ?) AND (holder IS NULL OR lease_expires_at < ?)\(only)
                ORDER BY id LIMIT 1
                """, arguments: StatementArguments(arguments))
            else { return nil }
            try db.execute(
                sql: """
                    UPDATE jobs SET holder = ?, lease_expires_at = ?, attempts = attempts + 1, state = ?, progress = 0,
                                    updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [holder, now + lease, JobState.extracting.rawValue, now, id])
            return try Row.fetchOne(db, sql: "SELECT \(Rows.jobColumns) FROM jobs WHERE id = ?", arguments: [id]).map(Rows.job)
        }
    }

    public func renewJobLease(id: JobID, holder: String, lease: TimeInterval) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND holder = ? AND state NOT IN (?, ?)",
                arguments: [Date().timeIntervalSince1970 + lease, id, holder, JobState.done.rawValue, JobState.failed.rawValue])
            if db.changesCount == 0 { try Self.leaseFailure(db, id: id, holder: holder) }
        }
    }

    public func updateJob(_ job: IngestJob, holder: String) async throws {
        let warnings = try Rows.encodeJSON(job.warnings)
        try await write { db in
            // The upload is only needed until the job ends; dropping it keeps the file from growing by every upload.
            try db.execute(
                sql: """
                    UPDATE jobs SET state = ?, progress = ?, error = ?, document_id = ?, message = ?, warnings = ?,
                                    updated_at = ?, payload = CASE WHEN ? THEN NULL ELSE payload END
                    WHERE id = ? AND holder = ? AND state NOT IN (?, ?)
                    """,
                arguments: [job.state.rawValue, job.progress, job.error, job.documentID, job.message, warnings,
                            Date().timeIntervalSince1970, job.state.isFinished, job.id, holder,
                            JobState.done.rawValue, JobState.failed.rawValue])
            if db.changesCount == 0 { try Self.leaseFailure(db, id: job.id, holder: holder) }
        }
    }

    public func releaseJob(id: JobID, holder: String) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET holder = NULL, lease_expires_at = NULL, state = ?, progress = 0, updated_at = ?
                    WHERE id = ? AND holder = ? AND state NOT IN (?, ?)
                    """,
                arguments: [JobState.queued.rawValue, Date().timeIntervalSince1970, id, holder,
                            JobState.done.rawValue, JobState.failed.rawValue])
        }
    }

    /// Why a holder's write changed nothing: the job is gone, or someone else holds it (or it has finished).
    static func leaseFailure(_ db: Database, id: JobID, holder: String) throws -> Never {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM jobs WHERE id = ?", arguments: [id]) != nil else {
            throw StoreError.jobNotFound(id)
        }
        throw StoreError.leaseLost(job: id, holder: holder)
    }

    public func job(id: JobID) async throws -> IngestJob? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT \(Rows.jobColumns) FROM jobs WHERE id = ?", arguments: [id]).map(Rows.job)
        }
    }

    public func jobs(in collection: String?, limit: Int) async throws -> [IngestJob] {
        try await read { db in
            if let collection {
                _ = try Self.requireCollection(db, collection)
                return try Row.fetchAll(db, sql: "SELECT \(Rows.jobColumns) FROM jobs WHERE collection = ? ORDER BY id DESC LIMIT ?",
                                        arguments: [collection, max(0, limit)]).map(Rows.job)
            }
            return try Row.fetchAll(db, sql: "SELECT \(Rows.jobColumns) FROM jobs ORDER BY id DESC LIMIT ?",
                                    arguments: [max(0, limit)]).map(Rows.job)
        }
    }

    public func pendingJobs() async throws -> [IngestJob] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(Rows.jobColumns) FROM jobs WHERE state NOT IN (?, ?) ORDER BY id",
                             arguments: [JobState.done.rawValue, JobState.failed.rawValue]).map(Rows.job)
        }
    }

    public func jobPayload(id: JobID) async throws -> (data: Data, metadata: [String: String])? {
        let found = try await read { db -> (Data?, String)? in
            guard let row = try Row.fetchOne(db, sql: "SELECT payload, payload_metadata FROM jobs WHERE id = ?", arguments: [id])
            else { throw StoreError.jobNotFound(id) }
            return (row["payload"], row["payload_metadata"])
        }
        guard let (data, metadata) = found, let data else { return nil }
        return (data, try Rows.decodeMetadata(metadata))
    }
}
