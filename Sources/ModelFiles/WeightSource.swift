import FolioTensor

/// Anything that hands out named weight tensors: a GGUF file, a safetensors file or folder.
///
/// Names are the file's own (GGUF `blk.0.attn_q.weight`, Hugging Face
/// `model.layers.0.self_attn.q_proj.weight`); FolioModels maps them, ModelFiles never does.
public protocol WeightSource: Sendable {
    /// Every tensor name the source holds.
    var tensorNames: [String] { get }
    /// A view of tensor `name`; throws `ModelFileError.missingTensor` when absent.
    func tensor(_ name: String) throws -> Tensor
}
