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

    public func updateJob(_ job: IngestJob) async throws {
        try await write { db in
            // The upload is only needed until the job ends; dropping it keeps the file from growing by every upload.
            let finished = job.state == .done || job.state == .failed
            try db.execute(
                sql: """
                    UPDATE jobs SET state = ?, progress = ?, error = ?, document_id = ?, message = ?, updated_at = ?,
                                    payload = CASE WHEN ? THEN NULL ELSE payload END
                    WHERE id = ?
                    """,
                arguments: [job.state.rawValue, job.progress, job.error, job.documentID, job.message,
                            Date().timeIntervalSince1970, finished, job.id])
            guard db.changesCount > 0 else { throw StoreError.jobNotFound(job.id) }
        }
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
