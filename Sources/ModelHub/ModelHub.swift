import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Resolves a Hugging Face model reference to a local path, downloading into the shared `huggingface_hub` cache.
///
/// ```swift
/// let hub = ModelHub(configuration: .fromEnvironment(ProcessInfo.processInfo.environment))
/// let path = try await hub.resolve("Qwen/Qwen3-Embedding-0.6B-GGUF:Q8_0", progress: TerminalProgress().handler)
/// // ~/.cache/huggingface/hub/models--Qwen--Qwen3-Embedding-0.6B-GGUF/snapshots/{commit}/Qwen3-Embedding-0.6B-Q8_0.gguf
/// ```
///
/// A model already in the cache is used without a request, so a second start needs no network; updates to the
/// repository are picked up only after the cached snapshot is removed.
public struct ModelHub: Sendable {
    /// Where the cache is and how the hub is reached.
    public let configuration: HubConfiguration

    /// A hub client with `configuration`.
    public init(configuration: HubConfiguration) {
        self.configuration = configuration
    }

    /// Whether `text` names a hub repository (`owner/name`, `owner/name:QUANT`, `owner/name/file.gguf`) rather than
    /// a local file or folder. See ``ModelReference/isRepoReference(_:)``.
    public static func isRepoReference(_ text: String) -> Bool { ModelReference.isRepoReference(text) }

    /// The local path of the model `reference` names: a `.gguf` file, or a snapshot folder for a safetensors model.
    /// Downloads what the cache lacks, reporting each file to `progress`.
    public func resolve(_ reference: String, progress: (@Sendable (HubProgressEvent) -> Void)? = nil) async throws -> URL {
        guard let parsed = ModelReference(parsing: reference) else { throw HubError.invalidReference(reference) }
        return try await resolve(parsed, progress: progress)
    }

    /// The local path of the model `reference` names, as the `String` form above.
    public func resolve(_ reference: ModelReference, progress: (@Sendable (HubProgressEvent) -> Void)? = nil) async throws -> URL {
        let cache = RepoCache(cacheDirectory: configuration.cacheDirectory, repository: reference.repository)
        if let cached = cachedPath(reference) { return cached }
        if configuration.offline {
            throw HubError.notCached(reference: reference.description, cache: configuration.cacheDirectory.path, reason: .offlineMode)
        }

        // 1. The commit the revision points at now, and the repository's file list.
        let client = HubClient(configuration: configuration)
        let info: HubClient.RepoInfo
        do { info = try await client.repoInfo(reference.repository) } catch let error as HubError { throw error } catch {
            throw HubError.notCached(
                reference: reference.description, cache: configuration.cacheDirectory.path,
                reason: .unreachable(HubClient.describe(error)))
        }
        let files = info.siblings.map(\.rfilename)
        let plan = try FileSelection.plan(for: reference, files: files)

        // 2. Each file into blobs/ and a link to it in snapshots/{commit}/, all from that one commit.
        for file in plan.files where !FileManager.default.fileExists(atPath: cache.file(commit: info.sha, path: file).path) {
            let metadata: HubClient.FileMetadata?
            do { metadata = try await client.metadata(repository: reference.repository, commit: info.sha, path: file) } catch
                let error as HubError { throw error } catch {
                throw HubError.notCached(
                    reference: reference.description, cache: configuration.cacheDirectory.path,
                    reason: .unreachable(HubClient.describe(error)))
            }
            guard let metadata else {
                throw HubError.fileNotFound(
                    repository: reference.repository, file: file, available: files.filter { $0.lowercased().hasSuffix(".gguf") })
            }
            if !FileManager.default.fileExists(atPath: cache.blob(metadata.etag).path) {
                _ = try await BlobDownload(
                    client: client, cache: cache, repository: reference.repository, file: file, metadata: metadata,
                    progress: progress
                ).run()
            }
            try cache.link(commit: info.sha, path: file, etag: metadata.etag)
        }

        // 3. refs/{revision} last, so an interrupted run never points the revision at a half-filled snapshot.
        try cache.writeRef(revision: configuration.revision, commit: info.sha)
        return plan.ggufFile.map { cache.file(commit: info.sha, path: $0) } ?? cache.snapshot(info.sha)
    }

    /// The cached path for `reference`, or nil when the cache lacks it (or a file of it). Makes no request.
    public func cachedPath(_ reference: ModelReference) -> URL? {
        let cache = RepoCache(cacheDirectory: configuration.cacheDirectory, repository: reference.repository)
        guard let commit = cache.commit(for: configuration.revision) else { return nil }
        let files = cache.files(commit: commit)
        guard let plan = try? FileSelection.plan(for: reference, files: files) else { return nil }
        if let gguf = plan.ggufFile { return cache.file(commit: commit, path: gguf) }
        if case .file = reference.selector { return cache.file(commit: commit, path: plan.files[0]) }
        return FileSelection.folderIsComplete(cache.snapshot(commit), files: files) ? cache.snapshot(commit) : nil
    }
}
