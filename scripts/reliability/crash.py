"""Crashes during ingestion: `folio serve` killed with SIGKILL at each stage a job shows (queued, extracting,
embedding early, embedding late/storing), `folio kb add` killed mid-run, and PostgreSQL stopped and restarted
while a server ingests. After each, every upload must be stored exactly once and no job may fail.
"""
import os
import socket
import subprocess
import threading
import time
import urllib.parse

from common import (JobWatcher, Server, check_jobs, check_stored, create_collection, seeded, sqlite_integrity,
                    upload, words_document)

LEASE = 30  # seconds: IngestQueueConfiguration's default; `folio serve` has no flag for it
STORE_WAIT = 5  # seconds a PostgreSQL store call waits for a connection ("no database connection within 5.0 seconds")

# (stage, the job observation to kill at)
STAGES = [
    ("extracting", lambda job: job["state"] == "extracting"),
    ("embedding-early", lambda job: job["state"] == "embedding" and job["progress"] < 0.5),
    ("embedding-late", lambda job: job["state"] == "embedding" and job["progress"] >= 0.5),
    # Between the phases: the document is stored and searchable, its document vector not yet.
    ("document-vector", lambda job: job["state"] == "document_vector"),
]


def wait_for(server, job_id, condition, timeout=120):
    """Polls one job every 10 ms until `condition` holds (returns the job) or it finishes (returns None)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, job = server.json("GET", f"/v1/kb/jobs/{job_id}", timeout=10)
        if status == 200:
            if condition(job):
                job["seen_at"] = time.time()
                return job
            if job["state"] in ("done", "failed"):
                return None
        time.sleep(0.01)
    return None


def kill_at_stage(findings, folio, stage, condition, seed, workdir, big_words, results):
    part = "kill9-stages"
    folder = os.path.join(workdir, f"kill-{stage}")
    server = Server(folio, ["--data", folder], workdir, f"kill-{stage}").start()
    create_collection(server, "k")
    rng = seeded(seed, "kill", stage)
    files = [("big.txt", words_document(rng, f"big{stage}", big_words))]
    files += [(f"small-{i}.md", words_document(rng, f"small{stage}{i}", 300)) for i in range(3)]
    jobs = [upload(server, "k", name, data) for name, data in files]
    if any(not isinstance(j, dict) for j in jobs):
        findings.fail(part, f"{stage}: upload refused: {jobs}")
        return
    seen = wait_for(server, jobs[0]["id"], condition)
    queued = [j["id"] for j in jobs[1:] if server.json("GET", f"/v1/kb/jobs/{j['id']}")[1]["state"] == "queued"]
    server.kill9()
    killed_at = time.time()
    restarted = Server(folio, ["--data", folder], workdir, f"kill-{stage}-again").start()
    with JobWatcher(findings, part, [restarted], "k") as watcher:
        final = watcher.wait_finished([j["id"] for j in jobs], timeout=LEASE + 90)
    expected_attempts = {jobs[0]["id"]: 2 if seen else 1}
    # A small job claimed when the server died (the queue takes the next job while a document vector is computed)
    # runs again; one still queued runs once.
    check_jobs(findings, part, {i: final[i] for i in queued}, attempts=1)
    check_jobs(findings, part, {i: j for i, j in final.items() if i not in expected_attempts and i not in queued},
               attempts={1, 2})
    check_jobs(findings, part, {i: final[i] for i in expected_attempts}, attempts=expected_attempts[jobs[0]["id"]])
    stored = check_stored(findings, part, restarted, "k", [name for name, _ in files])
    restarted.stop(findings, part)
    integrity = sqlite_integrity(findings, part, folder)
    big = final[jobs[0]["id"]] or {}
    took = (time.time() - killed_at)
    results[stage] = (f"{stage}: {'hit' if seen else 'missed'}"
                      f"{' at %.2f' % seen['progress'] if seen else ''}, {len(queued)} queued, "
                      f"big job attempts {big.get('attempts')}, {stored}/4 stored, integrity {integrity}, "
                      f"recovered in {took:.0f} s")
    if not seen:
        findings.fail(part, f"{stage}: the big job finished before it reached the stage; make it bigger")


def kill_stages(findings, folio, seed, workdir, big_words):
    """The stages in parallel (separate folders), so the lease waits overlap."""
    started = time.time()
    results = {}
    threads = [threading.Thread(target=guarded, args=(findings, "kill9-stages", kill_at_stage, findings, folio, s, c,
                                                      seed, workdir, big_words, results)) for s, c in STAGES]
    for t in threads:
        t.start()
        time.sleep(1)
    for t in threads:
        t.join()
    findings.figures("kill9-stages", time.time() - started,
                     **{"scenarios": "; ".join(results.get(s, f"{s}: did not run") for s, _ in STAGES)})


def guarded(findings, part, function, *arguments):
    try:
        function(*arguments)
    except Exception as error:
        findings.fail(part, f"{function.__name__}: {type(error).__name__}: {error}")


def kill_kb_add(findings, folio, seed, workdir, rounds):
    """`folio kb add` of 6 files killed after 0..5 files plus a random delay, then run again to completion."""
    part = "kill9-kb-add"
    started = time.time()
    folder = os.path.join(workdir, "kill-kb-add")
    model = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         "Fixtures", "models", "qwen3-tiny-gqa2")
    killed, unchanged_after = 0, 0
    for r in range(rounds):
        rng = seeded(seed, "kb-add-kill", r)
        collection = f"c{r}"
        subprocess.run([folio, "kb", "create", collection, "--model", model, "--data", folder], check=True,
                       capture_output=True, timeout=120)
        paths = []
        for i in range(6):
            path = os.path.join(workdir, f"kbadd-{r}-{i}.txt")
            with open(path, "wb") as f:
                f.write(words_document(rng, f"kbadd{r}x{i}", rng.choice([200, 800, 2000])))
            paths.append(path)
        command = [folio, "kb", "add", collection, *paths, "--data", folder, "--threads", "1"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        wanted, done = r % 6, 0
        while done < wanted:
            line = process.stdout.readline()
            if not line:
                break
            done += line.startswith(b"ok:")
        time.sleep(rng.uniform(0, 0.4))
        if process.poll() is None:
            process.kill()
            killed += 1
        process.wait()
        again = subprocess.run(command + ["--json"], capture_output=True, timeout=300)
        if again.returncode != 0:
            findings.fail(part, f"round {r}: kb add after the kill exited {again.returncode}: {again.stderr[-400:]!r}")
        unchanged_after += again.stdout.count(b'"outcome":"unchanged"')
        from fuzz_files import check_sqlite_documents
        check_sqlite_documents(findings, part, folder, collection, {os.path.basename(p) for p in paths})
    findings.figures(part, time.time() - started, rounds=rounds, killed_mid_run=killed,
                     files_already_stored_before_the_rerun=unchanged_after, integrity=sqlite_integrity(findings, part, folder))


def postgres(command, url):
    env = dict(os.environ, FOLIO_PG_PORT=str(urllib.parse.urlparse(url).port))
    script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "postgres.sh")
    return subprocess.run(["bash", script, command], env=env, capture_output=True, timeout=120)


def port_open(url):
    parsed = urllib.parse.urlparse(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port), timeout=2).close()
        return True
    except OSError:
        return False


def postgres_restart(findings, folio, url, seed, workdir, big_words):
    """Uploads 8 files to a PostgreSQL server, stops PostgreSQL while the first is embedding, starts it again."""
    part = "postgres-restart"
    started = time.time()
    rng = seeded(seed, "pg-restart")
    collection = f"pgr{rng.randrange(10**9)}"
    server = Server(folio, ["--store", url], workdir, "pg-restart").start()
    create_collection(server, collection)
    files = [("big.txt", words_document(rng, "pgbig", big_words))]
    files += [(f"small-{i}.txt", words_document(rng, f"pgsmall{i}", 400)) for i in range(7)]
    jobs = [upload(server, collection, name, data) for name, data in files]
    if any(not isinstance(j, dict) for j in jobs):
        findings.fail(part, f"upload refused: {jobs}")
        return
    # The outage is aimed at the big job's store step: its embedding rate is measured first, PostgreSQL is stopped,
    # and started again 2 * STORE_WAIT + 0.5 s after the job's chunks should be embedded, so its store attempt
    # (and the next call) wait out their connection timeouts during the outage (outages of 9.7 to 13 s after the
    # chunks were embedded all showed the same: the job ended failed, its upload lost).
    first = wait_for(server, jobs[0]["id"], lambda j: j["state"] == "embedding" and j["progress"] >= 0.2)
    second = first and wait_for(server, jobs[0]["id"], lambda j: j["state"] == "embedding" and j["progress"] >= 0.4)
    t_second = time.time()
    stop = postgres("stop", url)
    stopped_at = time.time()
    if stop.returncode != 0 or port_open(url):
        findings.fail(part, f"could not stop PostgreSQL (is it scripts/postgres.sh's, with FOLIO_PG_DATA set as it "
                            f"was started?): {stop.stderr[-300:]!r}")
    embedded_at = t_second
    if first and second and second["progress"] > first["progress"]:
        rate = (second["progress"] - first["progress"]) / max(second["seen_at"] - first["seen_at"], 0.05)
        embedded_at = t_second + (1 - second["progress"]) / rate
    restart_at = max(stopped_at + 2, embedded_at + 2 * STORE_WAIT + 0.5)
    statuses, slowest = {}, [0.0]
    probing = threading.Event()

    def probe():
        while not probing.is_set():
            for path in ("/health", f"/v1/kb/collections/{collection}/jobs", f"/v1/kb/collections/{collection}/documents"):
                t = time.time()
                status = server.request("GET", path, timeout=30)[0]
                slowest[0] = max(slowest[0], time.time() - t)
                statuses[status] = statuses.get(status, 0) + 1
                if status is None or (status >= 500 and status != 503) or (path == "/health" and status != 200):
                    findings.fail(part, f"GET {path} while PostgreSQL was down: {status}")
            probing.wait(0.3)

    prober = threading.Thread(target=probe)
    prober.start()
    time.sleep(max(0.0, restart_at - time.time()))
    outage = time.time() - stopped_at
    start = postgres("start", url)
    probing.set()
    prober.join()
    if start.returncode != 0:
        findings.fail(part, f"could not start PostgreSQL again: {start.stderr!r}")
    late = upload(server, collection, "after.txt", words_document(rng, "pgafter", 300))
    if not isinstance(late, dict):
        findings.fail(part, f"upload after the restart: {late}")
        late = None
    ids = [j["id"] for j in jobs] + ([late["id"]] if late else [])
    with JobWatcher(findings, part, [server], collection) as watcher:
        final = watcher.wait_finished(ids, timeout=LEASE + 120)
    done = check_jobs(findings, part, final, attempts=None)
    stored = check_stored(findings, part, server, collection, [n for n, _ in files] + (["after.txt"] if late else []))
    if not server.alive():
        findings.fail(part, f"the server died: {server.log()[-1500:]!r}")
    server.json("DELETE", f"/v1/kb/collections/{collection}")
    server.stop(findings, part)
    attempts = sorted(j["attempts"] for j in final.values() if j)
    findings.figures(part, time.time() - started, jobs=len(ids), done=done, stored=stored,
                     big_job_was_embedding=bool(second), outage_s=f"{outage:.1f}",
                     answers_during_outage=dict(sorted(statuses.items(), key=str)),
                     slowest_answer_during_outage_s=f"{slowest[0]:.1f}", attempts=attempts)
