"""Benchmark (not a test): `folio kb add` of one long file, phase by phase.

Run:  python3 benchmarks/ingest.py --file PAPER.pdf [--model PATH | --layers 28 --quant q8_0] [--threads 2]
First build Folio:  swift build -c release --scratch-path .build-bench

Ingestion has two phases (ARCHITECTURE.md, "The knowledge base"): phase one extracts, chunks, embeds the chunks and
stores them, after which the document is searchable; phase two embeds the whole text (its first 32,768 tokens) in
one pass for the document vector. This runs `folio kb create` and `folio kb add --json` in a fresh --data folder and
prints, from the add's JSON line: seconds until searchable, seconds until done, and their difference (phase two).
Beside them: the chunk tokens (the chunk count times the collection's chunk length is an upper bound; the exact
sum comes from `folio kb list --json` token counts of the chunks) and what they take at Folio's 512-token rate, the
"searchable within 1.2x its chunk tokens' time" yardstick of issue 19. That rate is measured in the same run
(`folio bench --tokens 512 --batch 8` on the same model and threads) unless --rate gives it. `--no-document-vectors` shows phase one alone.

The model: --model PATH, or the random-weight Qwen3-0.6B-shaped file of bench/model.py (--layers, --quant; needs
numpy, and llama.cpp's quantiser for q8_0).
Without --file, a Markdown text of about --tokens tokens is made (fixtures/texts.py), so the script runs anywhere.
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench.runner import child_env  # noqa: E402
from user_cache import bench_cache  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def folio_json(folio: Path, args: list, threads: int) -> list:
    """The JSON lines a folio command prints (raises with its stderr when it fails)."""
    p = subprocess.run([str(folio)] + args, capture_output=True, text=True, env=child_env(threads))
    if p.returncode != 0:
        raise RuntimeError(f"folio {' '.join(args[:2])} exited {p.returncode}: {p.stderr[-2000:]}")
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    # `kb add --json` prints one object a line; `kb list --json` one pretty-printed array.
    return [json.loads(line) for line in lines] if lines and p.stdout.lstrip().startswith("{") else [json.loads(p.stdout)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folio", default=str(ROOT / ".build-bench" / "release" / "folio"))
    ap.add_argument("--model", help="a .gguf file or Hugging Face folder (default: the bench cache's 0.6B shape)")
    ap.add_argument("--layers", type=int, default=28)
    ap.add_argument("--quant", default="q8_0", choices=["hf", "f16", "bf16", "q8_0", "q4_k_m"])
    ap.add_argument("--file", help="the long file to add (PDF, HTML, Markdown, text)")
    ap.add_argument("--tokens", type=int, default=16_000, help="size of the made-up text without --file")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rate", type=float,
                    help="Folio's 512-token tokens/s (issue 19's yardstick); default: measured in this run, folio bench 8 x 512")
    ap.add_argument("--no-document-vectors", action="store_true")
    a = ap.parse_args()

    folio = Path(a.folio)
    if a.model:
        model = Path(a.model)
    else:
        from bench.model import ensure_model
        model = Path(ensure_model(bench_cache(), a.layers, files=(a.quant,))[a.quant])
    if a.rate is None:
        bench = folio_json(folio, ["bench", "--model", str(model), "--tokens", "512", "--batch", "8", "--runs", "2",
                                   "--threads", str(a.threads), "--json"], a.threads)[0]
        a.rate, rate_source = bench["tokens_per_second"], "measured now: folio bench 8 x 512"
    else:
        rate_source = "--rate"
    with tempfile.TemporaryDirectory() as tmp:
        if a.file:
            file = Path(a.file)
        else:
            from fixtures import texts
            file = Path(tmp) / "long.md"
            file.write_text("# A long document\n\n" + texts.long_text(a.tokens * 5, seed=19))
        data = ["--data", str(Path(tmp) / "data")]
        create = ["kb", "create", "bench", "--model", str(model)] + data
        if a.no_document_vectors:
            create.append("--no-document-vectors")
        subprocess.run([str(folio)] + create, check=True, capture_output=True, env=child_env(a.threads))
        added = folio_json(folio, ["kb", "add", "bench", str(file), "--json", "--threads", str(a.threads)] + data,
                           a.threads)[0]
        if not added.get("ok"):
            raise SystemExit(f"folio kb add failed: {added.get('message')}")
        documents = folio_json(folio, ["kb", "list", "bench", "--json"] + data, a.threads)[0]
        doc = documents[0]
    total = added["seconds"]
    searchable = added.get("searchable_seconds") or total
    # Chunk tokens: the chunks overlap, so they carry more tokens than the text; the collection's 512-token chunks
    # with 64 overlap make about tokens * 512 / 448 of them.
    chunk_tokens = round(doc["token_count"] * 512 / 448)
    budget = chunk_tokens / a.rate
    print(f"file: {file.name}: {doc['token_count']} tokens, {doc['chunk_count']} chunks (about {chunk_tokens} chunk tokens)")
    print(f"model: {model.name}, {a.threads} threads")
    print(f"phase one (searchable):        {searchable:8.1f} s   ({searchable / budget:.2f}x the chunk tokens at {a.rate:.0f} tokens/s = {budget:.1f} s; rate {rate_source})")
    if a.no_document_vectors:
        print(f"no document vector:            {total:8.1f} s   in all")
    else:
        print(f"phase two (document vector):   {total - searchable:8.1f} s")
        print(f"complete:                      {total:8.1f} s")


if __name__ == "__main__":
    main()
