import Foundation
import KnowledgeStore
import Testing

@Suite("Store contract: keyword search")
struct KeywordSearchContractTests {
    @Test("Keyword search finds English words and Chinese and Japanese phrases", arguments: StoreKind.available)
    func findsWords(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 10)
            _ = try await store.createCollection(Make.spec("kw"))
            let (zhDoc, zhChunks) = Make.document("kw", title: "稀疏", source: "zh", chunkTexts: ["稀疏注意力降低计算成本"], rng: &rng)
            let zh = try await store.addDocument(zhDoc, chunks: zhChunks, replacing: nil)
            let (enDoc, enChunks) = Make.document("kw", title: "Cats", source: "en", chunkTexts: ["the cat sat", "on the Mat"], rng: &rng)
            let en = try await store.addDocument(enDoc, chunks: enChunks, replacing: nil)
            let (jaDoc, jaChunks) = Make.document("kw", title: "東京", source: "ja", chunkTexts: ["東京で日本語の検索を試す"], rng: &rng)
            let ja = try await store.addDocument(jaDoc, chunks: jaChunks, replacing: nil)

            let zhHits = try await store.keywordSearch(collection: "kw", query: "注意力", k: 10, target: .chunks, filter: .none)
            #expect(zhHits.map(\.documentID) == [zh.id])
            #expect(zhHits.first?.chunk?.text == "稀疏注意力降低计算成本")
            #expect((zhHits.first?.score ?? 0) > 0, "higher is better, so a match scores above zero")

            let catHits = try await store.keywordSearch(collection: "kw", query: "CAT", k: 10, target: .chunks, filter: .none)
            #expect(catHits.map(\.chunk?.text) == ["the cat sat"])
            let matHits = try await store.keywordSearch(collection: "kw", query: "mat", k: 10, target: .chunks, filter: .none)
            #expect(matHits.map(\.chunk?.ordinal) == [1] && matHits.first?.documentID == en.id)

            let jaHits = try await store.keywordSearch(collection: "kw", query: "日本語", k: 10, target: .documents, filter: .none)
            #expect(jaHits.map(\.documentID) == [ja.id] && jaHits.first?.chunk == nil)
            #expect(try await store.keywordSearch(collection: "kw", query: "dog", k: 10, target: .chunks, filter: .none).isEmpty)
            #expect(try await store.keywordSearch(collection: "kw", query: " ,.!? ", k: 10, target: .chunks, filter: .none).isEmpty)
        }
    }

    @Test("A document matching more query words ranks first; filters restrict keyword hits", arguments: StoreKind.available)
    func ranking(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 11)
            _ = try await store.createCollection(Make.spec("kw"))
            var ids: [DocumentID] = []
            let texts = ["apple banana cherry date", "apple grape melon kiwi", "plum pear fig lime", "apple banana grape lemon"]
            for (i, t) in texts.enumerated() {
                let (doc, chunks) = Make.document("kw", source: "f\(i)", chunkTexts: [t], metadata: ["n": "\(i)"], rng: &rng)
                ids.append(try await store.addDocument(doc, chunks: chunks, replacing: nil).id)
            }
            for target in SearchTarget.allCases {
                let hits = try await store.keywordSearch(collection: "kw", query: "banana cherry apple", k: 10, target: target, filter: .none)
                #expect(hits.map(\.documentID) == [ids[0], ids[3], ids[1]], "\(target)")
                #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
                let top1 = try await store.keywordSearch(collection: "kw", query: "banana cherry apple", k: 1, target: target, filter: .none)
                #expect(top1.map(\.documentID) == [ids[0]])

                let byID = try await store.keywordSearch(collection: "kw", query: "apple", k: 10, target: target,
                                                         filter: SearchFilter(documentIDs: [ids[1], ids[2]]))
                #expect(byID.map(\.documentID) == [ids[1]])
                let byMeta = try await store.keywordSearch(collection: "kw", query: "apple", k: 10, target: target,
                                                           filter: SearchFilter(metadata: ["n": "3"]))
                #expect(byMeta.map(\.documentID) == [ids[3]])
            }
        }
    }

    @Test("A word found only in a document's title finds the document, not its chunks", arguments: StoreKind.available)
    func titleOnlyWord(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 12)
            _ = try await store.createCollection(Make.spec("kw"))
            let (doc, chunks) = Make.document("kw", title: "Longformer 長文書", source: "a", chunkTexts: ["sparse attention windows"], rng: &rng)
            let titled = try await store.addDocument(doc, chunks: chunks, replacing: nil)
            let (other, otherChunks) = Make.document("kw", title: "Notes", source: "b", chunkTexts: ["dense layers"], rng: &rng)
            _ = try await store.addDocument(other, chunks: otherChunks, replacing: nil)

            for query in ["longformer", "長文"] {
                let hits = try await store.keywordSearch(collection: "kw", query: query, k: 10, target: .documents, filter: .none)
                #expect(hits.map(\.documentID) == [titled.id], "\(query)")
                #expect((hits.first?.score ?? 0) > 0)
                // Chunks hold their own text only: the title is the document's.
                #expect(try await store.keywordSearch(collection: "kw", query: query, k: 10, target: .chunks, filter: .none).isEmpty)
            }
        }
    }
}
