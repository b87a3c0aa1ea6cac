"""Benchmark (not a test): Folio's reranker beside PyTorch on one Qwen3-Reranker-0.6B-shaped model.

Run:  python3 benchmarks/rerank.py [--layers 28] [--threads 2] [--documents 100] [--doc-tokens 256] [--query-tokens 64]
First build Folio:  swift build -c release --scratch-path .build-bench

The model: the Qwen3-0.6B-shaped random-weight folder of bench/model.py (BF16 safetensors, real vocabulary),
seen as a Qwen3-Reranker (a README headed "# Qwen3-Reranker", Qwen3ForCausalLM with tied embeddings), in
<cache>/qwen3-reranker-0.6b-shape-L<layers>/ with links to the embedder's weights.
One request: a query of --query-tokens tokens and --documents documents of --doc-tokens tokens each, in the
model card's template (about 40 template tokens around them).

Engines, each in its own process with the same threads:
- folio, folio-no-prefix: `folio rerank --json`; the second with --no-shared-prefix (every pair runs its
  system turn, instruction and query itself, as the peers do). Timed by difference, as bench/runner.py does for
  embeddings: pairs/s = N / (T(2 + N documents) - T(2 documents)). Loading, paging the weights in and the shared
  prefix's one pass are in both runs and cancel out; the prefix pass is about 120 tokens against N x ~300, so
  leaving it out moves the figure by well under 1%.
- torch-fp32, torch-bf16: the model card's code (AutoModelForCausalLM, left padding, logit("yes") vs logit("no") at the
  last position) in batches of --torch-batch pairs; `logits_to_keep=1` spares it the other positions' 151k-wide
  output, which the card's code would compute too. One warm-up batch, then all N pairs timed.
Printed: pairs/s and tokens/s per engine, Folio's ratio to each peer, and the largest score difference from
torch-fp32 (a sanity check, not a test: the tests compare with the reference in Fixtures/rerankers).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench.inputs import cut_to_tokens  # noqa: E402
from bench.model import ensure_hf  # noqa: E402
from bench.runner import child_env, run_measured  # noqa: E402
from fixtures import texts  # noqa: E402
from user_cache import bench_cache  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PREFIX = ("<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct "
          "provided. Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n<|im_start|>user\n")
SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query"


def reranker_folder(cache: Path, layers: int) -> Path:
    """The embedder's random weights seen as a Qwen3-Reranker (links, not copies)."""
    hf = ensure_hf(cache, layers)
    folder = cache / f"qwen3-reranker-0.6b-shape-L{layers}"
    if not (folder / "model.safetensors").exists():
        folder.mkdir(parents=True, exist_ok=True)
        cfg = json.loads((hf / "config.json").read_text())
        cfg["architectures"] = ["Qwen3ForCausalLM"]
        cfg["tie_word_embeddings"] = True
        (folder / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
        tok = json.loads((hf / "tokenizer.json").read_text())
        # The reranker's tokenizer appends nothing (the template carries its own special tokens).
        tok["post_processor"] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
        (folder / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False))
        shutil.copyfile(hf / "tokenizer_config.json", folder / "tokenizer_config.json")
        (folder / "README.md").write_text("# Qwen3-Reranker (random weights, 0.6B shape, for benchmarks)\n")
        os.symlink(hf / "model.safetensors", folder / "model.safetensors")
    return folder


def make_request(tokenizer_json: Path, n: int, doc_tokens: int, query_tokens: int):
    """(query, documents): texts of exactly that many tokens (without the end-of-text id the embedder appends)."""
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(tokenizer_json))
    query = cut_to_tokens(tok, texts.long_text(query_tokens * 6 + 200, seed=7), query_tokens)[0]
    docs = [cut_to_tokens(tok, texts.long_text(doc_tokens * 6 + 200, seed=100 + i), doc_tokens)[0] for i in range(n)]
    return query, docs


def run_folio(folio: Path, model: Path, threads: int, query: str, docs: list, shared_prefix: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small.jsonl", Path(tmp) / "large.jsonl"
        small.write_text("".join(json.dumps(d) + "\n" for d in docs[:2]))
        large.write_text("".join(json.dumps(d) + "\n" for d in docs[:2] + docs))
        base = [str(folio), "rerank", "--model", str(model), "--query", query, "--threads", str(threads), "--json"]
        if not shared_prefix:
            base.append("--no-shared-prefix")
        run_measured(base + ["--input", str(small)], threads)   # pages the weights in
        t_small, _, c_small = run_measured(base + ["--input", str(small)], threads)
        out = Path(tmp) / "out.json"
        with out.open("w") as f:
            t_large, rss, c_large = run_measured(base + ["--input", str(large)], threads, stdout=f)
        result = json.loads(out.read_text())
    scores = {r["index"] - 2: r["score"] for r in result["results"] if r["index"] >= 2}
    seconds = t_large - t_small
    tokens = result["usage"]["total_tokens"] * len(docs) // (len(docs) + 2)   # the N documents' pairs
    return {"seconds": seconds, "cpu_seconds": c_large - c_small, "pairs": len(docs), "rss_mib": rss,
            "tokens": tokens, "scores": [scores[i] for i in range(len(docs))]}


TORCH_WORKER = r"""
import json, sys, time
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
job = json.load(open(sys.argv[1]))
torch.set_num_threads(job["threads"])
dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[job["dtype"]]
tokenizer = AutoTokenizer.from_pretrained(job["model"], padding_side="left")
model = AutoModelForCausalLM.from_pretrained(job["model"], dtype=dtype).eval()
yes, no = tokenizer.convert_tokens_to_ids("yes"), tokenizer.convert_tokens_to_ids("no")
prefix = tokenizer.encode(job["prefix"], add_special_tokens=False)
suffix = tokenizer.encode(job["suffix"], add_special_tokens=False)
pairs = ["<Instruct>: {}\n<Query>: {}\n<Document>: {}".format(job["instruction"], job["query"], d) for d in job["documents"]]

@torch.no_grad()
def score(batch):
    enc = tokenizer(batch, padding=False, truncation="longest_first", return_attention_mask=False,
                    max_length=8192 - len(prefix) - len(suffix))
    ids = [prefix + e + suffix for e in enc["input_ids"]]
    padded = tokenizer.pad({"input_ids": ids}, padding=True, return_tensors="pt")
    logits = model(**padded, logits_to_keep=1).logits[:, -1, :]
    two = torch.stack([logits[:, no], logits[:, yes]], dim=1).float()
    return torch.nn.functional.log_softmax(two, dim=1)[:, 1].exp().tolist(), sum(len(i) for i in ids)

b = job["batch"]
score(pairs[:b])
t, c = time.perf_counter(), time.process_time()
scores, tokens = [], 0
for i in range(0, len(pairs), b):
    s, n = score(pairs[i:i + b])
    scores += s
    tokens += n
json.dump({"seconds": time.perf_counter() - t, "cpu_seconds": time.process_time() - c, "pairs": len(pairs),
           "tokens": tokens, "scores": scores}, open(job["out"], "w"))
"""


def run_torch(python: str, model: Path, dtype: str, threads: int, query: str, docs: list, batch: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        job, out, worker = Path(tmp) / "job.json", Path(tmp) / "out.json", Path(tmp) / "worker.py"
        worker.write_text(TORCH_WORKER)
        job.write_text(json.dumps({"model": str(model), "dtype": dtype, "threads": threads, "query": query,
                                   "documents": docs, "prefix": PREFIX, "suffix": SUFFIX, "instruction": INSTRUCTION,
                                   "batch": batch, "out": str(out)}))
        _, rss, _ = run_measured([python, str(worker), str(job)], threads)
        r = json.loads(out.read_text())
    r["rss_mib"] = rss
    return r


def main():
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a.add_argument("--cache", type=Path, default=bench_cache())
    a.add_argument("--layers", type=int, default=28)
    a.add_argument("--threads", type=int, default=2)
    a.add_argument("--documents", type=int, default=100)
    a.add_argument("--doc-tokens", type=int, default=256)
    a.add_argument("--query-tokens", type=int, default=64)
    a.add_argument("--torch-batch", type=int, default=10)
    a.add_argument("--engines", default="folio,folio-no-prefix,torch-bf16,torch-fp32")
    a.add_argument("--folio", type=Path, default=ROOT / ".build-bench" / "release" / "folio")
    a.add_argument("--python", default=sys.executable, help="the Python with torch and transformers for the peers")
    a.add_argument("--json", type=Path, help="also write the results here")
    args = a.parse_args()

    model = reranker_folder(args.cache, args.layers)
    query, docs = make_request(model / "tokenizer.json", args.documents, args.doc_tokens, args.query_tokens)
    print(f"model {model.name}; {args.documents} documents x {args.doc_tokens} tokens, query {args.query_tokens} tokens, "
          f"{args.threads} threads", flush=True)
    results = {}
    for engine in args.engines.split(","):
        t = time.time()
        if engine.startswith("folio"):
            r = run_folio(args.folio, model, args.threads, query, docs, shared_prefix=engine == "folio")
        else:
            r = run_torch(args.python, model, engine.split("-")[1], args.threads, query, docs, args.torch_batch)
        r["pairs_s"], r["tok_s"] = r["pairs"] / r["seconds"], r["tokens"] / r["seconds"]
        results[engine] = r
        print(f"  {engine:16s} {r['pairs_s']:7.2f} pairs/s  {r['tok_s']:8.0f} tokens/s  {r['pairs'] / r['cpu_seconds']:7.2f} "
              f"pairs/CPU-s  RSS {r['rss_mib']:6.0f} MiB  ({time.time() - t:.0f} s)", flush=True)
    reference = results.get("torch-fp32", {}).get("scores")
    for engine, r in results.items():
        if reference and engine != "torch-fp32":
            gap = max(abs(x - y) for x, y in zip(r["scores"], reference))
            print(f"  {engine}: max |score - torch-fp32| {gap:.2e}")
    for mine in [e for e in results if e.startswith("folio")]:
        for peer in [e for e in results if not e.startswith("folio")]:
            print(f"  {mine} / {peer}: {results[mine]['pairs_s'] / results[peer]['pairs_s']:.2f}x")
    if "folio" in results and "folio-no-prefix" in results:
        print(f"  shared prefix: {results['folio']['pairs_s'] / results['folio-no-prefix']['pairs_s']:.2f}x the pairs/s of "
              f"running each pair whole")
    if args.json:
        args.json.write_text(json.dumps({k: {x: y for x, y in v.items() if x != "scores"} for k, v in results.items()},
                                        indent=2))


if __name__ == "__main__":
    main()
