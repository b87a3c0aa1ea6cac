import Foundation

/// Prompts a model's own files ask for, so callers do not guess them per family.
public enum ModelPrompts {
    /// The query prompt of a sentence-transformers folder: `prompts[default_prompt_name]` or
    /// `prompts["query"]` in `config_sentence_transformers.json`; nil when there is none (all-MiniLM-L6-v2, a
    /// `.gguf` file).
    public static func sentenceTransformersQueryPrompt(modelPath: String) -> String? {
        guard let (prompts, defaultName) = sentenceTransformersPrompts(modelPath: modelPath) else { return nil }
        return prompts[defaultName ?? "query"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The document prompt of a sentence-transformers folder: `prompts["passage"]` (multilingual-e5's
    /// `passage: `) or `prompts["document"]`; nil when there is none.
    public static func sentenceTransformersDocumentPrompt(modelPath: String) -> String? {
        guard let (prompts, _) = sentenceTransformersPrompts(modelPath: modelPath) else { return nil }
        return (prompts["passage"] ?? prompts["document"]).flatMap { $0.isEmpty ? nil : $0 }
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
