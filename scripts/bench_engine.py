"""Benchmark (not a test): Folio beside llama.cpp and PyTorch on one Qwen3-Embedding-0.6B-shaped model.

Run:  /work/pyenv/bin/python scripts/bench_engine.py [--layers 28] [--sizes 128,512] [--threads 2]
First build Folio:  swift build -c release --scratch-path .build-bench
The model (random weights, real Qwen3 vocabulary and shape) is made once into --cache
(default /work/bench-cache, outside the repo): an HF folder with BF16 safetensors and F16, Q8_0
and Q4_K_M GGUFs (see bench/model.py). Every engine embeds the same token ids, with the same number
of threads, in its own process. Printed: tokens/s per input size and engine, Folio's ratio to the
best peer, peak RSS, and the cosine between Folio's and PyTorch fp32's vectors (HF folder).

Timing: peers load, embed one warm-up input, then time the inputs one by one in the same process.
Folio (CLI) is timed by difference, see bench/runner.py run_folio: tokens/s = K * size / (T(1+K) - T(1)).
Peak RSS: each engine process's own ru_maxrss (for peers this includes the Python interpreter).
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent

FOLIO = ["folio-hf", "folio-f16", "folio-q8_0", "folio-q4_k_m"]
PEERS = ["llama-f16", "llama-q8_0", "llama-q4_k_m", "torch-fp32", "torch-bf16"]
SAME_WEIGHTS = {"folio-hf": ["torch-fp32", "torch-bf16"], "folio-f16": ["llama-f16"],
                "folio-q8_0": ["llama-q8_0"], "folio-q4_k_m": ["llama-q4_k_m"]}


def parse_args():
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a.add_argument("--cache", type=Path, default=Path("/work/bench-cache"), help="model cache folder (not committed)")
    a.add_argument("--layers", type=int, default=28, help="decoder layers (28 = the real model; fewer for quick runs)")
    a.add_argument("--sizes", default="128,512,2048,8192", help="tokens per input, comma-separated")
    a.add_argument("--counts", default="", help="inputs per size, e.g. 128:16,512:8 (defaults in bench/inputs.py)")
    a.add_argument("--threads", type=int, default=2)
    a.add_argument("--engines", default=",".join(FOLIO + PEERS), help="comma-separated subset")
    a.add_argument("--folio", type=Path, default=ROOT / ".build-bench" / "release" / "folio")
    a.add_argument("--json", type=Path, help="also write the raw results here")
    a.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    return a.parse_args()


def log(*a):
    print(*a, flush=True)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_engine(name: str, paths: dict, args, inputs: list, size: int) -> dict:
    from bench.runner import run_folio, run_peer
    kind, variant = name.split("-", 1)
    texts, ids = [t for t, _ in inputs], [i for _, i in inputs]
    if kind == "folio":
        if not args.folio.exists():
            raise SystemExit(f"{args.folio} not found: build it with "
                             f"`swift build -c release --scratch-path .build-bench`, or pass --folio")
        return run_folio(args.folio, paths[variant], args.threads, texts, size)
    if kind == "llama":
        return run_peer("llama", paths[variant], "", args.threads, ids, sys.executable)
    return run_peer("torch", paths["hf"], variant, args.threads, ids, sys.executable)


def cosines(a: list, b: list) -> list:
    out = []
    for x, y in zip(a, b):
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        out.append(float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y))))
    return out


def print_tables(results: dict, engines: list, sizes: list) -> None:
    folio = [e for e in engines if e in FOLIO]
    peers = [e for e in engines if e in PEERS]
    w = max(12, max(len(e) for e in engines) + 1)
    log("\ntokens/s (higher is better)")
    log("tokens".rjust(7) + "".join(e.rjust(w) for e in engines))
    for s in sizes:
        cells = [results[s].get(e) for e in engines]
        log(str(s).rjust(7) + "".join((f"{c['tok_s']:.1f}" if c else "-").rjust(w) for c in cells))
    if folio and peers:
        log("\nFolio / best peer  (same-weights peer in brackets: HF~best torch, GGUF~llama.cpp on that file)")
        log("tokens".rjust(7) + "".join(e.rjust(24) for e in folio) + "   best peer")
        for s in sizes:
            got = {e: r for e, r in results[s].items() if r}
            best = max((e for e in peers if e in got), key=lambda e: got[e]["tok_s"], default=None)
            row = str(s).rjust(7)
            for f in folio:
                if f not in got or best is None:
                    row += "-".rjust(24)
                    continue
                same = [got[p]["tok_s"] for p in SAME_WEIGHTS[f] if p in got]
                cell = f"{got[f]['tok_s'] / got[best]['tok_s']:.2f}x"
                cell += f" [{got[f]['tok_s'] / max(same):.2f}x]" if same else ""
                row += cell.rjust(24)
            log(row + f"   {best}" if best else row)
    log("\npeak RSS MiB (the whole process; peers include the Python interpreter)")
    log("tokens".rjust(7) + "".join(e.rjust(w) for e in engines))
    for s in sizes:
        cells = [results[s].get(e) for e in engines]
        log(str(s).rjust(7) + "".join((f"{c['rss_mib']:.0f}" if c else "-").rjust(w) for c in cells))


def main() -> None:
    args = parse_args()
    if args.worker:
        from bench.workers import run_job
        return run_job(args.worker)
    from bench.inputs import DEFAULT_COUNTS, make_inputs
    from bench.model import ensure_model
    sizes = [int(x) for x in args.sizes.split(",") if x]
    counts = dict(DEFAULT_COUNTS)
    counts.update({int(k): int(v) for k, v in (c.split(":") for c in args.counts.split(",") if c)})
    engines = [e for e in args.engines.split(",") if e]
    unknown = [e for e in engines if e not in FOLIO + PEERS]
    if unknown:
        raise SystemExit(f"unknown engines {unknown}; choose from {FOLIO + PEERS}")
    paths = ensure_model(args.cache, args.layers, log)
    log(f"model: Qwen3-Embedding-0.6B shape, {args.layers} layers, random weights, in {paths['hf'].parent}")
    log(f"threads {args.threads}; cores {os.cpu_count()}; Folio timed by difference, peers in-process after warm-up")
    results = {}
    for s in sizes:
        n = counts.get(s, max(1, 2048 // s))
        inputs = make_inputs(paths["hf"] / "tokenizer.json", s, n)
        log(f"\n== {n} x {s} tokens  (load average {load_average()})")
        results[s] = {}
        for e in engines:
            t = time.time()
            try:
                r = run_engine(e, paths, args, inputs, s)
            except Exception as err:   # one engine failing must not lose the others' numbers
                log(f"  {e:14s} FAILED: {str(err)[-600:]}")
                continue
            results[s][e] = r
            extra = f"  (Folio load+1 input {r['load_s']:.1f} s)" if "load_s" in r else ""
            log(f"  {e:14s} {r['tok_s']:9.1f} tok/s  {r['seconds']:7.2f} s timed  RSS {r['rss_mib']:6.0f} MiB"
                f"  [{time.time() - t:.0f} s wall]{extra}")
        if "folio-hf" in results[s] and "torch-fp32" in results[s]:
            c = cosines(results[s]["folio-hf"]["vectors"], results[s]["torch-fp32"]["vectors"])
            log(f"  cosine folio-hf vs torch-fp32: min {min(c):.6f} mean {np.mean(c):.6f}"
                f"  ({'ok' if min(c) >= 0.9999 else 'BELOW 0.9999'})")
            results[s]["cosine_folio_hf_vs_torch_fp32"] = c
    print_tables(results, engines, sizes)
    log(f"\nload average at the end: {load_average()}")
    if args.json:
        slim = {s: {e: ({k: v for k, v in r.items() if k != "vectors"} if isinstance(r, dict) else r)
                    for e, r in res.items()} for s, res in results.items()}
        args.json.write_text(json.dumps(slim, indent=1))


if __name__ == "__main__":
    main()
