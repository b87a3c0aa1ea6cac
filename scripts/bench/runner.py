"""Runs one engine in a child process and measures wall time and the child's own peak RSS.

os.wait4 gives the rusage of exactly that child (RUSAGE_CHILDREN would mix every child so far).
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


def child_env(threads: int) -> dict:
    env = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[k] = str(threads)
    env["TOKENIZERS_PARALLELISM"] = "false"
    return env


def run_measured(cmd: list, threads: int, stdout=subprocess.DEVNULL) -> tuple:
    """(wall seconds, peak RSS in MiB) of one command; raises with its stderr if it fails."""
    with tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=stdout, stderr=err, env=child_env(threads))
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{cmd[0]} exited {p.returncode}: {err.read().decode(errors='replace')[-2000:]}")
    return wall, usage.ru_maxrss / 1024.0          # Linux reports KiB


def run_peer(engine: str, model: Path, dtype: str, threads: int, ids: list, python: str) -> dict:
    """A llama.cpp or PyTorch worker (bench/workers.py). Adds 'rss_mib' and 'tok_s' to its result."""
    with tempfile.TemporaryDirectory() as tmp:
        job, out = Path(tmp) / "job.json", Path(tmp) / "out.json"
        job.write_text(json.dumps({"engine": engine, "model": str(model), "dtype": dtype, "threads": threads,
                                   "ids": ids, "out": str(out)}))
        _, rss = run_measured([python, str(BENCH_ENGINE), "--worker", str(job)], threads)
        r = json.loads(out.read_text())
    r["rss_mib"] = rss
    r["tok_s"] = r["tokens"] / r["seconds"]
    return r


def run_folio(folio: Path, model: Path, threads: int, texts: list, size: int) -> dict:
    """Folio through its CLI. Model load is excluded by difference, all in separate processes:

    one warm-up run of 1 input (page cache), then T1 = wall(1 input) and TK = wall(1 + K inputs);
    tokens/s = K * size / (TK - T1). Load, first-touch and the first input cancel out.
    """
    with tempfile.TemporaryDirectory() as tmp:
        one, many, out = Path(tmp) / "one.jsonl", Path(tmp) / "many.jsonl", Path(tmp) / "out.jsonl"
        one.write_text(json.dumps(texts[0]) + "\n")
        many.write_text("".join(json.dumps(t) + "\n" for t in [texts[0]] + texts))
        base = [str(folio), "embed", "--model", str(model), "--threads", str(threads), "--output", str(out)]
        run_measured(base + ["--input", str(one)], threads)
        t1, _ = run_measured(base + ["--input", str(one)], threads)
        tk, rss = run_measured(base + ["--input", str(many)], threads)
        rows = [json.loads(line) for line in out.read_text().splitlines()]
    rows.sort(key=lambda r: r["index"])
    counts = {r["tokens"] for r in rows}
    if counts != {size}:
        raise RuntimeError(f"Folio counted {sorted(counts)} tokens per input, expected {size}")
    seconds = tk - t1
    return {"seconds": seconds, "tokens": size * len(texts), "tok_s": size * len(texts) / seconds,
            "rss_mib": rss, "load_s": t1, "vectors": [r["embedding"] for r in rows[1:]]}
