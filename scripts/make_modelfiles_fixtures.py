#!/usr/bin/env python3
"""Writes tiny GGUF and safetensors files with the reference libraries (gguf-py, safetensors)
so ModelFilesTests can check Folio's readers against files Folio did not write.

Deterministic: fixed values, no randomness. Run with python3 from the package root:
    python scripts/make_modelfiles_fixtures.py
Output: Fixtures/modelfiles/{reference-a32.gguf, reference-a64.gguf, reference.safetensors} (a few KB).
"""
import os

import gguf
import numpy as np
import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Fixtures", "modelfiles")


def write_gguf(path, alignment):
    w = gguf.GGUFWriter(path, "qwen3")
    if alignment != 32:
        w.add_custom_alignment(alignment)
    w.add_uint32("qwen3.block_count", 28)
    w.add_float32("qwen3.rope.freq_base", 1000000.0)
    w.add_int8("test.i8", -100)
    w.add_uint64("test.u64", 2**40 + 3)
    w.add_float64("test.f64", 1000000.25)
    w.add_bool("test.bool", True)
    w.add_string("test.string", "héllo ✓")
    w.add_array("test.strings", ["a", "bb", ""])
    w.add_array("test.ints", [1, -2, 3])
    w.add_tensor("token_embd.weight", (np.arange(12, dtype=np.float32) * 0.5 - 2).reshape(3, 4))
    w.add_tensor("blk.0.attn_norm.weight", np.array([1, -0.5, 0.25, 65504, -2], dtype=np.float16))
    # Q8_0: two rows of 64 weights; row 0 block 0 is 0..31, so its scale is 31/127.
    x = np.arange(128, dtype=np.float32).reshape(2, 64)
    q = gguf.quants.quantize(x, gguf.GGMLQuantizationType.Q8_0)
    w.add_tensor("blk.0.attn_q.weight", q, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write_safetensors(path):
    save_file({
        "model.embed_tokens.weight": (torch.arange(12, dtype=torch.float32) * 0.5 - 2).reshape(3, 4),
        "model.norm.weight": torch.tensor([1, -0.5, 0.25, 65504, -2], dtype=torch.float16),
        "lm_head.weight": torch.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=torch.bfloat16),
    }, path, metadata={"format": "pt"})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    write_gguf(os.path.join(OUT, "reference-a32.gguf"), 32)
    write_gguf(os.path.join(OUT, "reference-a64.gguf"), 64)
    write_safetensors(os.path.join(OUT, "reference.safetensors"))
