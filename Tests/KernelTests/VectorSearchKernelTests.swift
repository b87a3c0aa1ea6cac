import CKernels
import Testing

@Suite("Vector search kernels")
struct VectorSearchKernelTests {
    static let paths: [ck_isa] = [CK_ISA_PORTABLE, CK_ISA_AVX2, CK_ISA_AVX512, CK_ISA_NEON].filter { ck_isa_supported($0) != 0 }

    @Test("Row dot products on every SIMD path match the double-precision reference (f32 rows)")
    func f32Parity() {
        var rng = SeededRandom(seed: 31)
        for d in [1, 7, 8, 15, 16, 33, 384, 1000] {
            for n in [1, 3, 4, 5, 9] {
                let rows = rng.floats(n * d), q = rng.floats(d)
                var ref = [Float](repeating: 0, count: n)
                ck_dot_rows_f32_ref(rows, Int64(n), Int32(d), q, &ref)
                for isa in Self.paths {
                    var out = [Float](repeating: .nan, count: n)
                    ck_dot_rows_f32_isa(isa, rows, Int64(n), Int32(d), q, &out)
                    // Sums of d products of values in [-1, 1]: f32 rounding grows like sqrt(d).
                    let tol = 2e-6 * Float(d).squareRoot() + 1e-6
                    #expect(zip(out, ref).allSatisfy { abs($0 - $1) <= tol }, "isa \(isa.rawValue) n \(n) d \(d)")
                }
            }
        }
    }

    @Test("Row dot products on every SIMD path match the reference (f16 rows), and the default path is one of them")
    func f16Parity() {
        var rng = SeededRandom(seed: 32)
        for d in [1, 7, 8, 15, 16, 33, 384, 1000] {
            for n in [1, 4, 6] {
                let values = rng.floats(n * d), q = rng.floats(d)
                var halves = [UInt16](repeating: 0, count: n * d)
                ck_f32_to_f16(values, &halves, Int64(n * d))
                var ref = [Float](repeating: 0, count: n)
                ck_dot_rows_f16_ref(halves, Int64(n), Int32(d), q, &ref)
                let tol = 2e-6 * Float(d).squareRoot() + 1e-6
                for isa in Self.paths {
                    var out = [Float](repeating: .nan, count: n)
                    ck_dot_rows_f16_isa(isa, halves, Int64(n), Int32(d), q, &out)
                    #expect(zip(out, ref).allSatisfy { abs($0 - $1) <= tol }, "isa \(isa.rawValue) n \(n) d \(d)")
                }
                var best = [Float](repeating: .nan, count: n)
                ck_dot_rows_f16(halves, Int64(n), Int32(d), q, &best)
                #expect(zip(best, ref).allSatisfy { abs($0 - $1) <= tol })
            }
        }
    }

    #if !(arch(x86_64) && os(macOS))
    @Test("f32 to f16 rounds to nearest even as Swift's Float16 does, and widening back is exact")
    func halfConversion() {
        var rng = SeededRandom(seed: 33)
        let edges: [Float] = [0, -0, 1, -1, 65504, 65519.99, 65520, 70000, -70000, .infinity, -.infinity,
                              6.1035156e-05, 6.0975552e-05, 5.9604645e-08, 2.9802322e-08, 2.9802326e-08, 1e-9, 8.940697e-08,
                              1.00048828125, 1.000732421875, 0.1, -3.14159]
        let values = edges + rng.floats(5000, scale: 4) + rng.floats(2000, scale: 1e-4) + rng.floats(500, scale: 60000)
        var halves = [UInt16](repeating: 0, count: values.count)
        ck_f32_to_f16(values, &halves, Int64(values.count))
        var back = [Float](repeating: 0, count: values.count)
        ck_f16_to_f32(halves, &back, Int64(values.count))
        for (i, v) in values.enumerated() {
            #expect(halves[i] == Float16(v).bitPattern, "\(v)")
            #expect(back[i].bitPattern == Float(Float16(bitPattern: halves[i])).bitPattern, "\(v)")
        }
        var nan: [UInt16] = [0]
        ck_f32_to_f16([Float.nan], &nan, 1)
        #expect(Float16(bitPattern: nan[0]).isNaN)
    }
    #endif
}
