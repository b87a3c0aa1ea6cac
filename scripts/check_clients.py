"""Checks `folio serve` with each client family's own library and its documented minimal setup (base URL, key and
model name only), as a new user would: LangChain's OpenAIEmbeddings, LlamaIndex's OpenAILikeEmbedding,
huggingface_hub's InferenceClient (TEI), the `ollama` package, and the `openai` package sending token ids.

Starts the server on a free loopback port with the tiny fixture model and an API key, then compares every client's
vectors with the transformers reference in the fixture folder (cosine >= 0.9999). Exits non-zero on the first failure.

LangChain's default (check_embedding_ctx_length=True) tokenizes with tiktoken, which downloads its vocabulary from the
internet; offline, the check sends what it would send (cl100k ids of "hello world") with the openai package and
expects the 400 that names the fix.

    python3 -m pip install --target DIR langchain-openai llama-index-embeddings-openai-like huggingface_hub ollama openai
    PYTHONPATH=DIR python3 scripts/check_clients.py --folio .build/release/folio
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client_check import MODEL_DIR, check, cosine, folio_server  # noqa: E402

MODEL = "qwen3-tiny-gqa2"
KEY = "client-test-key"


def expect_vectors(got, refs, who):
    check(len(got) == len(refs), f"{who}: one vector per text")
    for v, ref in zip(got, refs):
        check(cosine(list(v), ref["embedding"]) >= 0.9999, f"{who}: vector matches transformers ({ref['label']})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--folio", required=True, help="path to the folio executable")
    args = parser.parse_args()
    reference = json.load(open(os.path.join(MODEL_DIR, "reference.json")))
    # LlamaIndex and some LangChain paths replace newlines; single-line texts mean the same input for every client.
    refs = [r for r in reference["inputs"] if "\n" not in r["text"]][:4]
    texts = [r["text"] for r in refs]

    with folio_server(args.folio, "--model", MODEL_DIR, "--api-key", KEY, "--no-knowledge-base") as base:
        from langchain_openai import OpenAIEmbeddings
        lc = OpenAIEmbeddings(model=MODEL, base_url=base + "/v1", api_key=KEY, check_embedding_ctx_length=False)
        expect_vectors(lc.embed_documents(texts), refs, "LangChain OpenAIEmbeddings(check_embedding_ctx_length=False)")

        import openai
        try:
            openai.OpenAI(base_url=base + "/v1", api_key=KEY, max_retries=0).embeddings.create(
                model=MODEL, input=[[15339, 1917]])
            check(False, "cl100k token ids (LangChain's default) are refused")
        except openai.BadRequestError as error:
            check("check_embedding_ctx_length=False" in str(error), "cl100k token ids are a 400 that names LangChain's fix")

        from llama_index.embeddings.openai_like import OpenAILikeEmbedding
        li = OpenAILikeEmbedding(model_name=MODEL, api_base=base + "/v1", api_key=KEY)
        expect_vectors(li.get_text_embedding_batch(texts), refs, "LlamaIndex OpenAILikeEmbedding")

        from huggingface_hub import InferenceClient
        hf = InferenceClient(base_url=base, api_key=KEY)
        for text, ref in zip(texts, refs):
            vector = hf.feature_extraction(text)
            check(vector.shape[0] == 1, "huggingface_hub feature_extraction (POST /) returns one row")
            check(cosine(list(vector[0]), ref["embedding"]) >= 0.9999, f"huggingface_hub vector matches ({ref['label']})")

        os.environ["OLLAMA_API_KEY"] = KEY   # the ollama client sends it as a bearer token
        import ollama
        client = ollama.Client(host=base)
        names = [m.model for m in client.list().models]
        check(f"{MODEL}:latest" in names, f"ollama list() shows {MODEL}:latest ({names})")
        expect_vectors(client.embed(model=f"{MODEL}:latest", input=texts).embeddings, refs, "ollama embed()")
        legacy = client.embeddings(model=MODEL, prompt=texts[0]).embedding
        check(cosine(list(legacy), refs[0]["embedding"]) >= 0.9999, "ollama embeddings() (/api/embeddings) matches")
        try:
            client.embed(model="nomic-embed-text", input="x")
            check(False, "an unknown model is refused")
        except ollama.ResponseError as error:
            check(error.status_code == 404 and isinstance(error.error, str) and "nomic-embed-text" in error.error,
                  f"ollama ResponseError is 404 with a string error: {error.error!r}")
        print("clients: all checks passed")


if __name__ == "__main__":
    main()
