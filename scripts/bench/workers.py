"""Peer engines, each run in its own process (so peak RSS is its own): llama.cpp and PyTorch.

A worker reads a job (JSON: engine, model, dtype, threads, ids, out), loads the model, embeds the
first input once as a warm-up (not timed), then times embedding every input one at a time, and
writes {"seconds", "cpu_seconds", "tokens", "vectors"} to `out` (cpu_seconds: user + system time of
every thread of the process over the timed loop). Vectors are the last token's final hidden state,
L2-normalised (Qwen3-Embedding pooling).
"""
import json
import os
import time
from pathlib import Path

import numpy as np


def llama_engine(job: dict):
    """llama.cpp through llama-cpp-python; returns embed(ids) -> vector.

    Llama.embed / create_embedding re-tokenise text, so the ids go in through the low-level batch
    API instead: every engine sees exactly the same tokens.
    """
    import llama_cpp
    from llama_cpp import Llama
    n = max(len(x) for x in job["ids"]) + 16
    llm = Llama(model_path=job["model"], embedding=True, n_ctx=n, n_batch=n, n_ubatch=n,
                n_threads=job["threads"], n_threads_batch=job["threads"],
                pooling_type=llama_cpp.LLAMA_POOLING_TYPE_LAST, verbose=False)

    def embed(ids):
        llm._ctx.kv_cache_clear()
        llm._batch.reset()
        llm._batch.add_sequence(ids, 0, False)
        llm._ctx.decode(llm._batch)
        return np.asarray(llama_cpp.llama_get_embeddings_seq(llm._ctx.ctx, 0)[:llm.n_embd()], dtype=np.float64)
    return embed


def torch_engine(job: dict):
    """transformers Qwen3Model in fp32 or bf16, SDPA attention, inference mode, batch of one."""
    import torch
    from transformers import Qwen3Model
    torch.set_num_threads(job["threads"])
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[job["dtype"]]
    model = Qwen3Model.from_pretrained(job["model"], dtype=dtype, attn_implementation="sdpa").eval()

    def embed(ids):
        with torch.inference_mode():
            h = model(input_ids=torch.tensor([ids])).last_hidden_state   # [1, T, C]
        return h[0, -1].to(torch.float64).numpy()
    return embed


def run_job(job_file: Path) -> None:
    job = json.loads(job_file.read_text())
    embed = {"llama": llama_engine, "torch": torch_engine}[job["engine"]](job)
    embed(job["ids"][0])                      # warm-up: first-touch of weights, allocator, caches
    vectors, t, cpu = [], time.perf_counter(), time.process_time()
    for ids in job["ids"]:
        v = embed(ids)
        vectors.append((v / np.linalg.norm(v)).tolist())
    seconds, cpu_seconds = time.perf_counter() - t, time.process_time() - cpu
    tokens = sum(len(x) for x in job["ids"])
    result = {"seconds": seconds, "cpu_seconds": cpu_seconds, "tokens": tokens, "vectors": vectors}
    Path(job["out"]).write_text(json.dumps(result))
    os._exit(0)                               # skip slow interpreter teardown of big models
