import FolioEmbedder
import Foundation
import Testing

@Suite("The GGUF vocabulary tokenizes like Hugging Face")
struct GGUFTokenizerTests {
    struct Golden: Decodable {
        let text: String
        let raw: [Int32]
        let ids: [Int32]
    }

    @Test("Every golden text gets Hugging Face's ids from the real Qwen3 vocabulary stored in GGUF")
    func goldenFromGGUF() throws {
        let path = modelsFolder.appendingPathComponent("qwen3-tiny-realvocab/qwen3-tiny-realvocab-q8_0.gguf").path
        let encoder = try InputEncoder.load(path: path)
        let lines = try String(contentsOf: fixtures.appendingPathComponent("tokenizers/golden/qwen3.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count >= 50)
        var mismatches = 0
        for line in lines {
            let golden = try JSONDecoder().decode(Golden.self, from: Data(line.utf8))
            let raw = encoder.ids(for: golden.text, raw: true)
            let ids = encoder.ids(for: golden.text)
            if raw != golden.raw || ids != golden.ids { mismatches += 1 }
            #expect(raw == golden.raw, "\(golden.text.prefix(40))")
            #expect(ids == golden.ids, "\(golden.text.prefix(40))")
        }
        #expect(mismatches == 0)
    }
}
