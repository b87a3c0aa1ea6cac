import Foundation
import KnowledgeStore
import PostgresNIO

/// A vector bound in pgvector's binary wire format, so 100,000 × 1,024 floats are not printed as text.
///
/// Layout (pgvector `vector_send`/`vector_recv`): int16 dimensions, int16 unused (0), then each float4,
/// all big-endian. The parameter's type is left unspecified (OID 0): the statement must cast it, `$1::vector`,
/// and the server then reads it with `vector_recv`. pgvector's type OID differs per database, hence no static type.
struct PgVector: PostgresDynamicTypeEncodable, PostgresDecodable, Sendable {
    var values: [Float]  // [D]

    init(_ values: [Float]) { self.values = values }

    var psqlType: PostgresDataType { .null }  // OID 0: "infer from the cast"
    var psqlFormat: PostgresFormat { .binary }

    func encode<E: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<E>) {
        buffer.reserveCapacity(minimumWritableBytes: 4 + 4 * values.count)
        buffer.writeInteger(Int16(values.count))
        buffer.writeInteger(Int16(0))
        for v in values { buffer.writeInteger(v.bitPattern) }
    }

    /// Reads a `vector` in binary. Statements select `halfvec` columns as `::vector`, so only float4 arrives.
    init<D: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<D>
    ) throws {
        guard format == .binary, let dims = buffer.readInteger(as: Int16.self), buffer.readInteger(as: Int16.self) != nil,
              dims >= 0, buffer.readableBytes == 4 * Int(dims)
        else { throw PostgresDecodingError.Code.failure }
        values = (0..<Int(dims)).map { _ in Float(bitPattern: buffer.readInteger(as: UInt32.self)!) }
    }
}

/// Keyword terms as PostgreSQL full-text values, built from `KeywordSegmenter` output without PostgreSQL's
/// own parser (which would split `snake_case` and treat `3.14` or URLs its own way, unlike SQLite's index).
///
/// Lexemes are quoted (`'it''s'`, backslashes doubled), so no text reaches SQL unescaped; they are bound as
/// parameters and cast with `::tsvector` / `::tsquery`, which take quoted lexemes verbatim.
enum FullText {
    /// Longest lexeme PostgreSQL accepts, in bytes (2 KiB − 1).
    static let maxLexemeBytes = 2046
    /// A `tsvector` must stay under 1 MiB of lexeme text; longer documents keep their first distinct terms.
    static let maxLexemeTextBytes = 1_000_000
    /// PostgreSQL keeps at most 256 positions a lexeme.
    static let maxPositions = 255

    /// The `tsvector` literal of a text and its length in terms (BM25's document length).
    ///
    /// Positions encode term frequency, not location: a term seen n times gets positions 1…n (n ≤ 255).
    /// Folio never runs phrase queries, and real positions would collapse above 16,383 in long documents,
    /// undercounting frequency; BM25's saturation makes counts past 255 irrelevant.
    static func vectorLiteral(of text: String) -> (literal: String, termCount: Int) {
        let terms = KeywordSegmenter.termTexts(text)
        var counts: [String: Int] = [:]
        var order: [String] = []
        for term in terms where term.utf8.count <= maxLexemeBytes {
            if let c = counts[term] { counts[term] = c + 1 } else { counts[term] = 1; order.append(term) }
        }
        var out = "", bytes = 0
        for term in order {
            bytes += term.utf8.count
            if bytes > maxLexemeTextBytes { break }
            let n = min(counts[term]!, maxPositions)
            if !out.isEmpty { out += " " }
            out += quote(term) + ":" + (1...n).map(String.init).joined(separator: ",")
        }
        return (out, terms.count)
    }

    /// The distinct query terms in order, each with its one-term `tsquery` literal, plus the OR of them all.
    static func query(_ text: String) -> (terms: [String], termQueries: [String], any: String) {
        var seen = Set<String>(), terms: [String] = []
        for term in KeywordSegmenter.queryTerms(text) where term.utf8.count <= maxLexemeBytes && seen.insert(term).inserted {
            terms.append(term)
        }
        let quoted = terms.map(quote)
        return (terms, quoted, quoted.joined(separator: " | "))
    }

    static func quote(_ term: String) -> String {
        "'" + term.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }
}

/// Text PostgreSQL can store: `text` columns refuse NUL, so U+0000 becomes U+FFFD (one scalar for one,
/// keeping every chunk's offsets valid).
func storable(_ text: String) -> String {
    text.utf8.contains(0) ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text
}

/// Metadata as a JSON object string for a `jsonb` parameter, and back.
enum MetadataJSON {
    static func encode(_ metadata: [String: String]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: metadata.mapValues(storable), options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ json: String) throws -> [String: String] {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String] else {
            throw StoreError.unusable("document metadata in the database is not a JSON object of strings")
        }
        return object
    }

    /// A JSON array of strings (job warnings), NUL replaced as in every stored text.
    static func encodeStrings(_ strings: [String]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: strings.map(storable))
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeStrings(_ json: String) throws -> [String] {
        guard let array = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String] else {
            throw StoreError.unusable("job warnings in the database are not a JSON array of strings")
        }
        return array
    }
}
