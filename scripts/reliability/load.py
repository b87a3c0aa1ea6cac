"""64 clients on one `folio serve` for a fixed time: embeddings (each input must give the same vector every time),
knowledge-base searches and listings, and uploads that must each be stored once. Resident memory is read at
the start and the end (and its peak); every failed connection and every 5xx is a violation.
"""
import http.client
import json
import math
import threading
import time

from common import JobWatcher, Server, check_jobs, check_stored, create_collection, seeded, upload, words_document

INPUTS = ["Folio turns whole documents into vectors.", "what does folio do?", "a", "漢字とテキスト",
          "the quick brown fox " * 40, "rivers and lanterns", "🙂", "Numbers 1 2 3 4 5 6 7 8 9 10"]


def percentile(values, p):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def load(findings, folio, clients, seconds, seed, workdir):
    part = "load"
    started = time.time()
    server = Server(folio, ["--data", f"{workdir}/load-kb"], workdir, "load", threads=None).start()
    create_collection(server, "load")
    rng = seeded(seed, part)
    seed_jobs = [upload(server, "load", f"seed-{i}.txt", words_document(rng, f"loadseed{i}", 1000)) for i in range(4)]
    _, models = server.json("GET", "/v1/models")
    model = models["data"][0]["id"]
    with JobWatcher(findings, part, [server], "load") as watcher:
        watcher.wait_finished([j["id"] for j in seed_jobs], timeout=120)
    rss_start = server.rss()
    lock = threading.Lock()
    latencies, statuses, references, uploads, mismatches = [], {}, {}, [], []
    peak = [rss_start or 0]
    deadline = time.time() + seconds

    def record(status, took):
        with lock:
            latencies.append(took)
            statuses[status] = statuses.get(status, 0) + 1

    def client(index):
        crng = seeded(seed, part, index)
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        sent = 0
        while time.time() < deadline:
            roll = crng.random()
            if index < 8 and sent < 3 and roll < 0.05:
                name = f"upload-{index}-{sent}.txt"
                job = upload(server, "load", name, words_document(crng, f"load{index}x{sent}", 300))
                sent += 1
                with lock:
                    uploads.append((name, job))
                continue
            if roll < 0.75:
                text = crng.choice(INPUTS)
                path, payload = "/v1/embeddings", {"model": model, "input": [text]}
            elif roll < 0.95:
                text = None
                path, payload = "/v1/kb/collections/load/search", {"query": crng.choice(INPUTS), "k": 5}
            else:
                text, path, payload = None, "/v1/kb/collections", None
            t = time.time()
            try:
                if payload is None:
                    connection.request("GET", path)
                else:
                    connection.request("POST", path, body=json.dumps(payload),
                                       headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                body = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
                status, body = None, str(error).encode()
            record(status, time.time() - t)
            if status is None or status >= 500:
                findings.fail(part, f"client {index} {path}: {status} {body[:200]!r}")
            elif status == 200 and text is not None:
                vector = json.loads(body)["data"][0]["embedding"]
                with lock:
                    reference = references.setdefault(text, vector)
                if max(abs(a - b) for a, b in zip(reference, vector)) > 1e-5 or not all(map(math.isfinite, vector)):
                    mismatches.append(text)
        connection.close()

    def monitor():
        while time.time() < deadline:
            peak[0] = max(peak[0], server.rss() or 0)
            time.sleep(0.5)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)] + [threading.Thread(target=monitor)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.time() - started
    rss_end, hwm = server.rss(), server.rss_field("VmHWM")
    if mismatches:
        findings.fail(part, f"{len(mismatches)} embeddings differed from the first vector for the same input "
                            f"(inputs {sorted(set(mismatches))[:3]})")
    good = [(n, j) for n, j in uploads if isinstance(j, dict)]
    for name, answer in uploads:
        if not isinstance(answer, dict):
            findings.fail(part, f"upload {name}: {answer}")
    with JobWatcher(findings, part, [server], "load") as watcher:
        final = watcher.wait_finished([j["id"] for _, j in good], timeout=120)
    check_jobs(findings, part, final, attempts=1)
    stored = check_stored(findings, part, server, "load", [f"seed-{i}.txt" for i in range(4)] + [n for n, _ in good])
    server.stop(findings, part)
    requests = sum(statuses.values())
    findings.figures(part, took, clients=clients, duration_s=seconds, requests=requests,
                     per_second=f"{requests / seconds:.0f}", statuses=dict(sorted(statuses.items(), key=str)),
                     p50_ms=f"{percentile(latencies, 50) * 1000:.0f}", p99_ms=f"{percentile(latencies, 99) * 1000:.0f}",
                     uploads_stored=f"{len(good)} uploaded, {stored - 4} stored",
                     rss_mib=f"start {rss_start / 1024:.0f}, end {rss_end / 1024:.0f}, peak {max(peak[0], hwm or 0) / 1024:.0f}")
