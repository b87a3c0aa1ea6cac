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
        let peak_instruction: String
        let peak_gops: Double?
        let fraction_of_peak: Double?
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
        // A float model at f32: the peak is that of f32 FMA, measured wherever AVX2 or AVX-512 runs, and a
        // tiny model is far below it. The fraction is gflops over the peak.
        #expect(r.peak_instruction == "vfmadd (f32)")
        if r.kernels.hasPrefix("avx") {
            let peak = try #require(r.peak_gops), fraction = try #require(r.fraction_of_peak)
            #expect(peak > 1 && fraction > 0 && fraction < 1, "peak \(peak) G/s, fraction \(fraction)")
            #expect(abs(fraction - r.gflops / peak) <= 1e-6 * fraction)
        }
    }

    @Test("A quantised model is measured against the int8 peak where VNNI runs it")
    func int8Peak() throws {
        let model = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2/qwen3-tiny-gqa2-q8_0.gguf").path
        let (status, out, err) = try runFolio(["bench", "--model", model, "--tokens", "32", "--runs", "1",
                                               "--threads", "1", "--json"])
        #expect(status == 0, "stderr: \(err)")
        let r = try JSONDecoder().decode(Report.self, from: Data(out.utf8))
        if r.kernels.contains("vnni") {
            #expect(r.peak_instruction == "vpdpbusd (int8)")
            // Four int8 products per lane against one f32 product: the int8 peak is about 4x f32's on AVX-512
            // cores, so a probe of the wrong instruction shows even when other tests share the CPU.
            let peak = try #require(r.peak_gops)
            let (fStatus, fOut, _) = try runFolio(["bench", "--model", modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path,
                                                   "--tokens", "32", "--runs", "1", "--threads", "1", "--json"])
            #expect(fStatus == 0)
            let f32Peak = try #require(try JSONDecoder().decode(Report.self, from: Data(fOut.utf8)).peak_gops)
            #expect(peak > 1.5 * f32Peak, "int8 \(peak) G/s vs f32 \(f32Peak) G/s")
        } else {
            #expect(r.peak_instruction != "vpdpbusd (int8)")
        }
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
