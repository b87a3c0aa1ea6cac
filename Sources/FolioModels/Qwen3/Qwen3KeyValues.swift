/// Keys (after per-head norm and RoPE) and values of every layer for a run of tokens: what later tokens
/// need from them under causal attention. Filled by one forward pass, then read-only.
final class Qwen3KeyValues: RerankPrefix, @unchecked Sendable {
    let ids: [Int32]
    var count: Int { ids.count }                 // P
    private let width: Int                       // Hkv * D
    private(set) var keys: [[Float]]             // [layers][P * Hkv * D]
    private(set) var values: [[Float]]           // [layers][P * Hkv * D]

    init(ids: [Int32], config c: Qwen3Config) {
        self.ids = ids
        width = c.keyValueHeads * c.headDim
        keys = Array(repeating: [], count: c.layerCount)
        values = Array(repeating: [], count: c.layerCount)
    }

    /// Appends `rows` rows of one layer's k and v ([rows, Hkv * D] each).
    func append(layer: Int, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>, rows: Int) {
        keys[layer].append(contentsOf: UnsafeBufferPointer(start: k, count: rows * width))
        values[layer].append(contentsOf: UnsafeBufferPointer(start: v, count: rows * width))
    }
}
