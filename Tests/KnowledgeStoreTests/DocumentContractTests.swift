import Foundation
import KnowledgeStore
import Testing

@Suite("Store contract: documents")
struct DocumentContractTests {
    @Test("Previews read several documents at once: summary, the first N scalars of the text, the first page", arguments: StoreKind.available)
    func previews(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 3)
            _ = try await store.createCollection(Make.spec("docs"))
            let (paged, pagedChunks) = Make.document(
                "docs", title: "Paged", source: "p.pdf", chunkTexts: ["稀疏注意力 sparse", "second"],
                pages: [PageSpan(number: 3, start: 0, end: 10), PageSpan(number: 4, start: 10, end: 17)], rng: &rng)
            let a = try await store.addDocument(paged, chunks: pagedChunks, replacing: nil)
            let (plain, plainChunks) = Make.document("docs", title: "Plain", source: "t.txt", chunkTexts: ["abc"], rng: &rng)
            let b = try await store.addDocument(plain, chunks: plainChunks, replacing: nil)

            let previews = try await store.documentPreviews(ids: [b.id, a.id, a.id, a.id + b.id + 100], prefix: 7)
            #expect(previews.count == 2, "unknown ids are left out, repeated ones read once")
            #expect(previews[a.id]?.summary.source == "p.pdf" && previews[a.id]?.summary.chunkCount == 2 && previews[b.id]?.summary.title == "Plain")
            #expect(previews[a.id]?.text == "稀疏注意力 s" && previews[a.id]?.firstPage == 3)
            #expect(previews[b.id]?.text == "abc" && previews[b.id]?.firstPage == nil)
            #expect(try await store.documentPreviews(ids: [a.id], prefix: 0)[a.id]?.text == "")
            #expect(try await store.documentPreviews(ids: [], prefix: 5).isEmpty)
        }
    }

    @Test("An added document reads back with its text, pages and chunks in order", arguments: StoreKind.available)
    func addAndRead(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 2)
            _ = try await store.createCollection(Make.spec("docs"))
            let pages = [PageSpan(number: 1, start: 0, end: 10), PageSpan(number: 2, start: 10, end: 29)]
            let (doc, chunks) = Make.document(
                "docs", title: "Report", source: "dir/report.pdf", chunkTexts: ["first part", "second part", "third"],
                metadata: ["lang": "en", "team": "x"], pages: pages, rng: &rng)
            let summary = try await store.addDocument(doc, chunks: chunks, replacing: nil)

            #expect(summary.collection == "docs" && summary.title == "Report" && summary.source == "dir/report.pdf")
            #expect(summary.mediaType == "text/plain" && summary.contentHash == doc.contentHash)
            #expect(summary.byteSize == doc.byteSize && summary.metadata == ["lang": "en", "team": "x"])
            #expect(summary.pageCount == 2 && summary.chunkCount == 3 && summary.tokenCount == doc.tokenCount)
            #expect(abs(summary.addedAt.timeIntervalSinceNow) < 60)

            let read = try #require(try await store.document(id: summary.id))
            #expect(read.id == summary.id && read.metadata == summary.metadata && read.chunkCount == 3)
            #expect(abs(read.addedAt.timeIntervalSince(summary.addedAt)) < 0.001)
            let (text, gotPages) = try await store.documentText(id: summary.id)
            #expect(text == "first part second part third")
            #expect(gotPages == pages)

            let stored = try await store.chunks(of: summary.id)
            #expect(stored.map(\.ordinal) == [0, 1, 2])
            #expect(stored.map(\.text) == ["first part", "second part", "third"])
            #expect(stored.map(\.start) == chunks.map(\.start) && stored.map(\.end) == chunks.map(\.end))
            #expect(stored.allSatisfy { $0.documentID == summary.id && $0.page == 1 })
            #expect(stored.map(\.tokenCount) == chunks.map(\.tokenCount))

            let listed = try await store.collections()
            #expect(listed.first?.documentCount == 1 && listed.first?.chunkCount == 3)
            await #expect(throws: StoreError.documentNotFound(summary.id + 1000)) {
                try await store.documentText(id: summary.id + 1000)
            }
        }
    }

    @Test("Documents list oldest first with offset and limit", arguments: StoreKind.available)
    func listing(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 3)
            _ = try await store.createCollection(Make.spec("docs"))
            var ids: [DocumentID] = []
            for i in 0..<5 {
                let (doc, chunks) = Make.document("docs", source: "f\(i)", chunkTexts: ["text \(i)"], rng: &rng)
                ids.append(try await store.addDocument(doc, chunks: chunks, replacing: nil).id)
            }
            #expect(try await store.documents(in: "docs", offset: 0, limit: 10).map(\.id) == ids)
            #expect(try await store.documents(in: "docs", offset: 1, limit: 2).map(\.id) == Array(ids[1...2]))
        }
    }

    @Test("A vector of the wrong length is refused and nothing is stored", arguments: StoreKind.available)
    func dimensionMismatch(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 4)
            _ = try await store.createCollection(Make.spec("docs", d: 8))
            var (doc, chunks) = Make.document("docs", chunkTexts: ["one", "two", "three"], rng: &rng)
            chunks[2].vector = rng.unitVector(7)
            await #expect(throws: StoreError.dimensionMismatch(expected: 8, got: 7)) {
                try await store.addDocument(doc, chunks: chunks, replacing: nil)
            }
            chunks[2].vector = rng.unitVector(8)
            doc.vector = rng.unitVector(9)
            await #expect(throws: StoreError.dimensionMismatch(expected: 8, got: 9)) {
                try await store.addDocument(doc, chunks: chunks, replacing: nil)
            }
            #expect(try await store.documents(in: "docs", offset: 0, limit: 10).isEmpty)
            #expect(try await store.chunkVectors(forTextHashes: chunks.map(\.textHash), in: "docs").isEmpty)
            let words = try await store.keywordSearch(collection: "docs", query: "one two", k: 5, target: .chunks, filter: .none)
            #expect(words.isEmpty)
        }
    }

    @Test("Replacing swaps old for new in one step; a failed replace keeps the old", arguments: StoreKind.available)
    func replace(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 5)
            _ = try await store.createCollection(Make.spec("docs"))
            let (oldDoc, oldChunks) = Make.document("docs", source: "a.md", chunkTexts: ["old walrus"], rng: &rng)
            let old = try await store.addDocument(oldDoc, chunks: oldChunks, replacing: nil)
            // Warm the vector cache so the replace must update it.
            _ = try await store.vectorSearch(collection: "docs", query: oldChunks[0].vector, k: 5, target: .chunks, filter: .none)

            let made = Make.document("docs", source: "a.md", chunkTexts: ["new narwhal"], rng: &rng)
            let badDoc = made.0
            var badChunks = made.1
            badChunks[0].vector = [1, 2]
            await #expect(throws: StoreError.dimensionMismatch(expected: 8, got: 2)) {
                try await store.addDocument(badDoc, chunks: badChunks, replacing: old.id)
            }
            #expect(try await store.document(id: old.id) == old)

            let (newDoc, newChunks) = Make.document("docs", source: "a.md", chunkTexts: ["new narwhal"], rng: &rng)
            let new = try await store.addDocument(newDoc, chunks: newChunks, replacing: old.id)
            #expect(new.id != old.id)
            #expect(try await store.document(id: old.id) == nil)
            #expect(try await store.document(withSource: "a.md", in: "docs")?.id == new.id)
            #expect(try await store.documents(in: "docs", offset: 0, limit: 10).map(\.id) == [new.id])
            let hits = try await store.vectorSearch(collection: "docs", query: oldChunks[0].vector, k: 5, target: .chunks, filter: .none)
            #expect(hits.map(\.documentID) == [new.id])
            #expect(try await store.keywordSearch(collection: "docs", query: "walrus", k: 5, target: .chunks, filter: .none).isEmpty)
            await #expect(throws: StoreError.documentNotFound(old.id)) {
                try await store.addDocument(newDoc, chunks: newChunks, replacing: old.id)
            }
        }
    }

    @Test("Deleting a document removes it, its chunks and its vectors from search", arguments: StoreKind.available)
    func deleteDocument(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 6)
            _ = try await store.createCollection(Make.spec("docs"))
            let (aDoc, aChunks) = Make.document("docs", source: "a", chunkTexts: ["apple pie", "apple tart"], rng: &rng)
            let (bDoc, bChunks) = Make.document("docs", source: "b", chunkTexts: ["berry jam"], rng: &rng)
            let a = try await store.addDocument(aDoc, chunks: aChunks, replacing: nil)
            let b = try await store.addDocument(bDoc, chunks: bChunks, replacing: nil)
            for target in SearchTarget.allCases {  // warm both caches
                #expect(try await store.vectorSearch(collection: "docs", query: aDoc.vector!, k: 10, target: target, filter: .none)
                    .contains { $0.documentID == a.id })
            }

            try await store.deleteDocument(id: a.id)
            #expect(try await store.document(id: a.id) == nil)
            await #expect(throws: StoreError.documentNotFound(a.id)) { try await store.chunks(of: a.id) }
            await #expect(throws: StoreError.documentNotFound(a.id)) { try await store.deleteDocument(id: a.id) }
            for target in SearchTarget.allCases {
                let hits = try await store.vectorSearch(collection: "docs", query: aDoc.vector!, k: 10, target: target, filter: .none)
                #expect(Set(hits.map(\.documentID)) == [b.id])
                let words = try await store.keywordSearch(collection: "docs", query: "apple berry", k: 10, target: target, filter: .none)
                #expect(Set(words.map(\.documentID)) == [b.id])
            }
            #expect(try await store.chunkVectors(forTextHashes: aChunks.map(\.textHash), in: "docs").isEmpty)
            #expect(try await store.documentVectors(in: "docs").map(\.documentID) == [b.id])
        }
    }

    @Test("Content hash and source find documents; chunk vectors are reused by text hash", arguments: StoreKind.available)
    func lookups(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 7)
            _ = try await store.createCollection(Make.spec("docs", encoding: .f32))
            _ = try await store.createCollection(Make.spec("other"))
            let (d1, c1) = Make.document("docs", source: "same.txt", chunkTexts: ["shared text", "only one"], rng: &rng)
            let first = try await store.addDocument(d1, chunks: c1, replacing: nil)
            let (d2, c2) = Make.document("docs", source: "other.txt", chunkTexts: ["something else"], rng: &rng)
            let second = try await store.addDocument(d2, chunks: c2, replacing: nil)

            #expect(try await store.document(withContentHash: d1.contentHash, in: "docs")?.id == first.id)
            #expect(try await store.document(withContentHash: d1.contentHash, in: "other") == nil)
            #expect(try await store.document(withContentHash: "c-missing", in: "docs") == nil)
            #expect(try await store.document(withSource: "same.txt", in: "docs")?.id == first.id)
            #expect(try await store.document(withSource: "other.txt", in: "docs")?.id == second.id)

            let reused = try await store.chunkVectors(forTextHashes: ["h-shared text", "h-nothing", "h-something else"], in: "docs")
            #expect(Set(reused.keys) == ["h-shared text", "h-something else"])
            #expect(reused["h-shared text"] == c1[0].vector)
            #expect(reused["h-something else"] == c2[0].vector)
            #expect(try await store.chunkVectors(forTextHashes: ["h-shared text"], in: "other").isEmpty)

            let vectors = try await store.documentVectors(in: "docs")
            #expect(vectors == [DocumentVector(documentID: first.id, vector: d1.vector!),
                                DocumentVector(documentID: second.id, vector: d2.vector!)])
        }
    }
}
