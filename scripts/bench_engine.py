"""Benchmark (not a test): Folio beside llama.cpp and PyTorch on one Qwen3-Embedding-0.6B-shaped model.

Run:  python3 scripts/bench_engine.py [--layers 28] [--sizes 128,512] [--threads 2]
      ... --shape 4b --sizes 512 --engines folio-q4_k_m,llama-q4_k_m   (Qwen3-Embedding-4B shape, 36 layers;
      only F16 and Q4_K_M GGUFs exist for it, so folio-f16/-q4_k_m[-bf16] and llama-f16/-q4_k_m)
First build Folio:  swift build -c release --scratch-path .build-bench
The model (random weights, real Qwen3 vocabulary and shape) is made once into --cache
(default FOLIO_BENCH_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/folio/bench; outside the repo): an HF folder with BF16 safetensors and F16, Q8_0
and Q4_K_M GGUFs (see bench/model.py). Every engine embeds the same token ids, with the same number
of threads, in its own process. Printed: tokens/s per input size and engine, Folio's ratio to the
best peer, peak RSS, and the cosine between Folio's and PyTorch fp32's vectors (HF folder).

Timing: peers load, embed one warm-up input, then time the inputs one by one in the same process.
Folio variants ending in -bf16 run the same file with `--precision bf16`.
Folio (CLI) is timed by difference, see bench/runner.py run_folio: tokens/s = K * size / (T(1+K) - T(1)).
Also printed: tokens per CPU-second (user + system time of the engine process over the same span),
which other processes on a shared machine disturb far less than wall clock.
Peak RSS: each engine process's own maximum resident set, from GNU time (peers include the Python
interpreter; Folio maps its weights, so untouched rows of the embedding table never count).
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from user_cache import bench_cache  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# "folio-<file>[-bf16]": that file, with --precision bf16 when suffixed (bf16 linear layers for float
# weights, bf16 attention for every type).
FOLIO = ["folio-hf", "folio-f16", "folio-bf16", "folio-q8_0", "folio-q4_k_m", "folio-hf-bf16", "folio-f16-bf16",
         "folio-bf16-bf16", "folio-q8_0-bf16", "folio-q4_k_m-bf16"]
PEERS = ["llama-f16", "llama-bf16", "llama-q8_0", "llama-q4_k_m", "torch-fp32", "torch-bf16"]
SAME_WEIGHTS = {"folio-hf": ["torch-fp32", "torch-bf16"], "folio-f16": ["llama-f16"], "folio-bf16": ["llama-bf16"],
                "folio-q8_0": ["llama-q8_0"], "folio-q4_k_m": ["llama-q4_k_m"],
                "folio-hf-bf16": ["torch-fp32", "torch-bf16"], "folio-f16-bf16": ["llama-f16"],
                "folio-bf16-bf16": ["llama-bf16"], "folio-q8_0-bf16": ["llama-q8_0"],
                "folio-q4_k_m-bf16": ["llama-q4_k_m"]}


def parse_args():
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a.add_argument("--cache", type=Path, default=bench_cache(), help="model cache folder (not committed; default %(default)s)")
    a.add_argument("--shape", choices=["0.6b", "4b"], default="0.6b", help="Qwen3-Embedding-0.6B or -4B shapes")
    a.add_argument("--layers", type=int, help="0.6b only: decoder layers (default 28 = the real model; fewer for quick "
                   "runs); 4b always has its 36")
    a.add_argument("--sizes", default="128,512,2048,8192", help="tokens per input, comma-separated")
    a.add_argument("--counts", default="", help="inputs per size, e.g. 128:16,512:8 (defaults in bench/inputs.py)")
    a.add_argument("--threads", type=int, default=2)
    a.add_argument("--engines", help="comma-separated subset (default: all the shape has files for)")
    a.add_argument("--folio", type=Path, default=ROOT / ".build-bench" / "release" / "folio")
    a.add_argument("--repeats", type=int, default=1, help="measure every engine N times, keep the fastest")
    a.add_argument("--omp-wait-policy", choices=["active", "passive"], help="OMP_WAIT_POLICY for every engine")
    a.add_argument("--json", type=Path, help="also write the raw results here")
    a.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    return a.parse_args()


def log(*a):
    print(*a, flush=True)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def weights_of(engine: str) -> str:
    """The model_paths key an engine reads: 'folio-q8_0-bf16' -> 'q8_0', 'torch-fp32' -> 'hf'."""
    kind, variant = engine.split("-", 1)
    if kind == "torch":
        return "hf"
    return variant.partition("-")[0] if kind == "folio" else variant


def choose_model(args, engines: list) -> tuple:
    """(engines, ensure_model thunk, description) for --shape; refuses engines whose file the shape lacks."""
    from bench.model import ensure_model, ensure_model_4b, model_paths_4b
    if args.shape == "0.6b":
        layers = args.layers or 28
        ensure = lambda: ensure_model(args.cache, layers, log)   # noqa: E731
        return engines or FOLIO + PEERS, ensure, f"Qwen3-Embedding-0.6B shape, {layers} layers"
    if args.layers not in (None, 36):
        raise SystemExit("--layers applies to --shape 0.6b only; the 4b shape always has 36 layers")
    have = model_paths_4b(args.cache).keys()
    usable = [e for e in FOLIO + PEERS if weights_of(e) in have]
    lacking = [e for e in engines if e not in usable]
    if lacking:
        raise SystemExit(f"--shape 4b has only F16 and Q4_K_M GGUFs (no HF folder, BF16 or Q8_0 file), so it cannot "
                         f"run {lacking}; choose from {usable}")
    ensure = lambda: ensure_model_4b(args.cache, log)   # noqa: E731
    return engines or usable, ensure, "Qwen3-Embedding-4B shape, 36 layers"


def run_engine(name: str, paths: dict, args, inputs: list, size: int) -> dict:
    from bench.runner import run_folio, run_peer
    kind, variant = name.split("-", 1)
    texts, ids = [t for t, _ in inputs], [i for _, i in inputs]
    if kind == "folio":
        if not args.folio.exists():
            raise SystemExit(f"{args.folio} not found: build it with "
                             f"`swift build -c release --scratch-path .build-bench`, or pass --folio")
        # "folio-f16-bf16": the F16 file with --precision bf16 (AVX-512 BF16; f32 on other CPUs).
        weights, _, precision = variant.partition("-")
        return run_folio(args.folio, paths[weights], args.threads, texts, size, precision or "f32")
    if kind == "llama":
        return run_peer("llama", paths[variant], "", args.threads, ids, sys.executable)
    return run_peer("torch", paths["hf"], variant, args.threads, ids, sys.executable)


def cosines(a: list, b: list) -> list:
    out = []
    for x, y in zip(a, b):
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        out.append(float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y))))
    return out


def metric_table(results: dict, engines: list, sizes: list, key: str, fmt: str, title: str) -> None:
    w = max(12, max(len(e) for e in engines) + 1)
    log(f"\n{title}")
    log("tokens".rjust(7) + "".join(e.rjust(w) for e in engines))
    for s in sizes:
        cells = [results[s].get(e) for e in engines]
        log(str(s).rjust(7) + "".join((format(c[key], fmt) if c else "-").rjust(w) for c in cells))


def ratio_table(results: dict, engines: list, sizes: list, key: str, title: str) -> None:
    """Each Folio variant over the best peer; in brackets over the peer reading the same weights."""
    folio = [e for e in engines if e in FOLIO]
    peers = [e for e in engines if e in PEERS]
    if not folio or not peers:
        return
    log(f"\n{title}  (in brackets: over the same-weights peer, HF~best torch, GGUF~llama.cpp on that file)")
    log("tokens".rjust(7) + "".join(e.rjust(22) for e in folio) + "   best peer")
    for s in sizes:
        got = {e: r for e, r in results[s].items() if e in engines}
        best = max((e for e in peers if e in got), key=lambda e: got[e][key], default=None)
        row = str(s).rjust(7)
        for f in folio:
            if f not in got or best is None:
                row += "-".rjust(22)
                continue
            same = [got[p][key] for p in SAME_WEIGHTS[f] if p in got]
            cell = f"{got[f][key] / got[best][key]:.2f}x" + (f" [{got[f][key] / max(same):.2f}x]" if same else "")
            row += cell.rjust(22)
        log(row + (f"   {best}" if best else ""))


def print_tables(results: dict, engines: list, sizes: list) -> None:
    metric_table(results, engines, sizes, "tok_s", ".1f", "tokens/s, wall clock (higher is better)")
    ratio_table(results, engines, sizes, "tok_s", "Folio / best peer, wall clock")
    metric_table(results, engines, sizes, "tok_cpu_s", ".1f",
                 "tokens per CPU-second (user + system of the engine process; less sensitive to other load)")
    ratio_table(results, engines, sizes, "tok_cpu_s", "Folio / best peer, per CPU-second")
    metric_table(results, engines, sizes, "rss_mib", ".0f",
                 "peak RSS MiB (the whole process; peers include the Python interpreter)")


def main() -> None:
    args = parse_args()
    if args.worker:
        from bench.workers import run_job
        return run_job(args.worker)
    from bench.inputs import DEFAULT_COUNTS, make_inputs
    sizes = [int(x) for x in args.sizes.split(",") if x]
    counts = dict(DEFAULT_COUNTS)
    counts.update({int(k): int(v) for k, v in (c.split(":") for c in args.counts.split(",") if c)})
    engines = [e for e in (args.engines or "").split(",") if e]
    unknown = [e for e in engines if e not in FOLIO + PEERS]
    if unknown:
        raise SystemExit(f"unknown engines {unknown}; choose from {FOLIO + PEERS}")
    engines, ensure, described = choose_model(args, engines)
    from bench import runner
    runner.OMP_WAIT_POLICY = args.omp_wait_policy
    paths = ensure()
    log(f"model: {described}, random weights, in {paths['f16'].parent}")
    log(f"threads {args.threads}; cores {os.cpu_count()}; repeats {args.repeats} (best kept); OMP_WAIT_POLICY "
        f"{args.omp_wait_policy or 'default'}; Folio timed by difference, peers in-process after warm-up")
    results = {}
    for s in sizes:
        n = counts.get(s, max(1, 2048 // s))
        inputs = make_inputs(paths["tokenizer"], s, n)
        log(f"\n== {n} x {s} tokens  (load average {load_average()})")
        results[s] = {}
        for rep, e in ((rep, e) for rep in range(args.repeats) for e in engines):
            t = time.time()
            try:
                r = run_engine(e, paths, args, inputs, s)
            except Exception as err:   # one engine failing must not lose the others' numbers
                log(f"  {e:14s} FAILED: {str(err)[-600:]}")
                continue
            if e not in results[s] or r["tok_s"] > results[s][e]["tok_s"]:
                results[s][e] = r      # best of the repeats: other processes only ever slow a run down
            extra = f"  (Folio load+1 input {r['load_s']:.1f} s)" if "load_s" in r else ""
            log(f"  {e:14s} {r['tok_s']:8.1f} tok/s {r['tok_cpu_s']:8.1f} tok/CPU-s {r['seconds']:6.2f} s timed"
                f"  RSS {r['rss_mib']:5.0f} MiB"
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
