"""What the client checks (scripts/check_*_client.py, check_clients.py) share: a `folio serve` child and the
check vocabulary. Standard library only, so each check needs nothing but its client package.
"""
import contextlib
import math
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_DIR = os.path.join(ROOT, "Fixtures", "models", "qwen3-tiny-gqa2")


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def check(condition, what):
    if not condition:
        raise SystemExit(f"FAIL: {what}")
    print(f"ok: {what}")


@contextlib.contextmanager
def folio_server(folio, *arguments):
    """`folio serve ARGUMENTS --port 0` until the block ends; yields its base URL (no /v1)."""
    server = subprocess.Popen([folio, "serve", *arguments, "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        check(" at http://" in line, f"server started: {line.strip()}")
        yield line.split(" at ", 1)[1].split()[0]
    finally:
        server.terminate()
        server.wait(timeout=30)
