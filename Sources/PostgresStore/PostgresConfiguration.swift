import Foundation
import KnowledgeStore

/// Where a `PostgresStore` connects and how it behaves, with documented defaults.
///
/// Usually made from a URL: `postgres://user:password@host:port/database?schema=folio&sslmode=disable`.
public struct PostgresConfiguration: Sendable, Equatable {
    /// TLS as libpq's `sslmode` names it (only these three are told apart).
    public enum TLSMode: String, Sendable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it (libpq's default).
        case prefer
        /// TLS or fail.
        case require
    }

    public var host: String = "127.0.0.1"
    public var port: Int = 5432
    public var username: String = "postgres"
    public var password: String?
    public var database: String = "postgres"
    /// The schema holding Folio's tables, created by `migrate()` when missing. nil: the server's default
    /// search path (usually `public`). pgvector's types are found through `public`, where
    /// `CREATE EXTENSION vector` puts them, so the search path becomes `"<schema>", public`.
    public var schema: String?
    /// A full `search_path` to use instead of `schema` (advanced; it must reach pgvector's types).
    public var searchPath: String?
    public var tls: TLSMode = .prefer
    /// Connections the pool opens at most. Each is a server process; keep the sum over servers under
    /// PostgreSQL's `max_connections`.
    public var maximumConnections: Int = 10
    /// How long opening one connection may take.
    public var connectTimeout: Duration = .seconds(10)
    /// How long an operation waits for a pooled connection before failing with `StoreError.unavailable`.
    /// The pool keeps retrying in the background, so the next call after the server returns succeeds.
    public var acquireTimeout: Duration = .seconds(5)
    /// HNSW `ef_search`: candidates kept while walking the graph. pgvector's default is 40; 100 gives
    /// recall@10 above 0.95 on 1,024-d embeddings at a small cost.
    public var efSearch: Int = 100
    /// Collections (counted in chunks, or documents for document search) smaller than this are searched exactly
    /// instead of through HNSW: at 10,000 × 1,024-d an exact scan takes milliseconds and never misses.
    /// Searches restricted to listed documents are always exact.
    public var exactSearchBelow: Int = 10_000
    /// Reported to the server as `application_name` (visible in `pg_stat_activity`).
    public var applicationName: String = "folio"

    public init() {}

    /// Parses `postgres://` or `postgresql://` URLs. Query options: `schema`, `search_path`, `sslmode`
    /// (`disable`, `prefer`, `require`; `allow` reads as `prefer`, `verify-*` as `require`), `connect_timeout`
    /// (seconds), `pool_max` (connections), `acquire_timeout` (seconds), `ef_search`, `exact_search_below`,
    /// `application_name`.
    public init(url string: String) throws(StoreError) {
        guard let components = URLComponents(string: string),
              let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme.lowercased())
        else {
            throw .unusable("'\(Self.redacted(string))' is not a PostgreSQL URL; expected postgres://user:password@host:port/database")
        }
        if let host = components.host, !host.isEmpty { self.host = host }
        if let port = components.port { self.port = port }
        if let user = components.user, !user.isEmpty { username = user }
        password = components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? username : path
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "schema": schema = value.isEmpty ? nil : value
            case "search_path": searchPath = value.isEmpty ? nil : value
            case "sslmode":
                switch value {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                default: throw .unusable("sslmode '\(value)' is not known; use disable, prefer or require")
                }
            case "connect_timeout": connectTimeout = .seconds(try Self.positive(value, item.name))
            case "acquire_timeout": acquireTimeout = .seconds(try Self.positive(value, item.name))
            case "pool_max": maximumConnections = try Self.positive(value, item.name)
            case "ef_search": efSearch = try Self.positive(value, item.name)
            case "exact_search_below":
                guard let n = Int(value), n >= 0 else { throw .unusable("URL option exact_search_below=\(value) must be 0 or more") }
                exactSearchBelow = n
            case "application_name": applicationName = value
            default:
                throw .unusable("URL option '\(item.name)' is not known; use schema, search_path, sslmode, "
                    + "connect_timeout, pool_max, acquire_timeout, ef_search, exact_search_below or application_name")
            }
        }
        if let schema, schema.utf8.count > 63 || schema.utf8.contains(0) {
            throw .unusable("schema name '\(schema)' is not valid: use at most 63 bytes")
        }
    }

    /// The `search_path` to ask the server for, or nil for its default.
    var effectiveSearchPath: String? {
        if let searchPath { return searchPath }
        if let schema { return "\(SQL.identifier(schema)), public" }
        return nil
    }

    private static func positive(_ value: String, _ name: String) throws(StoreError) -> Int {
        guard let n = Int(value), n > 0 else { throw .unusable("URL option \(name)=\(value) must be a positive integer") }
        return n
    }

    /// The URL with any password replaced by `***`, for messages and logs.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}

/// Quoting for the few names that cannot be bound as parameters (schemas, index names).
enum SQL {
    /// A double-quoted identifier: `my"schema` → `"my""schema"`.
    static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
