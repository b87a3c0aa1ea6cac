import Foundation
import KnowledgeStore
import Testing

@Suite("Store contract: vector search")
struct VectorSearchContractTests {
    /// 100 documents × 5 chunks of random unit vectors, D = 32; metadata group = i % 3, parity = even/odd.
    struct Corpus {
        var docIDs: [DocumentID] = []
        var docVectors: [[Float]] = []
        var docMetadata: [[String: String]] = []
        var chunkVectors: [[[Float]]] = []  // [doc][ordinal]
    }

    static let d = 32

    static func fill(_ store: any KnowledgeStore, encoding: VectorEncoding) async throws -> Corpus {
        var rng = SeededRandom(seed: 42)
        _ = try await store.createCollection(Make.spec("vec", d: d, encoding: encoding))
        var corpus = Corpus()
        for i in 0..<100 {
            let metadata = ["group": "g\(i % 3)", "parity": i % 2 == 0 ? "even" : "odd"]
            let chunkVectors = (0..<5).map { _ in rng.unitVector(d) }
            let (doc, chunks) = Make.document(
                "vec", source: "s\(i)", chunkTexts: (0..<5).map { "doc \(i) chunk \($0)" }, metadata: metadata, d: d,
                chunkVectors: chunkVectors, rng: &rng)
            corpus.docIDs.append(try await store.addDocument(doc, chunks: chunks, replacing: nil).id)
            corpus.docVectors.append(doc.vector!)
            corpus.docMetadata.append(metadata)
            corpus.chunkVectors.append(chunkVectors)
        }
        return corpus
    }

    /// Compares the store's hits with a brute-force ranking over the allowed documents.
    static func check(
        _ store: any KnowledgeStore, _ corpus: Corpus, encoding: VectorEncoding, target: SearchTarget, query: [Float],
        k: Int, filter: SearchFilter, allowed: (Int) -> Bool
    ) async throws {
        // Item id: doc index * 8 + ordinal for chunks, doc index for documents.
        var items: [(id: Int64, vector: [Float])] = []
        for i in corpus.docIDs.indices where allowed(i) {
            switch target {
            case .documents: items.append((Int64(i), corpus.docVectors[i]))
            case .chunks: for (o, v) in corpus.chunkVectors[i].enumerated() { items.append((Int64(i * 8 + o), v)) }
            }
        }
        let rounded = items.map { (id: $0.id, vector: stored($0.vector, encoding)) }
        let expected = bruteForceTopK(rounded, query: query, k: k)
        let exact = Dictionary(uniqueKeysWithValues: bruteForceTopK(items, query: query, k: items.count).map { ($0.id, $0.score) })

        let hits = try await store.vectorSearch(collection: "vec", query: query, k: k, target: target, filter: filter)
        let indexOf = Dictionary(uniqueKeysWithValues: corpus.docIDs.enumerated().map { ($1, $0) })
        let got: [Int64] = hits.map { hit in
            let i = indexOf[hit.documentID] ?? -1000
            return target == .documents ? Int64(i) : Int64(i * 8 + (hit.chunk?.ordinal ?? 99))
        }
        #expect(got == expected.map(\.id), "\(target) \(encoding) filter \(filter)")
        let tolerance = encoding == .f32 ? 1e-5 : 2e-3
        for (hit, id) in zip(hits, got) {
            #expect(abs(hit.score - (exact[id] ?? .nan)) <= tolerance)
            #expect(target == .documents ? hit.chunk == nil : hit.chunk?.documentID == hit.documentID)
        }
    }

    @Test("Vector search returns the exact top k, with and without filters",
          arguments: StoreKind.available, VectorEncoding.allCases)
    func exactTopK(kind: StoreKind, encoding: VectorEncoding) async throws {
        try await withStore(kind) { store in
            let corpus = try await Self.fill(store, encoding: encoding)
            var rng = SeededRandom(seed: 99)
            let picked: Set<Int> = [3, 17, 18, 40, 41, 77, 99]
            let byIDs = SearchFilter(documentIDs: Set(picked.map { corpus.docIDs[$0] }))
            let byMetadata = SearchFilter(metadata: ["group": "g1", "parity": "even"])
            let both = SearchFilter(documentIDs: byIDs.documentIDs, metadata: ["parity": "odd"])
            for target in SearchTarget.allCases {
                for _ in 0..<3 {
                    let q = rng.unitVector(Self.d)
                    try await Self.check(store, corpus, encoding: encoding, target: target, query: q, k: 10, filter: .none) { _ in true }
                    try await Self.check(store, corpus, encoding: encoding, target: target, query: q, k: 10, filter: byIDs) {
                        picked.contains($0)
                    }
                    try await Self.check(store, corpus, encoding: encoding, target: target, query: q, k: 10, filter: byMetadata) {
                        corpus.docMetadata[$0] == ["group": "g1", "parity": "even"]
                    }
                    try await Self.check(store, corpus, encoding: encoding, target: target, query: q, k: 50, filter: both) {
                        picked.contains($0) && $0 % 2 == 1
                    }
                }
            }
            let none = SearchFilter(metadata: ["group": "missing"])
            #expect(try await store.vectorSearch(collection: "vec", query: rng.unitVector(Self.d), k: 5, target: .chunks, filter: none)
                .isEmpty)
            #expect(try await store.vectorSearch(collection: "vec", query: rng.unitVector(Self.d), k: 0, target: .chunks, filter: .none)
                .isEmpty)
            await #expect(throws: StoreError.dimensionMismatch(expected: Self.d, got: 3)) {
                try await store.vectorSearch(collection: "vec", query: [1, 0, 0], k: 5, target: .chunks, filter: .none)
            }
        }
    }

    @Test("Search sees documents added after the first search", arguments: StoreKind.available)
    func seesNewDocuments(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var rng = SeededRandom(seed: 8)
            _ = try await store.createCollection(Make.spec("grow"))
            var last: DocumentID = 0
            for i in 0..<20 {
                let v = rng.unitVector(8)
                let (doc, chunks) = Make.document("grow", source: "g\(i)", chunkTexts: ["x\(i)"], vector: v, chunkVectors: [v], rng: &rng)
                last = try await store.addDocument(doc, chunks: chunks, replacing: nil).id
                for target in SearchTarget.allCases {
                    let top = try await store.vectorSearch(collection: "grow", query: v, k: 1, target: target, filter: .none)
                    #expect(top.first?.documentID == last)
                    #expect(abs((top.first?.score ?? 0) - 1) < 1e-5)
                }
            }
            #expect(try await store.vectorSearch(collection: "grow", query: rng.unitVector(8), k: 100, target: .chunks, filter: .none)
                .count == 20)
        }
    }
}
