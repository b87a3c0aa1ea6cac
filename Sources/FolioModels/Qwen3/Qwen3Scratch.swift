import FolioTensor

/// Activation buffers of one forward pass, sized for `capacity` tokens and grown only when a longer
/// batch arrives. Only the residual stream and q, k, v span the whole batch; everything else is one
/// row chunk (``rowChunk`` tokens), so memory grows by about (C + Hq·D + 2·Hkv·D) floats a token
/// (12 KiB for the 0.6B model) and attention never materialises [T, T].
final class Qwen3Scratch {
    /// Tokens processed together by the norms, projections and MLP. Large enough that each weight
    /// panel dequantised by a matmul is reused over many rows, small enough that [R, F] stays small.
    static let rowChunk = 1024

    private(set) var capacity = 0
    private(set) var chunkCapacity = 0
    private(set) var x = Tensor.zeros([1])      // [T, C] residual stream
    private(set) var q = Tensor.zeros([1])      // [T, Hq * D]; attention writes its output over q
    private(set) var k = Tensor.zeros([1])      // [T, Hkv * D]
    private(set) var v = Tensor.zeros([1])      // [T, Hkv * D]
    private(set) var h = Tensor.zeros([1])      // [R, C] normed input of a block, or a block's output
    private(set) var gate = Tensor.zeros([1])   // [R, F]
    private(set) var up = Tensor.zeros([1])     // [R, F]
    /// A prefix's keys and values joined with one continuation's (reranking): [P + t, Hq * D], [P + t, Hkv * D].
    private(set) var joinedQ = Tensor.zeros([1])
    private(set) var joinedK = Tensor.zeros([1])
    private(set) var joinedV = Tensor.zeros([1])
    private(set) var joinedCapacity = 0

    func reserve(tokens T: Int, config c: Qwen3Config) {
        let R = min(T, Self.rowChunk)
        let (C, F) = (c.hiddenSize, c.intermediateSize)
        if T > capacity {
            let (qw, kvw) = (c.queryHeads * c.headDim, c.keyValueHeads * c.headDim)
            // Release the old buffers first so peak memory is the new size, not old + new.
            x = .zeros([1]); q = .zeros([1]); k = .zeros([1]); v = .zeros([1])
            x = .zeros([T, C]); q = .zeros([T, qw]); k = .zeros([T, kvw]); v = .zeros([T, kvw])
            capacity = T
        }
        if R > chunkCapacity {
            h = .zeros([R, C]); gate = .zeros([R, F]); up = .zeros([R, F])
            chunkCapacity = R
        }
    }

    func reserveJoined(tokens T: Int, config c: Qwen3Config) {
        guard T > joinedCapacity else { return }
        let (qw, kvw) = (c.queryHeads * c.headDim, c.keyValueHeads * c.headDim)
        joinedQ = .zeros([T, qw]); joinedK = .zeros([T, kvw]); joinedV = .zeros([T, kvw])
        joinedCapacity = T
    }
}
