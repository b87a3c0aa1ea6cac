import FolioTensor

/// Activation buffers of one forward pass, sized for `capacity` tokens and grown only when a longer
/// batch arrives. Every buffer is linear in tokens: attention never materialises [T, T].
final class Qwen3Scratch {
    private(set) var capacity = 0
    private(set) var x = Tensor.zeros([1])      // [T, C] residual stream
    private(set) var h = Tensor.zeros([1])      // [T, C] normed input of a block
    private(set) var q = Tensor.zeros([1])      // [T, Hq * D]
    private(set) var k = Tensor.zeros([1])      // [T, Hkv * D]
    private(set) var v = Tensor.zeros([1])      // [T, Hkv * D]
    private(set) var attn = Tensor.zeros([1])   // [T, Hq * D]
    private(set) var gate = Tensor.zeros([1])   // [T, F]
    private(set) var up = Tensor.zeros([1])     // [T, F]

    func reserve(tokens T: Int, config c: Qwen3Config) {
        guard T > capacity else { return }
        let (C, F) = (c.hiddenSize, c.intermediateSize)
        let (q, kv) = (c.queryHeads * c.headDim, c.keyValueHeads * c.headDim)
        x = .zeros([T, C]); h = .zeros([T, C])
        self.q = .zeros([T, q]); k = .zeros([T, kv]); v = .zeros([T, kv]); attn = .zeros([T, q])
        gate = .zeros([T, F]); up = .zeros([T, F])
        capacity = T
    }
}
