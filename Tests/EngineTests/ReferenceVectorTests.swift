import FolioEmbedder
import Foundation
import Testing

@Suite("Vectors match transformers for every fixture model and file type")
struct ReferenceVectorTests {
    @Test("Fixture set covers folders, float and quantised GGUF files")
    func fixtureSetIsComplete() {
        #expect(modelCases.count >= 13)
        #expect(modelCases.contains { $0.path.hasSuffix("q4_k_m.gguf") })
        #expect(modelCases.contains { $0.path.hasSuffix(".v2.gguf") })
    }

    @Test("Token ids equal the reference's, with <|endoftext|> appended", arguments: modelCases)
    func tokenIDs(_ c: ModelCase) throws {
        let reference = try Reference.load(URL(fileURLWithPath: c.reference))
        let embedder = try Embedder.load(path: c.path)
        for input in reference.inputs {
            #expect(embedder.tokens(for: input.text) == input.token_ids, "\(input.label)")
            #expect(input.token_ids.last == reference.eos_token_id)
        }
        for query in reference.queries.inputs {
            #expect(embedder.tokens(for: query.text, instruction: reference.queries.task) == query.token_ids,
                    "query \(query.label)")
        }
    }

    @Test("Document vectors match the reference", arguments: modelCases)
    func documents(_ c: ModelCase) throws {
        let reference = try Reference.load(URL(fileURLWithPath: c.reference))
        let embedder = try Embedder.load(path: c.path)
        let out = try embedder.embed(reference.inputs.map(\.text))
        for (e, input) in zip(out, reference.inputs) {
            let cos = cosine(e.vector, input.embedding)
            #expect(cos >= c.minimumCosine, "\(input.label): cosine \(cos)")
            #expect(e.tokenCount == input.token_ids.count)
        }
    }

    @Test("Matryoshka dimensions match the reference's first-N-then-renormalise", arguments: modelCases)
    func dimensions(_ c: ModelCase) throws {
        let reference = try Reference.load(URL(fileURLWithPath: c.reference))
        let embedder = try Embedder.load(path: c.path)
        if reference.dimensions < 32 {
            // The reference cuts a 32-wide model to 16; Folio's floor is 32 (Qwen3-Embedding's smallest MRL size).
            #expect(throws: EmbedderError.badDimensions(requested: reference.dimensions, minimum: 32,
                                                        maximum: embedder.dimension)) {
                try embedder.embed(["x"], options: .init(dimensions: reference.dimensions))
            }
            return
        }
        let out = try embedder.embed(reference.inputs.map(\.text), options: .init(dimensions: reference.dimensions))
        for (e, input) in zip(out, reference.inputs) {
            let expected = try #require(input.embedding_dimensions)
            #expect(e.vector.count == reference.dimensions)
            #expect(cosine(e.vector, expected) >= c.minimumCosine, "\(input.label)")
            let norm = e.vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
    }

    @Test("Queries with an instruction match the reference", arguments: modelCases)
    func queries(_ c: ModelCase) throws {
        let reference = try Reference.load(URL(fileURLWithPath: c.reference))
        let embedder = try Embedder.load(path: c.path)
        let out = try embedder.embed(reference.queries.inputs.map(\.text),
                                     options: .init(instruction: reference.queries.task))
        for (e, query) in zip(out, reference.queries.inputs) {
            #expect(cosine(e.vector, query.embedding) >= c.minimumCosine, "\(query.label)")
        }
    }
}
