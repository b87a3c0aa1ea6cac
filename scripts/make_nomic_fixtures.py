"""Makes Fixtures/nomic/**: a tiny random nomic-bert encoder (nomic-embed-text v1 / v1.5 layout) as a Hugging Face
folder and as F32, F16 and Q8_0 GGUF files, with reference vectors from llama.cpp and from a float64 NumPy forward pass.

Run: FOLIO_MINILM_PATH=<all-MiniLM-L6-v2 folder> PYTHONPATH=<dir> python3 scripts/make_nomic_fixtures.py
Needs (pip, e.g. `pip install --target <dir> ...`): numpy, gguf (0.19.0), safetensors, tokenizers (0.23.3), and
llama-cpp-python built from its sdist (0.3.36), whose llama.cpp computes the GGUF references. Deterministic (fixed seed).

Vocabulary: the real WordPiece vocabulary of all-MiniLM-L6-v2 (bert-base-uncased, which nomic-embed-text uses), cut
to its five special tokens, the single characters below U+0370 with their `##` forms, and the 400 most frequent
entries (ids 1996-2395), so the files stay small; padded with `[PAD{i}]` filler up to a multiple of 64 rows, as
nomic pads its 30,522 tokens to `vocab_size` 30,528. tokenizer.json is MiniLM's with that vocabulary; ids come from
Hugging Face `tokenizers`.

Model (hidden 64, 2 layers, 4 heads, MLP 192, 2 token types, rotary base 1000 as v1.5, no biases, post-norm):
- `model/`: config.json with nomic's keys (`n_embd`, `n_layer`, `n_head`, `n_inner`, `rotary_emb_base`, …),
  model.safetensors with nomic's Hugging Face names (`emb_ln`, `encoder.layers.N.attn.Wqkv`, `mlp.fc11/fc12/fc2`,
  `norm1`, `norm2`), the tokenizer files, modules.json and 1_Pooling (mean) as sentence-transformers has them.
- `nomic-{f32,f16,q8_0}.gguf`: architecture `nomic-bert`, laid out as llama.cpp's convert_hf_to_gguf.py
  (NomicBertModel) writes it: `attn_qkv`, `attn_output`, `attn_output_norm`, `ffn_up` (fc11), `ffn_gate` (fc12),
  `ffn_down` (fc2), `layer_output_norm`, `token_embd`, `token_types`, `token_embd_norm`; context 2048 (n_positions
  8192 with max_trained_positions 2048, the converter's rule); vocabulary in llama.cpp's phantom-space form.
  Vectors, norms and `token_types` stay F32; other matrices become F16 or Q8_0.

reference.json: per input (queries with `search_query: `, documents with `search_document: `, as the model card asks)
the text, the Hugging Face ids, `vector` (the float64 forward pass of the folder's weights: Hugging Face nomic's
modeling code written in NumPy, mean pooling, normalised) and `llama` (llama.cpp's mean-pooled embedding of the same
ids on each GGUF, normalised). `checks` records the cosines between the two and whether llama.cpp's tokenizer gives
the same ids from the GGUF.
"""
import json
import os
import shutil
import sys
from pathlib import Path

import gguf
import numpy as np
from safetensors.numpy import save_file
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Fixtures" / "nomic"
ARCH = "nomic-bert"

HIDDEN, LAYERS, HEADS, INNER, TYPES = 64, 2, 4, 192, 2
ROPE_BASE, EPS = 1000.0, 1e-12
N_POSITIONS, MAX_TRAINED = 8192, 2048

QUERY, DOCUMENT = "search_query: ", "search_document: "
QUERIES = [
    "What is the capital of France?",
    "how do rotary position embeddings work",
    "Best café near the station, open late?",
]
DOCUMENTS = [
    "Paris is the capital and most populous city of France.",
    "Rotary embeddings rotate each pair of query and key dimensions by an angle that grows with the position.",
    "The library opens at nine; books may be borrowed for four weeks. 图书馆 opens daily.",
    "A short one.",
    " ".join(["Long documents test positions far from the start: the model must rotate every query and key by its"
              " own angle, and mean pooling must average all of them."] * 8),
]


def vocabulary(minilm: Path) -> list[str]:
    """The cut-down bert-base-uncased vocabulary: tokens by new id."""
    full = (minilm / "vocab.txt").read_text(encoding="utf-8").split("\n")
    if full and full[-1] == "":
        full.pop()
    chars = [t for t in full[999:1996] if len(t) == 1 and ord(t) < 0x370]
    keep = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars
    have = set(full)
    keep += ["##" + c for c in chars if "##" + c in have]
    keep += [t for t in full[1996:2396] if t not in keep]
    return keep


def write_tokenizer(minilm: Path, tokens: list[str], folder: Path) -> Tokenizer:
    spec = json.loads((minilm / "tokenizer.json").read_text(encoding="utf-8"))
    ids = {t: i for i, t in enumerate(tokens)}
    spec["model"]["vocab"] = ids
    spec["truncation"] = None
    spec["padding"] = None
    for added in spec["added_tokens"]:
        added["id"] = ids[added["content"]]
    for name, entry in spec["post_processor"]["special_tokens"].items():
        entry["ids"] = [ids[name]]
    (folder / "tokenizer.json").write_text(json.dumps(spec, ensure_ascii=False, indent=1), encoding="utf-8")
    (folder / "vocab.txt").write_text("".join(t + "\n" for t in tokens), encoding="utf-8")
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(minilm / name, folder / name)
    return Tokenizer.from_file(str(folder / "tokenizer.json"))


def random_weights(vocab_rows: int) -> dict[str, np.ndarray]:
    """Hugging Face nomic names -> float32 arrays (no biases: qkv_proj_bias, mlp_fc1_bias, mlp_fc2_bias false)."""
    rng = np.random.default_rng(17)
    C, F = HIDDEN, INNER

    def mat(*shape, std=0.2):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    def norm():
        return (1 + 0.1 * rng.standard_normal(C)).astype(np.float32), (0.1 * rng.standard_normal(C)).astype(np.float32)

    w = {"embeddings.word_embeddings.weight": mat(vocab_rows, C, std=0.5),
         "embeddings.token_type_embeddings.weight": mat(TYPES, C, std=0.5)}
    w["emb_ln.weight"], w["emb_ln.bias"] = norm()
    for i in range(LAYERS):
        p = f"encoder.layers.{i}."
        w[p + "attn.Wqkv.weight"] = mat(3 * C, C, std=C ** -0.5 * 1.5)
        w[p + "attn.out_proj.weight"] = mat(C, C, std=C ** -0.5)
        w[p + "mlp.fc11.weight"] = mat(F, C, std=C ** -0.5)
        w[p + "mlp.fc12.weight"] = mat(F, C, std=C ** -0.5)
        w[p + "mlp.fc2.weight"] = mat(C, F, std=F ** -0.5)
        w[p + "norm1.weight"], w[p + "norm1.bias"] = norm()
        w[p + "norm2.weight"], w[p + "norm2.bias"] = norm()
    return w


def layer_norm(x, weight, bias):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


def rotary(x, base):
    """NeoX (`rotate_half`) rotary embedding over the whole head (rotary_emb_fraction 1). x: [T, H, D]."""
    T, _, D = x.shape
    inv_freq = 1.0 / (base ** (np.arange(0, D, 2, dtype=np.float64) / D))
    angles = np.outer(np.arange(T, dtype=np.float64), inv_freq)          # [T, D/2]
    cos = np.concatenate([np.cos(angles)] * 2, -1)[:, None, :]
    sin = np.concatenate([np.sin(angles)] * 2, -1)[:, None, :]
    half = D // 2
    rotated = np.concatenate([-x[..., half:], x[..., :half]], -1)
    return x * cos + rotated * sin


def forward(w: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    """Hugging Face nomic-bert (NomicBertModel, post-norm) in float64, then mean pooling. Returns [C], normalised."""
    W = {k: v.astype(np.float64) for k, v in w.items()}
    C, H = HIDDEN, HEADS
    D = C // H
    T = len(ids)
    x = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, W["emb_ln.weight"], W["emb_ln.bias"])
    for i in range(LAYERS):
        p = f"encoder.layers.{i}."
        qkv = (x @ W[p + "attn.Wqkv.weight"].T).reshape(T, 3, H, D)      # "... (three h d)"
        q, k, v = rotary(qkv[:, 0], ROPE_BASE), rotary(qkv[:, 1], ROPE_BASE), qkv[:, 2]
        scores = np.einsum("thd,shd->hts", q, k) / np.sqrt(D)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        attn = np.einsum("hts,shd->thd", probs, v).reshape(T, C)
        x = layer_norm(x + attn @ W[p + "attn.out_proj.weight"].T, W[p + "norm1.weight"], W[p + "norm1.bias"])
        up = x @ W[p + "mlp.fc11.weight"].T
        gate = x @ W[p + "mlp.fc12.weight"].T
        mlp = (up * (gate / (1 + np.exp(-gate)))) @ W[p + "mlp.fc2.weight"].T   # fc11(x) * silu(fc12(x))
        x = layer_norm(x + mlp, W[p + "norm2.weight"], W[p + "norm2.bias"])
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


def write_folder(folder: Path, w: dict[str, np.ndarray], vocab_rows: int) -> None:
    config = {
        "architectures": ["NomicBertModel"], "model_type": "nomic_bert", "activation_function": "swiglu",
        "n_embd": HIDDEN, "n_layer": LAYERS, "n_head": HEADS, "n_inner": INNER, "vocab_size": vocab_rows,
        "type_vocab_size": TYPES, "n_positions": N_POSITIONS, "max_trained_positions": MAX_TRAINED,
        "layer_norm_epsilon": EPS, "rotary_emb_base": ROPE_BASE, "rotary_emb_fraction": 1.0,
        "rotary_emb_interleaved": False, "rotary_emb_scale_base": None, "rotary_scaling_factor": None,
        "prenorm": False, "causal": False, "qkv_proj_bias": False, "mlp_fc1_bias": False, "mlp_fc2_bias": False,
        "pad_vocab_size_multiple": 64, "use_rms_norm": False, "parallel_block": False,
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    save_file(w, str(folder / "model.safetensors"))
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ], indent=2) + "\n")
    (folder / "1_Pooling").mkdir(exist_ok=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": HIDDEN, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False}, indent=2) + "\n")


GGUF_NAMES = {"embeddings.word_embeddings.weight": "token_embd.weight",
              "embeddings.token_type_embeddings.weight": "token_types.weight",
              "emb_ln.weight": "token_embd_norm.weight", "emb_ln.bias": "token_embd_norm.bias"}
LAYER_NAMES = {"attn.Wqkv": "attn_qkv", "attn.out_proj": "attn_output", "norm1": "attn_output_norm",
               "mlp.fc11": "ffn_up", "mlp.fc12": "ffn_gate", "mlp.fc2": "ffn_down", "norm2": "layer_output_norm"}


def gguf_name(hf: str) -> str:
    if hf in GGUF_NAMES:
        return GGUF_NAMES[hf]
    _, _, layer, *rest = hf.split(".")
    return f"blk.{layer}.{LAYER_NAMES['.'.join(rest[:-1])]}.{rest[-1]}"


def write_gguf(path: Path, folder: Path, w: dict[str, np.ndarray], tokens: list[str], outtype: str) -> None:
    file_type = {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
                 "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}[outtype]
    writer = gguf.GGUFWriter(path, ARCH)
    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name("nomic-tiny")
    writer.add_context_length(MAX_TRAINED)
    writer.add_embedding_length(HIDDEN)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(INNER)
    writer.add_head_count(HEADS)
    writer.add_layer_norm_eps(EPS)
    writer.add_rope_freq_base(ROPE_BASE)
    writer.add_file_type(file_type)
    writer.add_causal_attention(False)
    writer.add_pooling_type(gguf.PoolingType.MEAN)
    writer.add_token_type_count(TYPES)
    # Phantom-space vocabulary, as llama.cpp's BertModel.set_vocab writes it.
    control = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
    pieces, types = [], []
    for t in tokens:
        if t in control:
            pieces.append(t); types.append(gguf.TokenType.CONTROL)
        elif t.startswith("[PAD") and t.endswith("]") and t[4:-1].isdigit():
            pieces.append(t); types.append(gguf.TokenType.UNUSED)
        else:
            pieces.append(t[2:] if t.startswith("##") else "\u2581" + t); types.append(gguf.TokenType.NORMAL)
    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("bert-bge")
    writer.add_token_list(pieces)
    writer.add_token_types(types)
    gguf.SpecialVocab(folder, n_vocab=len(pieces)).add_to_gguf(writer, quiet=True)
    for hf in sorted(w):
        name, data = gguf_name(hf), w[hf]
        keep_f32 = outtype == "f32" or data.ndim == 1 or name == "token_types.weight"
        if keep_f32:
            qtype = gguf.GGMLQuantizationType.F32
        elif outtype == "q8_0" and data.shape[-1] % 32 == 0:
            qtype = gguf.GGMLQuantizationType.Q8_0
        else:
            qtype = gguf.GGMLQuantizationType.F16
        writer.add_tensor(name, gguf.quants.quantize(data, qtype), raw_dtype=qtype)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def llama_vectors(path: Path, inputs: list[tuple[str, list[int]]]) -> tuple[list[list[float]], int]:
    """llama.cpp's mean-pooled embeddings of exact ids (one sequence per decode), normalised; and how many texts its
    own tokenizer turns into the same ids."""
    import llama_cpp
    llm = llama_cpp.Llama(model_path=str(path), embedding=True, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN,
                          n_ctx=1024, n_batch=1024, n_ubatch=1024, n_threads=2, verbose=False)
    vectors, same = [], 0
    for text, ids in inputs:
        llm._batch.reset()
        llm._batch.add_sequence(ids, 0, True)
        llm._ctx.kv_cache_clear()
        llm._ctx.decode(llm._batch)
        v = np.array(llama_cpp.llama_get_embeddings_seq(llm._ctx.ctx, 0)[:HIDDEN], dtype=np.float64)
        vectors.append((v / np.linalg.norm(v)).tolist())
        same += llm.tokenize(text.encode("utf-8"), add_bos=True, special=False) == ids
    llm.close()
    return vectors, same


def main() -> None:
    minilm = Path(os.environ["FOLIO_MINILM_PATH"])
    if OUT.exists():
        shutil.rmtree(OUT)
    folder = OUT / "model"
    folder.mkdir(parents=True)
    tokens = vocabulary(minilm)
    real = len(tokens)
    tokenizer = write_tokenizer(minilm, tokens, folder)
    rows = (real + 63) // 64 * 64
    tokens += [f"[PAD{i}]" for i in range(real, rows)]
    w = random_weights(rows)
    write_folder(folder, w, rows)
    paths = {t: OUT / f"nomic-{t}.gguf" for t in ("f32", "f16", "q8_0")}
    for outtype, path in paths.items():
        write_gguf(path, folder, w, tokens, outtype)

    texts = [("query", QUERY + q) for q in QUERIES] + [("document", DOCUMENT + d) for d in DOCUMENTS]
    inputs = [(text, tokenizer.encode(text).ids) for _, text in texts]
    reference = [forward(w, ids) for _, ids in inputs]
    llama = {t: llama_vectors(p, inputs) for t, p in paths.items()}
    checks = {"tokens": real, "rows": rows, "llama_tokenizer_same_ids": {t: llama[t][1] for t in llama},
              "inputs": len(inputs)}
    for t in llama:
        cos = [float(np.dot(a, np.array(b))) for a, b in zip(reference, llama[t][0])]
        checks[f"lowest_cosine_float64_vs_llama_{t}"] = min(cos)
    out = {
        "query_prefix": QUERY, "document_prefix": DOCUMENT, "checks": checks,
        "inputs": [{"role": role, "text": text, "ids": ids, "vector": ref.tolist(),
                    "llama": {t: llama[t][0][i] for t in llama}}
                   for i, ((role, _), (text, ids), ref) in enumerate(zip(texts, inputs, reference))],
    }
    (OUT / "reference.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(checks, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
