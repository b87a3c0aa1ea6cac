import Foundation
import FolioEmbedder
import FolioModels
import Testing

/// The tiny Qwen3-Reranker against the model card's code run in transformers (float32, each pair alone).
@Suite("Qwen3-Reranker")
struct Qwen3RerankerTests {
    static let paths = [qwen3Folder.path, qwen3GGUF.path]

    @Test("The formatted pairs have transformers' token ids", arguments: paths)
    func tokenIDs(path: String) throws {
        let reference = try RerankReference.load(qwen3Folder)
        let reranker = try Reranker.load(path: path)
        for group in reference.groups {
            let options = RerankOptions(instruction: group.instruction)
            let sequences = try reranker.sequences(query: group.query, documents: group.pairs.map(\.document), options: options)
            for (s, pair) in zip(sequences, group.pairs) {
                #expect(s.ids == pair.token_ids, "\(group.label): \(pair.document.prefix(40))")
            }
        }
    }

    @Test("Scores equal the reference alone, batched and with the shared prefix", arguments: paths)
    func scores(path: String) throws {
        let reference = try RerankReference.load(qwen3Folder)
        let reranker = try Reranker.load(path: path)
        var worst: [String: Float] = [:]
        for group in reference.groups {
            let documents = group.pairs.map(\.document)
            let expected = group.pairs.map(\.score)
            let shared = RerankOptions(instruction: group.instruction)
            let batched = RerankOptions(instruction: group.instruction, reusePrefix: false)
            let alone = try documents.flatMap { try reranker.score(query: group.query, documents: [$0], options: batched) }
            let cases: [(String, [Float])] = [
                ("alone", alone),
                ("batched", try reranker.score(query: group.query, documents: documents, options: batched)),
                ("shared prefix", try reranker.score(query: group.query, documents: documents, options: shared)),
            ]
            for (name, scores) in cases {
                let d = maxDifference(scores, expected)
                worst[name] = max(worst[name] ?? 0, d)
                #expect(d < 1e-5, "\(group.label) \(name): max |difference| \(d)")
            }
            #expect(maxDifference(cases[2].1, alone) < 1e-6, "\(group.label): shared prefix differs from alone")
            var raw = RerankOptions(instruction: group.instruction, rawScores: true)
            raw.reusePrefix = true
            let logits = try reranker.score(query: group.query, documents: documents, options: raw)
            #expect(maxDifference(logits, group.pairs.map(\.raw)) < 1e-4, "\(group.label): raw logits")
        }
        print("qwen3 \(URL(fileURLWithPath: path).lastPathComponent): max |score difference| \(worst)")
    }

    @Test("A small token budget splits the documents over passes and keeps the scores")
    func smallBatches() throws {
        let reference = try RerankReference.load(qwen3Folder)
        let reranker = try Reranker.load(path: qwen3GGUF.path, configuration: .init(maxBatchTokens: 16))
        let group = reference.groups[0]
        let scores = try reranker.score(query: group.query, documents: group.pairs.map(\.document))
        #expect(maxDifference(scores, group.pairs.map(\.score)) < 1e-5)
    }

    @Test("The head rows come from the tokenizer's yes and no ids")
    func headIDs() throws {
        let reference = try RerankReference.load(qwen3Folder)
        let reranker = try Reranker.load(path: qwen3Folder.path)
        #expect(reranker.encoder.tokenizer.id(of: "yes") == reference.yes_id)
        #expect(reranker.encoder.tokenizer.id(of: "no") == reference.no_id)
    }

    @Test("Without truncation a pair over the limit is an error; with it the text is cut to the limit")
    func truncation() throws {
        let reranker = try Reranker.load(path: qwen3GGUF.path)
        let long = String(repeating: "word ", count: 9000)
        #expect(throws: EmbedderError.self) {
            try reranker.sequences(query: "q", documents: [long], options: RerankOptions(truncate: false))
        }
        let cut = try reranker.sequences(query: "q", documents: [long])[0]
        #expect(cut.ids.count == reranker.maxTokens)
        #expect(Array(cut.ids.suffix(3)) == Array(try reranker.sequences(query: "q", documents: ["x"])[0].ids.suffix(3)))
    }
}
