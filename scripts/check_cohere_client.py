"""Checks `folio serve`'s rerank routes with the official `cohere` Python package (PyPI), as a client would use it.

Starts the server on a free loopback port with the tiny embedder and the tiny Qwen3-Reranker fixture, then calls
`ClientV2.rerank` (POST /v2/rerank) and `Client.rerank` (POST /v1/rerank, with return_documents), and compares the
scores with the transformers reference in the reranker's fixture folder (within 1e-5). The embedder's name sent to
the rerank route, a wrong key and an unknown model must raise the SDK's errors. Exits non-zero on the first
failure.

    python3 -m pip install --target DIR cohere
    PYTHONPATH=DIR python3 scripts/check_cohere_client.py --folio .build/release/folio
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client_check import ROOT, check, folio_server  # noqa: E402

import cohere
from cohere.core.api_error import ApiError

from client_check import MODEL_DIR as EMBEDDER  # noqa: E402
RERANKER = os.path.join(ROOT, "Fixtures", "rerankers", "qwen3-reranker-tiny")
KEY = "sdk-test-key"


def expect_error(call, status, what):
    try:
        call()
    except ApiError as error:
        check(error.status_code == status, f"{what}: HTTP {error.status_code}")
        return
    check(False, f"{what}: no error raised")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--folio", required=True, help="path to the folio executable")
    args = parser.parse_args()
    reference = json.load(open(os.path.join(RERANKER, "reference.json")))
    groups = [g for g in reference["groups"] if g["instruction"] is None]

    with folio_server(args.folio, "--model", EMBEDDER, "--model", RERANKER, "--api-key", KEY,
                      "--no-knowledge-base") as base_url:
        v2 = cohere.ClientV2(api_key=KEY, base_url=base_url)
        for group in groups:
            documents = [p["document"] for p in group["pairs"]]
            response = v2.rerank(model="qwen3-reranker-tiny", query=group["query"], documents=documents, top_n=3)
            check(len(response.results) == 3, f"v2 top_n=3 keeps three ({group['label']})")
            best = sorted(range(len(documents)), key=lambda i: -group["pairs"][i]["score"])[:3]
            check([r.index for r in response.results] == best, f"v2 ranks as transformers does ({group['label']})")
            for r in response.results:
                expected = group["pairs"][r.index]["score"]
                check(abs(r.relevance_score - expected) <= 1e-5,
                      f"v2 score {r.relevance_score:.7f} = transformers {expected:.7f} ({group['label']}, {r.index})")

        v1 = cohere.Client(api_key=KEY, base_url=base_url)
        group = groups[0]
        documents = [p["document"] for p in group["pairs"]]
        response = v1.rerank(model="qwen3-reranker-tiny", query=group["query"], documents=documents, return_documents=True)
        check(len(response.results) == len(documents), "v1 returns every document without top_n")
        for r in response.results:
            check(r.document is not None and r.document.text == documents[r.index], f"v1 return_documents echoes {r.index}")
            check(abs(r.relevance_score - group["pairs"][r.index]["score"]) <= 1e-5, f"v1 score of {r.index}")

        expect_error(lambda: v2.rerank(model="qwen3-tiny-gqa2", query="q", documents=["d"]), 400,
                     "rerank naming the embedder is refused")
        expect_error(lambda: v2.rerank(model="rerank-v3.5", query="q", documents=["d"]), 404, "an unknown model is 404")
        expect_error(lambda: cohere.ClientV2(api_key="wrong", base_url=base_url).rerank(
            model="qwen3-reranker-tiny", query="q", documents=["d"]), 401, "a wrong key is 401")
        print("cohere client: all checks passed")


if __name__ == "__main__":
    main()
