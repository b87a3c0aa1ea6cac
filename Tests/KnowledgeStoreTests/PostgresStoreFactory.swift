import Foundation
import KnowledgeStore
import PostgresStore

/// The server the PostgreSQL tests use (`scripts/postgres.sh start` prints one), or nil.
var postgresTestURL: String? {
    let url = ProcessInfo.processInfo.environment["FOLIO_TEST_POSTGRES_URL"]
    return url?.isEmpty == false ? url : nil
}

/// Thrown by every PostgreSQL test when no server is configured: the tests never skip.
struct PostgresTestURLMissing: Error, CustomStringConvertible {
    var description: String {
        "FOLIO_TEST_POSTGRES_URL is not set: run the tests with `bash scripts/test.sh` (it starts a throwaway "
            + "PostgreSQL with pgvector), or start one with `bash scripts/postgres.sh start` and export the URL it prints"
    }
}

/// `FOLIO_TEST_POSTGRES_URL`, or a failure that says how to get a server.
func requirePostgresTestURL() throws -> String {
    guard let url = postgresTestURL else { throw PostgresTestURLMissing() }
    return url
}

/// `url` with a fresh schema name and test-sized pool settings appended.
func postgresTestStoreURL(_ url: String, schema: String, acquireTimeout: Int = 10) -> String {
    url + (url.contains("?") ? "&" : "?") + "schema=\(schema)&pool_max=4&acquire_timeout=\(acquireTimeout)"
}

/// A random schema name, so tests running in parallel never share tables.
func freshPostgresSchema() -> String {
    "folio_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
}

/// A fresh, empty PostgreSQL store in its own schema of the `FOLIO_TEST_POSTGRES_URL` server, and the URL that
/// opens it (a second store on that URL is another server on the same database); cleanup drops the schema and
/// closes the pool.
func makePostgresTestStore() async throws -> (store: any KnowledgeStore, url: String, cleanup: () async throws -> Void) {
    let url = postgresTestStoreURL(try requirePostgresTestURL(), schema: freshPostgresSchema())
    let store = try PostgresStore(url: url)
    do {
        try await store.migrate()
    } catch {
        await store.close()
        throw error
    }
    return (store, url, {
        do {
            try await store.dropSchema()
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    })
}
