"""Mutation fuzzing of model files (GGUF, safetensors, tokenizer.json) through `folio embed`, and of documents
(PDF, HTML) through `folio kb add`. A clean refusal (non-zero exit with a message) is fine; a signal, a trap
message, a hang, an exit without a message, or output that is not finite JSON vectors is a violation.
"""
import concurrent.futures
import json
import math
import os
import shutil
import sqlite3
import subprocess
import time

import mutate
from common import INGESTION, MODEL_DIR, crash_words, seeded, strict_json

GGUFS = ["qwen3-tiny-gqa2-f32.gguf", "qwen3-tiny-gqa2-f16.gguf", "qwen3-tiny-gqa2-bf16.gguf", "qwen3-tiny-gqa2-q8_0.gguf"]
FOLDER_FILES = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]
INPUTS = ["Folio turns whole documents into vectors.", "a", "漢字とテキスト 🙂 " * 20]
PDFS = ["three-pages.pdf", "corrupt.pdf", "encrypted.pdf", "scanned.pdf"]
HTMLS = ["page-utf8.html", "page-gbk.html", "few-bad-bytes.html", "declared-gb2312-holds-utf8.html",
         "undeclared-gb18030.html"]


def classify_embed(process, inputs):
    """'accepted', 'refused' or a violation's description."""
    stderr = process.stderr.decode(errors="replace")
    words = crash_words(stderr)
    if process.returncode < 0:
        return f"killed by signal {-process.returncode} {words}: {stderr[-300:]!r}"
    if words:
        return f"trapped (exit {process.returncode}) {words}: {stderr[-300:]!r}"
    if process.returncode != 0:
        return "refused" if stderr.strip() else f"exit {process.returncode} without a message"
    lines = process.stdout.decode(errors="replace").splitlines()
    if len(lines) != inputs:
        return f"exit 0 with {len(lines)} output lines for {inputs} inputs"
    for line in lines:
        try:
            vector = strict_json(line)["embedding"]
        except (ValueError, KeyError, TypeError) as error:
            return f"exit 0 with invalid JSON ({error}): {line[:120]!r}"
        if not vector or not all(isinstance(x, (int, float)) and math.isfinite(x) for x in vector):
            return f"exit 0 with a non-finite or empty vector: {line[:120]!r}"
        norm = math.sqrt(sum(x * x for x in vector))
        if not 0.98 < norm < 1.02:
            return f"exit 0 with a vector of norm {norm:.4g} (not normalised; all zeros?): {line[:120]!r}"
    return "accepted"


def model_case(folio, kind, seed, index, workdir, timeout, control=False):
    """Builds one mutated model (the original when `control`), runs `folio embed` on it; returns (outcome, what was
    mutated, case path)."""
    rng = seeded(seed, kind, index)
    case = os.path.join(workdir, f"{kind}-{index}")
    os.makedirs(case)
    if kind == "gguf":
        name = rng.choice(GGUFS)
        with open(os.path.join(MODEL_DIR, name), "rb") as f:
            data, what = mutate.gguf_mutation(rng, f.read()) if not control else (f.read(), "control")
        model = os.path.join(case, name)
        with open(model, "wb") as f:
            f.write(data)
        what = f"{name}: {what}"
    else:
        target = "model.safetensors" if kind == "safetensors" else "tokenizer.json"
        for name in FOLDER_FILES:
            if name != target:
                os.symlink(os.path.join(MODEL_DIR, name), os.path.join(case, name))
        with open(os.path.join(MODEL_DIR, target), "rb") as f:
            original = f.read()
        mutator = mutate.safetensors_mutation if kind == "safetensors" else mutate.json_bytes_mutation
        data, what = mutator(rng, original) if not control else (original, "control")
        with open(os.path.join(case, target), "wb") as f:
            f.write(data)
        model = case
    inputs = os.path.join(case, "inputs.jsonl")
    with open(inputs, "w") as f:
        f.write("".join(json.dumps({"text": t}) + "\n" for t in INPUTS))
    command = [folio, "embed", "--model", model, "--input", inputs, "--threads", "1"]
    try:
        process = subprocess.run(command, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        outcome = classify_embed(process, len(INPUTS))
    except subprocess.TimeoutExpired:
        outcome = f"hang: no exit within {timeout} s"
    return outcome, what, case


def fuzz_models(findings, folio, kind, count, seed, workdir, artifacts, timeout=30):
    part = f"fuzz-{kind}"
    started = time.time()
    tally = {"accepted": 0, "refused": 0, "violations": 0}
    outcome, _, _ = model_case(folio, kind, seed, "control", workdir, timeout, control=True)
    if outcome != "accepted":  # the harness itself must see an untouched model work
        findings.fail(part, f"the unmutated model was not accepted: {outcome}")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(model_case, folio, kind, seed, i, workdir, timeout) for i in range(count)]
        for i, future in enumerate(futures):
            outcome, what, case = future.result()
            if outcome in tally:
                tally[outcome] += 1
                shutil.rmtree(case, ignore_errors=True)
                continue
            tally["violations"] += 1
            kept = keep(case, artifacts)
            findings.fail(part, f"seed {seed} case {i} ({what}): {outcome}; input kept in {kept}")
    findings.figures(part, time.time() - started, cases=count, refused=tally["refused"],
                     accepted=tally["accepted"], crashes_hangs_or_bad_output=tally["violations"])


def keep(path, artifacts):
    destination = os.path.join(artifacts, os.path.basename(path))
    shutil.rmtree(destination, ignore_errors=True)
    if os.path.isdir(path):
        shutil.copytree(path, destination, symlinks=False)
    else:
        os.makedirs(artifacts, exist_ok=True)
        shutil.copy(path, destination)
    return destination


def kb_add(folio, data_dir, collection, files, timeout):
    """Runs `folio kb add --json`; returns (return code or 'hang', {path: record}, stderr)."""
    command = [folio, "kb", "add", collection, *files, "--json", "--data", data_dir, "--threads", "1"]
    try:
        process = subprocess.run(command, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "hang", {}, ""
    records = {}
    for line in process.stdout.decode(errors="replace").splitlines():
        try:
            record = strict_json(line)
            records[record["file"]] = record
        except (ValueError, KeyError):
            pass
    return process.returncode, records, process.stderr.decode(errors="replace")


def fuzz_documents(findings, folio, kind, count, seed, workdir, artifacts, batch=10, timeout=120):
    """Mutated PDFs or HTML pages, `batch` to a `folio kb add`; a batch that crashes is rerun file by file."""
    part = f"fuzz-{kind}"
    started = time.time()
    data_dir = os.path.join(workdir, f"kb-{kind}")
    cases = os.path.join(workdir, f"{kind}-cases")
    os.makedirs(cases)
    create = subprocess.run([folio, "kb", "create", "fuzz", "--model", MODEL_DIR, "--data", data_dir],
                            capture_output=True, timeout=120)
    if create.returncode != 0:
        findings.fail(part, f"kb create failed: {create.stderr.decode(errors='replace')}")
        return
    bases = PDFS if kind == "pdf" else HTMLS
    mutator = mutate.pdf_mutation if kind == "pdf" else mutate.html_mutation
    files, what = [], {}
    for i in range(count):
        rng = seeded(seed, kind, i)
        base = bases[0] if rng.random() < 0.6 else rng.choice(bases)  # mostly the one that reads without error
        with open(os.path.join(INGESTION, base), "rb") as f:
            data, change = mutator(rng, f.read())
        path = os.path.join(cases, f"fuzz-{i:04d}.{kind}")
        with open(path, "wb") as f:
            f.write(data)
        files.append(path)
        what[path] = f"{base}: {change}"
    outcomes = {"added": 0, "duplicate": 0, "refused": 0, "violations": 0}
    stored_sources = set()

    def judge(rc, records, stderr, group):
        if rc == "hang" or (isinstance(rc, int) and rc < 0) or crash_words(stderr):
            return False
        for path in group:
            record = records.get(path)
            if record is None:
                return False
            if record["ok"]:
                outcomes["added" if record["outcome"] in ("added", "replaced") else "duplicate"] += 1
                if record["outcome"] in ("added", "replaced"):
                    stored_sources.add(os.path.basename(path))
            elif record["message"].strip():
                outcomes["refused"] += 1
            else:
                return False
        return True

    for start in range(0, len(files), batch):
        group = files[start:start + batch]
        rc, records, stderr = kb_add(folio, data_dir, "fuzz", group, timeout)
        if judge(rc, records, stderr, group):
            continue
        for path in group:  # find the file(s) at fault; what the batch already stored is unchanged on rerun
            if os.path.basename(path) in stored_sources:
                continue
            rc, records, stderr = kb_add(folio, data_dir, "fuzz", [path], timeout)
            if not judge(rc, records, stderr, [path]):
                outcomes["violations"] += 1
                kept = keep(path, artifacts)
                findings.fail(part, f"seed {seed} {os.path.basename(path)} ({what[path]}): kb add exit {rc} "
                                    f"{crash_words(stderr)} {stderr[-300:]!r}; input kept in {kept}")
    check_sqlite_documents(findings, part, data_dir, "fuzz", stored_sources)
    findings.figures(part, time.time() - started, files=count, stored=outcomes["added"],
                     duplicate_of_stored=outcomes["duplicate"], refused=outcomes["refused"],
                     crashes_or_hangs=outcomes["violations"])


def check_sqlite_documents(findings, part, data_dir, collection, expected):
    """The SQLite store holds exactly the files reported stored, each once (read straight from the file)."""
    connection = sqlite3.connect(f"file:{os.path.join(data_dir, 'knowledge.sqlite')}?mode=ro", uri=True)
    rows = connection.execute("SELECT source, content_hash FROM documents WHERE collection = ?", (collection,)).fetchall()
    integrity = connection.execute("PRAGMA integrity_check").fetchall()
    connection.close()
    sources = [r[0] for r in rows]
    if len(set(sources)) != len(sources) or len({r[1] for r in rows}) != len(rows):
        findings.fail(part, f"documents stored twice: {len(rows)} rows, {len(set(sources))} sources")
    if set(sources) != expected:
        findings.fail(part, f"stored {sorted(set(sources) ^ expected)[:5]} differ from what kb add reported")
    if integrity != [("ok",)]:
        findings.fail(part, f"integrity_check: {integrity[:3]}")
