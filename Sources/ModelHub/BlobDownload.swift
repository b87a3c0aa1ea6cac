import Foundation
import ContentHashing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads one file into `blobs/{etag}.incomplete`, resuming what an earlier attempt left, hashing the bytes as
/// they stream, and moves it to `blobs/{etag}` once size and checksum agree with the hub.
struct BlobDownload {
    let client: HubClient
    let cache: RepoCache
    let repository: String
    /// The file's path in the repository, for messages and progress.
    let file: String
    let metadata: HubClient.FileMetadata
    let progress: (@Sendable (HubProgressEvent) -> Void)?

    /// Runs the download and returns the finished blob.
    func run() async throws -> URL {
        let partial = cache.incompleteBlob(metadata.etag)
        try cache.create(partial.deletingLastPathComponent())
        let fm = FileManager.default
        if !fm.fileExists(atPath: partial.path), !fm.createFile(atPath: partial.path, contents: nil) {
            throw HubError.cacheIO(path: partial.path, detail: "cannot create the download file")
        }
        let state = try DownloadState(partial: partial)
        defer { state.close() }
        let expected = metadata.size
        if let expected, state.offset > expected { try state.restart() }
        // Hash what an earlier attempt left: the checksum covers the whole file.
        if state.offset > 0 { try state.hasher.update(contentsOf: partial, upTo: state.offset) }

        progress?(.started(file: file, totalBytes: expected, resumedFrom: state.offset))
        if expected == nil || state.offset < expected! {
            try await fetch(into: state)
        }
        try state.finish()

        let size = state.offset
        if let expected, size != expected {
            if size > expected { try? fm.removeItem(at: partial) }
            throw HubError.sizeMismatch(file: file, expected: expected, actual: size)
        }
        // LFS files are named by their SHA-256; small git files by a SHA-1 of a git header plus the bytes, which
        // only the size check covers.
        if RepoCache.isSHA256(metadata.etag) {
            let actual = state.hasher.hexDigest()
            if actual != metadata.etag.lowercased() {
                try? fm.removeItem(at: partial)
                throw HubError.checksumMismatch(file: file, expected: metadata.etag.lowercased(), actual: actual)
            }
        }
        let blob = cache.blob(metadata.etag)
        do {
            try? fm.removeItem(at: blob)
            try fm.moveItem(at: partial, to: blob)
        } catch {
            throw HubError.cacheIO(path: blob.path, detail: "cannot move the finished download into place: \(error)")
        }
        progress?(.finished(file: file, bytes: size))
        return blob
    }

    /// One GET from `state.offset` on: a 206 continues the file, a 200 (the server ignored the Range) starts it over.
    private func fetch(into state: DownloadState) async throws {
        let url = metadata.location
        let request = client.request(url, method: "GET", range: state.offset)
        let asked = state.offset
        let (file, total, progress) = (self.file, metadata.size, self.progress)
        var errorBody = Data()
        let response: HTTPURLResponse
        do {
            response = try await client.transport.perform(
                request, redirects: .all,
                stream: { response in
                    switch response.statusCode {
                    case 206 where asked > 0: return true
                    case 200:
                        if asked > 0 { try state.restart() }
                        return true
                    default: return false
                    }
                },
                onData: { data in
                    try state.append(data)
                    progress?(.advanced(file: file, completedBytes: state.offset, totalBytes: total))
                },
                onErrorBody: { data in if errorBody.count < 4096 { errorBody.append(data) } })
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError.interrupted(
                file: file, completedBytes: state.offset, totalBytes: total, reason: HubClient.describe(error))
        }
        switch response.statusCode {
        case 200, 206:
            return
        case 416 where asked > 0 && total == nil:
            // Nothing past the end: an earlier attempt had the whole file; the checksum decides.
            return
        case 401, 403:
            throw HubError.unauthorized(
                repository: repository, status: response.statusCode, tokenSent: client.configuration.token != nil)
        default:
            throw HubError.badResponse(url: url.absoluteString, status: response.statusCode, detail: HubClient.excerpt(errorBody))
        }
    }
}

/// The open partial file, its length and the running hash. Touched by the transfer's serial delegate queue while
/// the download runs and by the caller before and after, never at once.
private final class DownloadState: @unchecked Sendable {
    let handle: FileHandle
    var hasher = SHA256Hasher()
    /// Bytes of the file on disk.
    private(set) var offset: Int64

    init(partial: URL) throws {
        do {
            handle = try FileHandle(forWritingTo: partial)
            offset = Int64(try handle.seekToEnd())
        } catch {
            throw HubError.cacheIO(path: partial.path, detail: "cannot open the download file: \(error)")
        }
    }

    func append(_ data: Data) throws {
        try handle.write(contentsOf: data)
        hasher.update(data)
        offset += Int64(data.count)
    }

    /// Drops what is on disk and starts from byte zero.
    func restart() throws {
        try handle.truncate(atOffset: 0)
        hasher = SHA256Hasher()
        offset = 0
    }

    func finish() throws { try handle.synchronize() }

    func close() { try? handle.close() }
}
