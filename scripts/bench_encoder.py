"""Benchmark (not a test): Folio beside sentence-transformers (PyTorch fp32) on a multilingual-e5-base-shaped model.

Run:  python3 benchmarks/encoder.py [--sizes 128,512] [--threads 2] [--counts 128:16,512:8] [--st-batch 32]
First build Folio:  swift build -c release --scratch-path .build-bench   (or pass --folio)

The model is made once into --cache (default FOLIO_BENCH_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/folio/bench; outside
the repo), in <cache>/multilingual-e5-base-shape/: an XLMRobertaModel (transformers) with random weights in
multilingual-e5-base's shape (12 layers, hidden 768, 12 heads, MLP 3072, 514 positions, one token type, GELU,
LayerNorm eps 1e-5), F32 safetensors like the real model's, saved as a sentence-transformers folder: mean pooling +
Normalize (modules.json, 1_Pooling/config.json), max_seq_length 512, prompts `query: ` / `passage: `
(config_sentence_transformers.json).
Vocabulary: the SentencePiece Unigram tokenizer that scripts/make_xlmr_fixtures.py trains (nmt_nfkc charsmap,
XLM-RoBERTa's <s> A </s> template), copied from Fixtures/xlmr/mean/, with vocab_size set to its size (2,002 pieces).
The real model has 250,002 pieces; the vocabulary size changes nothing of the per-token cost except the embedding
lookup (one row read per token), so the timings are the real shape's. It does change the file size and the RSS:
the real embedding table is 250,002 x 768 F32 = 768 MB more (Folio maps it and touches only the rows it reads;
PyTorch loads it whole).

Inputs: deterministic pseudo-English texts (scripts/fixtures/texts.py long_text), each cut so that the engines see
exactly N tokens, <s> and </s> included. If Folio prepends e5's `passage: ` prompt to plain inputs (probed once
with a short text), the cut counts the prompt's tokens too and sentence-transformers gets prompt_name="passage",
so both run the same N ids; --prompt forces it either way.

Engines, each in its own process with the same thread count:
- folio: `folio embed --model DIR --threads T`, timed by difference as bench/runner.py run_folio does
  (tokens/s = K * N / (T(1 + K inputs) - T(1 input)), after a warm-up run that pages the weights in), with a check
  that Folio counted N tokens for every input.
- st-fp32: SentenceTransformer(DIR, device="cpu"), torch.set_num_threads(T), encode(texts, batch_size=--st-batch);
  one warm-up encode of the first batch, then every input timed in one encode call.
Printed per size: tokens/s (wall clock), tokens per CPU-second (user + system of the engine process over the timed
span; a shared machine disturbs it far less than wall clock), Folio / sentence-transformers for both, peak RSS of
each process (GNU time), and the cosine between Folio's and sentence-transformers' vectors of the same input (a
sanity check; beside it the mean cosine between different inputs' vectors, so a reader can see that the vectors are
not all alike).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench.runner import run_measured  # noqa: E402
from fixtures import texts  # noqa: E402
from user_cache import bench_cache  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOKENIZER = ROOT / "Fixtures" / "xlmr" / "mean"      # made by scripts/make_xlmr_fixtures.py
NAME = "multilingual-e5-base-shape"
SEED = 20261202
PROMPTS = {"query": "query: ", "passage": "passage: "}
DEFAULT_COUNTS = {128: 16, 512: 8}


def log(*a):
    print(*a, flush=True)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def ensure_model(cache: Path) -> Path:
    """Makes <cache>/multilingual-e5-base-shape/ once (a folder appears only once complete) and returns it."""
    folder = cache / NAME
    if (folder / "model.safetensors").exists():
        return folder
    import torch
    from tokenizers import Tokenizer
    from transformers import XLMRobertaConfig, XLMRobertaModel
    t = time.time()
    log(f"making {folder}: random weights (seed {SEED}) ...")
    tmp = folder.with_name(NAME + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    vocab = Tokenizer.from_file(str(TOKENIZER / "tokenizer.json")).get_vocab_size()
    cfg = XLMRobertaConfig(vocab_size=vocab, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                           intermediate_size=3072, max_position_embeddings=514, type_vocab_size=1, hidden_act="gelu",
                           pad_token_id=1, bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5,
                           initializer_range=0.1)   # 5x the default, else all mean-pooled vectors are alike
    torch.manual_seed(SEED)
    model = XLMRobertaModel(cfg, add_pooling_layer=False).eval()
    model.save_pretrained(str(tmp), safe_serialization=True)
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(TOKENIZER / f, tmp / f)
    (tmp / "1_Pooling").mkdir()
    (tmp / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": 768, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False}, indent=2))
    (tmp / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}], indent=2))
    (tmp / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 512, "do_lower_case": False}))
    (tmp / "config_sentence_transformers.json").write_text(json.dumps(
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"}, indent=2))
    (tmp / "README.md").write_text("# multilingual-e5-base shape, random weights, for benchmarks only\n")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    log(f"  written ({time.time() - t:.0f} s)")
    return folder


def cut_to_tokens(tok, text: str, n: int, prefix: str = "") -> str:
    """The start of `text` such that prefix + it encodes to exactly n ids (<s> and </s> included).

    Like bench/inputs.py cut_to_tokens, adapted to XLM-RoBERTa: ids are <s> pieces </s>, so n - 2 pieces, and the
    k-th piece of the text is offsets[k] (offsets[0] is <s>'s). Cut at a piece's end, re-encode (Unigram may
    segment differently at the cut), step back until exact, also trying a few more characters."""
    full = prefix + text
    enc = tok.encode(full)
    assert len(enc.ids) > n + 8, "source text too short"
    for k in range(n - 2, max(n - 40, 1), -1):
        end = enc.offsets[k][1]
        for extra in range(0, 8):
            if end + extra < len(prefix):
                continue
            ids = tok.encode(full[:end + extra]).ids
            if len(ids) == n:
                return full[len(prefix):end + extra]
            if len(ids) > n:
                break
    raise RuntimeError(f"could not cut a text to exactly {n} tokens")


def make_texts(folder: Path, size: int, count: int, prefix: str) -> list:
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    out = []
    for i in range(count):
        # Unigram can re-segment a cut so that no cut gives exactly `size` ids; then the next seed (deterministic).
        for attempt in range(20):
            try:
                src = texts.long_text(size * 8 + 400, seed=size * 1000 + i + 100_000 * attempt)
                out.append(cut_to_tokens(tok, src, size, prefix))
                break
            except RuntimeError:
                continue
        else:
            raise RuntimeError(f"no text of exactly {size} tokens for input {i}")
    return out


def folio_embed(folio: Path, folder: Path, threads: int, lines: list, out: Path, tmp: Path, name: str,
                extra: tuple = ()) -> tuple:
    """(wall s, peak RSS MiB, CPU s, rows sorted by index) of one `folio embed` run over `lines` (`extra`: more flags)."""
    inp = tmp / f"{name}.jsonl"
    inp.write_text("".join(json.dumps(t) + "\n" for t in lines))
    cmd = [str(folio), "embed", "--model", str(folder), "--threads", str(threads), "--input", str(inp),
           "--output", str(out), *extra]
    wall, rss, cpu = run_measured(cmd, threads)
    rows = sorted((json.loads(line) for line in out.read_text().splitlines()), key=lambda r: r["index"])
    return wall, rss, cpu, rows


def probe_prompt(folio: Path, folder: Path, threads: int) -> str:
    """'passage' if Folio prepends e5's passage prompt to a plain input, else 'none' (from its token count)."""
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    text = "The quick brown fox jumps over the lazy dog."
    with tempfile.TemporaryDirectory() as tmp:
        _, _, _, rows = folio_embed(folio, folder, threads, [text], Path(tmp) / "out.jsonl", Path(tmp), "probe")
    got = rows[0]["tokens"]
    plain, passage = len(tok.encode(text).ids), len(tok.encode(PROMPTS["passage"] + text).ids)
    if got == plain:
        return "none"
    if got == passage:
        return "passage"
    raise RuntimeError(f"Folio counted {got} tokens for the probe; expected {plain} (no prompt) or {passage} (passage)")


# Folio's engines: the default arithmetic (f32) and bf16 linear layers (`--precision bf16`, AVX-512 BF16).
FOLIO_ENGINES = {"folio": (), "folio-bf16": ("--precision", "bf16")}


def run_folio(folio: Path, folder: Path, threads: int, inputs: list, size: int, extra: tuple = ()) -> dict:
    """bench/runner.py run_folio's method (Folio's default, f32, or `extra` = --precision bf16 for folio-bf16):
    a warm-up run of 1 input, then T1 = wall(1 input), TK = wall(1 + K inputs); tokens/s = K * size / (TK - T1)."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        out = tmp / "out.jsonl"
        folio_embed(folio, folder, threads, inputs[:1], out, tmp, "warm", extra)
        t1, _, c1, _ = folio_embed(folio, folder, threads, inputs[:1], out, tmp, "one", extra)
        tk, rss, ck, rows = folio_embed(folio, folder, threads, inputs[:1] + inputs, out, tmp, "many", extra)
    counts = {r["tokens"] for r in rows}
    if counts != {size}:
        raise RuntimeError(f"Folio counted {sorted(counts)} tokens per input, expected {size}")
    seconds, cpu, tokens = tk - t1, ck - c1, size * len(inputs)
    return {"seconds": seconds, "cpu_seconds": cpu, "tokens": tokens, "rss_mib": rss, "load_s": t1,
            "vectors": [r["embedding"] for r in rows[1:]]}


ST_WORKER = r"""
import json, sys, time
import torch
from sentence_transformers import SentenceTransformer
job = json.load(open(sys.argv[1]))
torch.set_num_threads(job["threads"])
model = SentenceTransformer(job["model"], device="cpu")
prompt = job["prompt_name"]
texts, b = job["texts"], job["batch"]
ids = model.tokenize([model.prompts[prompt] + t if prompt else t for t in texts])["input_ids"]
counts = sorted({int(x) for x in (ids != model.tokenizer.pad_token_id).sum(1)})
model.encode(texts[:b], batch_size=b, prompt_name=prompt, convert_to_numpy=True)   # warm-up
t, c = time.perf_counter(), time.process_time()
v = model.encode(texts, batch_size=b, prompt_name=prompt, convert_to_numpy=True)
seconds, cpu = time.perf_counter() - t, time.process_time() - c
json.dump({"seconds": seconds, "cpu_seconds": cpu, "counts": counts, "torch": torch.__version__,
           "vectors": v.astype("float64").tolist()}, open(job["out"], "w"))
"""


def run_st(python: str, folder: Path, threads: int, inputs: list, size: int, batch: int, prompt: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        job, out, worker = Path(tmp) / "job.json", Path(tmp) / "out.json", Path(tmp) / "worker.py"
        worker.write_text(ST_WORKER)
        job.write_text(json.dumps({"model": str(folder), "threads": threads, "texts": inputs, "batch": batch,
                                   "prompt_name": None if prompt == "none" else prompt, "out": str(out)}))
        _, rss, _ = run_measured([python, str(worker), str(job)], threads)
        r = json.loads(out.read_text())
    if r["counts"] != [size]:
        raise RuntimeError(f"sentence-transformers counted {r['counts']} tokens per input, expected {size}")
    r["tokens"], r["rss_mib"] = size * len(inputs), rss
    return r


def cosines(a: list, b: list) -> list:
    out = []
    for x, y in zip(a, b):
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        out.append(float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y))))
    return out


def between_inputs(vectors: list) -> float:
    v = np.asarray(vectors, dtype=np.float64)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    g = v @ v.T
    n = len(v)
    return float((g.sum() - np.trace(g)) / max(n * (n - 1), 1))


def main():
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a.add_argument("--cache", type=Path, default=bench_cache(), help="model cache folder (default %(default)s)")
    a.add_argument("--sizes", default="128,512", help="tokens per input, comma-separated (at most 512)")
    a.add_argument("--counts", default="", help="inputs per size, e.g. 128:16,512:8 (default 16 at 128, 8 at 512, "
                   "else 2048 tokens' worth)")
    a.add_argument("--threads", type=int, default=2)
    a.add_argument("--st-batch", type=int, default=32, help="sentence-transformers encode batch_size (its default 32)")
    a.add_argument("--prompt", choices=["auto", "none", "passage"], default="auto",
                   help="what Folio prepends to plain inputs (auto: probe it); sentence-transformers gets the same")
    a.add_argument("--repeats", type=int, default=1, help="measure every engine N times, keep the fastest")
    a.add_argument("--engines", default="folio,st-fp32", help="comma-separated: folio, folio-bf16, st-fp32")
    a.add_argument("--folio", type=Path, default=ROOT / ".build-bench" / "release" / "folio")
    a.add_argument("--python", default=sys.executable, help="the Python with torch and sentence-transformers")
    a.add_argument("--json", type=Path, help="also write the results (without vectors) here")
    args = a.parse_args()

    sizes = [int(x) for x in args.sizes.split(",") if x]
    if max(sizes) > 512:
        raise SystemExit("multilingual-e5-base takes at most 512 tokens")
    counts = dict(DEFAULT_COUNTS)
    counts.update({int(k): int(v) for k, v in (c.split(":") for c in args.counts.split(",") if c)})
    engines = [e for e in args.engines.split(",") if e]
    if any(e in FOLIO_ENGINES for e in engines) and not args.folio.exists():
        raise SystemExit(f"{args.folio} not found: build it with `swift build -c release --scratch-path .build-bench`, "
                         f"or pass --folio")
    folder = ensure_model(args.cache)
    prompt = args.prompt
    if prompt == "auto":
        prompt = probe_prompt(args.folio, folder, args.threads) if any(e in FOLIO_ENGINES for e in engines) else "none"
    vocab = json.loads((folder / "config.json").read_text())["vocab_size"]
    log(f"model: multilingual-e5-base shape (12 x 768, random weights, F32), vocabulary {vocab:,} pieces, in {folder}")
    log(f"threads {args.threads}; cores {os.cpu_count()}; repeats {args.repeats} (best kept); prompt on inputs: "
        f"{prompt}; sentence-transformers batch {args.st_batch}; Folio timed by difference")
    results = {}
    for s in sizes:
        n = counts.get(s, max(1, 2048 // s))
        inputs = make_texts(folder, s, n, PROMPTS[prompt] if prompt != "none" else "")
        log(f"\n== {n} x {s} tokens  (load average {load_average()})")
        results[s] = {}
        for _ in range(args.repeats):
            for e in engines:
                t = time.time()
                try:
                    if e in FOLIO_ENGINES:
                        r = run_folio(args.folio, folder, args.threads, inputs, s, FOLIO_ENGINES[e])
                    else:
                        r = run_st(args.python, folder, args.threads, inputs, s, args.st_batch, prompt)
                except Exception as err:   # one engine failing must not lose the other's numbers
                    log(f"  {e:8s} FAILED: {str(err)[-800:]}")
                    continue
                r["tok_s"], r["tok_cpu_s"] = r["tokens"] / r["seconds"], r["tokens"] / max(r["cpu_seconds"], 1e-9)
                if e not in results[s] or r["tok_s"] > results[s][e]["tok_s"]:
                    results[s][e] = r
                extra = f"  (Folio load + 1 input {r['load_s']:.1f} s)" if "load_s" in r else ""
                log(f"  {e:8s} {r['tok_s']:8.1f} tok/s {r['tok_cpu_s']:8.1f} tok/CPU-s {r['seconds']:6.2f} s timed"
                    f"  RSS {r['rss_mib']:5.0f} MiB  [{time.time() - t:.0f} s wall; load average {load_average()}]{extra}")
        got = results[s]
        for e in FOLIO_ENGINES:
            if e not in got or "st-fp32" not in got:
                continue
            c = cosines(got[e]["vectors"], got["st-fp32"]["vectors"])
            got[e]["cosine"] = {"min": min(c), "mean": float(np.mean(c)),
                                "between_inputs": between_inputs(got["st-fp32"]["vectors"])}
            log(f"  cosine {e} vs st-fp32 (same input): min {min(c):.6f} mean {np.mean(c):.6f} "
                f"({'ok' if min(c) >= 0.9999 else 'BELOW 0.9999'}); different inputs (st-fp32): mean "
                f"{got[e]['cosine']['between_inputs']:.4f}")

    log("\n tokens | engine     | Folio tok/s | ST fp32 tok/s | Folio/ST | Folio tok/CPU-s | ST tok/CPU-s | Folio/ST (CPU) |"
        " RSS Folio / ST MiB | cosine min")
    for s in sizes:
        p = results[s].get("st-fp32")
        for e in [e for e in FOLIO_ENGINES if e in results[s]] or ["folio"]:
            f = results[s].get(e)
            cell = lambda r, k, fmt, w: (format(r[k], fmt) if r else "-").rjust(w)   # noqa: E731
            ratio = lambda k: (f"{f[k] / p[k]:.2f}x" if f and p else "-").rjust(8)   # noqa: E731
            cos = f"{f['cosine']['min']:.6f}" if f and "cosine" in f else "-"
            log(f" {s:6d} | {e:10s} | {cell(f, 'tok_s', '.1f', 11)} | {cell(p, 'tok_s', '.1f', 13)} | {ratio('tok_s')} | "
                f"{cell(f, 'tok_cpu_s', '.1f', 15)} | {cell(p, 'tok_cpu_s', '.1f', 12)} | {ratio('tok_cpu_s'):>14s} | "
                f"{cell(f, 'rss_mib', '.0f', 8)} / {cell(p, 'rss_mib', '.0f', 7)} | {cos}")
    log(f"\nload average at the end: {load_average()}")
    if args.json:
        slim = {s: {e: ({k: v for k, v in r.items() if k != "vectors"} if isinstance(r, dict) else r)
                    for e, r in res.items()} for s, res in results.items()}
        args.json.write_text(json.dumps(slim, indent=1))


if __name__ == "__main__":
    main()
