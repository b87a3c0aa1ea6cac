"""Long-file ingestion benchmark entry point: `folio kb add` phase by phase (see README.md).

Runs scripts/bench_ingest.py with the same arguments; the implementation stays in scripts/ beside its helpers.
"""
import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    script = Path(__file__).resolve().parent.parent / "scripts" / "bench_ingest.py"
    sys.argv[0] = str(script)
    runpy.run_path(str(script), run_name="__main__")
