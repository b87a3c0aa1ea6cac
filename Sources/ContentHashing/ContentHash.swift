import Foundation

/// Content hashes of documents and chunks: SHA-256 of the UTF-8 text, lowercase hex (the same streaming hasher that
/// verifies model downloads).
public enum ContentHash {
    /// The hash the knowledge base stores for `text`.
    public static func of(_ text: String) -> String {
        var hasher = SHA256Hasher()
        hasher.update(Data(text.utf8))
        return hasher.hexDigest()
    }
}
