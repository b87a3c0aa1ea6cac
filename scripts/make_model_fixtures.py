"""Makes Fixtures/models/**: tiny random-weight Qwen3 embedding models and their reference vectors.

Run: python3 scripts/make_model_fixtures.py
Deterministic (fixed seeds). Needs torch, transformers 5.x, tokenizers, safetensors, gguf (gguf-py) and,
for the K-quant files and the optional llama.cpp cross-check, llama-cpp-python.

Reference semantics (Qwen3-Embedding): token ids from the tokenizer's post-processor (which appends
<|endoftext|>), transformers Qwen3Model in float32, the final token's last hidden state after the final
norm, L2-normalised. Queries: "Instruct: {task}\\nQuery:{text}". `dimensions` = first N, renormalised.
"""
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixtures import bpe, texts  # noqa: E402
from fixtures.gguf_files import Q, llama_quantize, patch_version, read_gguf, write_gguf  # noqa: E402
from fixtures.qwen3 import (Spec, build_model, config_style_a, config_style_b, load_hf_back,  # noqa: E402
                            random_weights, save_hf)
from fixtures.reference import embed, f32list, layer_states, make_reference, write_json  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Fixtures" / "models"
QWEN3_TOKENIZER = ROOT / "Fixtures" / "tokenizers" / "qwen3"
LONG_MIN_TOKENS = 20_000
SUMMARY = {}   # file -> facts for the report / README


def log(*a):
    print(*a, flush=True)


def check_against_saved(folder: Path, model, tok: Tokenizer) -> None:
    """The saved folder, loaded with from_pretrained, must give the same vector as the in-memory model."""
    back = load_hf_back(folder)
    ids = tok.encode("A check that the saved weights load back.").ids
    a, b = embed(model, ids), embed(back, ids)
    assert np.array_equal(a, b), f"{folder.name}: from_pretrained differs by {np.abs(a - b).max()}"


def gguf_reference(path: Path, hf_folder: Path, tok: Tokenizer, name: str, dims: int = 32) -> None:
    """Reference computed from the exactly dequantised weights of one GGUF file."""
    weights, types, meta = read_gguf(path)
    model = build_model(hf_folder, weights)
    ref, cos = make_reference(model, tok, texts.reference_texts(), texts.INSTRUCTION_TASK, name, path.name, dims)
    ref["gguf"] = {"version": meta["version"], "file_type": int(meta["general.file_type"]),
                   "pooling_type": meta.get("qwen3.pooling_type"), "tensor_types": types}
    write_json(path.with_name(path.name + ".reference.json"), ref)
    counts = {}
    for t in types.values():
        counts[t] = counts.get(t, 0) + 1
    SUMMARY[path.name] = {"types": counts, "cos": (min(cos), max(cos))}
    log(f"  {path.name}: {counts} cos [{min(cos):.3f}, {max(cos):.3f}]")


def small_tokenizer(folder: Path) -> Tokenizer:
    tok = bpe.train_small_bpe(texts.TRAINING_TEXT, 1000)
    bpe.save_small_bpe(tok, folder)
    return Tokenizer.from_file(str(folder / "tokenizer.json"))   # what Folio will read


def make_gqa2() -> None:
    name = "qwen3-tiny-gqa2"
    folder = OUT / name
    tok = small_tokenizer(folder)
    eos = tok.token_to_id("<|endoftext|>")
    s = Spec(name, tok.get_vocab_size(), hidden=64, layers=2, q_heads=4, kv_heads=2, head_dim=32, ffn=96,
             theta=1_000_000.0, eos_id=eos, seed=20260101)
    w = random_weights(s, "float32")
    save_hf(folder, config_style_a(s), w, "float32", prefix="model.")
    model = build_model(folder, w)
    check_against_saved(folder, model, tok)

    ref, cos = make_reference(model, tok, texts.reference_texts(), texts.INSTRUCTION_TASK, name, "model.safetensors")
    # Layer-by-layer states for the first input.
    first_ids = ref["inputs"][0]["token_ids"]
    ref["hidden_states"] = {"label": ref["inputs"][0]["label"], "token_ids": first_ids,
                            "note": "first8 = first 8 values of every token row; last_row = full final row",
                            "states": layer_states(model, first_ids)}
    # One input of 20,000+ tokens (memory-efficient SDPA; causal, same maths as eager).
    long_text = texts.long_text(42_000)
    long_ids = tok.encode(long_text).ids
    assert len(long_ids) >= LONG_MIN_TOKENS, len(long_ids)
    (folder / "long_input.txt").write_text(long_text)
    sdpa = build_model(folder, w, attn="sdpa")
    ref["long_input"] = {"text_file": "long_input.txt", "token_count": len(long_ids),
                         "last_token_ids": long_ids[-8:], "embedding": f32list(embed(sdpa, long_ids))}
    write_json(folder / "reference.json", ref)
    SUMMARY[f"{name}/reference.json"] = {"cos": (min(cos), max(cos)), "long_tokens": len(long_ids)}
    log(f"{name}: cos [{min(cos):.3f}, {max(cos):.3f}] mean {np.mean(cos):.3f}; long input {len(long_ids)} tokens")

    vocab = bpe.vocab_for_gguf(folder / "tokenizer.json")
    for qt, suffix, pooling in [(Q.F32, "f32", True), (Q.F16, "f16", False), (Q.BF16, "bf16", False),
                                (Q.Q8_0, "q8_0", True)]:
        path = folder / f"{name}-{suffix}.gguf"
        write_gguf(path, s, w, qt, vocab, pooling, name)
        gguf_reference(path, folder, tok, name)
    v2 = folder / f"{name}-q8_0.v2.gguf"
    patch_version(folder / f"{name}-q8_0.gguf", v2)
    gguf_reference(v2, folder, tok, name)


def make_gqa4() -> None:
    name = "qwen3-tiny-gqa4"
    folder = OUT / name
    tok = small_tokenizer(folder)
    eos = tok.token_to_id("<|endoftext|>")
    s = Spec(name, tok.get_vocab_size(), hidden=256, layers=2, q_heads=8, kv_heads=2, head_dim=32, ffn=512,
             theta=10_000.0, eos_id=eos, seed=20260202)
    w = random_weights(s, "bfloat16")
    save_hf(folder, config_style_b(s, "bfloat16"), w, "bfloat16", prefix="", shards=2)
    model = build_model(folder, w)
    check_against_saved(folder, model, tok)
    ref, cos = make_reference(model, tok, texts.reference_texts(), texts.INSTRUCTION_TASK, name,
                              "model.safetensors.index.json")
    write_json(folder / "reference.json", ref)
    log(f"{name}: cos [{min(cos):.3f}, {max(cos):.3f}] mean {np.mean(cos):.3f}")
    SUMMARY[f"{name}/reference.json"] = {"cos": (min(cos), max(cos))}

    # No committed F16 GGUF here (it would cost 2.8 MB of the fixture budget; gqa2 covers F16 GGUF).
    # The quantiser's source is an F32 GGUF of the BF16-rounded weights, written to a temporary folder.
    vocab = bpe.vocab_for_gguf(folder / "tokenizer.json")
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        log("  llama_cpp missing: K-quant files skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src-f32.gguf"
        write_gguf(src, s, w, Q.F32, vocab, True, name)
        for ftype, suffix in [(15, "q4_k_m"), (17, "q5_k_m"), (18, "q6_k"), (8, "q5_0")]:
            path = folder / f"{name}-{suffix}.gguf"
            try:
                llama_quantize(src, path, ftype)
            except RuntimeError as e:
                log(f"  {suffix}: {e}")
                continue
            gguf_reference(path, folder, tok, name)


def make_realvocab() -> None:
    name = "qwen3-tiny-realvocab"
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    for f in ("tokenizer.json", "tokenizer_config.json"):
        link = folder / f
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(os.path.relpath(QWEN3_TOKENIZER / f, folder))
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    eos = tok.token_to_id("<|endoftext|>")
    assert tok.get_vocab_size() == 151_669 and eos == 151_643
    s = Spec(name, 151_669, hidden=32, layers=1, q_heads=2, kv_heads=1, head_dim=16, ffn=64,
             theta=1_000_000.0, eos_id=eos, seed=20260303)
    w = random_weights(s, "float16")
    cfg = config_style_a(s)
    cfg["torch_dtype"] = "float16"
    save_hf(folder, cfg, w, "float16", prefix="")
    model = build_model(folder, w)
    check_against_saved(folder, model, tok)
    # hidden is 32 here, so `dimensions` 16 (32 would be the whole vector).
    ref, cos = make_reference(model, tok, texts.reference_texts(), texts.INSTRUCTION_TASK, name, "model.safetensors",
                              dims=16)
    write_json(folder / "reference.json", ref)
    log(f"{name}: cos [{min(cos):.3f}, {max(cos):.3f}] mean {np.mean(cos):.3f}")
    SUMMARY[f"{name}/reference.json"] = {"cos": (min(cos), max(cos))}
    vocab = bpe.vocab_for_gguf(folder / "tokenizer.json")
    path = folder / f"{name}-q8_0.gguf"
    write_gguf(path, s, w, Q.Q8_0, vocab, True, name)
    gguf_reference(path, folder, tok, name, dims=16)


def llama_embed_ids(llm, ids: list) -> np.ndarray:
    """llama.cpp's pooled embedding of exactly these ids (Llama.embed would re-tokenise with special=False)."""
    import llama_cpp
    llm._ctx.kv_cache_clear()
    llm._batch.reset()
    llm._batch.add_sequence(ids, 0, False)
    llm._ctx.decode(llm._batch)
    v = np.asarray(llama_cpp.llama_get_embeddings_seq(llm._ctx.ctx, 0)[:llm.n_embd()], dtype=np.float64)
    return v / np.linalg.norm(v)


def llama_cpp_cross_check() -> None:
    """Second opinion (printed, not stored): llama.cpp's own tokens and embeddings vs the references."""
    try:
        import llama_cpp
    except ImportError:
        log("llama.cpp cross-check skipped (llama_cpp not importable)")
        return
    from fixtures.gguf_files import silence_llama_cpp
    silence_llama_cpp()
    for rel in ["qwen3-tiny-gqa2/qwen3-tiny-gqa2-f16.gguf", "qwen3-tiny-gqa2/qwen3-tiny-gqa2-q8_0.gguf",
                "qwen3-tiny-gqa4/qwen3-tiny-gqa4-q4_k_m.gguf", "qwen3-tiny-gqa4/qwen3-tiny-gqa4-q5_k_m.gguf",
                "qwen3-tiny-gqa4/qwen3-tiny-gqa4-q6_k.gguf", "qwen3-tiny-gqa4/qwen3-tiny-gqa4-q5_0.gguf", "qwen3-tiny-realvocab/qwen3-tiny-realvocab-q8_0.gguf"]:
        path = OUT / rel
        if not path.exists():
            continue
        ref = json.loads(path.with_name(path.name + ".reference.json").read_text())
        llm = llama_cpp.Llama(model_path=str(path), embedding=True, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_LAST,
                              n_ctx=512, n_batch=512, n_ubatch=512, n_threads=2, verbose=False)
        same, cos = 0, []
        for item in ref["inputs"] + ref["queries"]["inputs"]:
            text = item.get("formatted_text", item["text"])
            same += llm.tokenize(text.encode(), add_bos=True, special=True) == item["token_ids"]
            v = llama_embed_ids(llm, item["token_ids"])
            cos.append(float(v @ np.asarray(item["embedding"], dtype=np.float64)))
        n = len(ref["inputs"]) * 2
        log(f"  llama.cpp {path.name}: token ids equal {same}/{n}; cosine to reference min {min(cos):.7f}"
            f" mean {np.mean(cos):.7f}")
        llm.close()


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(2)
    which = sys.argv[1:] or ["gqa2", "gqa4", "realvocab", "llama"]
    if "gqa2" in which:
        make_gqa2()
    if "gqa4" in which:
        make_gqa4()
    if "realvocab" in which:
        make_realvocab()
    if "llama" in which:
        llama_cpp_cross_check()
    for f in OUT.rglob("*"):
        if f.is_file() and not f.is_symlink():
            f.chmod(0o644)   # safetensors writes 0600


if __name__ == "__main__":
    main()
