import FolioEmbedder
import Foundation
import KnowledgeStore

/// What phase two did for one document.
public enum DocumentVectorOutcome: Sendable, Equatable {
    /// Computed and stored by this call.
    case stored
    /// Another worker stored it first (both computed the same vector; the store kept one).
    case storedElsewhere
    /// The document was deleted or replaced meanwhile: nothing to store.
    case documentGone
    /// The collection keeps no document vectors.
    case off
}

extension KnowledgeBase {
    /// The document vector of a text as a collection stores it: its first `documentVectorTokens` tokens (at most the
    /// model's context), after the model's document prompt, in one pass, the special suffix kept, cut to the collection's dimensions. [D]
    public func documentVector(of text: String, dimensions: Int) async throws -> [Float] {
        let limit = min(configuration.documentVectorTokens, engine.contextLength)
        let suffix = engine.encoder.specialSuffix
        var ids = documentTokens(text)
        if ids.count > limit { ids = Array(ids.prefix(limit - suffix.count)) + suffix }
        return try await engine.embed(
            tokenized: [ids], dimensions: dimensions == engine.dimension ? nil : dimensions, truncate: false)[0]
    }

    /// Phase two for one stored document: computes its vector from its stored text and stores it in its own
    /// transaction. Safe to run twice at once (on two servers): the store keeps the first vector. A document deleted
    /// or replaced meanwhile is `documentGone`, never an error.
    public func completeDocumentVector(of document: DocumentSummary) async throws -> DocumentVectorOutcome {
        try await completeDocumentVector(of: document, text: nil)
    }

    /// Phase two with the text already in hand (ingestion's own), else read from the store.
    func completeDocumentVector(of document: DocumentSummary, text: String?) async throws -> DocumentVectorOutcome {
        do {
            let spec = try await boundCollection(document.collection)
            guard spec.documentVectors else { return .off }
            let body: String
            if let text { body = text } else { body = try await store.documentText(id: document.id).text }
            let vector = try await documentVector(of: body, dimensions: spec.dimensions)
            try Task.checkCancellation()
            return try await store.setDocumentVector(id: document.id, vector: vector) ? .stored : .storedElsewhere
        } catch StoreError.documentNotFound(let id) where id == document.id {
            return .documentGone
        } catch StoreError.collectionNotFound(let name) where name == document.collection {
            return .documentGone
        }
    }

    /// Documents of collections bound to this model still waiting for their vector (a crash or stop between the
    /// phases), oldest first, at most `limit`, leaving out `skipping` (documents another task is finishing).
    public func pendingDocumentVectors(
        in collection: String? = nil, skipping: Set<DocumentID> = [], limit: Int = 100
    ) async throws -> [DocumentSummary] {
        let pending = try await store.pendingDocumentVectors(in: collection, limit: limit + skipping.count)
        var bound: [String: Bool] = [:]
        var out: [DocumentSummary] = []
        for document in pending.documents where !skipping.contains(document.id) && out.count < limit {
            if bound[document.collection] == nil {
                bound[document.collection] = (try? await boundCollection(document.collection)) != nil
            }
            if bound[document.collection] == true { out.append(document) }
        }
        return out
    }

    /// Runs phase two for every document of `collection` (all collections bound to this model when nil) that waits
    /// for its vector, oldest first, telling `progress` about each before it starts. Returns how many it stored.
    @discardableResult
    public func completePendingDocumentVectors(
        in collection: String? = nil, progress: (DocumentSummary) -> Void = { _ in }
    ) async throws -> Int {
        var stored = 0
        var tried = Set<DocumentID>()  // each at most once per call, whatever another worker does meanwhile
        while true {
            let batch = try await pendingDocumentVectors(in: collection, skipping: tried, limit: 16)
            guard !batch.isEmpty else { return stored }
            for document in batch {
                tried.insert(document.id)
                progress(document)
                if try await completeDocumentVector(of: document) == .stored { stored += 1 }
            }
        }
    }
}
