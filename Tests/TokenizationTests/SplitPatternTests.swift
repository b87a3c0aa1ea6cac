import Foundation
import Testing
import Tokenization

@Suite("Qwen2 split pattern")
struct SplitPatternTests {
    @Test("Pieces match Hugging Face's pre-tokenizer (contractions, ſ folding, White_Space, newlines)")
    func piecesMatch() throws {
        let data = try Data(contentsOf: TokenizerFixtures.root.appendingPathComponent("golden/qwen3.jsonl"))
        var checked = 0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let text = o["text"] as! String
            let want = o["pieces"] as! [String]
            let got = TokenizerFixtures.qwen3.prePieces(text)
            #expect(got == want, "\(text.prefix(50).debugDescription)")
            checked += 1
        }
        #expect(checked >= 60)
    }
}
