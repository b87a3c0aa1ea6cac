import FolioEmbedder
import Foundation
import Ingestion

/// Settings of a knowledge base, with documented defaults.
public struct KnowledgeBaseConfiguration: Sendable {
    /// The model locator collections are bound to: a file or folder path, or a repo id. Compared by name
    /// (`KnowledgeBase.modelName(of:)`), so the same model at another path still matches.
    public var model: String
    /// The task text for queries (`Instruct: {task}\nQuery:{text}`); nil embeds queries as they are (BERT models).
    public var queryInstruction: String?
    /// Text put before each query as it is (a sentence-transformers prompt such as e5's `query: `); nil for none.
    public var queryPrefix: String?
    /// Text put before each chunk and each document as it is embedded (e5's `passage: `); nil for none. Stored texts
    /// and token counts leave it out.
    public var documentPrefix: String?
    /// Tokens of a document the document vector covers (Qwen3-Embedding's 32,768-token context), capped by
    /// the model's context.
    public var documentVectorTokens: Int
    /// Limits on uploaded files.
    public var extraction: ExtractionLimits
    /// Tokens per engine call while embedding chunks; progress is reported after each call.
    public var embeddingBatchTokens: Int

    public init(
        model: String, queryInstruction: String? = nil, queryPrefix: String? = nil, documentPrefix: String? = nil,
        documentVectorTokens: Int = 32_768,
        extraction: ExtractionLimits = .init(), embeddingBatchTokens: Int = 8192
    ) {
        self.model = model
        self.queryInstruction = queryInstruction
        self.queryPrefix = queryPrefix
        self.documentPrefix = documentPrefix
        self.documentVectorTokens = documentVectorTokens
        self.extraction = extraction
        self.embeddingBatchTokens = embeddingBatchTokens
    }

    /// The query instruction a model expects: Qwen3-Embedding (last-token pooling) is trained with
    /// instructions; BERT-family models take queries as they are.
    public static func defaultQueryInstruction(for encoder: InputEncoder) -> String? {
        encoder.appendedEOS != nil ? EmbedOptions.defaultRetrievalTask : nil
    }

    /// The settings for the model `locator` with its loaded embedder's `prompts`: the query and document prompts its
    /// files or family ask for (e5's `query: ` / `passage: `, nomic's `search_query: ` / `search_document: `), else its
    /// query instruction. Every entry point builds its knowledge base this way, so `folio eval`, `folio kb search`
    /// and the server format queries and documents alike.
    public static func forModel(_ locator: String, prompts: PromptConvention) -> KnowledgeBaseConfiguration {
        KnowledgeBaseConfiguration(
            model: locator, queryInstruction: prompts.queryTask, queryPrefix: prompts.queryPrefix,
            documentPrefix: prompts.documentPrefix)
    }
}
