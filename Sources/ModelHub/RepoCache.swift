import Foundation

/// One repository's folder in the `huggingface_hub` cache, in its layout (so Python tools and Folio share files):
///
///     models--{owner}--{name}/
///       blobs/{etag}                file contents, named by ETag: the SHA-256 for LFS files, the git SHA-1 otherwise
///       blobs/{etag}.incomplete     a download in progress, resumed with an HTTP Range request
///       refs/{revision}             the commit the revision pointed to (no newline)
///       snapshots/{commit}/{path}   a relative symlink to ../../blobs/{etag} (one more ../ per folder in path)
struct RepoCache {
    /// `models--{owner}--{name}`.
    let root: URL

    init(cacheDirectory: URL, repository: String) {
        root = cacheDirectory.appendingPathComponent(
            "models--" + repository.replacingOccurrences(of: "/", with: "--"), isDirectory: true)
    }

    func blob(_ etag: String) -> URL { root.appendingPathComponent("blobs/\(etag)") }
    func incompleteBlob(_ etag: String) -> URL { root.appendingPathComponent("blobs/\(etag).incomplete") }
    func snapshot(_ commit: String) -> URL { root.appendingPathComponent("snapshots/\(commit)", isDirectory: true) }
    func file(commit: String, path: String) -> URL { snapshot(commit).appendingPathComponent(path) }

    /// The commit `revision` resolves to in the cache: refs/{revision}, or the revision itself when it is a commit hash
    /// with a snapshot folder.
    func commit(for revision: String) -> String? {
        if let text = try? String(contentsOf: root.appendingPathComponent("refs/\(revision)"), encoding: .utf8) {
            let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !commit.isEmpty { return commit }
        }
        if Self.isCommitHash(revision), FileManager.default.fileExists(atPath: snapshot(revision).path) { return revision }
        return nil
    }

    /// Records that `revision` points at `commit`.
    func writeRef(revision: String, commit: String) throws {
        guard revision != commit else { return }
        let url = root.appendingPathComponent("refs/\(revision)")
        try create(url.deletingLastPathComponent())
        do { try Data(commit.utf8).write(to: url, options: .atomic) } catch {
            throw HubError.cacheIO(path: url.path, detail: "\(error)")
        }
    }

    /// Points snapshots/{commit}/{path} at blobs/{etag} with a relative symlink, replacing an older link.
    func link(commit: String, path: String, etag: String) throws {
        let link = file(commit: commit, path: path)
        try create(link.deletingLastPathComponent())
        let depth = path.split(separator: "/").count
        let target = String(repeating: "../", count: depth + 1) + "blobs/\(etag)"
        let fm = FileManager.default
        try? fm.removeItem(at: link)
        do { try fm.createSymbolicLink(atPath: link.path, withDestinationPath: target) } catch {
            throw HubError.cacheIO(path: link.path, detail: "cannot create the snapshot link: \(error)")
        }
    }

    /// Paths (relative, `/`-separated) of the files in a snapshot whose blobs are present.
    func files(commit: String) -> [String] {
        let base = snapshot(commit)
        guard let walker = FileManager.default.enumerator(atPath: base.path) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            var isFolder: ObjCBool = false
            // fileExists follows the link: a dangling link (blob deleted) does not count.
            if FileManager.default.fileExists(atPath: base.appendingPathComponent(relative).path, isDirectory: &isFolder),
               !isFolder.boolValue {
                found.append(relative)
            }
        }
        return found.sorted()
    }

    func create(_ folder: URL) throws {
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw HubError.cacheIO(path: folder.path, detail: "\(error)")
        }
    }

    static func isCommitHash(_ s: String) -> Bool { s.count == 40 && s.allSatisfy(\.isHexDigit) }
    static func isSHA256(_ s: String) -> Bool { s.count == 64 && s.allSatisfy(\.isHexDigit) }
}
