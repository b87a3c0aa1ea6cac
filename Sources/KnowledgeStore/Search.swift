import Foundation

/// What a search ranks: chunks (passages) or whole documents (their document vectors / full text).
public enum SearchTarget: String, Sendable, Codable, CaseIterable {
    case chunks, documents
}

/// Restricts a search. Empty fields mean no restriction; all given conditions must hold.
public struct SearchFilter: Sendable, Equatable {
    /// Only these documents.
    public var documentIDs: Set<DocumentID>
    /// Only documents whose metadata has every one of these key–value pairs.
    public var metadata: [String: String]

    public init(documentIDs: Set<DocumentID> = [], metadata: [String: String] = [:]) {
        self.documentIDs = documentIDs
        self.metadata = metadata
    }

    public static let none = SearchFilter()
}

/// One ranked result. For `.documents`, `chunk` is nil; for `.chunks`, it is the matched chunk.
public struct SearchHit: Sendable, Equatable {
    public var documentID: DocumentID
    public var chunk: StoredChunk?
    /// Cosine similarity for vector search (vectors are unit length, so the dot product); BM25 for keywords
    /// (higher is better in both).
    public var score: Double

    public init(documentID: DocumentID, chunk: StoredChunk?, score: Double) {
        self.documentID = documentID
        self.chunk = chunk
        self.score = score
    }
}

/// A stored document vector, for near-duplicate detection.
public struct DocumentVector: Sendable, Equatable {
    public var documentID: DocumentID
    /// [D]
    public var vector: [Float]
    public init(documentID: DocumentID, vector: [Float]) {
        self.documentID = documentID
        self.vector = vector
    }
}

/// Documents stored without their document vector, in collections that keep document vectors: ingestion's phase
/// two has not stored it yet (it is running, or a crash interrupted it and a restart will finish it).
public struct PendingDocumentVectors: Sendable, Equatable {
    /// How many documents wait, in all.
    public var total: Int
    /// The oldest of them (as many as asked for), oldest first.
    public var documents: [DocumentSummary]

    public init(total: Int, documents: [DocumentSummary]) {
        self.total = total
        self.documents = documents
    }
}
