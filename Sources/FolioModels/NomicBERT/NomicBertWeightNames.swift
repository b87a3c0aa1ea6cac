/// The one table of outside weight names for nomic-bert: GGUF (llama.cpp's `nomic-bert` architecture) on the left,
/// Hugging Face (nomic's `modeling_hf_nomic_bert.py`, bare `NomicBertModel` names) on the right.
enum NomicBertWeightName: WeightNameTable {
    case wordEmbedding, typeEmbedding, embeddingNorm, embeddingNormBias
    case wqkv(Int), wo(Int), attentionNorm(Int), attentionNormBias(Int)
    case wUp(Int), wGate(Int), wDown(Int), outputNorm(Int), outputNormBias(Int)

    var gguf: String {
        switch self {
        case .wordEmbedding: "token_embd.weight"
        case .typeEmbedding: "token_types.weight"
        case .embeddingNorm: "token_embd_norm.weight"
        case .embeddingNormBias: "token_embd_norm.bias"
        case let .wqkv(i): "blk.\(i).attn_qkv.weight"
        case let .wo(i): "blk.\(i).attn_output.weight"
        case let .attentionNorm(i): "blk.\(i).attn_output_norm.weight"
        case let .attentionNormBias(i): "blk.\(i).attn_output_norm.bias"
        case let .wUp(i): "blk.\(i).ffn_up.weight"
        case let .wGate(i): "blk.\(i).ffn_gate.weight"
        case let .wDown(i): "blk.\(i).ffn_down.weight"
        case let .outputNorm(i): "blk.\(i).layer_output_norm.weight"
        case let .outputNormBias(i): "blk.\(i).layer_output_norm.bias"
        }
    }

    var huggingFace: String {
        switch self {
        case .wordEmbedding: "embeddings.word_embeddings.weight"
        case .typeEmbedding: "embeddings.token_type_embeddings.weight"
        case .embeddingNorm: "emb_ln.weight"
        case .embeddingNormBias: "emb_ln.bias"
        case let .wqkv(i): "encoder.layers.\(i).attn.Wqkv.weight"
        case let .wo(i): "encoder.layers.\(i).attn.out_proj.weight"
        case let .attentionNorm(i): "encoder.layers.\(i).norm1.weight"
        case let .attentionNormBias(i): "encoder.layers.\(i).norm1.bias"
        case let .wUp(i): "encoder.layers.\(i).mlp.fc11.weight"     // the multiplied half: fc11(x) * silu(fc12(x))
        case let .wGate(i): "encoder.layers.\(i).mlp.fc12.weight"   // the gate, through SiLU
        case let .wDown(i): "encoder.layers.\(i).mlp.fc2.weight"
        case let .outputNorm(i): "encoder.layers.\(i).norm2.weight"
        case let .outputNormBias(i): "encoder.layers.\(i).norm2.bias"
        }
    }
}
