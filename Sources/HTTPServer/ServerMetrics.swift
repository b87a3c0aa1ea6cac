import Foundation

/// Counters and histograms for `GET /metrics`, written in the Prometheus text format (version 0.0.4).
///
/// Kept by hand rather than through swift-metrics and a Prometheus backend: a few dozen lines instead of
/// two more packages for CI to build.
final class ServerMetrics: @unchecked Sendable {
    /// Histogram with fixed upper bounds; `counts[i]` is the count in bucket i alone (made cumulative on output).
    struct Histogram {
        let bounds: [Double]
        var counts: [Int]
        var sum = 0.0
        var count = 0
        init(bounds: [Double]) {
            self.bounds = bounds
            counts = Array(repeating: 0, count: bounds.count)
        }
        mutating func observe(_ value: Double) {
            if let i = bounds.firstIndex(where: { value <= $0 }) { counts[i] += 1 }
            sum += value
            count += 1
        }
    }

    static let latencyBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    static let batchInputBounds: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
    static let batchTokenBounds: [Double] = [16, 64, 256, 1024, 2048, 4096, 8192, 16384, 32768]

    private let lock = NSLock()
    private var requests: [String: Int] = [:]            // "route\u{0}method\u{0}status" -> count
    private var latency: [String: Histogram] = [:]        // route -> seconds
    private var batchInputs = Histogram(bounds: batchInputBounds)
    private var batchTokens = Histogram(bounds: batchTokenBounds)
    private var engineSeconds = 0.0
    private var embeddedInputs = 0
    private var embeddedTokens = 0
    private var rerankedDocuments = 0
    private var rerankedTokens = 0

    func recordRequest(route: String, method: String, status: Int, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        requests["\(route)\u{0}\(method)\u{0}\(status)", default: 0] += 1
        latency[route, default: Histogram(bounds: Self.latencyBounds)].observe(seconds)
    }

    func recordBatch(_ report: EmbeddingBatcher.BatchReport) {
        lock.lock(); defer { lock.unlock() }
        batchInputs.observe(Double(report.inputs))
        batchTokens.observe(Double(report.tokens))
        engineSeconds += report.seconds
    }

    func recordEmbedded(inputs: Int, tokens: Int) {
        lock.lock(); defer { lock.unlock() }
        embeddedInputs += inputs
        embeddedTokens += tokens
    }

    func recordReranked(documents: Int, tokens: Int) {
        lock.lock(); defer { lock.unlock() }
        rerankedDocuments += documents
        rerankedTokens += tokens
    }

    /// The exposition text; `queue` (the embedders' batchers) and `rerankQueueTokens` are read at scrape time.
    func render(queue: (inputs: Int, tokens: Int), rerankQueueTokens: Int = 0) -> String {
        lock.lock(); defer { lock.unlock() }
        var out = Self.header("folio_http_requests_total", "HTTP requests answered, by route, method and status.", "counter")
        for (key, n) in requests.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false)
            out += "folio_http_requests_total{route=\"\(parts[0])\",method=\"\(parts[1])\",status=\"\(parts[2])\"} \(n)\n"
        }
        out += Self.header("folio_http_request_duration_seconds", "Time from request to response, by route.", "histogram")
        for (route, h) in latency.sorted(by: { $0.key < $1.key }) {
            out += Self.lines("folio_http_request_duration_seconds", h, labels: "route=\"\(route)\",")
        }
        out += Self.sample("folio_embedded_inputs_total", "Inputs embedded.", "counter", embeddedInputs)
        out += Self.sample(
            "folio_embedded_tokens_total", "Tokens embedded (special tokens and instructions included).", "counter", embeddedTokens)
        out += Self.sample("folio_reranked_documents_total", "Documents scored by rerankers.", "counter", rerankedDocuments)
        out += Self.sample(
            "folio_reranked_tokens_total", "Tokens of the (query, document) pairs rerankers read, templates included.", "counter",
            rerankedTokens)
        out += Self.header("folio_batch_inputs", "Inputs per engine call.", "histogram")
        out += Self.lines("folio_batch_inputs", batchInputs, labels: "")
        out += Self.header("folio_batch_tokens", "Tokens per engine call.", "histogram")
        out += Self.lines("folio_batch_tokens", batchTokens, labels: "")
        out += Self.sample("folio_engine_seconds_total", "Time the engine spent embedding.", "counter", engineSeconds)
        out += Self.sample("folio_queue_inputs", "Inputs waiting for the engine.", "gauge", queue.inputs)
        out += Self.sample("folio_queue_tokens", "Tokens waiting for the engine.", "gauge", queue.tokens)
        out += Self.sample("folio_rerank_queue_tokens", "Tokens of rerank requests waiting or running.", "gauge", rerankQueueTokens)
        return out
    }

    /// The `# HELP` and `# TYPE` lines every Prometheus metric starts with.
    private static func header(_ name: String, _ help: String, _ type: String) -> String {
        "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    /// A metric with one unlabelled value.
    private static func sample(_ name: String, _ help: String, _ type: String, _ value: some Numeric) -> String {
        header(name, help, type) + "\(name) \(value)\n"
    }

    private static func lines(_ name: String, _ h: Histogram, labels: String) -> String {
        var out = "", cumulative = 0
        for (bound, n) in zip(h.bounds, h.counts) {
            cumulative += n
            out += "\(name)_bucket{\(labels)le=\"\(bound)\"} \(cumulative)\n"
        }
        let bare = labels.isEmpty ? "" : "{\(labels.dropLast())}"
        out += "\(name)_bucket{\(labels)le=\"+Inf\"} \(h.count)\n"
        out += "\(name)_sum\(bare) \(h.sum)\n\(name)_count\(bare) \(h.count)\n"
        return out
    }
}
