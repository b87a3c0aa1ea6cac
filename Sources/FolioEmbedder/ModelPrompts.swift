import Foundation
import FolioModels

/// Prompts a model's own files ask for, so callers do not guess them per family.
public enum ModelPrompts {
    /// The query prompt of a sentence-transformers folder: `prompts[default_prompt_name]`, `prompts["query"]` or
    /// `prompts["search_query"]` (nomic) in `config_sentence_transformers.json`; nil when there is none
    /// (all-MiniLM-L6-v2, a `.gguf` file).
    public static func sentenceTransformersQueryPrompt(modelPath: String) -> String? {
        guard let (prompts, defaultName) = sentenceTransformersPrompts(modelPath: modelPath) else { return nil }
        return (defaultName.flatMap { prompts[$0] } ?? prompts["query"] ?? prompts["search_query"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The document prompt of a sentence-transformers folder: `prompts["passage"]` (multilingual-e5's
    /// `passage: `), `prompts["document"]` or `prompts["search_document"]` (nomic); nil when there is none.
    public static func sentenceTransformersDocumentPrompt(modelPath: String) -> String? {
        guard let (prompts, _) = sentenceTransformersPrompts(modelPath: modelPath) else { return nil }
        return (prompts["passage"] ?? prompts["document"] ?? prompts["search_document"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The prompts a model family is trained with, for files that record none (GGUF files never do): nomic-bert
    /// (nomic-embed-text v1 / v1.5), whose model card asks for `search_query: ` and `search_document: ` in retrieval,
    /// and EmbeddingGemma (`gemma-embedding`), whose `config_sentence_transformers.json` has `query` and `document`.
    /// nil for families without fixed prompts.
    public static func familyPrompts(architecture: String) -> (query: String, document: String)? {
        familyTable(architecture: architecture).flatMap { table in
            table["query"].flatMap { query in table["document"].map { (query, $0) } }
        }
    }

    /// Every named prompt of a family whose files may record none: nomic-embed-text's four task prefixes (its model
    /// card), with `query` and `document` for its retrieval pair; EmbeddingGemma's table as google/embeddinggemma-300m's
    /// `config_sentence_transformers.json` publishes it. nil for other families.
    public static func familyTable(architecture: String) -> [String: String]? {
        switch architecture {
        case "nomic-bert":
            ["query": "search_query: ", "document": "search_document: ", "search_query": "search_query: ",
             "search_document": "search_document: ", "classification": "classification: ", "clustering": "clustering: "]
        case Gemma3Config.ggufArchitecture: embeddingGemmaPrompts
        default: nil
        }
    }

    /// EmbeddingGemma's retrieval prompts.
    public static let embeddingGemmaQuery = "task: search result | query: "
    public static let embeddingGemmaDocument = "title: none | text: "

    /// EmbeddingGemma's named prompts (sentence-transformers `prompts`), one per MTEB task type.
    static let embeddingGemmaPrompts: [String: String] = [
        "query": embeddingGemmaQuery, "document": embeddingGemmaDocument,
        "BitextMining": embeddingGemmaQuery, "Clustering": "task: clustering | query: ",
        "Classification": "task: classification | query: ", "InstructionRetrieval": "task: code retrieval | query: ",
        "MultilabelClassification": "task: classification | query: ",
        "PairClassification": "task: sentence similarity | query: ", "Reranking": embeddingGemmaQuery,
        "Retrieval": embeddingGemmaQuery, "Retrieval-query": embeddingGemmaQuery, "Retrieval-document": embeddingGemmaDocument,
        "STS": "task: sentence similarity | query: ", "Summarization": "task: summarization | query: ",
    ]

    /// Every named prompt of the model at `modelPath`: its folder's sentence-transformers `prompts` (all of them, as
    /// TEI's `prompt_name` reads them), else its family's table; empty when it has neither.
    public static func named(modelPath: String, architecture: String) -> [String: String] {
        sentenceTransformersPrompts(modelPath: modelPath)?.0 ?? familyTable(architecture: architecture) ?? [:]
    }

    /// `prompts` and `default_prompt_name` of `config_sentence_transformers.json`.
    private static func sentenceTransformersPrompts(modelPath: String) -> ([String: String], String?)? {
        let url = URL(fileURLWithPath: modelPath).appendingPathComponent("config_sentence_transformers.json")
        guard let data = FileManager.default.contents(atPath: url.path),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let prompts = object["prompts"] as? [String: String] else { return nil }
        return (prompts, object["default_prompt_name"] as? String)
    }
}

/// How a model wants queries and documents written, read from its own files: Qwen3-Embedding's instruction
/// (`Instruct: {task}\nQuery:{text}`), or a sentence-transformers prompt put before the text (multilingual-e5's
/// `query: ` and `passage: `; EmbeddingGemma's `task: search result | query: ` and `title: none | text: `), or nothing
/// (all-MiniLM-L6-v2).
public struct PromptConvention: Sendable, Equatable {
    /// The default task of an instruction model's queries; nil for models that take no instruction.
    public var queryTask: String?
    /// Text put before each query (a sentence-transformers `prompts` entry); nil for none.
    public var queryPrefix: String?
    /// Text put before each document (e5's `passage: `); nil for none.
    public var documentPrefix: String?
    /// Every prompt the model names (sentence-transformers `prompts`, else its family's table): what TEI's
    /// `prompt_name` selects, e.g. EmbeddingGemma's `STS` or `Clustering`. Empty for none.
    public var named: [String: String]

    public init(queryTask: String? = nil, queryPrefix: String? = nil, documentPrefix: String? = nil,
                named: [String: String] = [:]) {
        self.queryTask = queryTask
        self.queryPrefix = queryPrefix
        self.documentPrefix = documentPrefix
        self.named = named
    }

    /// The convention of the model at `modelPath` (of `architecture`, as ``ModelDescription`` names it): its folder's
    /// sentence-transformers prompts when it has them, else its family's (nomic-bert's `search_query: ` and
    /// `search_document: `, EmbeddingGemma's), else Qwen3-Embedding's default task for last-token pooling models (their GGUF files carry
    /// no prompts).
    public static func of(modelPath: String, architecture: String, encoder: InputEncoder) -> PromptConvention {
        let family = ModelPrompts.familyPrompts(architecture: architecture)
        let query = ModelPrompts.sentenceTransformersQueryPrompt(modelPath: modelPath) ?? family?.query
        return PromptConvention(
            queryTask: query == nil && encoder.appendedEOS != nil ? EmbedOptions.defaultRetrievalTask : nil, queryPrefix: query,
            documentPrefix: ModelPrompts.sentenceTransformersDocumentPrompt(modelPath: modelPath) ?? family?.document,
            named: ModelPrompts.named(modelPath: modelPath, architecture: architecture))
    }

    /// A query as this model reads it: `(prefix + text, task)` for the encoder's `ids(for:instruction:)`. A given
    /// `task` replaces the default one (and makes any model read the query in Qwen3's instruction format).
    public func query(_ text: String, task: String? = nil) -> (text: String, instruction: String?) {
        if let task, !task.isEmpty { return (text, task) }
        return ((queryPrefix ?? "") + text, queryTask)
    }

    /// The text a query starts with (`Instruct: {task}\nQuery:` for Qwen3, `query: ` for e5); nil for none.
    public var queryPromptText: String? {
        queryTask.map { InputEncoder.formatQuery("", task: $0) } ?? queryPrefix
    }

    /// A document as this model reads it.
    public func document(_ text: String) -> String { (documentPrefix ?? "") + text }

    /// `text` behind the prompt called `name`: `query` and `document` (or `passage`) as ``query(_:task:)`` and
    /// ``document(_:)`` write them, any other name as its entry in ``named`` puts before the text. nil when the model
    /// has no prompt of that name.
    public func written(_ text: String, prompt name: String) -> (text: String, instruction: String?)? {
        switch name {
        case "query": query(text)
        case "document", "passage": (document(text), nil)
        default: named[name].map { ($0 + text, nil) }
        }
    }

    /// The names ``written(_:prompt:)`` takes, sorted: `query`, `document` and the model's own.
    public var promptNames: [String] { Set(named.keys).union(["query", "document"]).sorted() }

}
