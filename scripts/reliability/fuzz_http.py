"""Mutated HTTP requests against a running `folio serve`: JSON bodies, raw body bytes, multipart bodies, paths and
queries (all with correct framing: each must get an answer below 500), and headers and request lines (the server
may close such a connection unanswered, but must not answer 5xx, hang, or die).
"""
import json
import socket
import time

import mutate
from common import Server, create_collection, multipart, seeded, strict_json, upload, words_document


def base_requests(model, case):
    """(method, path, JSON body or None) the fuzzer starts from; `case` keeps created names unique."""
    return [
        ("POST", "/v1/embeddings", {"model": model, "input": ["hello", "world"]}),
        ("POST", "/v1/embeddings", {"input": "one", "encoding_format": "base64", "dimensions": 32}),
        ("POST", "/embed", {"inputs": ["x", "y"], "normalize": True, "truncate": True}),
        ("POST", "/tokenize", {"inputs": "hello world", "add_special_tokens": True}),
        ("POST", "/api/embed", {"model": model, "input": ["x"]}),
        ("POST", "/api/embeddings", {"model": model, "prompt": "x"}),
        ("POST", "/v1/kb/collections", {"name": f"fz{case}", "dimensions": 32, "vector_encoding": "f16",
                                        "max_chunk_tokens": 128, "overlap_tokens": 16}),
        ("POST", "/v1/kb/collections/fz/search", {"query": "river lantern", "k": 5, "mode": "hybrid",
                                                  "target": "chunks", "metadata": {"a": "b"}, "document_ids": [1]}),
        ("POST", "/v1/kb/collections/fz/search", {"query": "stone", "mode": "vector", "target": "documents",
                                                  "vector_weight": 0.5, "keyword_weight": 2, "candidates": 10}),
        ("POST", "/v1/kb/collections/fz/documents", {"text": "A small note about rivers.", "title": "t",
                                                     "source": f"note-{case}", "metadata": {"k": "v"}}),
        ("POST", "/v1/rerank", {"query": "q", "documents": ["a", {"text": "b"}], "top_n": 1}),
        ("GET", "/v1/kb/collections/fz/documents?offset=0&limit=10", None),
        ("GET", "/v1/kb/collections/fz/duplicates?threshold=0.9", None),
        ("GET", "/v1/kb/collections/fz/jobs?limit=5", None),
        ("GET", "/v1/kb/jobs/1", None),
        ("DELETE", "/v1/kb/documents/999999", None),
    ]


BAD_PATHS = ["?offset=-5&limit=-1", "?limit=99999999999999999999", "?threshold=nan", "?threshold=-1e309", "%zz",
             "/%00", "/" + "a" * 9000, "/../../etc/passwd", "?offset=1&offset=2", "/\u00e9\u6f22".encode().decode("latin-1"),
             "//", "?limit=", "#frag", "?" + "&".join(f"k{i}=v" for i in range(500))]


def raw_request(method, path, body, headers):
    head = f"{method} {path} HTTP/1.1\r\n".encode("latin-1", "replace")
    for name, value in headers:
        head += name.encode("latin-1", "replace") + b": " + value.encode("latin-1", "replace") + b"\r\n"
    return head + b"\r\n" + body


def mutated_case(rng, base, port, model, case):
    """One mutated request; returns (raw bytes, category, strict, description)."""
    method, path, payload = rng.choice(base_requests(model, case))
    body = b"" if payload is None else json.dumps(payload).encode()
    ctype = "application/json"
    category = rng.choices(["json", "body-bytes", "multipart", "query", "headers"], [40, 15, 10, 10, 25])[0]
    what = f"{method} {path}"
    if category == "json" and payload is not None:
        tree, change = mutate.json_mutation(rng, payload)
        body = json.dumps(tree, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
        what += f" json {change}"
    elif category == "json" or category == "body-bytes":
        category = "body-bytes"
        body, change = mutate.byte_mutation(rng, body or b'{"x": 1}')
        what += f" bytes {change}"
    elif category == "multipart":
        method, path = "POST", "/v1/kb/collections/fz/documents"
        parts = [("file", rng.choice(["a.txt", "", "../../etc/passwd", "x" * 5000, "n\x00ul.md", "é.html", None]),
                  rng.choice([b"hello rivers", b"", bytes(range(256)), b"<html>" * 1000]), rng.choice(
                      ["text/plain", "text/html; charset=gb2312", "application/pdf", "x/\u00ff", ""]))
                 for _ in range(rng.choice([0, 1, 2, 40]))]
        if rng.random() < 0.4:
            parts.append(("metadata", None, rng.choice([b'{"a": "b"}', b"[1]", b"{", b'{"a": 1}', b"null"]),
                          "application/json"))
        body, ctype = multipart(parts, boundary=rng.choice([None, "b", "x" * 80]))
        if rng.random() < 0.4:
            body, change = mutate.byte_mutation(rng, body)
            what += f" multipart bytes {change}"
        if rng.random() < 0.2:
            ctype = rng.choice(["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=zz"])
        what = f"{method} {path} multipart {len(parts)} parts, {ctype[:60]}"
    elif category == "query":
        bad = rng.choice(BAD_PATHS)
        path = path.split("?")[0] + bad if bad.startswith("?") else path + bad
        what = f"{method} {path[:100]}"
    headers = [("Host", f"127.0.0.1:{port}"), ("Content-Type", ctype), ("Content-Length", str(len(body))),
               ("Connection", "close")]
    strict = category != "headers"
    if category == "headers":
        op = rng.choice(["ctype", "length-short", "length-long", "length-bad", "chunked", "garbage-header",
                         "huge-header", "request-line", "expect", "no-length", "duplicate-length", "utf8-header"])
        what += f" headers {op}"
        if op == "ctype":
            headers[1] = ("Content-Type", rng.choice(["text/plain", "", "application/json; charset=utf-16",
                                                      "application/x-www-form-urlencoded", "json", "*/*"]))
        elif op == "length-short":
            headers[2] = ("Content-Length", str(max(0, len(body) - rng.randint(1, 10))))
        elif op == "length-long":
            headers[2] = ("Content-Length", str(len(body) + rng.randint(1, 100)))
        elif op == "length-bad":
            headers[2] = ("Content-Length", rng.choice(["-1", "abc", "99999999999999999999999", "1e3", " 5", "0x10"]))
        elif op == "chunked":
            headers[2] = ("Transfer-Encoding", "chunked")
            body = rng.choice([b"zz\r\n" + body + b"\r\n0\r\n\r\n", b"%x\r\n" % (len(body) + 5) + body + b"\r\n0\r\n\r\n",
                               b"%x\r\n" % len(body) + body + b"\r\n", b"ffffffffffffffff\r\n" + body])
        elif op == "garbage-header":
            headers.append(("X-Bad\r\nno colon here", "v"))
        elif op == "huge-header":
            headers.append(("X-Huge", "h" * rng.choice([9000, 70000, 200000])))
        elif op == "request-line":
            method = rng.choice(["GE T", "", "FOO", "POST\x00", "get"])
            path = rng.choice([path, "*", "http://evil.example/v1/embeddings", "", path + " HTTP/1.0 extra"])
        elif op == "expect":
            headers.append(("Expect", "100-continue"))
        elif op == "no-length":
            del headers[2]
        elif op == "duplicate-length":
            headers.append(("Content-Length", str(len(body) + 3)))
        else:
            headers.append(("X-Name", "caf\u00e9 \u00ff"))
    return raw_request(method, path, body, headers), category, strict, what


def send(port, data, timeout=20, half_close=True):
    """Sends raw bytes (then half-closes, so a damaged length cannot leave the server waiting); returns (status or
    None, what happened). A well-framed request is not half-closed: a server may close on end of input."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(data)
            if half_close:
                s.shutdown(socket.SHUT_WR)
            answer = b""
            deadline = time.time() + timeout
            while time.time() < deadline:
                piece = s.recv(65536)
                if not piece:
                    break
                answer += piece
            else:
                return None, "hang"
    except socket.timeout:
        return None, "hang"
    except ConnectionResetError:
        return None, "reset"
    except OSError as error:
        return None, f"error {error}"
    if not answer:
        return None, "closed"
    try:
        status = int(answer.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None, f"not HTTP: {answer[:60]!r}"
    head, _, rest = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        if line.lower().startswith(b"content-length:") and int(line.split(b":", 1)[1]) > len(rest):
            return status, f"{status} truncated: {len(rest)} of {int(line.split(b':', 1)[1])} body bytes"
    if status == 200 and b"application/json" in answer.split(b"\r\n\r\n", 1)[0].lower():
        try:
            strict_json(answer.split(b"\r\n\r\n", 1)[1])
        except (ValueError, IndexError) as error:
            return status, f"200 with invalid JSON ({error})"
    return status, "answered"


def fuzz_http(findings, folio, count, seed, workdir):
    part = "fuzz-http"
    started = time.time()
    server = Server(folio, ["--data", f"{workdir}/http-kb"], workdir, "http-fuzz").start()
    create_collection(server, "fz")
    upload(server, "fz", "seed.txt", words_document(seeded(seed, "http-doc"), "httpseed", 200))
    _, models = server.json("GET", "/v1/models")
    model = models["data"][0]["id"]
    rss_start = server.rss()
    tally = {"answered": 0, "closed": 0, "4xx": 0, "2xx": 0}
    for i in range(count):
        rng = seeded(seed, "http", i)
        data, category, strict, what = mutated_case(rng, None, server.port, model, i)
        status, outcome = send(server.port, data, half_close=not strict)
        if status is not None and status >= 500:
            findings.fail(part, f"seed {seed} case {i}: {status} for {what[:300]}")
        elif outcome not in ("answered", "closed", "reset") or (strict and outcome != "answered"):
            findings.fail(part, f"seed {seed} case {i}: {outcome} for {what[:300]}")
        tally["answered" if outcome == "answered" else "closed"] += 1
        if status is not None:
            tally["2xx" if status < 300 else "4xx"] += 1
        if not server.alive():
            findings.fail(part, f"server died at seed {seed} case {i} ({what[:300]}): {server.log()[-1500:]!r}")
            server.start()
        elif i % 50 == 49 and server.json("GET", "/health", timeout=20)[0] != 200:
            findings.fail(part, f"/health failed after case {i}")
    rss_end = server.rss()
    server.stop(findings, part)
    findings.figures(part, time.time() - started, requests=count, answered=tally["answered"],
                     status_2xx=tally["2xx"], status_3xx_4xx=tally["4xx"], closed_unanswered=tally["closed"],
                     violations=findings.count(part),
                     rss_kib=f"{rss_start}->{rss_end}")
