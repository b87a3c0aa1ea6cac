import FolioTensor

/// Activation buffers of one forward pass, sized for `capacity` tokens and grown only when a longer batch arrives.
/// The residual stream, q, k, v and attention's output span the batch; the MLP runs in row chunks of ``rowChunk``.
final class Gemma3Scratch {
    /// Tokens the MLP processes together (as ``Qwen3Scratch/rowChunk``).
    static let rowChunk = 1024

    private(set) var capacity = 0
    private(set) var chunkCapacity = 0
    private(set) var x = Tensor.zeros([1])      // [T, C] residual stream
    private(set) var h = Tensor.zeros([1])      // [T, C] normed input of a block, or a block's output
    private(set) var q = Tensor.zeros([1])      // [T, Hq * D]
    private(set) var k = Tensor.zeros([1])      // [T, Hkv * D]
    private(set) var v = Tensor.zeros([1])      // [T, Hkv * D]
    private(set) var attn = Tensor.zeros([1])   // [T, Hq * D] attention's output
    private(set) var gate = Tensor.zeros([1])   // [R, F]
    private(set) var up = Tensor.zeros([1])     // [R, F]

    func reserve(tokens T: Int, config c: Gemma3Config) {
        let R = min(T, Self.rowChunk)
        let (C, F) = (c.hiddenSize, c.intermediateSize)
        if T > capacity {
            let (qw, kvw) = (c.queryHeads * c.headDim, c.keyValueHeads * c.headDim)
            // Release the old buffers first so peak memory is the new size, not old + new.
            x = .zeros([1]); h = .zeros([1]); q = .zeros([1]); k = .zeros([1]); v = .zeros([1]); attn = .zeros([1])
            x = .zeros([T, C]); h = .zeros([T, C]); q = .zeros([T, qw]); k = .zeros([T, kvw]); v = .zeros([T, kvw])
            attn = .zeros([T, qw])
            capacity = T
        }
        if R > chunkCapacity {
            gate = .zeros([R, F]); up = .zeros([R, F])
            chunkCapacity = R
        }
    }
}
