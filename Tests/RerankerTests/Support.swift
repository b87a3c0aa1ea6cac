import Foundation
import Testing

/// The repository's `Fixtures/rerankers` folder, found from this file's path.
let rerankers: URL = {
    var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        url.deleteLastPathComponent()
    }
    return url.appendingPathComponent("Fixtures/rerankers")
}()

let qwen3Folder = rerankers.appendingPathComponent("qwen3-reranker-tiny")
let qwen3GGUF = qwen3Folder.appendingPathComponent("qwen3-reranker-tiny-bf16.gguf")
let crossEncoderFolder = rerankers.appendingPathComponent("bert-cross-encoder-tiny")

/// A reference file written by scripts/make_reranker_fixtures.py.
struct RerankReference: Decodable {
    struct Pair: Decodable {
        let document: String
        let token_ids: [Int32]
        let token_type_ids: [Int32]?
        let score: Float
        let raw: Float
    }
    struct Group: Decodable {
        let label: String
        let instruction: String?
        let query: String
        let pairs: [Pair]
    }
    let groups: [Group]
    let yes_id: Int32?
    let no_id: Int32?

    static func load(_ folder: URL) throws -> RerankReference {
        try JSONDecoder().decode(RerankReference.self, from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
    }
}

/// Largest |a - b| over two equal-length lists.
func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
