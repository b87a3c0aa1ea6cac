"""What the reliability parts share: the findings record, `folio serve` children, HTTP over http.client, jobs
watched while they run, and the store checks every part ends with ("nothing lost, nothing stored twice").
Standard library only.
"""
import atexit
import http.client
import json
import os
import random
import select
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.parse
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL_DIR = os.path.join(ROOT, "Fixtures", "models", "qwen3-tiny-gqa2")
INGESTION = os.path.join(ROOT, "Fixtures", "ingestion")

# A job's state order: it may only move forward within one claim (attempt).
STATE_RANK = {"queued": 0, "extracting": 1, "embedding": 2, "document_vector": 3, "done": 4, "failed": 4}


class Findings:
    """Violations by part, and one line of figures a part."""

    def __init__(self):
        self.violations = []
        self.lines = []
        self.lock = threading.Lock()

    def fail(self, part, message):
        with self.lock:
            self.violations.append((part, message))
        print(f"  VIOLATION [{part}] {message}", flush=True)

    def figures(self, part, seconds, **figures):
        text = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in figures.items())
        line = f"{part}: {text}; {seconds:.1f} s"
        self.lines.append(line)
        print(line, flush=True)

    def count(self, part):
        return sum(1 for p, _ in self.violations if p == part)


def strict_json(data):
    """json.loads that refuses NaN and Infinity (Python accepts them; JSON does not)."""
    def refuse(name):
        raise ValueError(f"non-JSON constant {name}")
    return json.loads(data, parse_constant=refuse)


def rss_kib(pid, field="VmRSS"):
    """The process's resident memory in KiB (VmRSS now, VmHWM its peak), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def crash_words(text):
    """Words in a process's output that mean it trapped or crashed rather than refused the input."""
    lowered = text.lower()
    return [w for w in ("fatal error", "illegal instruction", "segmentation fault", "stack dump", "precondition failed",
                        "assertion failed", "unexpectedly found nil", "index out of range", "core dumped")
            if w in lowered]


_started = []  # every server process this run started, killed at exit so a part that crashed leaves none behind


def kill_leftovers():
    """Kills every server this run started that is still running."""
    for process in _started:
        if process.poll() is None:
            process.kill()
            process.wait()
    _started.clear()


atexit.register(kill_leftovers)


class Server:
    """One `folio serve --port 0` child with its own log; `store` is ["--data", DIR] or ["--store", URL]."""

    def __init__(self, folio, store, workdir, name="server", model=MODEL_DIR, extra=(), threads=1):
        self.folio, self.store, self.name, self.model, self.extra = folio, store, name, model, list(extra)
        self.threads = [] if threads is None else ["--threads", str(threads)]
        self.log_path = os.path.join(workdir, f"{name}-{uuid.uuid4().hex[:6]}.log")
        self.process = None
        self.base = None
        self.killed = False

    def start(self, timeout=90):
        self.killed = False
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [self.folio, "serve", "--model", self.model, "--port", "0", *self.threads, *self.store, *self.extra],
            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
        _started.append(self.process)
        log.close()
        deadline = time.time() + timeout
        line = b""
        while time.time() < deadline and b"\n" not in line:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.5)
            if ready:
                byte = self.process.stdout.read1(4096) if hasattr(self.process.stdout, "read1") else os.read(
                    self.process.stdout.fileno(), 4096)
                if not byte:
                    break
                line += byte
        text = line.decode(errors="replace")
        if " at http://" not in text:
            self.kill9()
            raise RuntimeError(f"{self.name} did not start: {text.strip()!r}; log {self.log_path}: {self.log()[-2000:]}")
        url = text.split(" at ", 1)[1].split()[0]
        self.base = urllib.parse.urlparse(url)
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self):
        # The server writes little to standard output; reading it keeps the pipe from ever filling.
        try:
            while self.process.stdout.read(4096):
                pass
        except (OSError, ValueError):
            pass

    @property
    def pid(self):
        return self.process.pid

    @property
    def port(self):
        return self.base.port

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def rss(self):
        return rss_kib(self.pid)

    def rss_field(self, field):
        return rss_kib(self.pid, field)

    def kill9(self):
        if self.alive():
            self.killed = True
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self, findings=None, part=None):
        """SIGTERM and wait; a crash before or at the stop (a signal other than ours, trap words) is a violation."""
        if self.process is None:
            return
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                if findings:
                    findings.fail(part, f"{self.name} ignored SIGTERM for 30 s; killed")
                self.kill9()
        self.check_exit(findings, part)

    def check_exit(self, findings, part):
        rc = self.process.returncode
        if findings is None or self.killed or rc is None:
            return
        words = crash_words(self.log())
        if rc not in (0, -signal.SIGTERM, 143) or words:
            findings.fail(part, f"{self.name} exited {rc} {words}; log {self.log_path}: {self.log()[-1500:]!r}")

    def request(self, method, path, body=None, headers=None, timeout=60):
        return http_request(self.base.hostname, self.base.port, method, path, body, headers, timeout)

    def json(self, method, path, payload=None, timeout=60):
        body = None if payload is None else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        status, _, data = self.request(method, path, body, headers, timeout)
        try:
            return status, (strict_json(data) if data else None)
        except ValueError:
            return status, {"unparsed": data[:300].decode(errors="replace")}


def http_request(host, port, method, path, body=None, headers=None, timeout=60):
    """(status, headers, body); status None and the error as body when the connection failed."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    except (OSError, http.client.HTTPException) as error:
        return None, {}, f"{type(error).__name__}: {error}".encode()
    finally:
        connection.close()


def multipart(files, boundary=None):
    """A multipart/form-data body of (field, file name, bytes, content type) parts; returns (body, content type)."""
    boundary = boundary or "folio" + uuid.uuid4().hex
    out = bytearray()
    for field, name, data, content_type in files:
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{field}"' + (f'; filename="{name}"' if name is not None else "")
        out += f"Content-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n".encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def upload(server, collection, name, data, content_type="application/octet-stream"):
    """Uploads one file; returns its job, or (status, body) when the server did not answer 202."""
    body, ctype = multipart([("file", name, data, content_type)])
    status, _, answer = server.request("POST", f"/v1/kb/collections/{collection}/documents", body,
                                       {"Content-Type": ctype}, timeout=120)
    if status != 202:
        return status, answer[:400]
    return strict_json(answer)["data"][0]


def create_collection(server, name):
    """A fresh collection `name`; one left by an earlier run on the same database (names follow the seed) is deleted."""
    status, body = server.json("POST", "/v1/kb/collections", {"name": name})
    if status == 409:
        server.json("DELETE", f"/v1/kb/collections/{name}")
        status, body = server.json("POST", "/v1/kb/collections", {"name": name})
    if status != 201:
        raise RuntimeError(f"creating collection {name}: {status} {body}")


def words_document(rng, tag, words):
    """Deterministic prose of `words` words carrying a unique tag, so each document's content (hash) differs."""
    vocabulary = ("river stone lantern harbor quiet signal copper meadow vector archive ledger orbit canvas "
                  "thread garden engine summit parcel window beacon marble cinder willow").split()
    lines = [f"Document {tag}. Codeword {tag}."]
    for i in range(0, words, 12):
        lines.append(" ".join(rng.choice(vocabulary) for _ in range(12)) + f" {tag}-{i}.")
    return ("\n".join(lines) + "\n").encode()


class JobWatcher:
    """Polls a collection's jobs on the first live server of `servers` (10 times a second) and checks that no job
    moves backwards within a claim, that the claim count never falls and that a finished job stays finished."""

    def __init__(self, findings, part, servers, collection, interval=0.1):
        self.findings, self.part, self.servers, self.collection = findings, part, servers, collection
        self.interval = interval
        self.last = {}          # job id -> last observation
        self.holders = {}       # job id -> holders seen
        self.polls = 0
        self.poll_failures = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(timeout=30)

    def poll_once(self):
        server = next((s for s in self.servers if s.alive()), None)
        if server is None:
            return None
        status, body = server.json("GET", f"/v1/kb/collections/{self.collection}/jobs?limit=1000", timeout=30)
        if status is None:
            self.poll_failures += 1
            return None
        if status >= 500:
            self.findings.fail(self.part, f"GET jobs on {server.name}: {status} {body}")
            return None
        if status != 200:
            return None
        self.polls += 1
        for job in body["data"]:
            self.observe(job)
        return body["data"]

    def observe(self, job):
        jid, before = job["id"], self.last.get(job["id"])
        if job.get("holder"):
            self.holders.setdefault(jid, set()).add(job["holder"])
        if before is not None:
            was = (before["attempts"], STATE_RANK[before["state"]], before["progress"])
            now = (job["attempts"], STATE_RANK[job["state"]], job["progress"])
            if before["state"] in ("done", "failed") and (job["state"], job.get("document_id")) != (
                    before["state"], before.get("document_id")):
                self.findings.fail(self.part, f"job {jid} changed after finishing: {before['state']} -> {job['state']}")
            elif now[0] < was[0]:
                self.findings.fail(self.part, f"job {jid} attempts fell {was[0]} -> {now[0]}")
            elif now[0] == was[0] and now[1:] < was[1:]:
                self.findings.fail(self.part, f"job {jid} moved backwards within attempt {now[0]}: "
                                              f"{before['state']} {before['progress']:.3f} -> {job['state']} {job['progress']:.3f}")
        self.last[jid] = job

    def _run(self):
        while not self.stopping.is_set():
            try:
                self.poll_once()
            except Exception as error:  # a watcher error must not end the part silently
                self.findings.fail(self.part, f"job watcher: {type(error).__name__}: {error}")
            self.stopping.wait(self.interval)

    def wait_finished(self, ids, timeout):
        """Waits until every job in `ids` is done or failed; returns the jobs by id (unfinished ones as last seen)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.poll_once()
            if all(self.last.get(i, {}).get("state") in ("done", "failed") for i in ids):
                break
            time.sleep(0.2)
        return {i: self.last.get(i) for i in ids}


def check_jobs(findings, part, jobs, attempts=1):
    """Every job done, none failed, each run `attempts` times (claims; an int, or a set of allowed counts)."""
    done = 0
    for jid, job in jobs.items():
        if job is None:
            findings.fail(part, f"job {jid} never seen")
        elif job["state"] != "done":
            findings.fail(part, f"job {jid} ({job['file_name']}) is {job['state']}: {job.get('error')}")
        else:
            done += 1
            allowed = attempts if isinstance(attempts, (set, frozenset)) else {attempts}
            if attempts is not None and job["attempts"] not in allowed:
                findings.fail(part, f"job {jid} ({job['file_name']}) ran {job['attempts']} times, expected {attempts}")
    return done


def documents(server, collection):
    out, offset = [], 0
    while True:
        status, body = server.json("GET", f"/v1/kb/collections/{collection}/documents?offset={offset}&limit=100")
        if status != 200:
            raise RuntimeError(f"listing documents of {collection}: {status} {body}")
        out += body["data"]
        if len(body["data"]) < 100:
            return out
        offset += 100


def check_stored(findings, part, server, collection, expected_sources):
    """Each expected source stored exactly once, nothing else stored, no content stored twice; returns the count."""
    docs = documents(server, collection)
    sources = [d["source"] for d in docs]
    for source in sorted(set(sources)):
        if sources.count(source) > 1:
            findings.fail(part, f"{source} stored {sources.count(source)} times in {collection}")
    hashes = [d["content_hash"] for d in docs]
    if len(set(hashes)) != len(hashes):
        findings.fail(part, f"{len(hashes) - len(set(hashes))} contents stored twice in {collection}")
    for source in sorted(set(expected_sources) - set(sources)):
        findings.fail(part, f"{source} was lost: not stored in {collection}")
    for source in sorted(set(sources) - set(expected_sources)):
        findings.fail(part, f"{source} stored in {collection} but never uploaded")
    return len(docs)


def sqlite_integrity(findings, part, folder):
    path = os.path.join(folder, "knowledge.sqlite")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        result = connection.execute("PRAGMA integrity_check").fetchall()
        connection.close()
    except sqlite3.Error as error:
        findings.fail(part, f"integrity_check on {path}: {error}")
        return "error"
    if result != [("ok",)]:
        findings.fail(part, f"integrity_check on {path}: {result[:5]}")
        return "bad"
    return "ok"


def seeded(seed, *labels):
    """A random generator per (seed, part, case), so one case can be rerun alone."""
    return random.Random(f"{seed}:" + ":".join(str(label) for label in labels))
