"""Where scripts keep what they download or build and the repository must not hold.

`folio_cache("bench")` is ${XDG_CACHE_HOME:-~/.cache}/folio/bench; FOLIO_CACHE replaces the folio folder
(scripts/test.sh reads the same variable).
"""
import os
from pathlib import Path


def folio_cache(*parts: str) -> Path:
    base = os.environ.get("FOLIO_CACHE")
    root = Path(base) if base else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "folio"
    return root.joinpath(*parts)


def bench_cache() -> Path:
    """The benchmark models' folder (tens of GB for the 4B shape): FOLIO_BENCH_CACHE, else folio_cache("bench")."""
    folder = os.environ.get("FOLIO_BENCH_CACHE")
    return Path(folder) if folder else folio_cache("bench")
