"""Side-by-side engine benchmark entry point: Folio beside llama.cpp and PyTorch (see README.md).

Runs scripts/bench_engine.py with the same arguments; the implementation stays in scripts/ beside its
helpers (scripts/bench/), so there is one copy of the measuring code.
"""
import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    script = Path(__file__).resolve().parent.parent / "scripts" / "bench_engine.py"
    sys.argv[0] = str(script)
    runpy.run_path(str(script), run_name="__main__")
