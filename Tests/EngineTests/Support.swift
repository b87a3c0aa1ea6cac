import Foundation
import Testing

/// The repository's `Fixtures/` folder, found from this file's path.
let fixtures: URL = {
    var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        url.deleteLastPathComponent()
    }
    return url.appendingPathComponent("Fixtures")
}()

let modelsFolder = fixtures.appendingPathComponent("models")

/// A reference file written by scripts/make_model_fixtures.py from transformers' Qwen3Model (float32).
struct Reference: Decodable {
    struct Input: Decodable {
        let label: String
        let text: String
        let token_ids: [Int32]
        let embedding: [Float]
        let embedding_dimensions: [Float]?
    }
    struct Query: Decodable {
        let label: String
        let text: String
        let token_ids: [Int32]
        let embedding: [Float]
    }
    struct Queries: Decodable {
        let task: String
        let inputs: [Query]
    }
    struct State: Decodable {
        let name: String
        let first8: [[Float]]
        let last_row: [Float]
    }
    struct HiddenStates: Decodable {
        let token_ids: [Int32]
        let states: [State]
    }
    struct LongInput: Decodable {
        let text_file: String
        let token_count: Int
        let last_token_ids: [Int32]
        let embedding: [Float]
    }
    let hidden_size: Int
    let eos_token_id: Int32
    let dimensions: Int
    let inputs: [Input]
    let queries: Queries
    let hidden_states: HiddenStates?
    let long_input: LongInput?

    static func load(_ url: URL) throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }
}

func cosine(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "vectors of \(a.count) and \(b.count) values")
    var dot = 0.0, na = 0.0, nb = 0.0
    for i in a.indices {
        dot += Double(a[i]) * Double(b[i])
        na += Double(a[i]) * Double(a[i])
        nb += Double(b[i]) * Double(b[i])
    }
    return dot / (na.squareRoot() * nb.squareRoot())
}

/// One model to check: a Hugging Face folder or a GGUF file, with its reference and the cosine it must reach.
struct ModelCase: CustomTestStringConvertible, Sendable {
    let path: String
    let reference: String
    let minimumCosine: Double
    var testDescription: String { URL(fileURLWithPath: path).lastPathComponent }
}

/// Every fixture model: folders (exact weights, ≥ 0.9999), float GGUFs (≥ 0.9999), quantised GGUFs against
/// transformers on their exactly dequantised weights (≥ 0.999).
let modelCases: [ModelCase] = {
    var cases: [ModelCase] = []
    for folder in ["qwen3-tiny-gqa2", "qwen3-tiny-gqa4", "qwen3-tiny-realvocab"] {
        let dir = modelsFolder.appendingPathComponent(folder)
        cases.append(ModelCase(path: dir.path, reference: dir.appendingPathComponent("reference.json").path,
                               minimumCosine: 0.9999))
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        for file in files.sorted() where file.hasSuffix(".gguf") {
            let isFloat = file.contains("-f32") || file.contains("-f16") || file.contains("-bf16")
            cases.append(ModelCase(path: dir.appendingPathComponent(file).path,
                                   reference: dir.appendingPathComponent(file + ".reference.json").path,
                                   minimumCosine: isFloat ? 0.9999 : 0.999))
        }
    }
    return cases
}()
