#!/usr/bin/env python3
"""Folio's reliability suite: `python3 scripts/reliability/run.py --folio PATH [--postgres-url URL] [--seed S]
[--quick] [--only PART,...]`.

Parts (docs/reliability.md says what each does and gives the latest figures):
  fuzz-gguf, fuzz-safetensors, fuzz-tokenizer   mutated model files through `folio embed`
  fuzz-pdf, fuzz-html                           mutated documents through `folio kb add`
  fuzz-http                                     mutated requests to `folio serve`
  kill9-stages, kill9-kb-add                    SIGKILL during ingestion, then recovery
  postgres-restart                              PostgreSQL stopped and started while a server ingests
  shared-postgres, shared-sqlite                several servers (and a CLI writer) on one store
  kill-server-postgres, kill-server-sqlite      the server holding a job killed; another finishes it
  load                                          64 clients, memory at start and end
Each asserts no crash, no 5xx, nothing lost, nothing stored twice, and prints one line of figures; the exit status
is 1 when any part found a violation. PostgreSQL parts need --postgres-url (or FOLIO_TEST_POSTGRES_URL) of a
server that scripts/postgres.sh controls (its port from the URL, its data folder from FOLIO_PG_DATA), since
postgres-restart stops and starts it. Standard library only.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import crash  # noqa: E402
import fuzz_files  # noqa: E402
import fuzz_http  # noqa: E402
import load  # noqa: E402
import shared  # noqa: E402
from common import ROOT, Findings  # noqa: E402

# part -> (quick size, full size): cases, rounds, seconds or words, as each part reads it
SIZES = {
    "fuzz-gguf": (150, 1000), "fuzz-safetensors": (150, 1000), "fuzz-tokenizer": (150, 1000),
    "fuzz-pdf": (100, 500), "fuzz-html": (100, 500), "fuzz-http": (1000, 5000),
    "kill9-kb-add": (3, 12), "load": (15, 60),
}
POSTGRES_PARTS = {"postgres-restart", "shared-postgres", "kill-server-postgres"}
FULL_ONLY = {"kill-server-sqlite"}
ORDER = ["fuzz-gguf", "fuzz-safetensors", "fuzz-tokenizer", "fuzz-pdf", "fuzz-html", "fuzz-http", "kill9-stages",
         "kill9-kb-add", "postgres-restart", "shared-postgres", "shared-sqlite", "kill-server-postgres",
         "kill-server-sqlite", "load"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folio", required=True, help="the folio executable")
    parser.add_argument("--postgres-url", default=os.environ.get("FOLIO_TEST_POSTGRES_URL"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="CI sizes: a few minutes on 2 cores")
    parser.add_argument("--only", help="comma-separated parts to run (default: all)")
    parser.add_argument("--big-words", type=int, default=25000,
                        help="words in the document that kill tests catch mid-job (default 25000)")
    parser.add_argument("--artifacts", default=os.path.join(ROOT, "artifacts", "reliability"),
                        help="where inputs that caused a violation are kept")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, stores)")
    args = parser.parse_args()
    folio = os.path.abspath(args.folio)
    parts = args.only.split(",") if args.only else [p for p in ORDER if args.quick is False or p not in FULL_ONLY]
    unknown = set(parts) - set(ORDER)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}; parts are {', '.join(ORDER)}")
    size = {p: s[0 if args.quick else 1] for p, s in SIZES.items()}
    workdir = tempfile.mkdtemp(prefix="folio-reliability-")
    findings = Findings()
    seed, big = args.seed, args.big_words
    url = args.postgres_url
    runners = {
        "fuzz-gguf": lambda: fuzz_files.fuzz_models(findings, folio, "gguf", size["fuzz-gguf"], seed, workdir, args.artifacts),
        "fuzz-safetensors": lambda: fuzz_files.fuzz_models(findings, folio, "safetensors", size["fuzz-safetensors"],
                                                           seed, workdir, args.artifacts),
        "fuzz-tokenizer": lambda: fuzz_files.fuzz_models(findings, folio, "tokenizer", size["fuzz-tokenizer"], seed,
                                                         workdir, args.artifacts),
        "fuzz-pdf": lambda: fuzz_files.fuzz_documents(findings, folio, "pdf", size["fuzz-pdf"], seed, workdir, args.artifacts),
        "fuzz-html": lambda: fuzz_files.fuzz_documents(findings, folio, "html", size["fuzz-html"], seed, workdir,
                                                       args.artifacts),
        "fuzz-http": lambda: fuzz_http.fuzz_http(findings, folio, size["fuzz-http"], seed, workdir),
        "kill9-stages": lambda: crash.kill_stages(findings, folio, seed, workdir, big),
        "kill9-kb-add": lambda: crash.kill_kb_add(findings, folio, seed, workdir, size["kill9-kb-add"]),
        "postgres-restart": lambda: crash.postgres_restart(findings, folio, url, seed, workdir, big),
        "shared-postgres": lambda: shared.shared_store(findings, folio, "postgres", ["--store", url], 3, seed, workdir),
        "shared-sqlite": lambda: shared.shared_store(findings, folio, "sqlite", ["--data", f"{workdir}/shared-kb"], 2,
                                                     seed, workdir, kb_add=True),
        "kill-server-postgres": lambda: shared.kill_server_mid_job(findings, folio, "postgres", ["--store", url], 3,
                                                                   seed, workdir, big),
        "kill-server-sqlite": lambda: shared.kill_server_mid_job(findings, folio, "sqlite",
                                                                 ["--data", f"{workdir}/kill-server-kb"], 2, seed,
                                                                 workdir, big),
        "load": lambda: load.load(findings, folio, 64, size["load"], seed, workdir),
    }
    print(f"reliability: seed {seed}, {'quick' if args.quick else 'full'}, work folder {workdir}", flush=True)
    started = time.time()
    for part in parts:
        if part in POSTGRES_PARTS and not url:
            print(f"{part}: skipped (no --postgres-url or FOLIO_TEST_POSTGRES_URL)", flush=True)
            continue
        try:
            runners[part]()
        except Exception as error:  # a part that could not finish is a finding, and the others still run
            import traceback
            traceback.print_exc()
            findings.fail(part, f"did not finish: {type(error).__name__}: {error}")
        finally:
            # Servers a crashed part left running would take later parts' jobs from a shared PostgreSQL.
            common.kill_leftovers()
    total = time.time() - started
    print(f"reliability: {len(findings.violations)} violations in {len(parts)} parts, {total:.0f} s", flush=True)
    for part, message in findings.violations:
        print(f"  [{part}] {message}")
    if args.keep or findings.violations:
        print(f"work folder kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(1 if findings.violations else 0)


if __name__ == "__main__":
    main()
