import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// HTTP for the hub on URLSession, with the two things its convenience methods lack: redirects under our control
/// (a HEAD must stop at the hub's 302 to read `X-Linked-Etag`) and bodies streamed to disk as they arrive.
struct HubTransport: Sendable {
    /// Which redirects a request follows.
    enum Redirects: Sendable {
        /// None: the 3xx response is the answer.
        case none
        /// Only to a path on the same host (the hub's repo renames), as `huggingface_hub` does for metadata.
        case relativeOnly
        /// All of them.
        case all
    }

    let timeout: TimeInterval

    /// Sends `request` and returns the response with its body, at most `limit` bytes of it kept.
    func send(_ request: URLRequest, redirects: Redirects, limit: Int = 16 << 20) async throws -> (HTTPURLResponse, Data) {
        var body = Data()
        let keep: (Data) -> Void = { data in
            if body.count < limit { body.append(data.prefix(limit - body.count)) }
        }
        let response = try await perform(request, redirects: redirects, stream: { _ in true }, onData: keep, onErrorBody: keep)
        return (response, body)
    }

    /// Sends `request`; when `stream(response)` says so, each piece of the body goes to `onData` as it arrives,
    /// otherwise the (error) body goes to `onErrorBody`. `onData` runs on one serial queue, never concurrently.
    func perform(
        _ request: URLRequest, redirects: Redirects, stream: @escaping (HTTPURLResponse) throws -> Bool,
        onData: @escaping (Data) throws -> Void, onErrorBody: @escaping (Data) -> Void
    ) async throws -> HTTPURLResponse {
        var request = request
        request.timeoutInterval = timeout
        let delegate = TransferDelegate(redirects: redirects, stream: stream, onData: onData, onErrorBody: onErrorBody)
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                delegate.start(task, continuation: continuation)
            }
        } onCancel: {
            task.cancel()
        }
    }
}

/// Receives one task's callbacks. URLSession calls it on a serial queue, so its state needs no lock beyond the
/// hand-over of the continuation.
private final class TransferDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let redirects: HubTransport.Redirects
    let stream: (HTTPURLResponse) throws -> Bool
    let onData: (Data) throws -> Void
    let onErrorBody: (Data) -> Void
    private let lock = NSLock()
    private var continuation: CheckedContinuation<HTTPURLResponse, any Error>?
    private var response: HTTPURLResponse?
    private var streaming = false
    private var failure: (any Error)?

    init(
        redirects: HubTransport.Redirects, stream: @escaping (HTTPURLResponse) throws -> Bool,
        onData: @escaping (Data) throws -> Void, onErrorBody: @escaping (Data) -> Void
    ) {
        self.redirects = redirects
        self.stream = stream
        self.onData = onData
        self.onErrorBody = onErrorBody
    }

    func start(_ task: URLSessionDataTask, continuation: CheckedContinuation<HTTPURLResponse, any Error>) {
        lock.withLock { self.continuation = continuation }
        task.resume()
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        switch redirects {
        case .none:
            completionHandler(nil)
        case .all:
            completionHandler(request)
        case .relativeOnly:
            let location = response.value(forHTTPHeaderField: "Location") ?? ""
            guard location.hasPrefix("/"), !location.hasPrefix("//"), let original = task.originalRequest,
                  let url = request.url else { return completionHandler(nil) }
            // Keep the method and headers (HEAD, Authorization) that a generic redirect may drop.
            var next = original
            next.url = url
            completionHandler(next)
        }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        guard let http = response as? HTTPURLResponse else {
            failure = URLError(.badServerResponse)
            return completionHandler(.cancel)
        }
        self.response = http
        do { streaming = try stream(http) } catch {
            failure = error
            return completionHandler(.cancel)
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failure == nil else { return }
        guard streaming else { return onErrorBody(data) }
        do { try onData(data) } catch {
            failure = error
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let continuation = lock.withLock {
            defer { self.continuation = nil }
            return self.continuation
        }
        if let failure {
            continuation?.resume(throwing: failure)
        } else if let error {
            continuation?.resume(throwing: error)
        } else if let response = response ?? task.response as? HTTPURLResponse {
            continuation?.resume(returning: response)
        } else {
            continuation?.resume(throwing: URLError(.badServerResponse))
        }
    }
}
