import FolioTensor

/// Activation buffers of one nomic-bert forward pass, sized for `capacity` tokens and grown only when a longer
/// batch arrives. Attention keeps no [T, T] buffer.
final class NomicBertScratch {
    private(set) var capacity = 0
    private(set) var x = Tensor.zeros([1])      // [T, C] residual stream (normalised after each block)
    private(set) var h = Tensor.zeros([1])      // [T, C] a block's output before the residual
    private(set) var q = Tensor.zeros([1])      // [T, H * D]
    private(set) var k = Tensor.zeros([1])      // [T, H * D]
    private(set) var v = Tensor.zeros([1])      // [T, H * D]
    private(set) var attn = Tensor.zeros([1])   // [T, H * D]
    private(set) var up = Tensor.zeros([1])     // [T, F]
    private(set) var gate = Tensor.zeros([1])   // [T, F]

    func reserve(tokens T: Int, config c: NomicBertConfig) {
        guard T > capacity else { return }
        let (C, F) = (c.hiddenSize, c.intermediateSize)
        x = .zeros([T, C]); h = .zeros([T, C])
        q = .zeros([T, C]); k = .zeros([T, C]); v = .zeros([T, C]); attn = .zeros([T, C])
        up = .zeros([T, F]); gate = .zeros([T, F])
        capacity = T
    }
}
