import Foundation
import FolioModels
import ModelFiles
import Tokenization

/// Turns user text into the ids a model sees: query formatting, the tokenizer with its post-processor,
/// and `<|endoftext|>` for last-token pooling even when the tokenizer file does not append it.
public struct InputEncoder: Sendable {
    public let tokenizer: any Tokenizer
    /// The id appended for last-token pooling (Qwen3-Embedding: `<|endoftext|>`, 151643); nil when none.
    public let appendedEOS: Int32?

    public init(tokenizer: any Tokenizer, lastTokenPooling: Bool) {
        self.tokenizer = tokenizer
        // By name first: published Qwen3 GGUF files may name `<|im_end|>` as eos, but the embedding
        // model was trained to pool on `<|endoftext|>`.
        self.appendedEOS = lastTokenPooling ? (tokenizer.id(of: "<|endoftext|>") ?? tokenizer.eosTokenID) : nil
    }

    /// The special ids `ids(for:)` ends with: `<|endoftext|>` for last-token pooling, else the
    /// post-processor's suffix (BERT: `[SEP]`). Truncation keeps them at the end.
    public var specialSuffix: [Int32] {
        if let eos = appendedEOS { return [eos] }
        return tokenizer.postProcessor.suffix
    }

    /// The text a query becomes: `Instruct: {task}\nQuery:{text}` (no space after `Query:`, as in the
    /// Qwen3-Embedding README). Documents are embedded as they are.
    public static func formatQuery(_ text: String, task: String) -> String {
        "Instruct: \(task)\nQuery:\(text)"
    }

    /// Ids the model sees. `raw` gives the tokenizer's ids without special tokens (Hugging Face
    /// `encode(text, add_special_tokens=False)`).
    public func ids(for text: String, instruction: String? = nil, raw: Bool = false) -> [Int32] {
        let input = instruction.map { Self.formatQuery(text, task: $0) } ?? text
        if raw { return tokenizer.encode(input, addSpecialTokens: false) }
        var ids = tokenizer.encode(input, addSpecialTokens: true)
        if let eos = appendedEOS, ids.last != eos {
            // The file's post-processor ends with another token (or none): the pooling token replaces it.
            ids.removeLast(min(tokenizer.postProcessor.suffix.count, ids.count))
            ids.append(eos)
        }
        return ids
    }

    /// Token ids a client tokenized itself, with the special tokens text gets from ``ids(for:instruction:raw:)``:
    /// `<|endoftext|>` for last-token pooling, else the post-processor's prefix and suffix (BERT: `[CLS] … [SEP]`).
    /// Ids that already start and end with them are left as they are, so ids from Hugging Face's `encode` with
    /// or without special tokens give the text's vector.
    public func withSpecialTokens(_ ids: [Int32]) -> [Int32] {
        if let eos = appendedEOS { return ids.last == eos ? ids : ids + [eos] }
        let p = tokenizer.postProcessor
        var out = ids.starts(with: p.prefix) ? ids : p.prefix + ids
        if !(out.count >= p.prefix.count + p.suffix.count && out.suffix(p.suffix.count).elementsEqual(p.suffix)) { out += p.suffix }
        return out
    }

    /// Loads only the tokenizer of a model: a `.gguf` file, a model folder, or a folder with just
    /// `tokenizer.json` (no weights needed).
    public static func load(path: String) throws -> InputEncoder {
        switch try? ModelFormat.detect(path: path) {
        case let .gguf(file)?:
            let gguf = try GGUFFile(path: file)
            let arch = gguf.metadata["general.architecture"]?.string
            return InputEncoder(tokenizer: try TokenizerFactory.fromGGUF(gguf), lastTokenPooling: arch == "qwen3")
        default:
            let folder = URL(fileURLWithPath: path)
            let url = folder.appendingPathComponent("tokenizer.json")
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw EmbedderError.tokenizerMissing(path: path, expected: "a .gguf file or a folder with tokenizer.json")
            }
            let config = try? JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json")))
            let modelType = (config as? [String: Any])?["model_type"] as? String
            return InputEncoder(tokenizer: try TokenizerLoader.load(tokenizerJSON: url), lastTokenPooling: modelType == "qwen3")
        }
    }
}
