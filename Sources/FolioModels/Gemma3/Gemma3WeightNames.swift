import ModelFiles

/// The one table of outside weight names for Gemma 3 (EmbeddingGemma): GGUF (llama.cpp's `gemma-embedding`) on the
/// left, Hugging Face (`Gemma3TextModel`) on the right. Everything past this file uses Swift names.
///
/// Norm weights differ by one between the two: Hugging Face stores w of RMSNorm's x · (1 + w), llama.cpp's converter
/// stores 1 + w. ``Gemma3Weights`` adds the one for Hugging Face files.
enum Gemma3WeightName: WeightNameTable {
    case tokenEmbedding
    case finalNorm
    case attentionNorm(Int), postAttentionNorm(Int)
    case wq(Int), wk(Int), wv(Int), wo(Int)
    case qNorm(Int), kNorm(Int)
    case mlpNorm(Int), postMLPNorm(Int)
    case wGate(Int), wUp(Int), wDown(Int)

    var gguf: String {
        switch self {
        case .tokenEmbedding: "token_embd.weight"
        case .finalNorm: "output_norm.weight"
        case let .attentionNorm(i): "blk.\(i).attn_norm.weight"
        case let .postAttentionNorm(i): "blk.\(i).post_attention_norm.weight"
        case let .wq(i): "blk.\(i).attn_q.weight"
        case let .wk(i): "blk.\(i).attn_k.weight"
        case let .wv(i): "blk.\(i).attn_v.weight"
        case let .wo(i): "blk.\(i).attn_output.weight"
        case let .qNorm(i): "blk.\(i).attn_q_norm.weight"
        case let .kNorm(i): "blk.\(i).attn_k_norm.weight"
        case let .mlpNorm(i): "blk.\(i).ffn_norm.weight"
        case let .postMLPNorm(i): "blk.\(i).post_ffw_norm.weight"
        case let .wGate(i): "blk.\(i).ffn_gate.weight"
        case let .wUp(i): "blk.\(i).ffn_up.weight"
        case let .wDown(i): "blk.\(i).ffn_down.weight"
        }
    }

    /// Without the `model.` prefix, which EmbeddingGemma's folder does not have.
    var huggingFace: String {
        switch self {
        case .tokenEmbedding: "embed_tokens.weight"
        case .finalNorm: "norm.weight"
        case let .attentionNorm(i): "layers.\(i).input_layernorm.weight"
        case let .postAttentionNorm(i): "layers.\(i).post_attention_layernorm.weight"
        case let .wq(i): "layers.\(i).self_attn.q_proj.weight"
        case let .wk(i): "layers.\(i).self_attn.k_proj.weight"
        case let .wv(i): "layers.\(i).self_attn.v_proj.weight"
        case let .wo(i): "layers.\(i).self_attn.o_proj.weight"
        case let .qNorm(i): "layers.\(i).self_attn.q_norm.weight"
        case let .kNorm(i): "layers.\(i).self_attn.k_norm.weight"
        case let .mlpNorm(i): "layers.\(i).pre_feedforward_layernorm.weight"
        case let .postMLPNorm(i): "layers.\(i).post_feedforward_layernorm.weight"
        case let .wGate(i): "layers.\(i).mlp.gate_proj.weight"
        case let .wUp(i): "layers.\(i).mlp.up_proj.weight"
        case let .wDown(i): "layers.\(i).mlp.down_proj.weight"
        }
    }
}
