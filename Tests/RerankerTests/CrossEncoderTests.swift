import Foundation
import FolioEmbedder
import FolioModels
import Testing

/// The tiny BERT cross-encoder against sentence-transformers' CrossEncoder.predict.
@Suite("BERT cross-encoder")
struct CrossEncoderTests {
    @Test("Pair ids and the second segment equal the tokenizer's input_ids and token_type_ids")
    func tokenIDs() throws {
        let reference = try RerankReference.load(crossEncoderFolder)
        let reranker = try Reranker.load(path: crossEncoderFolder.path)
        for group in reference.groups {
            let sequences = try reranker.sequences(query: group.query, documents: group.pairs.map(\.document))
            for (s, pair) in zip(sequences, group.pairs) {
                #expect(s.ids == pair.token_ids, "\(group.label): \(pair.document.prefix(40))")
                let types = s.ids.indices.map { Int32($0 < s.secondSegmentStart ? 0 : 1) }
                #expect(types == pair.token_type_ids, "\(group.label): token types")
            }
        }
    }

    @Test("Sigmoid and raw scores equal sentence-transformers", arguments: [false, true])
    func scores(raw: Bool) throws {
        let reference = try RerankReference.load(crossEncoderFolder)
        let reranker = try Reranker.load(path: crossEncoderFolder.path)
        var worst: Float = 0
        for group in reference.groups {
            let scores = try reranker.score(query: group.query, documents: group.pairs.map(\.document),
                                            options: RerankOptions(rawScores: raw))
            let d = maxDifference(scores, group.pairs.map { raw ? $0.raw : $0.score })
            worst = max(worst, d)
            #expect(d < 1e-5, "\(group.label): max |difference| \(d)")
        }
        print("cross-encoder \(raw ? "raw" : "sigmoid"): max |difference| \(worst)")
    }
}
