import Foundation

/// Failures of a knowledge store, each saying what was expected and how to fix it.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case collectionExists(String)
    case collectionNotFound(String)
    case documentNotFound(DocumentID)
    case jobNotFound(JobID)
    case invalidName(String)
    case dimensionMismatch(expected: Int, got: Int)
    /// The collection already has a document with this source or this content hash (another writer stored it
    /// first); look the document up instead of storing it again.
    case alreadyStored(collection: String, source: String)
    /// `holder` no longer holds the job (its lease ran out and another worker claimed it, or it has finished):
    /// the worker must stop writing to it.
    case leaseLost(job: JobID, holder: String)
    /// The database cannot be opened, is not a Folio store, or has a newer schema.
    case unusable(String)
    /// The database server is unreachable (PostgreSQL); retry later.
    case unavailable(String)

    public var description: String {
        switch self {
        case .collectionExists(let n): "a collection named '\(n)' already exists; pick another name or delete it first"
        case .collectionNotFound(let n): "no collection named '\(n)'; list them with `folio kb list` or create it with `folio kb create`"
        case .documentNotFound(let id): "no document with id \(id); list a collection's documents to find the id"
        case .jobNotFound(let id): "no ingestion job with id \(id)"
        case .invalidName(let n):
            "collection name '\(n)' is not valid: use 1–64 letters, digits, '-', '_' or '.', not starting with '.'"
        case .dimensionMismatch(let e, let g): "vector has \(g) dimensions but the collection stores \(e)"
        case .alreadyStored(let c, let s):
            "collection '\(c)' already has a document with source '\(s)' or with the same content; it is not stored twice"
        case .leaseLost(let j, let h):
            "job \(j) is no longer held by \(h) (its lease ran out and another worker took it over, or it finished); "
                + "its result is written by the worker that holds it now"
        case .unusable(let why): "the knowledge store cannot be used: \(why)"
        case .unavailable(let why): "the database is unavailable: \(why); Folio retries when it is back"
        }
    }

    /// Checks a collection name (see `CollectionSpec.name`).
    public static func validate(name: String) throws(StoreError) {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        guard (1...64).contains(name.count), !name.hasPrefix("."),
              name.unicodeScalars.allSatisfy({ $0.isASCII && allowed.contains($0) })
        else { throw .invalidName(name) }
    }
}
