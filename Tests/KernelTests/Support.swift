import CKernels
import Foundation
import FolioTensor

/// Fixtures/quant, found by walking up from this file to the folder that holds Package.swift.
enum QuantFixtures {
    static let folder: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
            let parent = dir.deletingLastPathComponent()
            precondition(parent.path != dir.path, "no Package.swift above \(#filePath)")
            dir = parent
        }
        return dir.appendingPathComponent("Fixtures/quant")
    }()

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
    }

    /// A float32 little-endian file.
    static func floats(_ name: String) throws -> [Float] {
        let b = try bytes(name)
        return (0..<b.count / 4).map { i in
            Float(bitPattern: UInt32(b[4 * i]) | UInt32(b[4 * i + 1]) << 8 | UInt32(b[4 * i + 2]) << 16 | UInt32(b[4 * i + 3]) << 24)
        }
    }

    struct Entry: Decodable {
        let name: String
        let type: String?
        let ggmlType: UInt32?
        let rows: Int?
        let cols: Int?
    }
    struct Manifest: Decodable { let realTypes: [String]; let entries: [Entry] }

    static func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
    }
}

/// Deterministic pseudo-random numbers (SplitMix64), so a failing case can be rerun.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func floats(_ n: Int, scale: Float = 1) -> [Float] {
        (0..<n).map { _ in Float.random(in: -scale...scale, using: &self) }
    }
}

/// Valid random rows of `type`: random payload bytes with scales that are finite and modest, so every
/// weight is a finite float. [rows, cols] as `type.byteCount(elements: rows * cols)` bytes.
func randomWeights(_ type: DType, rows: Int, cols: Int, rng: inout SeededRandom) -> [UInt8] {
    let count = type.byteCount(elements: rows * cols)!
    var b = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    // An fp16 between 2^-8 and 2^-6: exponent 7...8, random mantissa and sign.
    func smallHalf() -> (UInt8, UInt8) {
        let bits = UInt16.random(in: 0...1, using: &rng) << 15 | UInt16.random(in: 7...8, using: &rng) << 10
            | UInt16.random(in: 0...0x3FF, using: &rng)
        return (UInt8(bits & 0xFF), UInt8(bits >> 8))
    }
    func setHalf(_ at: Int) { let (lo, hi) = smallHalf(); b[at] = lo; b[at + 1] = hi }
    switch type {
    case .f32:
        for i in 0..<rows * cols { withUnsafeBytes(of: Float.random(in: -1...1, using: &rng).bitPattern.littleEndian) { b.replaceSubrange(4 * i ..< 4 * i + 4, with: $0) } }
    case .f16:
        for i in 0..<rows * cols {  // normal halves in [2^-5, 2^2)
            let bits = UInt16.random(in: 0...1, using: &rng) << 15 | UInt16.random(in: 10...16, using: &rng) << 10
                | UInt16.random(in: 0...0x3FF, using: &rng)
            b[2 * i] = UInt8(bits & 0xFF); b[2 * i + 1] = UInt8(bits >> 8)
        }
    case .bf16:
        for i in 0..<rows * cols {
            let bits = UInt16(truncatingIfNeeded: Float.random(in: -2...2, using: &rng).bitPattern >> 16)
            b[2 * i] = UInt8(bits & 0xFF); b[2 * i + 1] = UInt8(bits >> 8)
        }
    case .q8_0, .q5_0:
        for block in stride(from: 0, to: count, by: type.blockBytes) { setHalf(block) }
    case .q4_K, .q5_K:
        for block in stride(from: 0, to: count, by: type.blockBytes) { setHalf(block); setHalf(block + 2) }
    case .q6_K:
        for block in stride(from: 0, to: count, by: type.blockBytes) { setHalf(block + 208) }
    }
    return b
}

func ckType(_ t: DType) -> ck_type { ck_type(rawValue: t.rawValue) }

/// The largest |a - b| / (|b| + floor) over two arrays, for error messages and checks.
func maxRelativeError(_ a: [Float], _ b: [Float], floor: Float = 1e-3) -> Float {
    precondition(a.count == b.count)
    var worst: Float = 0
    for i in a.indices { worst = max(worst, abs(a[i] - b[i]) / (abs(b[i]) + floor)) }
    return worst
}

/// SIMD paths this CPU runs (the portable one always).
let supportedISAs: [ck_isa] = [CK_ISA_PORTABLE, CK_ISA_AVX2, CK_ISA_AVX512, CK_ISA_NEON].filter { ck_isa_supported($0) != 0 }
