"""Tokenizer throughput: Hugging Face `tokenizers` (one thread) against Folio (release build).

    python3 scripts/bench_tokenizer.py [--mb 4] [--folio-cmd "..."]

Builds a few MB of mixed-language text from the golden corpus (JSON Lines, one document a line),
times HF encoding each document in a plain loop (no encode_batch, RAYON_NUM_THREADS=1), then runs
Folio on the same file. Folio's side is, by default,
    swift run -c release folio tokenize --model Fixtures/tokenizers/<name> --raw --input FILE
(timed from outside, so it includes loading); pass --folio-cmd with {json}, {model} and {input}
placeholders to run another driver. `--swift-driver` builds a throwaway release executable in
the user's cache (${XDG_CACHE_HOME:-~/.cache}/folio/tokbench) that uses this package as a path dependency and prints its own encode rate
(best of 3, loading excluded). Not a test.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from user_cache import folio_cache

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "Fixtures" / "tokenizers"


def build_input(path: Path, megabytes: float) -> list:
    texts = [json.loads(l)["text"] for l in (FIX / "golden" / "qwen3.jsonl").open(encoding="utf-8")]
    docs = [t.replace("\n\n", "\n") for t in texts if t.strip()]
    out, size, i = [], 0, 0
    while size < megabytes * 1e6:
        out.append(docs[i % len(docs)])
        size += len(out[-1].encode())
        i += 1
    # JSON Lines, one document a line: what `folio tokenize --input` reads.
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in out), encoding="utf-8")
    return out


def bench_hf(name: str, docs: list, repeats: int = 3) -> dict:
    from tokenizers import Tokenizer
    t0 = time.perf_counter()
    tok = Tokenizer.from_file(str(FIX / name / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    load = time.perf_counter() - t0
    best, count = float("inf"), 0
    for _ in range(repeats):
        t = time.perf_counter()
        count = sum(len(tok.encode(d, add_special_tokens=False).ids) for d in docs)
        best = min(best, time.perf_counter() - t)
    mb = sum(len(d.encode()) for d in docs) / 1e6
    return {"load_s": round(load, 3), "encode_s": round(best, 3), "mb": round(mb, 3), "mb_per_s": round(mb / best, 2), "tokens": count}


def bench_folio(name: str, input_path: Path, command: str) -> dict:
    cmd = command.format(json=FIX / name / "tokenizer.json", model=FIX / name, input=input_path)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, shell=True, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-500:]}
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    try:
        result = json.loads(last)
        if isinstance(result, dict):
            result["wall_s"] = round(wall, 3)
            return result
    except ValueError:
        pass
    mb = sum(len(json.loads(l).encode()) for l in input_path.open(encoding="utf-8")) / 1e6
    return {"wall_s": round(wall, 3), "mb_per_s_including_load": round(mb / wall, 2)}


DRIVER = r"""
import Foundation
import Tokenization

// tokbench TOKENIZER_JSON INPUT_JSONL: encodes each line's string without special tokens, best of 3.
let args = CommandLine.arguments
let t0 = Date()
let tokenizer = try TokenizerLoader.load(tokenizerJSON: URL(fileURLWithPath: args[1]))
let loadTime = Date().timeIntervalSince(t0)
let (text, _) = TextDecoding.decodeUTF8(try Data(contentsOf: URL(fileURLWithPath: args[2])))
let docs = text.split(separator: "\n").map {
    try! JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed) as! String
}
var best = Double.infinity
var count = 0
for _ in 0..<3 {
    let t = Date()
    count = 0
    for d in docs { count += tokenizer.encode(d, addSpecialTokens: false).count }
    best = min(best, Date().timeIntervalSince(t))
}
let mb = Double(docs.reduce(0) { $0 + $1.utf8.count }) / 1e6
print(String(format: "{\"load_s\": %.3f, \"encode_s\": %.3f, \"mb\": %.3f, \"mb_per_s\": %.2f, \"tokens\": %d}",
             loadTime, best, mb, mb / best, count))
"""


def build_swift_driver() -> str:
    """Writes and builds the driver package in the user's cache; returns a --folio-cmd for it."""
    folder = folio_cache("tokbench")
    (folder / "Sources" / "tokbench").mkdir(parents=True, exist_ok=True)
    (folder / "Package.swift").write_text(
        "// swift-tools-version: 6.1\nimport PackageDescription\n"
        "let package = Package(name: \"tokbench\", platforms: [.macOS(.v15)],\n"
        f"    dependencies: [.package(path: \"{ROOT}\")],\n"
        "    targets: [.executableTarget(name: \"tokbench\", dependencies: [.product(name: \"Tokenization\", package: \""
        f"{ROOT.name}\")])])\n")
    (folder / "Sources" / "tokbench" / "main.swift").write_text(DRIVER)
    subprocess.run(["swift", "build", "-c", "release"], cwd=folder, check=True)
    return str(folder / ".build" / "release" / "tokbench") + " {json} {input}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=4.0)
    ap.add_argument("--input", help="where the JSON Lines input is written (default: a temporary file)")
    ap.add_argument("--folio-cmd", default="swift run -c release folio tokenize --model {model} --raw --input {input} > /dev/null")
    ap.add_argument("--swift-driver", action="store_true", help="measure with a throwaway release executable")
    args = ap.parse_args()
    if args.swift_driver:
        args.folio_cmd = build_swift_driver()
    with tempfile.TemporaryDirectory(prefix="folio-tokbench-") as scratch:
        path = Path(args.input) if args.input else Path(scratch) / "input.jsonl"
        docs = build_input(path, args.mb)
        for name in ("qwen3", "minilm"):
            print(name, "hf   ", json.dumps(bench_hf(name, docs)))
            print(name, "folio", json.dumps(bench_folio(name, path, args.folio_cmd)))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
