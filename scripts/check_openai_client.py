"""Checks `folio serve` with the official `openai` Python package (PyPI), as a client would use it.

Starts the server on a free loopback port with the tiny fixture model, then calls
`client.embeddings.create` with the SDK's default encoding (base64), with `encoding_format="float"`,
with `dimensions`, and with a batch of 500 inputs, and compares the vectors with the transformers
reference in the fixture folder (cosine >= 0.9999). Exits non-zero on the first failure.

    python3 scripts/check_openai_client.py --folio .build/release/folio
"""
import argparse
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client_check import MODEL_DIR, check, cosine  # noqa: E402

import openai


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--folio", required=True, help="path to the folio executable")
    args = parser.parse_args()
    reference = json.load(open(os.path.join(MODEL_DIR, "reference.json")))
    texts = [item["text"] for item in reference["inputs"]]

    server = subprocess.Popen(
        [args.folio, "serve", "--model", MODEL_DIR, "--port", "0", "--api-key", "sdk-test-key"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        check(" at http://" in line, f"server started: {line.strip()}")
        base_url = line.split(" at ", 1)[1].split()[0] + "/v1"
        client = openai.OpenAI(base_url=base_url, api_key="sdk-test-key", max_retries=0)

        # The SDK's default: it asks for base64 and decodes the little-endian float32 itself.
        default = client.embeddings.create(model="qwen3-tiny-gqa2", input=texts)
        check(len(default.data) == len(texts), "default (base64) returns one vector per input")
        for item, ref in zip(default.data, reference["inputs"]):
            check(cosine(item.embedding, ref["embedding"]) >= 0.9999, f"base64 vector matches transformers: {ref['label']}")
        tokens = sum(len(ref["token_ids"]) for ref in reference["inputs"])
        check(default.usage.prompt_tokens == tokens and default.usage.total_tokens == tokens, "usage counts tokens")

        floats = client.embeddings.create(model="qwen3-tiny-gqa2", input=texts, encoding_format="float")
        for a, b in zip(default.data, floats.data):
            check(max(abs(x - y) for x, y in zip(a.embedding, b.embedding)) < 1e-6, f"float equals base64 at {a.index}")

        cut = client.embeddings.create(model="qwen3-tiny-gqa2", input=texts, dimensions=reference["dimensions"])
        for item, ref in zip(cut.data, reference["inputs"]):
            check(len(item.embedding) == reference["dimensions"], "dimensions cuts the vector")
            check(cosine(item.embedding, ref["embedding_dimensions"]) >= 0.9999, f"dimensions matches transformers: {ref['label']}")

        batch = [texts[i % len(texts)] + f" #{i}" for i in range(500)]
        many = client.embeddings.create(model="qwen3-tiny-gqa2", input=batch)
        check([d.index for d in many.data] == list(range(500)), "a batch of 500 inputs comes back whole and in order")

        try:
            client.embeddings.create(model="text-embedding-3-small", input="x")
            check(False, "an unknown model is refused")
        except openai.NotFoundError as error:
            check(error.status_code == 404, "an unknown model is 404 (NotFoundError)")
        try:
            openai.OpenAI(base_url=base_url, api_key="wrong", max_retries=0).embeddings.create(model="qwen3-tiny-gqa2", input="x")
            check(False, "a wrong key is refused")
        except openai.AuthenticationError as error:
            check(error.status_code == 401, "a wrong key is 401 (AuthenticationError)")
        print("openai client check passed")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
