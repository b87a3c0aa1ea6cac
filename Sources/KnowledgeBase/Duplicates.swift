import FolioEmbedder
import Foundation
import KnowledgeStore

/// Documents whose document vectors are all linked by similarity at or above a threshold.
public struct DuplicateCluster: Sendable, Equatable {
    /// Members, oldest first.
    public var documents: [DocumentSummary]
    /// The lowest similarity of any linked pair in the cluster.
    public var similarity: Double
}

/// Near-duplicate clusters, and how many documents they could not look at yet.
public struct DuplicateReport: Sendable, Equatable {
    public var clusters: [DuplicateCluster]
    /// Documents still waiting for their document vector (ingestion's phase two), left out of `clusters`.
    public var pendingDocumentVectors: Int
}

extension KnowledgeBase {
    /// Near-duplicate documents: pairs whose document vectors' cosine is at least `threshold`, grouped
    /// transitively (single linkage), largest clusters first (see `duplicateReport`).
    public func duplicates(in collection: String, threshold: Double = 0.95) async throws -> [DuplicateCluster] {
        try await duplicateReport(in: collection, threshold: threshold).clusters
    }

    /// Near-duplicate clusters over the documents whose vector is stored, with the count of those still waiting
    /// for it. Throws `noDocumentVectors` for a collection created without document vectors.
    public func duplicateReport(in collection: String, threshold: Double = 0.95) async throws -> DuplicateReport {
        guard threshold > 0, threshold <= 1 else {
            throw KnowledgeBaseError.badSearchParameter(name: "threshold", value: "\(threshold)", expected: "above 0 and at most 1")
        }
        let spec = try await boundCollection(collection)
        guard spec.documentVectors else { throw KnowledgeBaseError.noDocumentVectors(collection: spec.name) }
        // Counted first: a vector stored between the two reads is then in `vectors` and counted pending, never lost.
        let pending = try await store.pendingDocumentVectors(in: spec.name, limit: 0).total
        let vectors = try await store.documentVectors(in: spec.name)
        let n = vectors.count
        var parent = Array(0..<n)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }
            return i
        }
        var weakest: [Int: Double] = [:]  // root -> lowest linked similarity
        // All pairs at or above the threshold, scored by the engine's GEMM kernels.
        let linked = n < 2 ? [] : ExactSearch(vectors: vectors.map(\.vector)).pairs(atLeast: Float(threshold))
            .map { ($0.i, $0.j, Double($0.score)) }
        for (i, j, _) in linked {
            let (a, b) = (root(i), root(j))
            if a != b { parent[b] = a }
        }
        for (i, _, s) in linked { weakest[root(i)] = min(weakest[root(i)] ?? 1, s) }
        var members: [Int: [Int]] = [:]
        for i in 0..<n { members[root(i), default: []].append(i) }
        var clusters: [DuplicateCluster] = []
        for (r, list) in members where list.count > 1 {
            var docs: [DocumentSummary] = []
            for i in list { if let d = try await store.document(id: vectors[i].documentID) { docs.append(d) } }
            docs.sort { ($0.addedAt, $0.id) < ($1.addedAt, $1.id) }
            clusters.append(DuplicateCluster(documents: docs, similarity: weakest[r] ?? threshold))
        }
        return DuplicateReport(
            clusters: clusters.sorted { ($0.documents.count, $0.similarity) > ($1.documents.count, $1.similarity) },
            pendingDocumentVectors: pending)
    }
}
