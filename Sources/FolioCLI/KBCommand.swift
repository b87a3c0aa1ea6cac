import ArgumentParser
import FolioEmbedder
import Foundation
import KnowledgeBase
import KnowledgeStore

/// `folio kb`: the knowledge base from the command line.
struct KBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kb",
        abstract: "Build and search a knowledge base: collections of documents, chunked and embedded.",
        subcommands: [
            KBCreateCommand.self, KBAddCommand.self, KBSearchCommand.self, KBListCommand.self, KBRemoveCommand.self,
            KBDuplicatesCommand.self, KBMigrateCommand.self, KBBenchCommand.self,
        ])
}

/// Loads the model a collection is bound to and builds the knowledge base over it.
/// With `reranker`, searches may rerank (`SearchRequest.rerank`).
func openKnowledgeBase(
    store: any KnowledgeStore, collection: String, threads: Int?, reranker: String? = nil
) async throws -> KnowledgeBase {
    guard let spec = try await store.collection(named: collection) else { throw StoreError.collectionNotFound(collection) }
    let kb = try knowledgeBase(
        store: store, model: spec.model, threads: threads, loadingFrom: try await ModelLocator.localPath(for: spec.model))
    guard let reranker else { return kb }
    let second = try Reranker.load(path: try await ModelLocator.localPath(for: reranker), configuration: .init(threads: threads))
    return KnowledgeBase(store: store, engine: kb.engine, configuration: kb.configuration, reranker: second)
}

/// A knowledge base over `store` with the model at `model`, formatting queries as the model's files say. `path` is where
/// the model is on disk when `model` is a Hugging Face reference (see `ModelLocator`).
func knowledgeBase(store: any KnowledgeStore, model: String, threads: Int?, loadingFrom path: String? = nil) throws -> KnowledgeBase {
    let embedder: Embedder
    do {
        embedder = try Embedder.load(path: path ?? model, configuration: .init(threads: threads))
    } catch {
        throw ValidationError("cannot load the model '\(model)': \(error); pass --model PATH to a .gguf file or model folder")
    }
    let configuration = KnowledgeBaseConfiguration.forModel(model, prompts: embedder.prompts)
    return KnowledgeBase(store: store, engine: embedder, configuration: configuration)
}

struct KBCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a collection bound to a model.")

    @Argument(help: "Collection name (letters, digits, '-', '_', '.').") var name: String
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Keep the first N values of each vector (Matryoshka); default: the model's full size.") var dimensions: Int?
    @Option(help: "f32 or f16 vectors (f16 halves the space).") var vectorEncoding: VectorEncoding = .f32
    @Option(help: "Longest chunk in model tokens (16 to 8192; default 512 or what the model's context allows).")
    var chunkTokens: Int?
    @Option(help: "Tokens shared by consecutive chunks (default: 64, or an eighth of a shorter chunk).") var overlapTokens: Int?
    @Flag(inversion: .prefixedNo,
          help: "Compute a whole-document vector for each document, after its chunks (document-level vector search, near-duplicates).")
    var documentVectors = true
    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            let store = try await storeOptions.open()
            // The collection keeps using this model: a local path is stored absolute, a repo id as given.
            let model = modelOptions.model
            let locator = FileManager.default.fileExists(atPath: model)
                ? URL(fileURLWithPath: model).standardizedFileURL.path : model
            let kb = try knowledgeBase(
                store: store, model: locator, threads: modelOptions.threads,
                loadingFrom: try await ModelLocator.localPath(for: locator))
            let spec = try await kb.createCollection(
                name: name, dimensions: dimensions, vectorEncoding: vectorEncoding, maxChunkTokens: chunkTokens,
                overlapTokens: overlapTokens, documentVectors: documentVectors)
            print("created collection \(spec.name): \(kb.modelName), \(spec.dimensions) dimensions (\(spec.vectorEncoding.rawValue)), "
                + "chunks of \(spec.maxChunkTokens) tokens with \(spec.overlapTokens) overlap"
                + (spec.documentVectors ? "" : ", no document vectors"))
        }
    }
}

extension VectorEncoding: ExpressibleByArgument {}
