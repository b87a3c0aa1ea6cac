import CKernels
import FolioTensor
import Testing

@Suite("Dequantisation")
struct DequantTests {
    @Test("Block sizes agree between DType and the C kernels", arguments: DType.allCases)
    func blockBytes(type: DType) {
        #expect(ck_row_bytes(ckType(type), Int64(type.blockSize)) == type.blockBytes)
        #expect(ck_row_bytes(ckType(type), Int64(type.blockSize * 7)) == 7 * type.blockBytes)
    }

    @Test("The fixture holds real Q4_K, Q5_0, Q6_K and Q8_0 blocks")
    func fixtureCoversRealTypes() throws {
        #expect(Set(try QuantFixtures.manifest().realTypes) == ["Q4_K", "Q5_0", "Q6_K", "Q8_0"])
    }

    @Test("Reference and fast dequantisation equal gguf-py on fixture blocks, bit for bit")
    func matchesGGUFPy() throws {
        let entries = try QuantFixtures.manifest().entries.filter { $0.ggmlType != nil }
        #expect(entries.count == 7)
        for e in entries {
            let type = try #require(DType(rawValue: e.ggmlType!))
            let raw = try QuantFixtures.bytes("\(e.name).bin")
            let expected = try QuantFixtures.floats("\(e.name).f32")
            let n = e.rows! * e.cols!
            #expect(raw.count == type.byteCount(elements: n), "\(e.name)")
            #expect(expected.count == n, "\(e.name)")
            var ref = [Float](repeating: .nan, count: n), fast = ref
            ck_dequantize_ref(ckType(type), raw, &ref, Int64(n))
            ck_dequantize(ckType(type), raw, &fast, Int64(n))
            let refMismatches = (0..<n).filter { ref[$0].bitPattern != expected[$0].bitPattern }
            let fastMismatches = (0..<n).filter { fast[$0].bitPattern != expected[$0].bitPattern }
            #expect(refMismatches.isEmpty, "\(e.name): reference differs at \(refMismatches.prefix(5)), e.g. \(refMismatches.first.map { (ref[$0], expected[$0]) } as Any)")
            #expect(fastMismatches.isEmpty, "\(e.name): fast differs at \(fastMismatches.prefix(5))")
        }
    }

    @Test("Fast dequantisation equals the reference on random blocks", arguments: DType.allCases)
    func fastEqualsReference(type: DType) {
        var rng = SeededRandom(seed: 42 + UInt64(type.rawValue))
        let n = 3 * 256 + (type.blockSize == 1 ? 5 : 0)  // odd tail for the plain types
        let raw = randomWeights(type, rows: 1, cols: n, rng: &rng)
        var ref = [Float](repeating: .nan, count: n), fast = ref
        ck_dequantize_ref(ckType(type), raw, &ref, Int64(n))
        ck_dequantize(ckType(type), raw, &fast, Int64(n))
        #expect(ref.allSatisfy { $0.isFinite })
        #expect((0..<n).allSatisfy { ref[$0].bitPattern == fast[$0].bitPattern })
    }

    @Test("Embedding lookup and toFloats return the dequantised rows")
    func rowsAndWhole() throws {
        let raw = try QuantFixtures.bytes("real_q6_k.bin")
        let expected = try QuantFixtures.floats("real_q6_k.f32")
        let storage = Storage(byteCount: raw.count)
        raw.withUnsafeBytes { storage.base.copyMemory(from: $0.baseAddress!, byteCount: raw.count) }
        let t = Tensor(shape: [4, 2048], dtype: .q6_K, storage: storage)
        #expect(Ops.toFloats(t) == expected)
        var out = [Float](repeating: 0, count: 3 * 2048)
        out.withUnsafeMutableBufferPointer { Ops.dequantizeRows(t, rows: [2, 0, 2], into: $0.baseAddress!) }
        #expect(Array(out[0..<2048]) == Array(expected[4096..<6144]))
        #expect(Array(out[2048..<4096]) == Array(expected[0..<2048]))
        #expect(Array(out[4096...]) == Array(expected[4096..<6144]))
    }

    @Test("A row view of a quantised tensor (nomic-bert's q, k, v in Wqkv) reads exactly those rows")
    func rowView() throws {
        let raw = try QuantFixtures.bytes("real_q6_k.bin")
        let expected = try QuantFixtures.floats("real_q6_k.f32")
        let storage = Storage(byteCount: raw.count)
        raw.withUnsafeBytes { storage.base.copyMemory(from: $0.baseAddress!, byteCount: raw.count) }
        let view = Tensor(shape: [4, 2048], dtype: .q6_K, storage: storage).rows(1 ..< 3)
        #expect(view.shape == [2, 2048])
        #expect(Ops.toFloats(view) == Array(expected[2048..<6144]))
    }
}
