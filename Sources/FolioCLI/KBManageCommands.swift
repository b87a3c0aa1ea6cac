import ArgumentParser
import Foundation
import KnowledgeBase
import KnowledgeStore

/// `folio kb list [NAME]`: collections, or the documents of one.
struct KBListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List collections, or a collection's documents.")

    @Argument(help: "A collection to list the documents of.") var name: String?
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            let store = try await storeOptions.open()
            if let name {
                guard try await store.collection(named: name) != nil else { throw StoreError.collectionNotFound(name) }
                var documents: [DocumentSummary] = []
                while true {
                    let page = try await store.documents(in: name, offset: documents.count, limit: 1000)
                    documents += page
                    if page.count < 1000 { break }
                }
                if json { return try printJSON(documents) }
                if documents.isEmpty { print("no documents in \(name); add some with `folio kb add \(name) FILE...`") }
                for d in documents {
                    print("\(d.id)\t\(d.title)\t\(d.source)\t\(d.pageCount) pages\t\(d.chunkCount) chunks\t\(d.tokenCount) tokens\t\(d.byteSize) bytes")
                }
            } else {
                let collections = try await store.collections()
                if json { return try printJSON(collections) }
                if collections.isEmpty { print("no collections; create one with `folio kb create NAME --model PATH`") }
                for c in collections {
                    print("\(c.spec.name)\t\(KnowledgeBase.modelName(of: c.spec.model))\t\(c.spec.dimensions) dims\t"
                        + "\(c.documentCount) documents\t\(c.chunkCount) chunks")
                }
            }
        }
    }
}

/// `folio kb rm NAME [DOCUMENT]`: deletes a collection, or one document of it.
struct KBRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a collection, or one of its documents.")

    @Argument(help: "Collection name.") var name: String
    @Argument(help: "A document id (from `folio kb list NAME`).") var document: Int64?
    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            let store = try await storeOptions.open()
            if let document {
                guard let d = try await store.document(id: document), d.collection == name else {
                    throw StoreError.documentNotFound(document)
                }
                try await store.deleteDocument(id: document)
                print("deleted document \(document) (\(d.title)) from \(name)")
            } else {
                try await store.deleteCollection(named: name)
                print("deleted collection \(name)")
            }
        }
    }
}

/// `folio kb duplicates NAME`: clusters of near-duplicate documents by document-vector similarity.
struct KBDuplicatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duplicates", abstract: "List clusters of near-duplicate documents.")

    @Argument(help: "Collection name.") var name: String
    @Option(help: "Lowest cosine similarity of two document vectors to count as near-duplicates.") var threshold = 0.95
    @OptionGroup var threadOptions: ThreadOptions
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            let store = try await storeOptions.open()
            let kb = try await openKnowledgeBase(store: store, collection: name, threads: threadOptions.threads)
            let report = try await kb.duplicateReport(in: name, threshold: threshold)
            let clusters = report.clusters, pending = report.pendingDocumentVectors
            if json {
                let object: [String: Any] = [
                    "threshold": threshold, "pending_document_vectors": pending,
                    "clusters": clusters.map { c in
                        ["similarity": c.similarity,
                         "documents": c.documents.map { ["id": $0.id, "title": $0.title, "source": $0.source] as [String: Any] }]
                            as [String: Any]
                    },
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            if pending > 0 {
                print("note: \(pending) document\(pending == 1 ? " is" : "s are") still waiting for a document vector and "
                    + "left out; run again once ingestion has finished")
            }
            if clusters.isEmpty { print("no near-duplicates at similarity ≥ \(threshold)") }
            for (i, c) in clusters.enumerated() {
                print("cluster \(i + 1) (similarity ≥ \(String(format: "%.4f", c.similarity))):")
                for d in c.documents { print("  \(d.id)\t\(d.title)\t\(d.source)") }
            }
        }
    }
}

/// Pretty JSON of Codable records, dates in ISO 8601.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    encoder.keyEncodingStrategy = .convertToSnakeCase
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
