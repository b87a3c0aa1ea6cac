import Foundation
import KnowledgeStore

/// Copies knowledge bases between stores without embedding again (`folio kb migrate`): collections with their
/// settings, documents with their text, pages, chunks and vectors. Documents already in the destination (same
/// collection and content hash) are skipped, so an interrupted copy is finished by running it again.
public enum StoreMigration {
    /// What a copy did.
    public struct Report: Sendable, Equatable {
        public var collections: Int
        public var copied: Int
        public var skipped: Int

        public init(collections: Int = 0, copied: Int = 0, skipped: Int = 0) {
            self.collections = collections
            self.copied = copied
            self.skipped = skipped
        }
    }

    /// Copies `collections` (all when nil). `progress(collection, done, total)` is called after each document.
    /// Throws `StoreError.unusable` when a destination collection of the same name has other settings.
    public static func copy(
        from source: any KnowledgeStore, to destination: any KnowledgeStore, collections names: [String]? = nil,
        progress: (String, Int, Int) -> Void = { _, _, _ in }
    ) async throws -> Report {
        var report = Report()
        for summary in try await source.collections() where names?.contains(summary.spec.name) ?? true {
            let spec = summary.spec
            if let existing = try await destination.collection(named: spec.name) {
                guard existing.model == spec.model, existing.dimensions == spec.dimensions else {
                    throw StoreError.unusable(
                        "the destination already has a collection '\(spec.name)' with another model or dimension count; "
                            + "delete it there or copy into another store")
                }
            } else {
                _ = try await destination.createCollection(spec)
            }
            report.collections += 1
            var offset = 0, done = 0
            while true {
                let page = try await source.documents(in: spec.name, offset: offset, limit: 200)
                for doc in page {
                    if try await destination.document(withContentHash: doc.contentHash, in: spec.name) != nil {
                        report.skipped += 1
                    } else {
                        let (document, chunks) = try await source.exportDocument(id: doc.id)
                        _ = try await destination.addDocument(document, chunks: chunks, replacing: nil)
                        report.copied += 1
                    }
                    done += 1
                    progress(spec.name, done, summary.documentCount)
                }
                if page.count < 200 { break }
                offset += page.count
            }
        }
        return report
    }
}
