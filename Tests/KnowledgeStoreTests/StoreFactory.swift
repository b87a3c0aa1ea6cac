import Foundation
import KnowledgeStore
import PostgresStore
import SQLiteStore
import Testing

/// The stores the contract suite runs against. The PostgreSQL cases need `FOLIO_TEST_POSTGRES_URL` and fail
/// with a message saying how to start a server when it is not set.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static var available: [StoreKind] { allCases }
}

/// A fresh, empty store for one test.
struct TestStore {
    var store: any KnowledgeStore
    /// Opens the same data again as a new store value (nil where the kind cannot).
    var reopen: (() async throws -> any KnowledgeStore)?
    /// Another store value on the same data with its own connections, as another process would open it, and a
    /// function closing it.
    var peer: @Sendable () async throws -> (store: any KnowledgeStore, close: @Sendable () async -> Void)
    var cleanup: () async throws -> Void
}

func makeStore(_ kind: StoreKind) async throws -> TestStore {
    switch kind {
    case .sqlite:
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("folio-store-\(UUID().uuidString)")
        let path = folder.appendingPathComponent("kb/folio.sqlite").path  // a missing folder: the store creates it
        return TestStore(
            store: try SQLiteStore(path: path),
            reopen: { try SQLiteStore(path: path) },
            peer: { (try SQLiteStore(path: path), {}) },
            cleanup: { try? FileManager.default.removeItem(at: folder) })
    case .postgres:
        let (store, url, cleanup) = try await makePostgresTestStore()
        return TestStore(store: store, reopen: nil, peer: {
            let peer = try PostgresStore(url: url)
            return (peer, { await peer.close() })
        }, cleanup: cleanup)
    }
}

/// Runs `body` with a fresh store of `kind`, cleaning up afterwards whatever happens.
func withTestStore(_ kind: StoreKind, _ body: (TestStore) async throws -> Void) async throws {
    let made = try await makeStore(kind)
    do {
        try await body(made)
    } catch {
        try? await made.cleanup()
        throw error
    }
    try await made.cleanup()
}

func withStore(_ kind: StoreKind, _ body: (any KnowledgeStore) async throws -> Void) async throws {
    try await withTestStore(kind) { try await body($0.store) }
}

/// Runs `body` with another store on `made`'s data (see `TestStore.peer`), closing it afterwards whatever happens.
func withPeer(_ made: TestStore, _ body: (any KnowledgeStore) async throws -> Void) async throws {
    let (peer, close) = try await made.peer()
    do {
        try await body(peer)
    } catch {
        await close()
        throw error
    }
    await close()
}
