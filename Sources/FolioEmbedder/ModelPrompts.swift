import Foundation

/// Prompts a model's own files ask for, so callers do not guess them per family.
public enum ModelPrompts {
    /// The query prompt of a sentence-transformers folder: `prompts[default_prompt_name]` or
    /// `prompts["query"]` in `config_sentence_transformers.json`; nil when there is none (all-MiniLM-L6-v2, a
    /// `.gguf` file).
    public static func sentenceTransformersQueryPrompt(modelPath: String) -> String? {
        let url = URL(fileURLWithPath: modelPath).appendingPathComponent("config_sentence_transformers.json")
        guard let data = FileManager.default.contents(atPath: url.path),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let prompts = object["prompts"] as? [String: String] else { return nil }
        let name = object["default_prompt_name"] as? String ?? "query"
        return prompts[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}
