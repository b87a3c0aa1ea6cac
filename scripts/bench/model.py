"""A Qwen3-Embedding-0.6B-shaped model with random weights, made once and cached outside the repo.

Glossary: V = vocabulary, C = hidden size, F = MLP size, Hq / Hkv = query / key-value heads, D = head size.
Shape of the real model: V 151,669, C 1024, 28 layers, F 3072, Hq 16, Hkv 8, D 128, theta 1e6, eps 1e-6.
Files in <cache>/qwen3-0.6b-shape-L<layers>/:
  hf/            config.json + model.safetensors (BF16) + tokenizer.json + tokenizer_config.json
  f16.gguf       F16 (norms F32), written with gguf-py like convert_hf_to_gguf.py
  bf16.gguf      BF16 (norms F32), the same way
  q8_0.gguf      llama.cpp's quantiser from f16.gguf (ftype 7)
  q4_k_m.gguf    llama.cpp's quantiser from f16.gguf (ftype 15; its per-tensor K-quant mix)
The weights reuse the fixture generator (scripts/fixtures/qwen3.py) so the scales keep activations sane.
"""
import shutil
import sys
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SCRIPTS))
from fixtures import bpe  # noqa: E402
from fixtures.gguf_files import Q, llama_quantize, write_gguf  # noqa: E402
from fixtures.qwen3 import Spec, config_style_a, random_weights, save_hf  # noqa: E402

QWEN3_TOKENIZER = SCRIPTS.parent / "Fixtures" / "tokenizers" / "qwen3"
EOS_ID = 151_643            # <|endoftext|> in the real Qwen3 vocabulary
SEED = 20261129
QUANTS = {"q8_0": 7, "q4_k_m": 15}   # llama_ftype values


def spec(layers: int) -> Spec:
    return Spec(f"qwen3-0.6b-shape-L{layers}", vocab=151_669, hidden=1024, layers=layers, q_heads=16,
                kv_heads=8, head_dim=128, ffn=3072, theta=1_000_000.0, eos_id=EOS_ID, seed=SEED)


def model_paths(cache: Path, layers: int) -> dict:
    """{'hf': folder, 'f16' / 'q8_0' / 'q4_k_m': gguf file} inside the cache."""
    root = cache / spec(layers).name
    return {"hf": root / "hf", "f16": root / "f16.gguf", "bf16": root / "bf16.gguf", "q8_0": root / "q8_0.gguf",
            "q4_k_m": root / "q4_k_m.gguf"}


def ensure_model(cache: Path, layers: int, log=print) -> dict:
    """Makes whatever files are missing (a file appears only once complete) and returns model_paths."""
    p = model_paths(cache, layers)
    s = spec(layers)
    need_hf = not (p["hf"] / "model.safetensors").exists()
    need_f16 = not p["f16"].exists()
    need_bf16 = not p["bf16"].exists()
    if need_hf or need_f16 or need_bf16:
        t = time.time()
        log(f"making {s.name}: random weights (seed {SEED}) ...")
        w = random_weights(s, "bfloat16")           # float32 arrays already rounded to BF16
        if need_hf:
            tmp = p["hf"].with_name("hf.partial")
            shutil.rmtree(tmp, ignore_errors=True)
            cfg = config_style_a(s)
            cfg["torch_dtype"] = "bfloat16"
            save_hf(tmp, cfg, w, "bfloat16", prefix="")
            for f in ("tokenizer.json", "tokenizer_config.json"):
                shutil.copyfile(QWEN3_TOKENIZER / f, tmp / f)
            shutil.rmtree(p["hf"], ignore_errors=True)
            tmp.rename(p["hf"])
            log(f"  hf/ written ({time.time() - t:.0f} s)")
        if need_f16:
            tmp = p["f16"].with_suffix(".partial")
            vocab = bpe.vocab_for_gguf(QWEN3_TOKENIZER / "tokenizer.json")
            write_gguf(tmp, s, w, Q.F16, vocab, True, s.name)
            tmp.rename(p["f16"])
            log(f"  f16.gguf written ({time.time() - t:.0f} s)")
        if need_bf16:
            tmp = p["bf16"].with_suffix(".partial")
            vocab = bpe.vocab_for_gguf(QWEN3_TOKENIZER / "tokenizer.json")
            write_gguf(tmp, s, w, Q.BF16, vocab, True, s.name)
            tmp.rename(p["bf16"])
            log(f"  bf16.gguf written ({time.time() - t:.0f} s)")
        del w
    for name, ftype in QUANTS.items():
        if not p[name].exists():
            t = time.time()
            tmp = p[name].with_suffix(".partial")
            llama_quantize(p["f16"], tmp, ftype)
            tmp.rename(p[name])
            log(f"  {name}.gguf quantised by llama.cpp ({time.time() - t:.0f} s)")
    return p
