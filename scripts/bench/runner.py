"""Runs one engine in a child process and measures wall time and the child's own peak RSS.

Peak RSS comes from GNU time (`/usr/bin/time -f %M`), not from wait4 here: Linux starts a forked
child's ru_maxrss at its parent's RSS (this script holds the tokenizer, ~650 MiB), so every engine
would read at least that. GNU time forks the engine from its own small process.
Threads are pinned to the job's count through the usual environment variables as well.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_ENGINE = Path(__file__).resolve().parent.parent / "bench_engine.py"


OMP_WAIT_POLICY = None   # set by bench_engine.py --omp-wait-policy (passive helps on a shared, loaded box)


def child_env(threads: int) -> dict:
    env = dict(os.environ)
    if OMP_WAIT_POLICY:
        env["OMP_WAIT_POLICY"] = OMP_WAIT_POLICY
    for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[k] = str(threads)
    env["TOKENIZERS_PARALLELISM"] = "false"
    return env


def run_measured(cmd: list, threads: int, stdout=subprocess.DEVNULL) -> tuple:
    """(wall seconds, peak RSS in MiB, user + system CPU seconds) of one command; raises if it fails."""
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as rss:
        t = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", rss.name] + cmd, stdout=stdout, stderr=err,
                           env=child_env(threads))
        wall = time.perf_counter() - t
        if p.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{cmd[0]} exited {p.returncode}: {err.read().decode(errors='replace')[-2000:]}")
        kib, user, system = (float(x) for x in rss.read().strip().splitlines()[-1].split())
    return wall, kib / 1024.0, user + system


def run_peer(engine: str, model: Path, dtype: str, threads: int, ids: list, python: str) -> dict:
    """A llama.cpp or PyTorch worker (bench/workers.py). Adds 'rss_mib' and 'tok_s' to its result."""
    with tempfile.TemporaryDirectory() as tmp:
        job, out = Path(tmp) / "job.json", Path(tmp) / "out.json"
        job.write_text(json.dumps({"engine": engine, "model": str(model), "dtype": dtype, "threads": threads,
                                   "ids": ids, "out": str(out)}))
        _, rss, _ = run_measured([python, str(BENCH_ENGINE), "--worker", str(job)], threads)
        r = json.loads(out.read_text())
    r["rss_mib"] = rss
    r["tok_s"] = r["tokens"] / r["seconds"]
    r["tok_cpu_s"] = r["tokens"] / r["cpu_seconds"]
    return r


def run_folio(folio: Path, model: Path, threads: int, texts: list, size: int, precision: str = "f32") -> dict:
    """Folio through its CLI. Model load is excluded by difference, all in separate processes:

    one warm-up run of 1 input (page cache), then T1 = wall(1 input) and TK = wall(1 + K inputs);
    tokens/s = K * size / (TK - T1). Load, first-touch and the first input cancel out; CPU seconds
    (user + system, from GNU time) are subtracted the same way. From 4,096 tokens an input takes far
    longer than paging the weights in, so the warm-up run is skipped (T1 pages them in).
    """
    with tempfile.TemporaryDirectory() as tmp:
        one, many, out = Path(tmp) / "one.jsonl", Path(tmp) / "many.jsonl", Path(tmp) / "out.jsonl"
        one.write_text(json.dumps(texts[0]) + "\n")
        many.write_text("".join(json.dumps(t) + "\n" for t in [texts[0]] + texts))
        base = [str(folio), "embed", "--model", str(model), "--threads", str(threads), "--output", str(out),
                "--precision", precision]
        if size < 4096:
            run_measured(base + ["--input", str(one)], threads)
        t1, _, c1 = run_measured(base + ["--input", str(one)], threads)
        tk, rss, ck = run_measured(base + ["--input", str(many)], threads)
        rows = [json.loads(line) for line in out.read_text().splitlines()]
    rows.sort(key=lambda r: r["index"])
    counts = {r["tokens"] for r in rows}
    if counts != {size}:
        raise RuntimeError(f"Folio counted {sorted(counts)} tokens per input, expected {size}")
    seconds, tokens = tk - t1, size * len(texts)
    return {"seconds": seconds, "cpu_seconds": ck - c1, "tokens": tokens, "tok_s": tokens / seconds,
            "tok_cpu_s": tokens / max(ck - c1, 1e-9),
            "rss_mib": rss, "load_s": t1, "vectors": [r["embedding"] for r in rows[1:]]}
