import Foundation

/// Where the Hugging Face cache lives, which hub to ask and how. Defaults match `huggingface_hub`, so a model
/// downloaded by Python tools is found here and the other way round.
public struct HubConfiguration: Sendable, Equatable {
    /// The hub cache folder, holding `models--{owner}--{name}/`. Default: `~/.cache/huggingface/hub`.
    public var cacheDirectory: URL
    /// The hub's base URL (`HF_ENDPOINT`). Default: `https://huggingface.co`.
    public var endpoint: URL
    /// A user access token sent as `Authorization: Bearer` to the hub (not to the CDN it redirects to).
    public var token: String?
    /// Use the cache only and never open a connection (`HF_HUB_OFFLINE=1`).
    public var offline: Bool
    /// The branch, tag or commit to resolve. Default: `main`.
    public var revision: String
    /// Seconds to wait for the hub to answer a request (not the whole download). Default: 30.
    public var requestTimeout: TimeInterval

    /// A configuration with the given values; the rest keep their documented defaults.
    public init(
        cacheDirectory: URL, endpoint: URL = URL(string: "https://huggingface.co")!, token: String? = nil,
        offline: Bool = false, revision: String = "main", requestTimeout: TimeInterval = 30
    ) {
        self.cacheDirectory = cacheDirectory
        self.endpoint = endpoint
        self.token = token
        self.offline = offline
        self.revision = revision
        self.requestTimeout = requestTimeout
    }

    /// Reads the variables `huggingface_hub` reads (see its `constants.py`):
    ///
    /// - `HF_HUB_CACHE` (or the older `HUGGINGFACE_HUB_CACHE`): the cache folder itself;
    /// - else `HF_HOME` + `/hub`; else `XDG_CACHE_HOME` + `/huggingface/hub`; else `~/.cache/huggingface/hub`;
    /// - `HF_ENDPOINT`: the hub's base URL;
    /// - `HF_TOKEN` (or `HUGGING_FACE_HUB_TOKEN`), else the file `HF_TOKEN_PATH` or `$HF_HOME/token` that
    ///   `huggingface-cli login` writes;
    /// - `HF_HUB_OFFLINE`: `1`, `ON`, `YES` or `TRUE` (any case) for cache only.
    ///
    /// Only the executable reads the process environment; tests pass a dictionary.
    public static func fromEnvironment(_ env: [String: String]) -> HubConfiguration {
        func value(_ key: String) -> String? {
            guard let v = env[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
            return v
        }
        func path(_ raw: String) -> URL {
            let home = value("HOME") ?? NSHomeDirectory()
            let expanded = raw == "~" ? home : raw.hasPrefix("~/") ? home + raw.dropFirst(1) : raw
            return URL(fileURLWithPath: expanded, isDirectory: true).standardizedFileURL
        }
        let home = value("HOME").map(path) ?? URL(fileURLWithPath: NSHomeDirectory(), isDirectory: true)
        let hfHome = value("HF_HOME").map(path)
            ?? (value("XDG_CACHE_HOME").map(path) ?? home.appendingPathComponent(".cache", isDirectory: true))
            .appendingPathComponent("huggingface", isDirectory: true)
        let cache = (value("HF_HUB_CACHE") ?? value("HUGGINGFACE_HUB_CACHE")).map(path)
            ?? hfHome.appendingPathComponent("hub", isDirectory: true)

        var endpoint = value("HF_ENDPOINT") ?? "https://huggingface.co"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }

        var token = value("HF_TOKEN") ?? value("HUGGING_FACE_HUB_TOKEN")
        if token == nil {
            let file = value("HF_TOKEN_PATH").map(path) ?? hfHome.appendingPathComponent("token")
            token = (try? String(contentsOf: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            if token?.isEmpty == true { token = nil }
        }

        let offline = ["1", "ON", "YES", "TRUE"].contains(value("HF_HUB_OFFLINE")?.uppercased() ?? "")
        return HubConfiguration(
            cacheDirectory: cache, endpoint: URL(string: endpoint) ?? URL(string: "https://huggingface.co")!, token: token,
            offline: offline)
    }
}
