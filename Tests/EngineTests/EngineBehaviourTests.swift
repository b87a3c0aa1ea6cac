import FolioEmbedder
import FolioModels
import Foundation
import Testing

@Suite("Embedder behaviour")
struct EngineBehaviourTests {
    static let gqa2 = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path
    static let q4km = modelsFolder.appendingPathComponent("qwen3-tiny-gqa4/qwen3-tiny-gqa4-q4_k_m.gguf").path

    @Test("A batch gives the same vectors as each input alone", arguments: [gqa2, q4km])
    func batchEqualsSingle(_ path: String) throws {
        let reference = try Reference.load(modelsFolder.appendingPathComponent("qwen3-tiny-gqa2/reference.json"))
        let embedder = try Embedder.load(path: path)
        let texts = reference.inputs.map(\.text)
        let batched = try embedder.embed(texts)
        for (i, text) in texts.enumerated() {
            let alone = try embedder.embed([text])[0].vector
            let diff = zip(alone, batched[i].vector).map { abs($0 - $1) }.max() ?? 1
            #expect(diff == 0, "input \(i) differs by \(diff) between batch and alone")
        }
    }

    @Test("A small token budget splits the batch without changing the vectors")
    func tokenBudgetBatching() throws {
        let reference = try Reference.load(modelsFolder.appendingPathComponent("qwen3-tiny-gqa2/reference.json"))
        let whole = try Embedder.load(path: Self.gqa2)
        let split = try Embedder.load(path: Self.gqa2, configuration: .init(maxBatchTokens: 16))
        let texts = reference.inputs.map(\.text)
        for (a, b) in zip(try whole.embed(texts), try split.embed(texts)) {
            #expect(cosine(a.vector, b.vector) > 0.999999)
        }
    }

    @Test("Every layer's hidden states match the PyTorch dump")
    func layerByLayer() throws {
        let reference = try Reference.load(modelsFolder.appendingPathComponent("qwen3-tiny-gqa2/reference.json"))
        let dump = try #require(reference.hidden_states)
        let loaded = try ModelLoader.load(path: Self.gqa2)
        let model = try #require(loaded.model as? Qwen3Model)
        let C = loaded.description.hiddenSize
        var seen = 0
        _ = try model.forward([dump.token_ids]) { stage, x, T in
            let state = dump.states[stage]
            for t in 0..<T {
                let row = Array(UnsafeBufferPointer(start: x + t * C, count: 8))
                let diff = zip(row, state.first8[t]).map { abs($0 - $1) }.max()!
                #expect(diff < 1e-4 * max(1, state.first8[t].map(abs).max()!), "\(state.name) token \(t)")
            }
            let last = Array(UnsafeBufferPointer(start: x + (T - 1) * C, count: C))
            #expect(cosine(last, state.last_row) >= 0.99999, "\(state.name) last row")
            seen += 1
        }
        #expect(seen == dump.states.count)
    }

    @Test("Per-token states (TEI's /embed_all) are transformers' last hidden state, before and in a batch")
    func tokenStates() throws {
        let reference = try Reference.load(modelsFolder.appendingPathComponent("qwen3-tiny-gqa2/reference.json"))
        let dump = try #require(reference.hidden_states)
        let final = try #require(dump.states.last)
        let embedder = try Embedder.load(path: Self.gqa2)
        // In a batch with another input, as the route runs them: the dump's sequence is the second.
        let states = try embedder.tokenStates(tokenized: [[5, 6, 7], dump.token_ids])
        #expect(states.map(\.count) == [3, dump.token_ids.count])
        let rows = states[1]
        for t in rows.indices {
            let diff = zip(rows[t].prefix(8), final.first8[t]).map { abs($0 - $1) }.max()!
            #expect(diff < 1e-4 * max(1, final.first8[t].map(abs).max()!), "token \(t)")
        }
        #expect(cosine(rows.last!, final.last_row) >= 0.99999)
        // The pooled vector is the last token's state.
        #expect(cosine(rows.last!, try embedder.embed(tokenized: [dump.token_ids])[0].vector) >= 0.99999)
        #expect(throws: EmbedderError.self) { try embedder.tokenStates(tokenized: [[]]) }
    }

    @Test("One input of over 20,000 tokens matches the reference")
    func longInput() throws {
        let reference = try Reference.load(modelsFolder.appendingPathComponent("qwen3-tiny-gqa2/reference.json"))
        let long = try #require(reference.long_input)
        let data = try Data(contentsOf: modelsFolder.appendingPathComponent("qwen3-tiny-gqa2/\(long.text_file)"))
        let text = String(decoding: data, as: UTF8.self)
        let embedder = try Embedder.load(path: Self.gqa2)
        let ids = embedder.tokens(for: text)
        #expect(ids.count == long.token_count)
        #expect(Array(ids.suffix(long.last_token_ids.count)) == long.last_token_ids)
        let e = try embedder.embed([text])[0]
        #expect(e.tokenCount > 20_000)
        #expect(cosine(e.vector, long.embedding) >= 0.9999)
    }

    @Test("An empty input is an error that names it")
    func emptyInput() throws {
        let embedder = try Embedder.load(path: Self.gqa2)
        #expect(throws: EmbedderError.emptyInput(index: 1)) { try embedder.embed(["a", ""]) }
    }

    @Test("Dimensions outside 32...hidden are refused")
    func badDimensions() throws {
        let embedder = try Embedder.load(path: Self.gqa2)
        #expect(throws: EmbedderError.badDimensions(requested: 16, minimum: 32, maximum: 64)) {
            try embedder.embed(["a"], options: .init(dimensions: 16))
        }
        #expect(throws: EmbedderError.badDimensions(requested: 65, minimum: 32, maximum: 64)) {
            try embedder.embed(["a"], options: .init(dimensions: 65))
        }
    }

    @Test("An input over the context length names both counts unless truncation is asked for")
    func tooLong() throws {
        // The gqa2 model with a 64-token context, so the over-long input stays cheap.
        let dir = try editedModelFolder { $0["max_position_embeddings"] = 64 }
        defer { try? FileManager.default.removeItem(at: dir) }
        let embedder = try Embedder.load(path: dir.path)
        let limit = embedder.contextLength
        #expect(limit == 64)
        let eos = try #require(embedder.encoder.appendedEOS)
        let ids = [Int32](repeating: 5, count: limit + 9) + [eos]
        let error = #expect(throws: EmbedderError.self) { try embedder.embed(tokenized: [ids]) }
        #expect(error == .inputTooLong(index: 0, tokens: limit + 10, limit: limit))
        #expect(error.map { "\($0)" }?.contains("\(limit + 10) tokens") == true)
        let cut = try embedder.embed(tokenized: [ids], options: .init(truncate: true))[0]
        #expect(cut.tokenCount == limit)
        let expected = try embedder.embed(tokenized: [Array(ids.prefix(limit - 1)) + [eos]])[0]
        #expect(cut.vector == expected.vector)
    }

    @Test("Token ids outside the vocabulary are refused")
    func tokenOutOfRange() throws {
        let embedder = try Embedder.load(path: Self.gqa2)
        #expect(throws: EmbedderError.tokenOutOfRange(index: 0, token: 5000, vocabularySize: 1003)) {
            try embedder.embed(tokenized: [[1, 5000]])
        }
    }
}
