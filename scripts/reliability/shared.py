"""Several servers on one store: three `folio serve` on one PostgreSQL, two (and a `folio kb add`) on one SQLite
folder. The same 12 uploads spread across them must each run exactly once (one claim, one holder, never
backwards) and be stored once; the same file uploaded to every server at once is stored once; a server killed
mid-job has its job finished by another once the lease runs out.
"""
import collections
import os
import subprocess
import threading
import time

from common import (INGESTION, JobWatcher, Server, check_jobs, check_stored, create_collection, seeded,
                    sqlite_integrity, upload, words_document)
from crash import LEASE, wait_for

FIXTURE_UPLOADS = ["three-pages.pdf", "guide.md", "page-utf8.html"]


def twelve_files(rng, tag):
    files = []
    for name in FIXTURE_UPLOADS:
        with open(os.path.join(INGESTION, name), "rb") as f:
            files.append((name, f.read()))
    for i in range(12 - len(files)):
        files.append((f"{tag}-{i:02d}.txt", words_document(rng, f"{tag}{i}", rng.choice([300, 1500, 4000]))))
    return files


def spread_uploads(servers, collection, files):
    """Uploads file i to server i mod N, all at once (one thread each); returns (jobs, failures)."""
    jobs, failures = [None] * len(files), []
    barrier = threading.Barrier(len(files))

    def send(i, name, data):
        barrier.wait()
        answer = upload(servers[i % len(servers)], collection, name, data)
        if isinstance(answer, dict):
            jobs[i] = answer
        else:
            failures.append((name, answer))

    threads = [threading.Thread(target=send, args=(i, n, d)) for i, (n, d) in enumerate(files)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return jobs, failures


def holder_names(servers):
    return {str(s.pid): s.name for s in servers}


def shared_store(findings, folio, label, store, count, seed, workdir, kb_add=False):
    part = f"shared-{label}"
    started = time.time()
    rng = seeded(seed, part)
    collection = f"shared{rng.randrange(10**9)}"
    servers = [Server(folio, store, workdir, f"{label}-{i}").start() for i in range(count)]
    create_collection(servers[0], collection)
    files = twelve_files(rng, label)
    race = ("same.txt", words_document(rng, f"{label}same", 800))
    cli_files = []
    with JobWatcher(findings, part, servers, collection) as watcher:
        t0 = time.time()
        cli = None
        if kb_add:  # a CLI writer on the same folder meanwhile, adding two files of its own and the racing one
            for i in range(2):
                path = os.path.join(workdir, f"{label}-cli-{i}.txt")
                with open(path, "wb") as f:
                    f.write(words_document(rng, f"{label}cli{i}", 1500))
                cli_files.append(path)
            race_path = os.path.join(workdir, race[0])
            with open(race_path, "wb") as f:
                f.write(race[1])
            cli = subprocess.Popen([folio, "kb", "add", collection, *cli_files, race_path, "--json", *store,
                                    "--threads", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        jobs, failures = spread_uploads(servers, collection, files + [race] * count)
        for name, answer in failures:
            findings.fail(part, f"upload of {name}: {answer}")
        ids = [j["id"] for j in jobs if j]
        final = watcher.wait_finished(ids, timeout=300)
        elapsed = time.time() - t0
        if cli:
            out, err = cli.communicate(timeout=300)
            if cli.returncode != 0:
                findings.fail(part, f"kb add beside the servers exited {cli.returncode}: {err[-400:]!r}")
    done = check_jobs(findings, part, final, attempts=1)
    for jid, holders in watcher.holders.items():
        if jid in final and len(holders) > 1:
            findings.fail(part, f"job {jid} was held by {len(holders)} workers: {sorted(holders)}")
    names = holder_names(servers)
    spread = collections.Counter(names.get((j or {}).get("holder", "::").split(":")[1], "?") for j in final.values())
    race_jobs = [final[j["id"]] for j in jobs[len(files):] if j]
    added_by_race = [j for j in race_jobs if j and (j.get("message") or "").startswith(("added", "replaced"))]
    expected = [n for n, _ in files] + [race[0]] + [os.path.basename(p) for p in cli_files]
    if len(added_by_race) > 1:
        findings.fail(part, f"{len(added_by_race)} of the racing uploads of {race[0]} say they added it: "
                            f"{[j.get('message') for j in added_by_race]}")
    stored = [check_stored(findings, part, s, collection, expected) for s in servers]
    found = [search_all(s, collection) for s in servers]
    if any(f != stored[0] for f in found):
        findings.fail(part, f"a vector search over every document finds {found} on the servers, {stored[0]} stored")
    servers[0].json("DELETE", f"/v1/kb/collections/{collection}")
    for s in servers:
        s.stop(findings, part)
    integrity = sqlite_integrity(findings, part, store[1]) if store[0] == "--data" else "n/a"
    findings.figures(part, time.time() - started, servers=count, uploads=len(ids), done=done,
                     jobs_per_server=dict(sorted(spread.items())), racing_copies_of_one_file=len(race_jobs),
                     documents_stored=stored[0], found_by_search_on_each=found, all_done_in_s=f"{elapsed:.1f}",
                     integrity=integrity)


def search_all(server, collection):
    status, body = server.json("POST", f"/v1/kb/collections/{collection}/search",
                               {"query": "river stone", "k": 100, "mode": "vector", "target": "documents"})
    return len(body["data"]) if status == 200 else f"status {status}"


def kill_server_mid_job(findings, folio, label, store, count, seed, workdir, big_words):
    """The server holding a big job is killed (SIGKILL) while it embeds; another must finish the job."""
    part = f"kill-server-{label}"
    started = time.time()
    rng = seeded(seed, part)
    collection = f"killsrv{rng.randrange(10**9)}"
    servers = [Server(folio, store, workdir, f"{label}-k{i}").start() for i in range(count)]
    create_collection(servers[0], collection)
    job = upload(servers[0], collection, "big.txt", words_document(rng, f"{label}killbig", big_words))
    held = wait_for(servers[-1], job["id"], lambda j: j["state"] == "embedding" and j["progress"] >= 0.2 and j["holder"])
    if held is None:
        findings.fail(part, "the big job finished before it could be caught embedding; make it bigger")
        for s in servers:
            s.stop(findings, part)
        return
    pid = held["holder"].split(":")[1]
    victim = next(s for s in servers if str(s.pid) == pid)
    victim.kill9()
    killed_at = time.time()
    others = [s for s in servers if s is not victim]
    extra = [upload(others[i % len(others)], collection, f"meanwhile-{i}.txt",
                    words_document(rng, f"{label}meanwhile{i}", 300)) for i in range(2)]
    with JobWatcher(findings, part, others, collection) as watcher:
        final = watcher.wait_finished([job["id"]] + [e["id"] for e in extra], timeout=LEASE + 120)
    big = final[job["id"]]
    taken_over = big and big["state"] == "done" and str(big.get("holder", "")).split(":")[1:2] != [pid]
    check_jobs(findings, part, {job["id"]: big}, attempts=2)
    check_jobs(findings, part, {e["id"]: final[e["id"]] for e in extra}, attempts=1)
    if not taken_over:
        findings.fail(part, f"the killed server's job was not finished by another server: {big}")
    finished = time.time() - killed_at
    stored = check_stored(findings, part, others[0], collection, ["big.txt", "meanwhile-0.txt", "meanwhile-1.txt"])
    others[0].json("DELETE", f"/v1/kb/collections/{collection}")
    for s in others:
        s.stop(findings, part)
    integrity = sqlite_integrity(findings, part, store[1]) if store[0] == "--data" else "n/a"
    findings.figures(part, time.time() - started, servers=count, killed_at_progress=f"{held['progress']:.2f}",
                     finished_by_another=bool(taken_over), attempts=big and big["attempts"],
                     done_after_kill_s=f"{finished:.1f} (lease {LEASE} s)", stored=stored, integrity=integrity)
