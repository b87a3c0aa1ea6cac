#!/usr/bin/env python3
"""Converts a sentence-transformers BERT folder (all-MiniLM-L6-v2, bge-small, e5-small …) into a GGUF
file of architecture `bert`, laid out as llama.cpp's convert_hf_to_gguf.py writes it, so that Folio can
be tested on such files without llama.cpp (and without torch or transformers).

    python scripts/convert_bert_gguf.py MODEL_FOLDER OUT.gguf --outtype f32|f16|q8_0
    python scripts/convert_bert_gguf.py MODEL_FOLDER OUT.gguf --vocab-only   # tokenizer fixture

Needs only `gguf` (llama.cpp's gguf-py, from PyPI), `numpy` and `safetensors`:

    pip install --target DIR gguf numpy safetensors && PYTHONPATH=DIR python scripts/convert_bert_gguf.py …

What it writes, following llama.cpp (conversion/bert.py and base.py):
- metadata: bert.context_length (max_position_embeddings; sentence-transformers' max_seq_length is not
  recorded), bert.embedding_length, bert.feed_forward_length, bert.block_count, bert.attention.head_count,
  bert.attention.layer_norm_epsilon, bert.attention.causal = false, bert.pooling_type (1 mean, 2 cls,
  3 last, from the Pooling module's config; absent without modules.json), general.file_type
  (0 F32, 1 F16, 7 Q8_0), general.quantization_version = 2.
- vocabulary: tokenizer.ggml.model = "bert", tokens in "phantom space" form (control tokens as they are,
  "##x" -> "x", every other token "▁" + token), token_type (3 control for special added tokens,
  4 user-defined for other added tokens, 1 normal), token_type_count (type_vocab_size), and the
  special ids and add_*_token flags gguf.SpecialVocab reads from the folder. Lower-casing and accent
  stripping are not recorded (llama.cpp always lower-cases WordPiece input).
- tensors: token_embd, position_embd, token_types, token_embd_norm, blk.N.attn_q/k/v/output,
  attn_output_norm, ffn_up, ffn_down, layer_output_norm (weights and biases; the pooler and MLM heads
  are dropped). 1-D tensors, *_norm.weight, position_embd and token_types stay F32; other 2-D weights
  become F16 or Q8_0 (F16 when a row is not a multiple of 32 for Q8_0).

Deterministic: same folder and outtype give the same bytes.
"""
import argparse
import json
import pathlib
import sys

import gguf
import numpy as np
from safetensors.numpy import load_file

ARCH = "bert"

# Hugging Face name (after dropping a leading "bert.") -> GGUF name; {i} is the layer.
GLOBAL_NAMES = {
    "embeddings.word_embeddings.weight": "token_embd.weight",
    "embeddings.position_embeddings.weight": "position_embd.weight",
    "embeddings.token_type_embeddings.weight": "token_types.weight",
    "embeddings.LayerNorm.weight": "token_embd_norm.weight",
    "embeddings.LayerNorm.bias": "token_embd_norm.bias",
}
LAYER_NAMES = {
    "attention.self.query": "attn_q",
    "attention.self.key": "attn_k",
    "attention.self.value": "attn_v",
    "attention.output.dense": "attn_output",
    "attention.output.LayerNorm": "attn_output_norm",
    "intermediate.dense": "ffn_up",
    "output.dense": "ffn_down",
    "output.LayerNorm": "layer_output_norm",
}
DROPPED_PREFIXES = ("pooler.", "cls.", "embeddings.position_ids")

FILE_TYPES = {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
              "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}


def gguf_name(hf: str) -> str | None:
    if hf.startswith("bert."):
        hf = hf[len("bert."):]
    hf = hf.replace(".gamma", ".weight").replace(".beta", ".bias")
    if hf.startswith(DROPPED_PREFIXES):
        return None
    if hf in GLOBAL_NAMES:
        return GLOBAL_NAMES[hf]
    parts = hf.split(".")
    if len(parts) >= 5 and parts[0] == "encoder" and parts[1] == "layer":
        layer, rest, kind = parts[2], ".".join(parts[3:-1]), parts[-1]
        if rest in LAYER_NAMES and kind in ("weight", "bias"):
            return f"blk.{layer}.{LAYER_NAMES[rest]}.{kind}"
    raise SystemExit(f"unexpected tensor {hf!r}: not a BERT encoder weight")


def stored_type(name: str, data: np.ndarray, outtype: str) -> gguf.GGMLQuantizationType:
    """llama.cpp's rule: vectors, norms and the small position/type tables stay F32."""
    F32 = gguf.GGMLQuantizationType.F32
    if outtype == "f32" or data.ndim <= 1 or name.endswith("_norm.weight") or not name.endswith(".weight"):
        return F32
    if name in ("position_embd.weight", "token_types.weight"):
        return F32
    if outtype == "q8_0" and data.shape[-1] % 32 == 0:
        return gguf.GGMLQuantizationType.Q8_0
    return gguf.GGMLQuantizationType.F16


def pooling_type(folder: pathlib.Path) -> gguf.PoolingType | None:
    modules_path = folder / "modules.json"
    if not modules_path.is_file():
        return None
    modules = json.loads(modules_path.read_text(encoding="utf-8"))
    path = next((m["path"] for m in modules if m["type"] == "sentence_transformers.models.Pooling"), None)
    if path is None:
        return None
    config = json.loads((folder / path / "config.json").read_text(encoding="utf-8"))
    if config.get("pooling_mode_mean_tokens"):
        return gguf.PoolingType.MEAN
    if config.get("pooling_mode_cls_token"):
        return gguf.PoolingType.CLS
    if config.get("pooling_mode_lasttoken"):
        return gguf.PoolingType.LAST
    raise SystemExit("only mean, cls and last-token pooling can be recorded in GGUF")


def vocabulary(folder: pathlib.Path, vocab_size: int) -> tuple[list[str], list[int]]:
    """Tokens by id with their GGUF types, in llama.cpp's phantom-space form."""
    tokenizer = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    if tokenizer["model"]["type"] != "WordPiece":
        raise SystemExit("tokenizer.json is not WordPiece; this script converts BERT vocabularies only")
    by_id: dict[int, str] = {i: t for t, i in tokenizer["model"]["vocab"].items()}
    added = {a["id"]: a for a in tokenizer.get("added_tokens", [])}
    for i, a in added.items():
        by_id[i] = a["content"]
    tokens, types = [], []
    for i in range(vocab_size):
        if i not in by_id:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
            continue
        token = by_id[i]
        if i in added:
            kind = gguf.TokenType.CONTROL if added[i]["special"] else gguf.TokenType.USER_DEFINED
        else:
            kind = gguf.TokenType.NORMAL
        if kind != gguf.TokenType.CONTROL:
            token = token[2:] if token.startswith("##") else "\u2581" + token
        tokens.append(token)
        types.append(kind)
    return tokens, types


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--outtype", choices=sorted(FILE_TYPES), default="f16")
    parser.add_argument("--vocab-only", action="store_true",
                        help="metadata and vocabulary without tensors (a small tokenizer fixture)")
    args = parser.parse_args()
    folder: pathlib.Path = args.folder
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "bert":
        raise SystemExit(f"model_type is {config.get('model_type')!r}, expected 'bert'")
    file_type = FILE_TYPES[args.outtype]

    writer = gguf.GGUFWriter(args.out, ARCH)
    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name(folder.resolve().name)
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_layer_norm_eps(config.get("layer_norm_eps", 1e-12))
    writer.add_file_type(file_type)
    writer.add_causal_attention(False)
    if (pooling := pooling_type(folder)) is not None:
        writer.add_pooling_type(pooling)

    tokens, types = vocabulary(folder, config["vocab_size"])
    writer.add_token_type_count(config.get("type_vocab_size", 1))
    writer.add_tokenizer_model("bert")
    # llama.cpp names the bert-base-uncased WordPiece vocabulary (bge, MiniLM) "bert-bge"; it does not
    # read `pre` for WordPiece, and neither does Folio.
    writer.add_tokenizer_pre("bert-bge")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    gguf.SpecialVocab(folder, n_vocab=len(tokens)).add_to_gguf(writer, quiet=True)

    weights = {} if args.vocab_only else load_file(str(folder / "model.safetensors"))
    for hf in sorted(weights):
        name = gguf_name(hf)
        if name is None:
            continue
        data = weights[hf].astype(np.float32)
        qtype = stored_type(name, data, args.outtype)
        writer.add_tensor(name, gguf.quants.quantize(data, qtype), raw_dtype=qtype)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    if not args.vocab_only:
        writer.write_tensors_to_file()
    writer.close()
    print(f"wrote {args.out} ({args.outtype}, {len(tokens)} tokens)", file=sys.stderr)


if __name__ == "__main__":
    main()
