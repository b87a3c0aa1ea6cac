import Foundation
import GRDB
import KnowledgeStore

/// Database rows -> domain values, and the JSON columns' encoding. Column names live here and in `Schema` only.
enum Rows {
    static let documentColumns = """
        id, collection, title, source, media_type, content_hash, byte_size, metadata, page_count, chunk_count,
        token_count, vector IS NOT NULL AS has_vector, added_at
        """
    static let chunkColumns = "id, document_id, ordinal, text, start_offset, end_offset, page, token_count"
    static let jobColumns = """
        id, collection, file_name, state, progress, error, document_id, message, warnings, holder, lease_expires_at,
        attempts, created_at, updated_at
        """

    /// A stored enum column's case; an unknown value (a newer Folio's, or a hand edit) makes the store unusable
    /// rather than being read as some other case.
    static func known<Value: RawRepresentable>(_ raw: String, _ what: @autoclosure () -> String) throws -> Value
    where Value.RawValue == String {
        guard let value = Value(rawValue: raw) else { throw StoreError.unusable("\(what()) has an unknown value '\(raw)'") }
        return value
    }

    static func collection(_ row: Row) throws -> CollectionSpec {
        let encoding: VectorEncoding = try known(row["vector_encoding"], "collection '\(row["name"] as String)' vector encoding")
        return CollectionSpec(
            name: row["name"], model: row["model"], dimensions: row["dimensions"], vectorEncoding: encoding,
            maxChunkTokens: row["max_chunk_tokens"], overlapTokens: row["overlap_tokens"],
            documentVectors: row["document_vectors"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }

    static func document(_ row: Row) throws -> DocumentSummary {
        DocumentSummary(
            id: row["id"], collection: row["collection"], title: row["title"], source: row["source"],
            mediaType: row["media_type"], contentHash: row["content_hash"], byteSize: row["byte_size"],
            metadata: try decodeMetadata(row["metadata"]), pageCount: row["page_count"], chunkCount: row["chunk_count"],
            tokenCount: row["token_count"], hasVector: row["has_vector"], addedAt: Date(timeIntervalSince1970: row["added_at"]))
    }

    static func chunk(_ row: Row) -> StoredChunk {
        StoredChunk(
            documentID: row["document_id"], ordinal: row["ordinal"], text: row["text"], start: row["start_offset"],
            end: row["end_offset"], page: row["page"], tokenCount: row["token_count"])
    }

    static func job(_ row: Row) throws -> IngestJob {
        let state: JobState = try known(row["state"], "job \(row["id"] as Int64) state")
        return IngestJob(
            id: row["id"], collection: row["collection"], fileName: row["file_name"], state: state,
            progress: row["progress"], error: row["error"], documentID: row["document_id"], message: row["message"],
            warnings: try decodeStrings(row["warnings"]), holder: row["holder"],
            leaseExpiresAt: (row["lease_expires_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            attempts: row["attempts"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }

    // MARK: JSON columns

    static func encodeJSON<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decodeMetadata(_ json: String) throws -> [String: String] {
        do { return try JSONDecoder().decode([String: String].self, from: Data(json.utf8)) } catch {
            throw StoreError.unusable("stored metadata is not a JSON object of strings: \(json.prefix(80))")
        }
    }

    static func decodeStrings(_ json: String) throws -> [String] {
        do { return try JSONDecoder().decode([String].self, from: Data(json.utf8)) } catch {
            throw StoreError.unusable("stored warnings are not a JSON array of strings: \(json.prefix(80))")
        }
    }

    static func decodePages(_ json: String) throws -> [PageSpan] {
        do { return try JSONDecoder().decode([PageSpan].self, from: Data(json.utf8)) } catch {
            throw StoreError.unusable("stored page spans are not valid JSON: \(json.prefix(80))")
        }
    }

    /// SQL that restricts documents aliased `alias` to a filter, and its arguments. Document ids travel as one
    /// JSON array, so any number of them fits in one statement.
    static func filterSQL(_ filter: SearchFilter, alias: String) throws -> (sql: String, arguments: StatementArguments) {
        var sql = "", args: [(any DatabaseValueConvertible)?] = []
        if !filter.documentIDs.isEmpty {
            sql += " AND \(alias).id IN (SELECT value FROM json_each(?))"
            args.append(try encodeJSON(filter.documentIDs.sorted()))
        }
        for (key, value) in filter.metadata.sorted(by: { $0.key < $1.key }) {
            sql += " AND EXISTS (SELECT 1 FROM document_metadata m WHERE m.document_id = \(alias).id AND m.key = ? AND m.value = ?)"
            args.append(key)
            args.append(value)
        }
        return (sql, StatementArguments(args))
    }
}
