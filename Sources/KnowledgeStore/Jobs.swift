import Foundation

/// Identifier of an ingestion job, unique within one store.
public typealias JobID = Int64

/// Where an ingestion job stands. Jobs outlive the process: a `queued` job is claimed by one worker (a server or
/// CLI process on the same store) with a lease; a job whose holder died returns to the queue when its lease runs
/// out, and runs again elsewhere (its document was never half-stored).
public enum JobState: String, Sendable, Codable, CaseIterable {
    case queued, extracting, embedding
    /// Phase one is done: the document is stored with its chunks and searchable (`documentID` is set); its
    /// whole-document vector is being computed.
    case documentVector = "document_vector"
    case done, failed

    /// `done` or `failed`: nothing will move the job again.
    public var isFinished: Bool { self == .done || self == .failed }
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
    /// The stored document once searchable (`documentVector`) and `done` (or the existing one an exact duplicate matched).
    public var documentID: DocumentID?
    /// A note for a successful job, e.g. "unchanged: already stored as document 12".
    public var message: String?
    /// Things a user should know about a successful job, e.g. "declared charset gb2312 does not decode; read as UTF-8".
    public var warnings: [String]
    /// The worker that claimed the job (`JobHolder.id`), nil while it has never been claimed.
    public var holder: String?
    /// When the holder's lease runs out unless renewed; another worker may then claim the job.
    public var leaseExpiresAt: Date?
    /// How many times the job was claimed: more than 1 means a holder died or lost its lease and another took over.
    public var attempts: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: JobID, collection: String, fileName: String, state: JobState, progress: Double = 0, error: String? = nil,
        documentID: DocumentID? = nil, message: String? = nil, warnings: [String] = [], holder: String? = nil,
        leaseExpiresAt: Date? = nil, attempts: Int = 0, createdAt: Date = Date(), updatedAt: Date = Date()
    ) {
        self.id = id
        self.collection = collection
        self.fileName = fileName
        self.state = state
        self.progress = progress
        self.error = error
        self.documentID = documentID
        self.message = message
        self.warnings = warnings
        self.holder = holder
        self.leaseExpiresAt = leaseExpiresAt
        self.attempts = attempts
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, collection, fileName, state, progress, error, documentID, message, warnings, holder,
             leaseExpiresAt, attempts, createdAt, updatedAt
    }

    /// Every field is written, absent ones as `null` (`"error": null`), as docs/knowledge-api.md shows.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(collection, forKey: .collection)
        try c.encode(fileName, forKey: .fileName)
        try c.encode(state, forKey: .state)
        try c.encode(progress, forKey: .progress)
        try c.encode(error, forKey: .error)
        try c.encode(documentID, forKey: .documentID)
        try c.encode(message, forKey: .message)
        try c.encode(warnings, forKey: .warnings)
        try c.encode(holder, forKey: .holder)
        try c.encode(leaseExpiresAt, forKey: .leaseExpiresAt)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(JobID.self, forKey: .id), collection: try c.decode(String.self, forKey: .collection),
            fileName: try c.decode(String.self, forKey: .fileName), state: try c.decode(JobState.self, forKey: .state),
            progress: try c.decode(Double.self, forKey: .progress),
            error: try c.decodeIfPresent(String.self, forKey: .error),
            documentID: try c.decodeIfPresent(DocumentID.self, forKey: .documentID),
            message: try c.decodeIfPresent(String.self, forKey: .message),
            warnings: try c.decodeIfPresent([String].self, forKey: .warnings) ?? [],
            holder: try c.decodeIfPresent(String.self, forKey: .holder),
            leaseExpiresAt: try c.decodeIfPresent(Date.self, forKey: .leaseExpiresAt),
            attempts: try c.decodeIfPresent(Int.self, forKey: .attempts) ?? 0,
            createdAt: try c.decode(Date.self, forKey: .createdAt), updatedAt: try c.decode(Date.self, forKey: .updatedAt))
    }
}

/// A worker's name on the jobs it claims: unique per process and queue, readable in job JSON
/// (`host:pid:random`), so an operator can tell which server ran a job.
public enum JobHolder {
    public static func make() -> String {
        "\(hostName()):\(ProcessInfo.processInfo.processIdentifier):" + UUID().uuidString.prefix(8).lowercased()
    }

    /// gethostname(2): never a DNS lookup (Foundation's `hostName` may wait for one).
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "host" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "host" : name
    }
}
