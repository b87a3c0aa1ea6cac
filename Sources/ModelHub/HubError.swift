import Foundation

/// Why a model could not be resolved from the Hugging Face hub or its cache. Each message says what to do.
public enum HubError: Error, Equatable, CustomStringConvertible {
    /// Why the cache had to do alone.
    public enum OfflineReason: Sendable, Equatable {
        /// `HF_HUB_OFFLINE` is set.
        case offlineMode
        /// The hub could not be reached; the text says why (connection refused, timed out, ...).
        case unreachable(String)
    }

    /// The text is not `owner/name`, `owner/name:TAG` or `owner/name/file`.
    case invalidReference(String)
    /// The model is not in the cache and the hub cannot be asked.
    case notCached(reference: String, cache: String, reason: OfflineReason)
    /// The hub refused: the repository is private or gated, or the token is wrong (HTTP 401/403).
    case unauthorized(repository: String, status: Int, tokenSent: Bool)
    /// No such repository (or revision).
    case repositoryNotFound(repository: String, revision: String)
    /// The named file is not in the repository; `available` lists its `.gguf` files.
    case fileNotFound(repository: String, file: String, available: [String])
    /// No `.gguf` carries the quantisation tag, or several do.
    case noMatchingQuantization(repository: String, tag: String, available: [String])
    /// The repository has several `.gguf` files and the reference did not say which.
    case ambiguousModelFile(repository: String, available: [String])
    /// The repository has neither a `.gguf` nor a safetensors model with its config.json.
    case noModelFiles(repository: String)
    /// The downloaded bytes do not hash to the checksum the hub gave; the partial file was removed.
    case checksumMismatch(file: String, expected: String, actual: String)
    /// The connection broke during a download; the bytes so far are kept and the next run resumes from them.
    case interrupted(file: String, completedBytes: Int64, totalBytes: Int64?, reason: String)
    /// The downloaded file is not the size the hub announced.
    case sizeMismatch(file: String, expected: Int64, actual: Int64)
    /// The hub or CDN answered with an unexpected status or body.
    case badResponse(url: String, status: Int, detail: String)
    /// The cache could not be written or read.
    case cacheIO(path: String, detail: String)

    static let localHint = "download it elsewhere and pass --model /path/to/model.gguf (or a model folder)"

    /// The message printed to the user.
    public var description: String {
        func list(_ files: [String]) -> String { files.isEmpty ? "none" : files.joined(separator: ", ") }
        switch self {
        case let .invalidReference(text):
            return "'\(text)' is not a Hugging Face model reference: expected owner/name, owner/name:QUANT (e.g. :Q8_0) "
                + "or owner/name/file.gguf, or a path to a local .gguf file or model folder"
        case let .notCached(reference, cache, .offlineMode):
            return "\(reference) is not in the Hugging Face cache at \(cache) and HF_HUB_OFFLINE is set; "
                + "unset HF_HUB_OFFLINE to download it, or \(Self.localHint)"
        case let .notCached(reference, cache, .unreachable(why)):
            return "\(reference) is not in the Hugging Face cache at \(cache) and the hub cannot be reached (\(why)); "
                + "\(Self.localHint)"
        case let .unauthorized(repository, status, tokenSent):
            let fix = tokenSent
                ? "check that HF_TOKEN is valid and that your account has accepted the model's terms on its page"
                : "if it is private or gated, set HF_TOKEN to a token from https://huggingface.co/settings/tokens"
            return "the hub refused access to \(repository) (HTTP \(status)); the repository may not exist, or \(fix)"
        case let .repositoryNotFound(repository, revision):
            return "no repository \(repository) (revision \(revision)) on the hub; check the name, or set HF_TOKEN for a private one"
        case let .fileNotFound(repository, file, available):
            return "\(repository) has no file \(file); its .gguf files: \(list(available))"
        case let .noMatchingQuantization(repository, tag, available):
            return "no single .gguf in \(repository) matches \(tag); its .gguf files: \(list(available)); "
                + "name one with \(repository)/FILE.gguf"
        case let .ambiguousModelFile(repository, available):
            return "\(repository) has several .gguf files: \(list(available)); choose one with \(repository):QUANT "
                + "(e.g. :Q8_0) or \(repository)/FILE.gguf"
        case let .noModelFiles(repository):
            return "\(repository) has no .gguf file and no safetensors model with a config.json; "
                + "pass a repository holding a GGUF or a transformers model"
        case let .checksumMismatch(file, expected, actual):
            return "\(file) downloaded with SHA-256 \(actual) but the hub says \(expected); the partial file was removed, "
                + "run again to download it afresh"
        case let .interrupted(file, done, total, reason):
            let of = total.map { " of \($0)" } ?? ""
            return "the download of \(file) stopped at \(done)\(of) bytes (\(reason)); run the command again to resume it, "
                + "or \(Self.localHint)"
        case let .sizeMismatch(file, expected, actual):
            return "\(file) downloaded as \(actual) bytes but the hub says \(expected); run again to resume the download"
        case let .badResponse(url, status, detail):
            return "unexpected answer from \(url) (HTTP \(status)): \(detail)"
        case let .cacheIO(path, detail):
            return "cannot use the Hugging Face cache at \(path): \(detail); set HF_HUB_CACHE to a writable folder"
        }
    }
}
