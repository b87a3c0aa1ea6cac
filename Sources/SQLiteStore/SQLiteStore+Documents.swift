import Foundation
import GRDB
import KnowledgeStore

extension SQLiteStore {
    /// What one write did to a collection's vectors, for bringing the in-memory indexes along.
    struct VectorChange: Sendable {
        var collection: String
        var generation: (before: Int64, after: Int64)
        var removed: Set<DocumentID> = []
        /// Rows added: the document vector, and the chunk vectors with their ids, as stored.
        var documentID: DocumentID?
        var documentBlob: Data?
        var chunkIDs: [Int64] = []
        var chunkBlobs: [Data] = []
    }

    public func addDocument(_ document: NewDocument, chunks: [NewChunk], replacing: DocumentID?) async throws -> DocumentSummary {
        let (summary, change) = try await write { db in
            // 1. Check everything before writing anything.
            let (spec, _) = try Self.requireCollection(db, document.collection)
            let d = spec.dimensions
            if let v = document.vector, v.count != d { throw StoreError.dimensionMismatch(expected: d, got: v.count) }
            if let bad = chunks.first(where: { $0.vector.count != d }) {
                throw StoreError.dimensionMismatch(expected: d, got: bad.vector.count)
            }
            var change = VectorChange(collection: spec.name, generation: (0, 0))

            // 2. The old version goes in the same transaction: readers see old or new, never neither.
            if let old = replacing {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM documents WHERE id = ? AND collection = ?",
                                        arguments: [old, spec.name]) != nil
                else { throw StoreError.documentNotFound(old) }
                try db.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [old])
                change.removed = [old]
            }
            change.generation = try Schema.bumpGeneration(db, collection: spec.name)

            // 3. The document, its metadata pairs and its keyword row.
            let addedAt = Date()
            let blob = document.vector.map { VectorCodec.encode($0, as: spec.vectorEncoding) }
            try Self.insertUnique(collection: spec.name, source: document.source) {
                try db.execute(
                    sql: """
                        INSERT INTO documents (collection, title, source, media_type, content_hash, byte_size, metadata, text,
                                               pages, page_count, chunk_count, token_count, vector, added_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [spec.name, document.title, document.source, document.mediaType, document.contentHash,
                                document.byteSize, try Rows.encodeJSON(document.metadata), document.text,
                                try Rows.encodeJSON(document.pages), document.pages.count, chunks.count, document.tokenCount,
                                blob, addedAt.timeIntervalSince1970])
            }
            let id = db.lastInsertedRowID
            for (key, value) in document.metadata {
                try db.execute(sql: "INSERT INTO document_metadata (document_id, key, value) VALUES (?, ?, ?)",
                               arguments: [id, key, value])
            }
            try db.execute(sql: "INSERT INTO document_fts (rowid, terms) VALUES (?, ?)",
                           arguments: [id, KeywordSegmenter.indexText(KeywordSegmenter.documentText(title: document.title, text: document.text))])
            change.documentID = id
            change.documentBlob = blob

            // 4. Chunks in order, each with its keyword row.
            let insertChunk = try db.makeStatement(sql: """
                INSERT INTO chunks (document_id, ordinal, text, start_offset, end_offset, page, token_count, text_hash, vector)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let insertTerms = try db.makeStatement(sql: "INSERT INTO chunk_fts (rowid, terms) VALUES (?, ?)")
            for (ordinal, c) in chunks.enumerated() {
                let chunkBlob = VectorCodec.encode(c.vector, as: spec.vectorEncoding)
                try insertChunk.execute(arguments: [id, ordinal, c.text, c.start, c.end, c.page, c.tokenCount, c.textHash, chunkBlob])
                let chunkID = db.lastInsertedRowID
                try insertTerms.execute(arguments: [chunkID, KeywordSegmenter.indexText(c.text)])
                change.chunkIDs.append(chunkID)
                change.chunkBlobs.append(chunkBlob)
            }
            let summary = DocumentSummary(
                id: id, collection: spec.name, title: document.title, source: document.source, mediaType: document.mediaType,
                contentHash: document.contentHash, byteSize: document.byteSize, metadata: document.metadata,
                pageCount: document.pages.count, chunkCount: chunks.count, tokenCount: document.tokenCount,
                hasVector: blob != nil, addedAt: Date(timeIntervalSince1970: addedAt.timeIntervalSince1970))
            return (summary, change)
        }
        apply(change)
        return summary
    }

    public func document(withContentHash hash: String, in collection: String) async throws -> DocumentSummary? {
        try await read { db in
            _ = try Self.requireCollection(db, collection)
            return try Row.fetchOne(db, sql: """
                SELECT \(Rows.documentColumns) FROM documents WHERE collection = ? AND content_hash = ? ORDER BY id LIMIT 1
                """, arguments: [collection, hash]).map(Rows.document)
        }
    }

    public func document(withSource source: String, in collection: String) async throws -> DocumentSummary? {
        try await read { db in
            _ = try Self.requireCollection(db, collection)
            return try Row.fetchOne(db, sql: """
                SELECT \(Rows.documentColumns) FROM documents WHERE collection = ? AND source = ? ORDER BY id DESC LIMIT 1
                """, arguments: [collection, source]).map(Rows.document)
        }
    }

    public func document(id: DocumentID) async throws -> DocumentSummary? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT \(Rows.documentColumns) FROM documents WHERE id = ?", arguments: [id])
                .map(Rows.document)
        }
    }

    public func documentPreviews(ids: [DocumentID], prefix: Int) async throws -> [DocumentID: DocumentPreview] {
        guard !ids.isEmpty else { return [:] }
        let unique = Array(Set(ids))
        return try await read { db in
            // substr counts characters, which SQLite's UTF-8 text makes Unicode scalars.
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(Rows.documentColumns), substr(text, 1, ?) AS preview, pages FROM documents
                WHERE id IN (\(databaseQuestionMarks(count: unique.count)))
                """, arguments: StatementArguments([max(0, prefix)] + unique.map { Int64($0) }))
            var previews: [DocumentID: DocumentPreview] = [:]
            for row in rows {
                let summary = try Rows.document(row)
                previews[summary.id] = DocumentPreview(
                    summary: summary, text: row["preview"], firstPage: try Rows.decodePages(row["pages"]).first?.number)
            }
            return previews
        }
    }

    public func documentText(id: DocumentID) async throws -> (text: String, pages: [PageSpan]) {
        let (text, pages) = try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT text, pages FROM documents WHERE id = ?", arguments: [id]) else {
                throw StoreError.documentNotFound(id)
            }
            return (row["text"] as String, try Rows.decodePages(row["pages"]))
        }
        return (text, pages)
    }

    public func documents(in collection: String, offset: Int, limit: Int) async throws -> [DocumentSummary] {
        try await read { db in
            _ = try Self.requireCollection(db, collection)
            return try Row.fetchAll(db, sql: """
                SELECT \(Rows.documentColumns) FROM documents WHERE collection = ? ORDER BY id LIMIT ? OFFSET ?
                """, arguments: [collection, max(0, limit), max(0, offset)]).map(Rows.document)
        }
    }

    public func chunks(of document: DocumentID) async throws -> [StoredChunk] {
        try await read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM documents WHERE id = ?", arguments: [document]) != nil else {
                throw StoreError.documentNotFound(document)
            }
            return try Row.fetchAll(db, sql: "SELECT \(Rows.chunkColumns) FROM chunks WHERE document_id = ? ORDER BY ordinal",
                                    arguments: [document]).map(Rows.chunk)
        }
    }

    public func deleteDocument(id: DocumentID) async throws {
        let change = try await write { db in
            guard let collection = try String.fetchOne(db, sql: "SELECT collection FROM documents WHERE id = ?", arguments: [id])
            else { throw StoreError.documentNotFound(id) }
            try db.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [id])
            return VectorChange(collection: collection, generation: try Schema.bumpGeneration(db, collection: collection),
                                removed: [id])
        }
        apply(change)
    }

    public func chunkVectors(forTextHashes hashes: [String], in collection: String) async throws -> [String: [Float]] {
        guard !hashes.isEmpty else { return [:] }
        let json = try Rows.encodeJSON(Array(Set(hashes)))
        return try await read { db in
            let (spec, _) = try Self.requireCollection(db, collection)
            var out: [String: [Float]] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT c.text_hash, c.vector FROM chunks c JOIN documents d ON d.id = c.document_id
                WHERE d.collection = ? AND c.text_hash IN (SELECT value FROM json_each(?))
                """, arguments: [collection, json])
            while let row = try rows.next() {
                let hash: String = row["text_hash"]
                if out[hash] == nil {
                    out[hash] = try VectorCodec.decode(row["vector"], as: spec.vectorEncoding, dimensions: spec.dimensions)
                }
            }
            return out
        }
    }

    /// Brings the cached indexes of the changed collection along: an index that reflects the generation just
    /// before this write takes the change; one that already reflects it is left; any other is dropped (it missed
    /// a write, so the next search reloads it).
    func apply(_ change: VectorChange) {
        indexes.withLock { cache in
            for target in SearchTarget.allCases {
                let key = IndexKey(collection: change.collection, target: target)
                guard var index = cache[key], index.generation < change.generation.after else { continue }
                guard index.generation == change.generation.before else { cache[key] = nil; continue }
                index.remove(documents: change.removed)
                if let id = change.documentID {
                    switch target {
                    case .documents:
                        if let blob = change.documentBlob {
                            index.append(VectorBlock(dimensions: index.dimensions, encoding: index.encoding,
                                                     documentIDs: [id], itemIDs: [id], blobs: [blob]))
                        }
                    case .chunks where !change.chunkIDs.isEmpty:
                        index.append(VectorBlock(
                            dimensions: index.dimensions, encoding: index.encoding,
                            documentIDs: Array(repeating: id, count: change.chunkIDs.count), itemIDs: change.chunkIDs,
                            blobs: change.chunkBlobs))
                    case .chunks: break  // a document vector stored later (phase two) adds no chunk rows
                    }
                }
                index.generation = change.generation.after
                cache[key] = index
            }
        }
    }
}

extension SQLiteStore {
    /// Runs an INSERT into `documents`, turning a violation of the unique (collection, source) or (collection,
    /// content hash) index into `alreadyStored`: another writer stored the same file first.
    static func insertUnique(collection: String, source: String, _ insert: () throws -> Void) throws {
        do { try insert() } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw StoreError.alreadyStored(collection: collection, source: source)
        }
    }
}
