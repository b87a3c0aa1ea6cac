import Foundation

/// A model named by its Hugging Face repository, with an optional choice of file:
///
/// - `Qwen/Qwen3-Embedding-0.6B-GGUF`: the repository (its one `.gguf`, or its safetensors files);
/// - `Qwen/Qwen3-Embedding-0.6B-GGUF:Q8_0`: the `.gguf` whose name carries that quantisation tag;
/// - `Qwen/Qwen3-Embedding-0.6B-GGUF/Qwen3-Embedding-0.6B-Q8_0.gguf`: that file.
public struct ModelReference: Sendable, Equatable, CustomStringConvertible {
    /// What to take from the repository.
    public enum Selector: Sendable, Equatable {
        /// The repository's single `.gguf`, or its safetensors model.
        case repository
        /// The `.gguf` whose name carries this tag, compared without case (`Q8_0`, `Q4_K_M`).
        case quantization(String)
        /// This file, by its path in the repository.
        case file(String)
    }

    /// `owner/name`.
    public let repository: String
    /// What to take from it.
    public let selector: Selector

    /// The reference as the user would write it.
    public var description: String {
        switch selector {
        case .repository: repository
        case let .quantization(tag): "\(repository):\(tag)"
        case let .file(path): "\(repository)/\(path)"
        }
    }

    /// Parses `owner/name`, `owner/name:TAG` or `owner/name/path/in/repo`; nil when `text` is not of that shape.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, Self.isValidName(parts[0]) else { return nil }
        var name = parts[1]
        var selector = Selector.repository
        if parts.count > 2 {
            let path = parts[2...]
            guard path.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else { return nil }
            selector = .file(path.joined(separator: "/"))
        } else if let colon = name.firstIndex(of: ":") {
            let tag = String(name[name.index(after: colon)...])
            guard !tag.isEmpty, tag.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }) else { return nil }
            name = String(name[..<colon])
            selector = .quantization(tag)
        }
        guard Self.isValidName(name) else { return nil }
        self.repository = "\(parts[0])/\(name)"
        self.selector = selector
    }

    /// Whether `text` names a hub repository rather than a local file or folder: it is not an existing path, has
    /// the shape `owner/name[:TAG | /file]`, and does not look like a missing local model file (`dir/model.gguf`).
    public static func isRepoReference(_ text: String) -> Bool {
        if text.hasPrefix("/") || text.hasPrefix(".") || text.hasPrefix("~") || text.contains("\\") { return false }
        if FileManager.default.fileExists(atPath: text) { return false }
        guard let reference = ModelReference(parsing: text) else { return false }
        if case .repository = reference.selector {
            let lower = reference.repository.lowercased()
            if lower.hasSuffix(".gguf") || lower.hasSuffix(".safetensors") { return false }
        }
        return true
    }

    /// The hub's rule for owner and repository names (`huggingface_hub.utils.validate_repo_id`): letters, digits,
    /// `-`, `_`, `.`; no `--` or `..`; not starting or ending with `-` or `.`; at most 96 characters.
    static func isValidName(_ s: String) -> Bool {
        guard !s.isEmpty, s.count <= 96, !s.contains("--"), !s.contains("..") else { return false }
        guard let first = s.first, let last = s.last, !"-.".contains(first), !"-.".contains(last) else { return false }
        return s.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-_.".contains($0) }
    }
}
