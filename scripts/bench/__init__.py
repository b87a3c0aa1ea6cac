"""Helpers for scripts/bench_engine.py (a benchmark, not a test)."""
