import ContentHashing
import FolioEmbedder
import Foundation
import Ingestion
import KnowledgeStore

/// One file (or raw text) to add to a collection.
public struct IngestRequest: Sendable {
    public var collection: String
    /// The upload's name: the document's `source`, the type hint, and the title when the file has none.
    /// Only a label: it is never used as a path.
    public var fileName: String
    public var data: Data
    public var metadata: [String: String]
    /// A title that wins over the extracted one (raw text through the API).
    public var title: String?
    /// The charset the file came with (an upload's `Content-Type`), which wins over what the file declares.
    public var charset: String?

    public init(
        collection: String, fileName: String, data: Data, metadata: [String: String] = [:], title: String? = nil,
        charset: String? = nil
    ) {
        self.collection = collection
        self.fileName = fileName
        self.data = data
        self.metadata = metadata
        self.title = title
        self.charset = charset
    }
}

/// What adding a file did.
public enum IngestOutcome: Sendable, Equatable {
    /// A new document.
    case added(DocumentSummary)
    /// The file's source was stored with other content: the old version was replaced in the same transaction.
    case replaced(DocumentSummary, previous: DocumentID)
    /// The same source with the same content is already stored: nothing changed.
    case unchanged(DocumentSummary)
    /// The same content is already stored under another source: not stored twice.
    case duplicate(of: DocumentSummary)

    /// The stored document this outcome is about.
    public var document: DocumentSummary {
        switch self {
        case .added(let d), .replaced(let d, _), .unchanged(let d), .duplicate(let d): d
        }
    }

    /// The same outcome about the document as `change` leaves it.
    func withDocument(_ change: (inout DocumentSummary) -> Void) -> IngestOutcome {
        switch self {
        case .added(var d): change(&d); return .added(d)
        case .replaced(var d, let old): change(&d); return .replaced(d, previous: old)
        case .unchanged(var d): change(&d); return .unchanged(d)
        case .duplicate(var d): change(&d); return .duplicate(of: d)
        }
    }

    /// A sentence for the user.
    public var message: String {
        switch self {
        case .added(let d): "added as document \(d.id) with \(d.chunkCount) chunks"
        case .replaced(let d, let old): "replaced document \(old) (changed content) by document \(d.id) with \(d.chunkCount) chunks"
        case .unchanged(let d): "unchanged: already stored as document \(d.id)"
        case .duplicate(let d): "exact duplicate of document \(d.id) '\(d.title)' (\(d.source)); not stored again"
        }
    }
}

/// Where a document's whole-document vector stands.
public enum DocumentVectorStatus: String, Sendable, Equatable {
    /// Stored: document-level search and near-duplicates see the document.
    case stored
    /// Not stored yet: phase two has still to run (`completeDocumentVector`, or a restart finishes it).
    case pending
    /// The collection keeps no document vectors (`CollectionSpec.documentVectors` off).
    case off
}

/// What adding a file did, and what the user should know about how its text was read (a charset that did not
/// match the bytes, bytes replaced by U+FFFD).
public struct IngestResult: Sendable, Equatable {
    public var outcome: IngestOutcome
    /// The extractor's warnings (`ExtractedDocument.warnings`); empty for a clean file.
    public var warnings: [String]
    /// The outcome document's vector after this call: `pending` after phase one alone (`ingestSearchable`).
    public var documentVector: DocumentVectorStatus
    /// The extracted text, kept for phase two in the same process (it is what the stored text was made from).
    var text: String
}

/// Where an ingestion stands, for progress bars. Phase one runs `extracting` … `storing`; once it has stored the
/// document (searchable from then on) phase two reports `documentVector` with `document` set.
public struct IngestProgress: Sendable, Equatable {
    public enum Stage: String, Sendable {
        case extracting, chunking, embedding, storing
        /// Phase two: the document is stored and searchable; its whole-document vector is being computed.
        case documentVector = "document vector"
    }
    public var stage: Stage
    /// Chunks embedded so far and in all (0 before embedding).
    public var chunksDone: Int
    public var chunksTotal: Int
    /// Tokens in the chunks embedded so far.
    public var tokensDone: Int
    /// The stored, searchable document, from the `documentVector` stage on.
    public var document: DocumentSummary?

    public init(stage: Stage, chunksDone: Int, chunksTotal: Int, tokensDone: Int, document: DocumentSummary? = nil) {
        self.stage = stage
        self.chunksDone = chunksDone
        self.chunksTotal = chunksTotal
        self.tokensDone = tokensDone
        self.document = document
    }

    /// 0…1 over the embedding stage (the long one of phase one).
    public var fraction: Double { chunksTotal == 0 ? 0 : Double(chunksDone) / Double(chunksTotal) }
    /// Whether the document is stored and can be found by chunk, keyword and hybrid search.
    public var searchable: Bool { document != nil }
}

/// Counts a text's tokens with the model's tokenizer, without special tokens.
struct ModelTokenCounter: TokenCounter {
    let encoder: InputEncoder
    func tokenCount(_ text: Substring) -> Int { encoder.ids(for: String(text), raw: true).count }
}

extension KnowledgeBase {
    /// Both phases of `ingestFile`, without the warnings.
    public func ingest(
        _ request: IngestRequest, progress: @Sendable (IngestProgress) -> Void = { _ in }
    ) async throws -> IngestOutcome {
        try await ingestFile(request, progress: progress).outcome
    }

    /// Adds one file in two phases. Phase one (`ingestSearchable`) extracts, chunks, embeds the chunks and stores
    /// the document with them in one transaction: from then on it is found by chunk, keyword and hybrid search.
    /// Phase two computes the whole-document vector and stores it in a second transaction, reported as the
    /// `documentVector` stage; it is skipped for collections without document vectors. A crash between the two
    /// loses nothing: the document waits for its vector (`pendingDocumentVectors`), and adding the same file again,
    /// `completePendingDocumentVectors`, or an `IngestQueue` finishes it.
    ///
    /// An `unchanged` or `duplicate` outcome whose stored document still waits for its vector gets it here too.
    public func ingestFile(
        _ request: IngestRequest, progress: @Sendable (IngestProgress) -> Void = { _ in }
    ) async throws -> IngestResult {
        var result = try await ingestSearchable(request, progress: progress)
        guard result.documentVector == .pending else { return result }
        let document = result.outcome.document
        progress(.init(stage: .documentVector, chunksDone: document.chunkCount, chunksTotal: document.chunkCount,
                       tokensDone: 0, document: document))
        switch try await completeDocumentVector(of: document, text: result.text) {
        case .stored, .storedElsewhere:
            result.documentVector = .stored
            result.outcome = result.outcome.withDocument { $0.hasVector = true }
        case .off: result.documentVector = .off
        case .documentGone: break  // replaced or deleted meanwhile: its successor gets its own vector
        }
        return result
    }

    /// Phase one of `ingestFile`: extracts, chunks, embeds and stores one file with its chunks in one transaction,
    /// without its document vector (`documentVector` is `pending` unless the collection keeps none). Unchanged
    /// content is a no-op; changed content under the same source replaces the old version; the same content under
    /// another source is reported as a duplicate. Throws `IngestionError` for an unreadable file (nothing stored is
    /// touched).
    ///
    /// Another process may store the same file at the same moment: the store's unique (collection, source) and
    /// (collection, content hash) indexes let one of them win, and the other gets `unchanged` or `duplicate`.
    public func ingestSearchable(
        _ request: IngestRequest, progress: @Sendable (IngestProgress) -> Void = { _ in }
    ) async throws -> IngestResult {
        let spec = try await boundCollection(request.collection)
        progress(.init(stage: .extracting, chunksDone: 0, chunksTotal: 0, tokensDone: 0))
        let extracted = try Extractor.extract(
            data: request.data, fileName: request.fileName, charset: request.charset, limits: configuration.extraction)
        let hash = ContentHash.of(extracted.text)
        let source = request.fileName
        func result(_ outcome: IngestOutcome) -> IngestResult {
            let status: DocumentVectorStatus = !spec.documentVectors ? .off : outcome.document.hasVector ? .stored : .pending
            return IngestResult(outcome: outcome, warnings: extracted.warnings, documentVector: status, text: extracted.text)
        }

        if let stored = try await storedAlready(hash: hash, source: source, in: spec.name) { return result(stored) }

        progress(.init(stage: .chunking, chunksDone: 0, chunksTotal: 0, tokensDone: 0))
        let counter = ModelTokenCounter(encoder: engine.encoder)
        // The settings come from a database row, which another program may have written: check them, never trap.
        guard let options = try? ChunkingOptions.checked(maxTokens: spec.maxChunkTokens, overlapTokens: spec.overlapTokens)
        else {
            throw KnowledgeBaseError.badStoredChunking(
                collection: spec.name, maxTokens: spec.maxChunkTokens, overlapTokens: spec.overlapTokens)
        }
        let chunker = Chunker(options: options, counter: counter)
        let pieces = chunker.chunks(of: extracted)

        // Identical chunk text keeps its stored vector (a re-upload of an edited file embeds only what changed).
        let hashes = pieces.map { ContentHash.of($0.text) }
        let reused = try await store.chunkVectors(forTextHashes: Array(Set(hashes)), in: spec.name)
        let missing = pieces.indices.filter { reused[hashes[$0]] == nil }
        let total = pieces.count, alreadyDone = total - missing.count
        let tokensBefore = pieces.indices.filter { reused[hashes[$0]] != nil }.reduce(0) { $0 + pieces[$1].tokenCount }
        progress(.init(stage: .embedding, chunksDone: alreadyDone, chunksTotal: total, tokensDone: tokensBefore))
        let fresh = try await embedDocuments(missing.map { pieces[$0].text }, dimensions: spec.dimensions) { done, _ in
            let tokens = missing.prefix(done).reduce(tokensBefore) { $0 + pieces[$1].tokenCount }
            progress(.init(stage: .embedding, chunksDone: alreadyDone + done, chunksTotal: total, tokensDone: tokens))
        }
        var vectors = [[Float]](repeating: [], count: pieces.count)
        for (i, v) in zip(missing, fresh) { vectors[i] = v }
        for i in pieces.indices where vectors[i].isEmpty { vectors[i] = reused[hashes[i]]! }

        // The whole text's token count; its vector is phase two's (`documentVector(of:dimensions:)`).
        let documentTokens = engine.encoder.ids(for: extracted.text).count - engine.encoder.specialSuffix.count

        progress(.init(stage: .storing, chunksDone: total, chunksTotal: total, tokensDone: pieces.reduce(0) { $0 + $1.tokenCount }))
        let document = NewDocument(
            collection: spec.name, title: request.title ?? extracted.title, source: source,
            mediaType: extracted.mediaType, contentHash: hash, byteSize: request.data.count, metadata: request.metadata,
            text: extracted.text, pages: extracted.pages.map { PageSpan(number: $0.number, start: $0.start, end: $0.end) },
            tokenCount: documentTokens, vector: nil)
        let chunks = pieces.indices.map { i in
            NewChunk(
                text: pieces[i].text, start: pieces[i].start, end: pieces[i].end, page: pieces[i].page,
                tokenCount: pieces[i].tokenCount, textHash: hashes[i], vector: vectors[i])
        }
        // The store refuses a second copy: when another writer got there first, say what it stored.
        try Task.checkCancellation()
        for _ in 0..<3 {
            // Another writer may have stored this content while this one embedded it: never replace it by itself.
            if let stored = try await storedAlready(hash: hash, source: source, in: spec.name) { return result(stored) }
            let sameSource = try await store.document(withSource: source, in: spec.name)
            // Stored by another writer between the two reads: the same content is never replaced by itself.
            if let sameSource, sameSource.contentHash == hash { return result(.unchanged(sameSource)) }
            do {
                let stored = try await store.addDocument(document, chunks: chunks, replacing: sameSource?.id)
                return result(sameSource.map { .replaced(stored, previous: $0.id) } ?? .added(stored))
            } catch let error as StoreError {
                // Another writer stored this source, or replaced the version this one was replacing.
                switch error {
                case .alreadyStored: break
                case .documentNotFound(let id) where id == sameSource?.id: break
                default: throw error
                }
            }
            // Another version of this source won: look again and replace it in the next round.
        }
        throw StoreError.alreadyStored(collection: spec.name, source: source)
    }

    /// `unchanged` or `duplicate` when a document with this content is stored in the collection.
    private func storedAlready(hash: String, source: String, in collection: String) async throws -> IngestOutcome? {
        guard let existing = try await store.document(withContentHash: hash, in: collection) else { return nil }
        return existing.source == source ? .unchanged(existing) : .duplicate(of: existing)
    }
}
