"""Load benchmark (not a test) for `folio serve`: requests/s and p50/p99 latency for 1, 8 and 64
concurrent clients, and the served throughput as a fraction of offline throughput.

Run:  python3 scripts/bench_server.py --folio .build/release/folio --model PATH [--seconds 10]
      [--concurrency 1,8,64] [--inputs-per-request 1]

Each client sends `/v1/embeddings` requests back to back (one text of a few dozen tokens each unless
--inputs-per-request says otherwise) for --seconds. Offline throughput is `folio embed` on the same
texts, timed by difference (T(1+K) - T(1)) so the model load does not count. Tokens come from the
server's `usage`. Stdlib only; with a tiny model the Python client, not the server, is the limit.
"""
import argparse
import http.client
import json
import statistics
import subprocess
import tempfile
import threading
import time
from urllib.parse import urlparse

TEXT = ("Folio turns whole documents into vectors on the CPU; this sentence stands in for a passage "
        "of ordinary prose that a retrieval system would index, number {}.")


def start_server(folio, model):
    server = subprocess.Popen([folio, "serve", "--model", model, "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    if " at http://" not in line:
        server.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return server, urlparse(line.split(" at ", 1)[1].split()[0])


def client(url, stop_at, per_request, latencies, tokens, lock, seed):
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    n = seed
    while time.perf_counter() < stop_at:
        body = json.dumps({"input": [TEXT.format(n + i) for i in range(per_request)], "encoding_format": "base64"})
        start = time.perf_counter()
        conn.request("POST", "/v1/embeddings", body, {"Content-Type": "application/json"})
        reply = conn.getresponse()
        data = json.loads(reply.read())
        elapsed = time.perf_counter() - start
        if reply.status != 200:
            raise SystemExit(f"status {reply.status}: {data}")
        with lock:
            latencies.append(elapsed)
            tokens[0] += data["usage"]["total_tokens"]
        n += per_request


def run_load(url, concurrency, seconds, per_request):
    latencies, tokens, lock = [], [0], threading.Lock()
    stop_at = time.perf_counter() + seconds
    threads = [threading.Thread(target=client, args=(url, stop_at, per_request, latencies, tokens, lock, 100000 * i))
               for i in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    latencies.sort()
    return {
        "requests_per_s": len(latencies) / wall,
        "tokens_per_s": tokens[0] / wall,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
    }


def offline_tokens_per_s(folio, model, url, count):
    texts = [TEXT.format(i) for i in range(count)]
    conn = http.client.HTTPConnection(url.hostname, url.port)
    conn.request("POST", "/tokenize", json.dumps({"inputs": texts}), {"Content-Type": "application/json"})
    tokens = sum(len(t) for t in json.loads(conn.getresponse().read()))

    def timed(lines):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as f:
            f.write("\n".join(json.dumps(t) for t in lines) + "\n")
            f.flush()
            start = time.perf_counter()
            subprocess.run([folio, "embed", "--model", model, "--input", f.name, "--output", "/dev/null"], check=True)
            return time.perf_counter() - start

    one = timed(texts[:1])
    return tokens / max(1e-9, timed(texts[:1] + texts) - one)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--folio", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", default="1,8,64")
    parser.add_argument("--inputs-per-request", type=int, default=1)
    parser.add_argument("--offline-inputs", type=int, default=512)
    args = parser.parse_args()
    server, url = start_server(args.folio, args.model)
    try:
        offline = offline_tokens_per_s(args.folio, args.model, url, args.offline_inputs)
        print(f"offline (folio embed): {offline:.0f} tokens/s")
        print(f"{'clients':>8} {'req/s':>9} {'tokens/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'of offline':>10}")
        for c in [int(x) for x in args.concurrency.split(",")]:
            r = run_load(url, c, args.seconds, args.inputs_per_request)
            print(f"{c:>8} {r['requests_per_s']:>9.1f} {r['tokens_per_s']:>10.0f} {r['p50_ms']:>9.1f} "
                  f"{r['p99_ms']:>9.1f} {r['tokens_per_s'] / offline:>9.0%}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
