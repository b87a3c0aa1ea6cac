import Foundation
import KnowledgeStore

/// Reading and deleting what is stored: collections, documents, chunks and ingest jobs. A missing record is a
/// typed `StoreError` (`collectionNotFound`, `documentNotFound`, `jobNotFound`), never an empty answer, so every
/// caller (the HTTP routes, the page) reports it the same way.
extension KnowledgeBase {
    /// Every collection with its document and chunk counts.
    public func collections() async throws -> [CollectionSummary] {
        try await store.collections()
    }

    /// One collection with its counts.
    public func collection(named name: String) async throws -> CollectionSummary {
        guard let summary = try await store.collections().first(where: { $0.spec.name == name }) else {
            throw StoreError.collectionNotFound(name)
        }
        return summary
    }

    /// Deletes a collection with its documents, chunks and jobs.
    public func deleteCollection(named name: String) async throws {
        try await store.deleteCollection(named: name)
    }

    /// A page of a collection's documents, in the store's order.
    public func documents(in collection: String, offset: Int, limit: Int) async throws -> [DocumentSummary] {
        try await requireCollection(collection)
        return try await store.documents(in: collection, offset: offset, limit: limit)
    }

    /// One document.
    public func document(id: DocumentID) async throws -> DocumentSummary {
        guard let document = try await store.document(id: id) else { throw StoreError.documentNotFound(id) }
        return document
    }

    /// A document's chunks in order (vectors omitted).
    public func chunks(ofDocument id: DocumentID) async throws -> [StoredChunk] {
        _ = try await document(id: id)
        return try await store.chunks(of: id)
    }

    /// Deletes one document and its chunks.
    public func deleteDocument(id: DocumentID) async throws {
        try await store.deleteDocument(id: id)
    }

    /// A collection's most recent ingest jobs.
    public func jobs(in collection: String, limit: Int) async throws -> [IngestJob] {
        try await requireCollection(collection)
        return try await store.jobs(in: collection, limit: limit)
    }

    /// One ingest job.
    public func job(id: JobID) async throws -> IngestJob {
        guard let job = try await store.job(id: id) else { throw StoreError.jobNotFound(id) }
        return job
    }

    /// Lists of a missing collection would be empty, which reads as "nothing stored yet"; say it is missing instead.
    private func requireCollection(_ name: String) async throws {
        guard try await store.collection(named: name) != nil else { throw StoreError.collectionNotFound(name) }
    }
}
