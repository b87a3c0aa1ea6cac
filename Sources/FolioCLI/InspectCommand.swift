import ArgumentParser
import FolioEmbedder
import FolioModels
import Foundation

/// `folio inspect`: what a model file is, without running it.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Describe a model: architecture, sizes, tensor types, tokenizer, pooling.")

    @Argument(help: "A .gguf file, a Hugging Face model folder, or a repo id (owner/repo[:QUANT]).") var path: String
    @Flag(help: "Print JSON for machines.") var json = false

    func run() async throws {
        try await reportingErrors {
            let local = try await ModelLocator.localPath(for: path)
            let d = try ModelLoader.load(path: local).description
            let inputEncoder = try InputEncoder.load(path: local)
            let tokenizer = inputEncoder.tokenizer
            // Prompts put before the text: sentence-transformers' (multilingual-e5: `query: `, `passage: `), else the
            // family's for files that record none (nomic-bert, EmbeddingGemma GGUF); Qwen3's instruction is not a prefix.
            let convention = PromptConvention.of(modelPath: local, architecture: d.architecture, encoder: inputEncoder)
            let prompts = (query: convention.queryPrefix, document: convention.documentPrefix)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                var object = try JSONSerialization.jsonObject(with: encoder.encode(d)) as! [String: Any]
                object["tokenizer"] = ["type": "\(type(of: tokenizer))", "vocabularySize": tokenizer.vocabularySize]
                object["prompts"] = ["query": prompts.query ?? NSNull(), "document": prompts.document ?? NSNull()] as [String: Any]
                object["named_prompts"] = convention.named
                let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let types = d.tensorTypes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("""
            path:           \(d.path)
            format:         \(d.format)
            architecture:   \(d.architecture)
            hidden size:    \(d.hiddenSize)
            layers:         \(d.layers)
            heads:          \(d.queryHeads) query, \(d.keyValueHeads) key/value, head size \(d.headDim)
            MLP size:       \(d.intermediateSize)
            vocabulary:     \(d.vocabularySize)
            context length: \(d.contextLength)
            rope theta:     \(d.ropeTheta.map { "\($0)" } ?? "none (absolute positions)")
            pooling:        \(d.pooling.rawValue)
            parameters:     \(d.parameterCount)
            weight bytes:   \(d.weightBytes)
            tensor types:   \(types)
            tokenizer:      \(type(of: tokenizer)), \(tokenizer.vocabularySize) ids
            query prompt:   \(prompts.query.map { $0.debugDescription } ?? "none")
            document prompt: \(prompts.document.map { $0.debugDescription } ?? "none")
            named prompts:  \(convention.named.isEmpty ? "none" : convention.named.keys.sorted().joined(separator: ", "))
            """)
        }
    }
}
