import Foundation

/// The knowledge base's storage seam. `SQLiteStore` (embedded, the default) and `PostgresStore` (shared by
/// several servers) implement it; one contract test suite runs against both.
///
/// Every method is atomic: a document and its chunks and vectors appear together or not at all, so a crash or
/// `kill -9` leaves no partial document. Vectors are unit length; scores are dot products.
public protocol KnowledgeStore: Sendable {
    // MARK: Collections

    /// Creates a collection. Throws `StoreError.collectionExists` if the name is taken.
    func createCollection(_ spec: CollectionSpec) async throws -> CollectionSpec
    /// The collection's settings, or nil.
    func collection(named name: String) async throws -> CollectionSpec?
    /// Every collection with its counts, by name.
    func collections() async throws -> [CollectionSummary]
    /// Deletes a collection with all its documents, chunks, vectors and jobs. Throws `collectionNotFound`.
    func deleteCollection(named name: String) async throws

    // MARK: Documents

    /// Adds a document and its chunks in one transaction. With `replacing`, that document (of the same
    /// collection) is deleted in the same transaction, so readers see the old version or the new, never neither.
    /// Throws `collectionNotFound`, `documentNotFound` (for `replacing`), `dimensionMismatch` (any vector's length
    /// differs from the collection's `dimensions`), `alreadyStored` (the collection has a document with this source
    /// or content hash: both are unique per collection, enforced by the database, so a race stores one).
    func addDocument(_ document: NewDocument, chunks: [NewChunk], replacing: DocumentID?) async throws -> DocumentSummary
    /// The document of `collection` with this content hash, if any (exact-duplicate check).
    func document(withContentHash hash: String, in collection: String) async throws -> DocumentSummary?
    /// The newest document of `collection` with this source, if any (to replace a changed file).
    func document(withSource source: String, in collection: String) async throws -> DocumentSummary?
    func document(id: DocumentID) async throws -> DocumentSummary?
    /// These documents' summaries in one read, each with the first `prefix` Unicode scalars of its text and its
    /// first page (what a search result shows); ids that no longer exist are left out.
    func documentPreviews(ids: [DocumentID], prefix: Int) async throws -> [DocumentID: DocumentPreview]
    /// The extracted text and page spans of a document. Throws `documentNotFound`.
    func documentText(id: DocumentID) async throws -> (text: String, pages: [PageSpan])
    /// Documents of a collection, oldest first, `limit` at most after skipping `offset`.
    func documents(in collection: String, offset: Int, limit: Int) async throws -> [DocumentSummary]
    /// A document's chunks in order.
    func chunks(of document: DocumentID) async throws -> [StoredChunk]
    /// Deletes a document with its chunks and vectors. Throws `documentNotFound`.
    func deleteDocument(id: DocumentID) async throws
    /// Everything stored for a document, vectors included (f16 widened to f32), to copy it to another store
    /// without embedding again (`folio kb migrate`). Throws `documentNotFound`.
    func exportDocument(id: DocumentID) async throws -> (document: NewDocument, chunks: [NewChunk])
    /// Stored chunk vectors of `collection` keyed by chunk text hash, for the hashes given that exist
    /// (identical chunk text is not embedded twice).
    func chunkVectors(forTextHashes hashes: [String], in collection: String) async throws -> [String: [Float]]

    // MARK: Search

    /// Exact (or, for a store with an approximate index, approximate) top-k by dot product with `query` [D],
    /// best first.
    func vectorSearch(
        collection: String, query: [Float], k: Int, target: SearchTarget, filter: SearchFilter
    ) async throws -> [SearchHit]
    /// Top-k by BM25 (or the store's full-text rank) for the query's words, best first. Chinese and Japanese
    /// text is matched too (see `KeywordSegmenter`). Empty for a query with no words.
    func keywordSearch(
        collection: String, query: String, k: Int, target: SearchTarget, filter: SearchFilter
    ) async throws -> [SearchHit]
    /// Every stored document vector of a collection, for near-duplicate clustering; documents still without one
    /// are left out (see `pendingDocumentVectors`).
    func documentVectors(in collection: String) async throws -> [DocumentVector]

    // MARK: Document vectors (ingestion's phase two)
    //
    // A document is stored with its chunks first, without its whole-document vector, so it is searchable at once; the
    // vector follows in its own transaction. Workers that both compute it store it once.

    /// Stores the vector of a document stored without one, in its own transaction, and returns true. A document
    /// that has a vector already keeps it and false is returned, so two workers finishing the same document write it
    /// once. Throws `documentNotFound` (the document was deleted or replaced meanwhile) and `dimensionMismatch`.
    func setDocumentVector(id: DocumentID, vector: [Float]) async throws -> Bool
    /// Documents without a document vector in `collection` (every collection when nil), counting only collections
    /// whose `documentVectors` is on: the total, and the oldest `limit` of them.
    func pendingDocumentVectors(in collection: String?, limit: Int) async throws -> PendingDocumentVectors

    // MARK: Ingestion jobs
    //
    // Several workers (servers, CLI processes) may share one store. A worker `claimJob`s the oldest claimable job
    // atomically, so no two run it; it holds a lease it renews while it works; and only the holder may move the job
    // forward (`updateJob(_:holder:)`, `renewJobLease` throw `leaseLost` otherwise). A job whose lease ran out is
    // claimable again, so a dead holder's job is finished by another worker.

    /// Records an upload to ingest, with its bytes, as `queued`. The bytes live in the database, so any worker on
    /// the store can run the job.
    func enqueueJob(collection: String, fileName: String, payload: Data, metadata: [String: String]) async throws -> IngestJob
    /// Atomically takes the oldest job that is queued, or unfinished with an expired lease, for `holder`: its state
    /// becomes `extracting` with progress 0, its lease runs `lease` seconds from now, `attempts` grows by 1.
    /// Only jobs of `collections` are taken when it is given (a server takes the jobs of the collections bound to
    /// its model, and leaves the others to the servers of theirs). Nil when there is none.
    func claimJob(holder: String, lease: TimeInterval, in collections: Set<String>?) async throws -> IngestJob?
    /// Extends `holder`'s lease on a job to `lease` seconds from now. Throws `leaseLost` when another worker holds
    /// it or it has finished, `jobNotFound` when it is gone.
    func renewJobLease(id: JobID, holder: String, lease: TimeInterval) async throws
    /// Writes a job's state, progress, error, message, warnings and document, only while `holder` holds it (and it
    /// has not finished): `leaseLost` otherwise, `jobNotFound` when it is gone. A finished job's payload is dropped.
    func updateJob(_ job: IngestJob, holder: String) async throws
    /// Gives a job `holder` holds back to the queue (`queued`, progress 0, no holder), so that another worker takes
    /// it now instead of when the lease runs out: a server stopping mid-job does this. Nothing happens when `holder`
    /// no longer holds it.
    func releaseJob(id: JobID, holder: String) async throws
    func job(id: JobID) async throws -> IngestJob?
    /// Jobs of a collection (all collections when nil), newest first, at most `limit`.
    func jobs(in collection: String?, limit: Int) async throws -> [IngestJob]
    /// Jobs not yet `done` or `failed`, oldest first (queued, and held by some worker).
    func pendingJobs() async throws -> [IngestJob]
    /// The uploaded bytes and metadata of a job; nil once the job has finished (payloads are dropped then).
    func jobPayload(id: JobID) async throws -> (data: Data, metadata: [String: String])?
}

extension KnowledgeStore {
    /// `claimJob(holder:lease:in:)` over every collection.
    public func claimJob(holder: String, lease: TimeInterval) async throws -> IngestJob? {
        try await claimJob(holder: holder, lease: lease, in: nil)
    }
}
