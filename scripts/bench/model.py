"""A Qwen3-Embedding-0.6B-shaped model with random weights, made once and cached outside the repo
(DEFAULT_CACHE: FOLIO_BENCH_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/folio/bench).

Glossary: V = vocabulary, C = hidden size, F = MLP size, Hq / Hkv = query / key-value heads, D = head size.
Shape of the real model: V 151,669, C 1024, 28 layers, F 3072, Hq 16, Hkv 8, D 128, theta 1e6, eps 1e-6.
Files in <cache>/qwen3-0.6b-shape-L<layers>/:
  hf/            config.json + model.safetensors (BF16) + tokenizer.json + tokenizer_config.json
  f16.gguf       F16 (norms F32), written with gguf-py like convert_hf_to_gguf.py
  bf16.gguf      BF16 (norms F32), the same way
  q8_0.gguf      llama.cpp's quantiser from f16.gguf (ftype 7)
  q4_k_m.gguf    llama.cpp's quantiser from f16.gguf (ftype 15; its per-tensor K-quant mix)
The weights reuse the fixture generator (scripts/fixtures/qwen3.py) so the scales keep activations sane.

A Qwen3-Embedding-4B-shaped model (ensure_model_4b): V 151,669, C 2560, 36 layers, F 9728, Hq 32, Hkv 8,
D 128, same theta / eps / vocabulary. Its F32 weights would take 16 GB, so they are drawn and written one
tensor at a time (peak ~4 GB, the embedding table), and only the GGUFs are made, in
<cache>/qwen3-4b-shape-L36/: f16.gguf (~8 GB) and q4_k_m.gguf (~2.5 GB).
"""
import shutil
import sys
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SCRIPTS))
from fixtures import bpe  # noqa: E402
import numpy as np  # noqa: E402
from fixtures.gguf_files import Q, gguf_name, gguf_writer, llama_quantize, write_gguf  # noqa: E402
from user_cache import bench_cache  # noqa: E402
from fixtures.qwen3 import (Spec, config_style_a, iter_random_weights, random_weights, save_hf,  # noqa: E402
                            weight_shapes)

# Where the models are made: tens of GB for the 4B shape, so never in the repository.
DEFAULT_CACHE = bench_cache()

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
            "q4_k_m": root / "q4_k_m.gguf", "tokenizer": root / "hf" / "tokenizer.json"}


def ensure_hf(cache: Path, layers: int, log=print) -> Path:
    """Makes the HF folder if it is missing and returns it (what PyTorch and Folio's folder engines read)."""
    ensure_model(cache, layers, log, files=("hf",))
    return model_paths(cache, layers)["hf"]


def ensure_model(cache: Path, layers: int, log=print, files=("hf", "f16", "bf16", "q8_0", "q4_k_m")) -> dict:
    """Makes whatever of `files` is missing (a file appears only once complete) and returns model_paths."""
    p = model_paths(cache, layers)
    s = spec(layers)
    need_hf = "hf" in files and not (p["hf"] / "model.safetensors").exists()
    need_f16 = not p["f16"].exists() and any(f in files for f in ("f16", *QUANTS))
    need_bf16 = "bf16" in files and not p["bf16"].exists()
    if need_hf or need_f16 or need_bf16:
        t = time.time()
        log(f"making {s.name}: random weights (seed {SEED}) ...")
        p["f16"].parent.mkdir(parents=True, exist_ok=True)   # a GGUF-only run makes no hf/ folder first
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
        if name in files and not p[name].exists():
            t = time.time()
            tmp = p[name].with_suffix(".partial")
            llama_quantize(p["f16"], tmp, ftype)
            tmp.rename(p[name])
            log(f"  {name}.gguf quantised by llama.cpp ({time.time() - t:.0f} s)")
    return p


def spec_4b() -> Spec:
    return Spec("qwen3-4b-shape-L36", vocab=151_669, hidden=2560, layers=36, q_heads=32, kv_heads=8, head_dim=128,
                ffn=9728, theta=1_000_000.0, eos_id=EOS_ID, seed=SEED)


def model_paths_4b(cache: Path) -> dict:
    """{'f16' / 'q4_k_m': gguf file, 'tokenizer': tokenizer.json}; no HF folder, BF16 or Q8_0 for this shape."""
    root = cache / spec_4b().name
    return {"f16": root / "f16.gguf", "q4_k_m": root / "q4_k_m.gguf", "tokenizer": QWEN3_TOKENIZER / "tokenizer.json"}


def write_f16_streamed(path: Path, s: Spec) -> None:
    """write_gguf(..., Q.F16, ...) without holding the model: tensor infos first (shapes are known up front),
    then each tensor drawn, converted (matrices F16, norms F32) and written before the next is drawn."""
    vocab = bpe.vocab_for_gguf(QWEN3_TOKENIZER / "tokenizer.json")
    w = gguf_writer(path, s, Q.F16, vocab, True, s.name)
    for hf, shape in weight_shapes(s).items():
        dtype = np.dtype(np.float32 if len(shape) == 1 else np.float16)
        w.add_tensor_info(gguf_name(hf), shape, dtype, int(np.prod(shape)) * dtype.itemsize)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    for _, arr in iter_random_weights(s):            # same order as weight_shapes
        w.write_tensor_data(arr.astype(np.float32 if arr.ndim == 1 else np.float16))
        del arr                                       # free it before the next tensor is drawn
    w.close()


def ensure_model_4b(cache: Path, log=print, threads: int = 1) -> dict:
    """Makes f16.gguf (streamed) and q4_k_m.gguf (llama.cpp, `threads` threads) if missing; returns model_paths_4b."""
    p = model_paths_4b(cache)
    s = spec_4b()
    if not p["f16"].exists():
        t = time.time()
        log(f"making {s.name}: random weights (seed {SEED}), streamed into f16.gguf ...")
        p["f16"].parent.mkdir(parents=True, exist_ok=True)
        tmp = p["f16"].with_suffix(".partial")
        write_f16_streamed(tmp, s)
        tmp.rename(p["f16"])
        log(f"  f16.gguf written ({time.time() - t:.0f} s)")
    if not p["q4_k_m"].exists():
        t = time.time()
        tmp = p["q4_k_m"].with_suffix(".partial")
        llama_quantize(p["f16"], tmp, QUANTS["q4_k_m"], nthread=threads)
        tmp.rename(p["q4_k_m"])
        log(f"  q4_k_m.gguf quantised by llama.cpp ({time.time() - t:.0f} s)")
    return p


if __name__ == "__main__":
    if sys.argv[1:2] != ["4b"]:
        raise SystemExit("usage: model.py 4b [CACHE]  (makes CACHE/qwen3-4b-shape-L36/, CACHE defaults to "
                         f"{DEFAULT_CACHE}; bench_engine.py makes the 0.6B shape itself)")
    ensure_model_4b(Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_CACHE)
