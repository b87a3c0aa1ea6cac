import Foundation
import Testing

@Suite("folio bench")
struct BenchCommandTests {
    /// The keys `folio bench --json` promises (scripts and the benchmarks README read them).
    struct Report: Decodable {
        let tokens_per_second: Double
        let ms_per_input: Double
        let peak_rss_bytes: Int
        let gflops: Double
        let tokens: Int
        let batch: Int
        let precision: String
        let precision_used: String
        let kernels: String
        let seconds_per_run: [Double]
    }

    @Test("folio bench --json reports positive, mutually consistent speed, memory and GFLOP/s")
    func jsonReport() throws {
        let model = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path
        let (status, out, err) = try runFolio(["bench", "--model", model, "--tokens", "64", "--batch", "2",
                                               "--runs", "2", "--threads", "2", "--json"])
        #expect(status == 0, "stderr: \(err)")
        let r = try JSONDecoder().decode(Report.self, from: Data(out.utf8))
        #expect(r.tokens == 64 && r.batch == 2 && r.seconds_per_run.count == 2)
        #expect(r.tokens_per_second > 0 && r.ms_per_input > 0 && r.gflops > 0)
        #expect(r.peak_rss_bytes > 1 << 20, "peak RSS \(r.peak_rss_bytes) bytes is implausibly small")
        // tokens/s and ms/input describe the same median run: tokens/s = tokens * 1000 / ms per input.
        let implied = Double(r.tokens) * 1000 / r.ms_per_input
        #expect(abs(r.tokens_per_second - implied) <= 0.05 * implied, "\(r.tokens_per_second) vs \(implied)")
        #expect(r.precision == "f32" && r.precision_used == "f32" && !r.kernels.isEmpty)
    }

    @Test("folio bench --precision bf16 says which precision it really used")
    func precisionUsed() throws {
        let model = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2/qwen3-tiny-gqa2-f16.gguf").path
        let (status, out, err) = try runFolio(["bench", "--model", model, "--tokens", "32", "--runs", "1",
                                               "--precision", "bf16", "--json"])
        #expect(status == 0, "stderr: \(err)")
        let r = try JSONDecoder().decode(Report.self, from: Data(out.utf8))
        #expect(r.precision == "bf16")
        #expect(r.precision_used == (r.kernels.contains("bf16") ? "bf16" : "f32"))
    }

    @Test("folio bench refuses a token count over the model's context, with the limit in the message")
    func tooManyTokens() throws {
        let model = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path
        let (status, _, err) = try runFolio(["bench", "--model", model, "--tokens", "40000"])
        #expect(status != 0)
        #expect(err.contains("context"), "stderr: \(err)")
    }
}
