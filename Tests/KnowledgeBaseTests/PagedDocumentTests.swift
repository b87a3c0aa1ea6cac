import Foundation
import KnowledgeBase
import KnowledgeStore
import Testing

@Suite("PDFs in the knowledge base")
struct PagedDocumentTests {
    /// Phrases the fixture script put on each page of three-pages.pdf (Fixtures/ingestion/expectations.json).
    struct Expectations: Decodable {
        struct PDF: Decodable {
            let pageCount: Int
            let pagePhrases: [String: [String]]
        }
        let pdf: PDF
        enum CodingKeys: String, CodingKey { case pdf = "three-pages.pdf" }
    }

    @Test("Keyword search finds each page's phrases, English and Chinese, with the page they are on")
    func pagesInResults() async throws {
        let folder = fixtures.appendingPathComponent("ingestion")
        let expected = try JSONDecoder().decode(Expectations.self, from: Data(contentsOf: folder.appendingPathComponent("expectations.json"))).pdf
        let (kb, temp) = try makeKnowledgeBase()
        defer { try? FileManager.default.removeItem(at: temp) }
        _ = try await kb.createCollection(name: "papers", maxChunkTokens: 48, overlapTokens: 0)
        let data = try Data(contentsOf: folder.appendingPathComponent("three-pages.pdf"))
        let doc = try await kb.ingest(IngestRequest(collection: "papers", fileName: "three-pages.pdf", data: data)).document
        #expect(doc.pageCount == expected.pageCount)
        #expect(doc.mediaType == "application/pdf")
        for (page, phrases) in expected.pagePhrases {
            for phrase in phrases {
                let results = try await kb.search(SearchRequest(collection: "papers", query: phrase, k: 1, mode: .keyword))
                let hit = try #require(results.first, "nothing found for \(phrase)")
                #expect(hit.page == Int(page), "\(phrase): page \(String(describing: hit.page))")
                let collapsed = hit.text.replacingOccurrences(of: "\n", with: " ")
                #expect(collapsed.contains(phrase) || !hit.highlights.isEmpty, "\(phrase) not in \(hit.text)")
            }
        }
    }

    @Test("A scanned PDF and an encrypted one fail with what to do, and store nothing")
    func unreadablePDFs() async throws {
        let folder = fixtures.appendingPathComponent("ingestion")
        let (kb, temp) = try makeKnowledgeBase()
        defer { try? FileManager.default.removeItem(at: temp) }
        _ = try await kb.createCollection(name: "papers")
        for (name, words) in [("scanned.pdf", "OCR"), ("encrypted.pdf", "password"), ("corrupt.pdf", "damaged")] {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            do {
                _ = try await kb.ingest(IngestRequest(collection: "papers", fileName: name, data: data))
                Issue.record("\(name) was accepted")
            } catch {
                #expect(String(describing: error).contains(words), "\(name): \(error)")
            }
        }
        #expect(try await kb.store.collections().first?.documentCount == 0)
    }
}
