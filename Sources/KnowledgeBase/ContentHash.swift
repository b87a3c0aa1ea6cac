import Foundation
import ModelHub

/// Content hashes of documents and chunks: SHA-256 of the UTF-8 text, lowercase hex (the same streaming hasher that
/// verifies model downloads).
enum ContentHash {
    static func of(_ text: String) -> String {
        var hasher = SHA256Hasher()
        hasher.update(Data(text.utf8))
        return hasher.hexDigest()
    }
}
