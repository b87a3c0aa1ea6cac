import ArgumentParser
import FolioEmbedder
import FolioModels
import FolioTensor
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `folio bench`: times the engine on deterministic random token ids, so a run needs no text and
/// gives the same inputs on every machine.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time forward passes: tokens per second, milliseconds per input, peak memory, GFLOP/s.",
        discussion: """
            Inputs are --batch sequences of --tokens random ids (seeded, never special tokens, ending with the
            model's end-of-text id as real inputs do), embedded in one call: one warm-up run, then --runs timed
            runs; the median run is reported. FOLIO_KERNELS=portable|avx2|avx512 caps the SIMD path.
            """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Tokens per input.") var tokens = 512
    @Option(help: "Inputs per run, embedded in one call.") var batch = 1
    @Option(help: "Timed runs after the warm-up; the median is reported.") var runs = 3
    @OptionGroup var precisionOption: PrecisionOption
    @Option(help: "Seed of the random token ids.") var seed: UInt64 = 42
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func validate() throws {
        guard tokens >= 2 else { throw ValidationError("--tokens must be at least 2, got \(tokens)") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1, got \(runs)") }
    }

    func run() async throws {
        try await reportingErrors {
            let precision = precisionOption.precision
            let embedder = try await modelOptions.loadEmbedder(precision: precision, attention: precisionOption.attention, maxBatchTokens: max(8192, tokens * batch))
            let d = embedder.description
            guard tokens <= embedder.contextLength else {
                throw ValidationError("--tokens \(tokens) is over the model's context of \(embedder.contextLength) tokens")
            }
            let inputs = Self.randomInputs(count: batch, tokens: tokens, vocabulary: d.vocabularySize,
                                           special: embedder.encoder.tokenizer.specialTokenIDs,
                                           suffix: embedder.encoder.specialSuffix, seed: seed)
            _ = try embedder.embed(tokenized: inputs)  // warm-up: page in the weights, grow the scratch
            var seconds: [Double] = []
            for _ in 0..<runs {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try embedder.embed(tokenized: inputs)
                seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            let median = seconds.sorted()[seconds.count / 2]
            let flops = Self.flops(d, tokens: tokens) * Double(batch)
            let threadCount = modelOptions.threads ?? ProcessInfo.processInfo.activeProcessorCount
            let (peakInstruction, peak) = Self.peak(embedder: embedder, threads: threadCount)
            let report = Report(
                tokensPerSecond: Double(tokens * batch) / median, msPerInput: median * 1000 / Double(batch),
                peakRSSBytes: Self.peakResidentBytes(), gflops: flops / median / 1e9,
                model: d.path, architecture: d.architecture, weightTypes: d.tensorTypes, tokens: tokens, batch: batch,
                runs: runs, threads: threadCount,
                precision: precision.rawValue, precisionUsed: embedder.precisionUsed.rawValue,
                kernels: embedder.kernelPath, secondsPerRun: seconds, flopsPerRun: flops,
                peakInstruction: peakInstruction, peakGOPS: peak > 0 ? peak / 1e9 : nil,
                fractionOfPeak: peak > 0 ? flops / median / peak : nil)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(report.text)
            }
        }
    }

    /// `count` sequences of `tokens` ids: uniform over the vocabulary minus special ids, then the model's
    /// special suffix (Qwen3's `<|endoftext|>`, whose hidden state is pooled). SplitMix64, so a seed
    /// gives the same ids on every platform.
    static func randomInputs(count: Int, tokens: Int, vocabulary: Int, special: Set<Int32>, suffix: [Int32],
                             seed: UInt64) -> [[Int32]] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let tail = suffix.count < tokens ? suffix : []
        return (0..<count).map { _ in
            var ids: [Int32] = []
            ids.reserveCapacity(tokens)
            while ids.count < tokens - tail.count {
                let id = Int32(next() % UInt64(vocabulary))
                if !special.contains(id) { ids.append(id) }
            }
            return ids + tail
        }
    }

    /// Floating-point operations of one forward pass over one sequence of `T` tokens: 2 per weight of
    /// every linear layer per token (the embedding table is a lookup), plus attention's two products,
    /// QKᵀ and PV, of 2·T·T·D each per head — halved for causal (Qwen3) attention, where token t sees t keys.
    static func flops(_ d: ModelDescription, tokens T: Int) -> Double {
        let (C, F, L) = (Double(d.hiddenSize), Double(d.intermediateSize), Double(d.layers))
        let (q, kv) = (Double(d.queryHeads * d.headDim), Double(d.keyValueHeads * d.headDim))
        let causal = d.architecture != "bert"
        // Qwen3: q, k, v, o projections and the gated MLP (gate, up, down). BERT: q, k, v, o and up, down.
        let attentionWeights: Double = C * q + 2 * C * kv + q * C
        let weights: Double = causal ? attentionWeights + 3 * C * F : 4 * C * C + 2 * C * F
        let t = Double(T)
        let attention = 4 * t * t * q / (causal ? 2 : 1)
        return L * (2 * weights * t + attention)
    }

    /// The multiply instruction the linear layers use (int8 `vpdpbusd` for quantised weights with VNNI,
    /// `vdpbf16ps` at bf16, else f32 FMA) and its register peak on `threads` threads, measured now
    /// (``Ops/registerPeak(_:threads:)``); 0 where the kernels do not use a measurable instruction (portable, NEON).
    static func peak(embedder: Embedder, threads: Int) -> (String, Double) {
        let quantised = embedder.description.tensorTypes.keys.contains { !["F32", "F16", "BF16"].contains($0) }
        let instruction: PeakInstruction = quantised && embedder.kernelPath.contains("vnni") ? .int8
            : embedder.precisionUsed == .bf16 ? .bf16 : .f32
        return (instruction.rawValue, Ops.registerPeak(instruction, threads: threads) ?? 0)
    }

    /// Peak resident set of this process in bytes (getrusage: KiB on Linux, bytes on macOS).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #endif
    }

    struct Report: Encodable {
        let tokensPerSecond, msPerInput: Double
        let peakRSSBytes: Int
        let gflops: Double
        let model, architecture: String
        let weightTypes: [String: Int]
        let tokens, batch, runs, threads: Int
        let precision, precisionUsed, kernels: String
        let secondsPerRun: [Double]
        let flopsPerRun: Double
        /// The linear layers' multiply instruction, its measured register peak, and gflops over that peak.
        let peakInstruction: String
        let peakGOPS, fractionOfPeak: Double?

        enum CodingKeys: String, CodingKey {
            case tokensPerSecond = "tokens_per_second", msPerInput = "ms_per_input", peakRSSBytes = "peak_rss_bytes"
            case gflops, model, architecture, weightTypes = "weight_types", tokens, batch, runs, threads, precision
            case precisionUsed = "precision_used", kernels, secondsPerRun = "seconds_per_run", flopsPerRun = "flops_per_run"
            case peakInstruction = "peak_instruction", peakGOPS = "peak_gops", fractionOfPeak = "fraction_of_peak"
        }

        var text: String {
            let types = weightTypes.sorted { $0.value > $1.value }.map { "\($0.key) x\($0.value)" }.joined(separator: ", ")
            return """
                model \(model) (\(architecture); \(types))
                \(batch) x \(tokens) tokens, median of \(runs) runs after a warm-up, \(threads) threads, \
                kernels \(kernels), precision \(precision) (used \(precisionUsed))
                \(String(format: "%.1f", tokensPerSecond)) tokens/s   \(String(format: "%.2f", msPerInput)) ms/input   \
                \(String(format: "%.1f", gflops)) GFLOP/s   peak RSS \(peakRSSBytes / (1 << 20)) MiB
                \(peakLine)
                """
        }

        var peakLine: String {
            guard let peakGOPS, let fractionOfPeak else { return "no register peak measured for these kernels" }
            return "register peak of \(peakInstruction) on \(threads) threads: \(String(format: "%.0f", peakGOPS)) G/s, "
                + "this run \(String(format: "%.1f", fractionOfPeak * 100))% of it"
        }
    }
}
