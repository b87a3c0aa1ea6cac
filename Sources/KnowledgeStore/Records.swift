import Foundation

// Glossary: D = vector dimensions (a collection's, after any Matryoshka cut), K = hits asked for.
// Offsets are in Unicode scalars (code points) of a document's extracted text, as Python's `str` counts them.

/// How a collection stores its vectors. f16 halves memory and disk at a cosine cost near 1e-4.
public enum VectorEncoding: String, Sendable, Codable, CaseIterable {
    case f32, f16
}

/// What a collection is bound to: one model and one dimension count. Mixing is refused by the knowledge base.
public struct CollectionSpec: Sendable, Codable, Equatable {
    /// Unique name: 1–64 characters of letters, digits, `-`, `_` and `.`, not starting with `.`.
    public var name: String
    /// The model's reported name (file or folder name, or repo id) the vectors were made with.
    public var model: String
    /// Vector length D stored for chunks and documents.
    public var dimensions: Int
    public var vectorEncoding: VectorEncoding
    /// Chunking settings used for every document of the collection.
    public var maxChunkTokens: Int
    public var overlapTokens: Int
    /// Whether ingestion computes a whole-document vector (phase two) for each document: document-level vector
    /// search and near-duplicates need it. Off saves the one long pass per document, for users who never deduplicate.
    public var documentVectors: Bool
    public var createdAt: Date

    public init(
        name: String, model: String, dimensions: Int, vectorEncoding: VectorEncoding = .f32,
        maxChunkTokens: Int = 512, overlapTokens: Int = 64, documentVectors: Bool = true, createdAt: Date = Date()
    ) {
        self.name = name
        self.model = model
        self.dimensions = dimensions
        self.vectorEncoding = vectorEncoding
        self.maxChunkTokens = maxChunkTokens
        self.overlapTokens = overlapTokens
        self.documentVectors = documentVectors
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case name, model, dimensions, vectorEncoding, maxChunkTokens, overlapTokens, documentVectors, createdAt
    }

    /// JSON written before `documentVectors` existed reads as on, the default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try c.decode(String.self, forKey: .name), model: try c.decode(String.self, forKey: .model),
            dimensions: try c.decode(Int.self, forKey: .dimensions),
            vectorEncoding: try c.decode(VectorEncoding.self, forKey: .vectorEncoding),
            maxChunkTokens: try c.decode(Int.self, forKey: .maxChunkTokens),
            overlapTokens: try c.decode(Int.self, forKey: .overlapTokens),
            documentVectors: try c.decodeIfPresent(Bool.self, forKey: .documentVectors) ?? true,
            createdAt: try c.decode(Date.self, forKey: .createdAt))
    }
}

/// A collection with its counts, for listings.
public struct CollectionSummary: Sendable, Codable, Equatable {
    public var spec: CollectionSpec
    public var documentCount: Int
    public var chunkCount: Int

    public init(spec: CollectionSpec, documentCount: Int, chunkCount: Int) {
        self.spec = spec
        self.documentCount = documentCount
        self.chunkCount = chunkCount
    }
}

/// Store-assigned document identifier, unique across collections of one store.
public typealias DocumentID = Int64

/// A page's span of the extracted text: page `number` (1-based) covers `[start, end)`.
public struct PageSpan: Sendable, Codable, Equatable {
    public var number: Int
    public var start: Int
    public var end: Int
    public init(number: Int, start: Int, end: Int) {
        self.number = number
        self.start = start
        self.end = end
    }
}

/// A document to add, with everything already computed (text extracted, chunks embedded).
public struct NewDocument: Sendable, Equatable {
    public var collection: String
    /// Display title (the HTML `<title>`, the first Markdown heading, or the file name).
    public var title: String
    /// Where it came from: the file name or path as given, or a caller's label. Used to find an older version.
    public var source: String
    /// Media type detected at ingestion, e.g. `application/pdf`, `text/markdown`, `text/x-swift`.
    public var mediaType: String
    /// SHA-256 (lowercase hex) of the extracted text: equal hashes in a collection are exact duplicates.
    public var contentHash: String
    /// Size of the uploaded file in bytes.
    public var byteSize: Int
    public var metadata: [String: String]
    /// The extracted text every chunk's offsets refer to.
    public var text: String
    /// Page spans for paged formats (PDF); empty otherwise.
    public var pages: [PageSpan]
    /// Tokens in the whole text (the document vector covers at most the model's context).
    public var tokenCount: Int
    /// One vector for the document's first tokens (up to 32,768): [D]. Nil while it is not computed yet
    /// (ingestion's phase two stores it later with `setDocumentVector`) or when the collection keeps none.
    public var vector: [Float]?

    public init(
        collection: String, title: String, source: String, mediaType: String, contentHash: String, byteSize: Int,
        metadata: [String: String] = [:], text: String, pages: [PageSpan] = [], tokenCount: Int, vector: [Float]?
    ) {
        self.collection = collection
        self.title = title
        self.source = source
        self.mediaType = mediaType
        self.contentHash = contentHash
        self.byteSize = byteSize
        self.metadata = metadata
        self.text = text
        self.pages = pages
        self.tokenCount = tokenCount
        self.vector = vector
    }
}

/// One chunk to store with its document.
public struct NewChunk: Sendable, Equatable {
    /// The chunk's text, exactly `text[start..<end]` of the document (in scalars).
    public var text: String
    public var start: Int
    public var end: Int
    /// The page holding `start`, 1-based; nil for unpaged formats.
    public var page: Int?
    public var tokenCount: Int
    /// SHA-256 (lowercase hex) of `text`, the key for reusing vectors of identical chunks.
    public var textHash: String
    /// [D]
    public var vector: [Float]

    public init(text: String, start: Int, end: Int, page: Int?, tokenCount: Int, textHash: String, vector: [Float]) {
        self.text = text
        self.start = start
        self.end = end
        self.page = page
        self.tokenCount = tokenCount
        self.textHash = textHash
        self.vector = vector
    }
}

/// A stored document without its text and vectors, for listings.
public struct DocumentSummary: Sendable, Codable, Equatable {
    public var id: DocumentID
    public var collection: String
    public var title: String
    public var source: String
    public var mediaType: String
    public var contentHash: String
    public var byteSize: Int
    public var metadata: [String: String]
    public var pageCount: Int
    public var chunkCount: Int
    public var tokenCount: Int
    /// Whether the whole-document vector is stored; false while ingestion's phase two has not stored it (the
    /// document is searchable by its chunks and keywords already) and in collections that keep none.
    public var hasVector: Bool
    public var addedAt: Date

    public init(
        id: DocumentID, collection: String, title: String, source: String, mediaType: String, contentHash: String,
        byteSize: Int, metadata: [String: String], pageCount: Int, chunkCount: Int, tokenCount: Int, hasVector: Bool = true,
        addedAt: Date
    ) {
        self.id = id
        self.collection = collection
        self.title = title
        self.source = source
        self.mediaType = mediaType
        self.contentHash = contentHash
        self.byteSize = byteSize
        self.metadata = metadata
        self.pageCount = pageCount
        self.chunkCount = chunkCount
        self.tokenCount = tokenCount
        self.hasVector = hasVector
        self.addedAt = addedAt
    }
}

/// A document's summary with the start of its text, for search results.
public struct DocumentPreview: Sendable, Equatable {
    public var summary: DocumentSummary
    /// The first Unicode scalars of the text (as many as asked for).
    public var text: String
    /// The first page's number for paged formats; nil otherwise.
    public var firstPage: Int?

    public init(summary: DocumentSummary, text: String, firstPage: Int?) {
        self.summary = summary
        self.text = text
        self.firstPage = firstPage
    }
}

/// A stored chunk (vector omitted).
public struct StoredChunk: Sendable, Codable, Equatable {
    public var documentID: DocumentID
    /// Position of the chunk in its document, from 0.
    public var ordinal: Int
    public var text: String
    public var start: Int
    public var end: Int
    public var page: Int?
    public var tokenCount: Int

    public init(documentID: DocumentID, ordinal: Int, text: String, start: Int, end: Int, page: Int?, tokenCount: Int) {
        self.documentID = documentID
        self.ordinal = ordinal
        self.text = text
        self.start = start
        self.end = end
        self.page = page
        self.tokenCount = tokenCount
    }
}
