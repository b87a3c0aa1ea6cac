import Foundation
import FolioEmbedder
import FolioModels
import Testing

/// Fixtures/xlmr/cross-encoder (scripts/make_xlmr_fixtures.py): a tiny XLMRobertaForSequenceClassification with
/// one label (bge-reranker-v2-m3 style) against sentence-transformers' CrossEncoder.predict in float64.
@Suite("XLM-RoBERTa cross-encoder")
struct XLMRobertaCrossEncoderTests {
    static let folder = rerankers.deletingLastPathComponent().appendingPathComponent("xlmr/cross-encoder")

    struct Reference: Decodable {
        struct Pair: Decodable {
            let query: String
            let document: String
            let ids: [Int32]
            let score: Float
            let raw: Float
        }
        let pairs: [Pair]
    }

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
    }

    @Test("Pair ids are <s> query </s></s> document </s>, cut longest first to the context, as the tokenizer's")
    func tokenIDs() throws {
        let reranker = try Reranker.load(path: Self.folder.path)
        for pair in try Self.reference().pairs {
            let s = try reranker.sequences(query: pair.query, documents: [pair.document])[0]
            #expect(s.ids == pair.ids, "\(pair.query.prefix(20)) / \(pair.document.prefix(30))")
        }
    }

    @Test("Sigmoid and raw scores equal sentence-transformers within 1e-5", arguments: [false, true])
    func scores(raw: Bool) throws {
        let reranker = try Reranker.load(path: Self.folder.path)
        let pairs = try Self.reference().pairs
        // Each pair alone, then every pair of one query in one call.
        var got: [Float] = []
        for pair in pairs {
            got += try reranker.score(query: pair.query, documents: [pair.document], options: RerankOptions(rawScores: raw))
        }
        let want = pairs.map { raw ? $0.raw : $0.score }
        let d = maxDifference(got, want)
        #expect(d < 1e-5, "max |difference| \(d)")
        let first = pairs.filter { $0.query == pairs[0].query }
        let together = try reranker.score(query: first[0].query, documents: first.map(\.document),
                                          options: RerankOptions(rawScores: raw))
        #expect(maxDifference(together, first.map { raw ? $0.raw : $0.score }) < 1e-5)
        // The scores spread: a constant answer could not pass.
        #expect((want.max()! - want.min()!) > 0.01)
        print("XLM-R cross-encoder \(raw ? "raw" : "sigmoid"): max |difference| \(d)")
    }

    @Test("The folder is a reranker, not an embedder")
    func kind() throws {
        #expect(try ModelKind.of(path: Self.folder.path) == .reranker)
        #expect(throws: ModelError.self) { try Embedder.load(path: Self.folder.path) }
    }
}
