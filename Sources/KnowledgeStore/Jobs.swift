import Foundation

/// Identifier of an ingestion job, unique within one store.
public typealias JobID = Int64

/// Where an ingestion job stands. Jobs outlive the process: `queued` and `running` jobs are picked up again
/// after a restart (a `running` job whose process died simply runs again; its document was never half-stored).
public enum JobState: String, Sendable, Codable, CaseIterable {
    case queued, extracting, embedding, done, failed
}

/// A file waiting to be, being, or having been ingested.
public struct IngestJob: Sendable, Codable, Equatable {
    public var id: JobID
    public var collection: String
    /// The upload's file name (sanitised by the caller) — also the document's `source`.
    public var fileName: String
    public var state: JobState
    /// 0…1 while embedding.
    public var progress: Double
    /// Why it failed, in words a user can act on; nil unless `failed`.
    public var error: String?
    /// The stored document once `done` (or the existing one an exact duplicate matched).
    public var documentID: DocumentID?
    /// A note for a successful job, e.g. "unchanged: already stored as document 12".
    public var message: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: JobID, collection: String, fileName: String, state: JobState, progress: Double = 0, error: String? = nil,
        documentID: DocumentID? = nil, message: String? = nil, createdAt: Date = Date(), updatedAt: Date = Date()
    ) {
        self.id = id
        self.collection = collection
        self.fileName = fileName
        self.state = state
        self.progress = progress
        self.error = error
        self.documentID = documentID
        self.message = message
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
