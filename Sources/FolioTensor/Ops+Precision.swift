import CKernels

/// Arithmetic of the linear layers over float weights (F32, F16, BF16), and of attention.
///
/// Quantised weights' linear layers ignore it (they run with int8 activations, or in f32); attention
/// follows it for every weight type (see ``Ops/causalAttention(q:k:v:out:tokens:qHeads:kvHeads:headDim:pool:precision:)``).
public enum ComputePrecision: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// Weights dequantised to f32, products in f32: the reference's arithmetic.
    case f32
    /// Weights and activations rounded to bfloat16 (8 significant bits), products summed in f32
    /// (AVX-512 BF16 `vdpbf16ps`, about twice the f32 throughput). Embeddings keep a cosine of about
    /// 0.999 to f32. CPUs without AVX-512 BF16 fall back to ``f32``; see ``Ops/precisionUsed(_:weights:)``.
    case bf16

    public var description: String { rawValue }
}

extension Ops {
    /// Whether this CPU multiplies in bf16 natively (AVX-512 BF16, and `FOLIO_KERNELS` allows AVX-512).
    public static var bf16Available: Bool { ck_bf16_fast() != 0 }

    /// The precision ``matmul(_:rows:weight:into:pool:int8Activations:precision:)`` really uses for
    /// weights of `type` when `requested` is asked for: bf16 only for float weights on a CPU that has it.
    public static func precisionUsed(_ requested: ComputePrecision, weights type: DType) -> ComputePrecision {
        requested == .bf16 && !type.isQuantized && bf16Available ? .bf16 : .f32
    }

    /// y = x · Wᵀ in bf16: x [M, K] is rounded once (rows split over the pool), then the N columns are
    /// split as in the f32 path. K must be even (checked by the caller).
    static func matmulBF16(_ x: UnsafePointer<Float>, rows M: Int, weight: Tensor, into y: UnsafeMutablePointer<Float>,
                           pool: ThreadPool, columnTasks tasks: Int, columns: (Int) -> (Int64, Int64)) {
        let (N, K) = (weight.shape[0], weight.shape[1])
        let type = ck_type(rawValue: weight.dtype.rawValue)
        let w = weight.rawPointer
        let xb = UnsafeMutablePointer<UInt16>.allocate(capacity: M * K)  // [M, K] bf16
        defer { xb.deallocate() }
        let rowTasks = min(M, pool.threadCount * 2)
        pool.parallelFor(rowTasks) { task in
            let (m0, m1) = (M * task / rowTasks, M * (task + 1) / rowTasks)
            ck_round_bf16(x + m0 * K, xb + m0 * K, Int64((m1 - m0) * K))
        }
        pool.parallelFor(tasks) { task in
            let (n0, n1) = columns(task)
            ck_matmul_bf16(type, w, xb, y, Int64(M), Int64(K), Int64(N), n0, n1)
        }
    }
}

extension Ops {
    /// The SIMD path the kernels take on this CPU (after any `FOLIO_KERNELS` cap): "avx512", "avx2",
    /// "neon" or "portable"; with "+vnni" / "+bf16" when those AVX-512 extensions are used.
    public static var kernelPath: String {
        var name: String
        switch ck_cpu_isa() {
        case CK_ISA_AVX512: name = "avx512"
        case CK_ISA_AVX2: name = "avx2"
        case CK_ISA_NEON: name = "neon"
        default: name = "portable"
        }
        if ck_int8_fast() != 0 { name += "+vnni" }
        if ck_bf16_fast() != 0 { name += "+bf16" }
        return name
    }
}

/// The multiply instruction a run leans on, for measuring its register peak.
public enum PeakInstruction: String, Sendable {
    /// f32 fused multiply-add (AVX-512, else AVX2).
    case f32 = "vfmadd (f32)"
    /// AVX-512 BF16 `vdpbf16ps`.
    case bf16 = "vdpbf16ps (bf16)"
    /// AVX-512 VNNI `vpdpbusd`.
    case int8 = "vpdpbusd (int8)"
}

extension Ops {
    /// Operations a second (multiply and add count two) of `threads` threads issuing only `instruction`
    /// on registers, the best of three probes of about 0.1 s each; nil where the kernels do not use it on this CPU.
    public static func registerPeak(_ instruction: PeakInstruction, threads: Int) -> Double? {
        let kind: ck_peak_kind
        switch instruction {
        case .f32: kind = CK_PEAK_F32
        case .bf16: kind = CK_PEAK_BF16
        case .int8: kind = CK_PEAK_INT8
        }
        // The best of three probes: a peak is a maximum, and a probe that shares its core with anything
        // else reads low (single probes ranged 844-933 G/s for int8 on this 2-core VM).
        let ops = (0..<3).map { _ in ck_peak_ops(kind, Int32(threads)) }.max() ?? 0
        return ops > 0 ? ops : nil
    }
}

/// Arithmetic of causal attention's two products (Q·Kᵀ and P·V); softmax and sums stay f32 either way.
public enum AttentionPrecision: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// f32 below ``Ops/bf16AttentionFromTokens`` tokens, bf16 from there (where the CPU has AVX-512 BF16), where
    /// attention is most of the time: against float64 references the 8,192- and 32,000-token inputs of
    /// `Fixtures/models/qwen3-tiny-long` keep a cosine above 0.9999 (tested). With linear layers in bf16, bf16 always.
    case auto
    /// Always f32: the reference's arithmetic.
    case f32
    /// Always bf16 where the CPU has it.
    case bf16

    public var description: String { rawValue }

    /// The precision attention of a `tokens`-long sequence asks for, with the linear layers at `linear`.
    public func requested(tokens: Int, linear: ComputePrecision) -> ComputePrecision {
        switch self {
        case .f32: return .f32
        case .bf16: return .bf16
        case .auto: return linear == .bf16 || tokens >= Ops.bf16AttentionFromTokens ? .bf16 : .f32
        }
    }
}

extension Ops {
    /// Sequence length from which ``AttentionPrecision/auto`` runs attention in bf16 (about a fifth of a
    /// 0.6B-shaped pass at 2,048 tokens, half at 8,192).
    public static let bf16AttentionFromTokens = 2048
}
