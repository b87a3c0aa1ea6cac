"""Checks `folio serve` with each client family's own library and its documented minimal setup (base URL, key and
model name only), as a new user would: LangChain's OpenAIEmbeddings, LlamaIndex's OpenAILikeEmbedding,
huggingface_hub's InferenceClient (TEI), the `ollama` package, chromadb's OpenAIEmbeddingFunction (when installed), and
the `openai` package sending token ids.

Starts the server on a free loopback port with the tiny fixture model and an API key, then compares every client's
vectors with the transformers reference in the fixture folder (cosine >= 0.9999). Exits non-zero on the first failure.

Each client runs against a server with an API key and against one without. LangChain's default
(check_embedding_ctx_length=True) tokenizes with tiktoken, which downloads its vocabulary; litellm's wheel carries
cl100k_base, so with litellm installed tiktoken reads it from there and LangChain's default must get the 400 that
names the fix (without litellm, the check sends cl100k ids of "hello world" with the openai package instead).
litellm itself is checked when it is installed.

    python3 -m pip install --target DIR langchain-openai llama-index-embeddings-openai-like huggingface_hub ollama openai litellm chromadb
    PYTHONPATH=DIR python3 scripts/check_clients.py --folio .build/release/folio
"""
import argparse
import importlib.util
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


def tiktoken_from_litellm():
    """tiktoken downloads its vocabularies; litellm's wheel carries cl100k_base, so point tiktoken's cache there."""
    spec = importlib.util.find_spec("litellm")
    if spec is None:
        return False
    folder = os.path.join(os.path.dirname(spec.origin), "litellm_core_utils", "tokenizers")
    os.environ["TIKTOKEN_CACHE_DIR"] = folder
    return os.path.isdir(folder)


def check_chromadb(base, key, texts, refs, label):
    """chromadb's OpenAIEmbeddingFunction, as its docs set it up (the key from CHROMA_OPENAI_API_KEY), alone and as the
    embedding function of an in-memory collection that is then queried."""
    os.environ["ANONYMIZED_TELEMETRY"] = "False"   # offline: no usage report
    os.environ["CHROMA_OPENAI_API_KEY"] = key
    import chromadb
    from chromadb.utils.embedding_functions import OpenAIEmbeddingFunction
    function = OpenAIEmbeddingFunction(model_name=MODEL, api_base=base + "/v1")
    expect_vectors([list(v) for v in function(texts)], refs, f"chromadb OpenAIEmbeddingFunction, {label}")
    collection = chromadb.EphemeralClient().get_or_create_collection(
        "folio-check-" + ("key" if key != "unused" else "open"), embedding_function=function)
    collection.add(ids=[str(i) for i in range(len(texts))], documents=texts)
    found = collection.query(query_texts=[texts[1]], n_results=1)
    check(found["ids"][0] == ["1"], f"chromadb collection query finds its own document through Folio, {label}")


def run_clients(folio, refs, key):
    """Every client against one server; `key` is the server's API key, or None for a server without one (clients
    then send the placeholder their docs show)."""
    texts = [r["text"] for r in refs]
    sent = key or "unused"
    arguments = ["--model", MODEL_DIR, "--no-knowledge-base"] + (["--api-key", key] if key else [])
    label = "with a key" if key else "without a key"
    with folio_server(folio, *arguments) as base:
        from langchain_openai import OpenAIEmbeddings
        lc = OpenAIEmbeddings(model=MODEL, base_url=base + "/v1", api_key=sent, check_embedding_ctx_length=False)
        expect_vectors(lc.embed_documents(texts), refs, f"LangChain OpenAIEmbeddings(check_embedding_ctx_length=False), {label}")
        import openai
        if tiktoken_from_litellm():
            # LangChain's default: tiktoken cl100k ids, which Folio refuses with the fix in the message.
            try:
                OpenAIEmbeddings(model=MODEL, base_url=base + "/v1", api_key=sent, max_retries=0).embed_documents(texts)
                check(False, "LangChain's default (tiktoken ids) is refused")
            except openai.BadRequestError as error:
                check("check_embedding_ctx_length=False" in str(error),
                      f"LangChain's default gets a 400 naming check_embedding_ctx_length=False, {label}")
        else:
            try:
                openai.OpenAI(base_url=base + "/v1", api_key=sent, max_retries=0).embeddings.create(
                    model=MODEL, input=[[15339, 1917]])
                check(False, "cl100k token ids (LangChain's default) are refused")
            except openai.BadRequestError as error:
                check("check_embedding_ctx_length=False" in str(error), "cl100k token ids are a 400 that names LangChain's fix")

        from llama_index.embeddings.openai_like import OpenAILikeEmbedding
        li = OpenAILikeEmbedding(model_name=MODEL, api_base=base + "/v1", api_key=sent)
        expect_vectors(li.get_text_embedding_batch(texts), refs, f"LlamaIndex OpenAILikeEmbedding, {label}")

        if importlib.util.find_spec("litellm"):
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")   # offline: no price-list download
            import litellm
            reply = litellm.embedding(model="openai/" + MODEL, input=texts, api_base=base + "/v1", api_key=sent)
            expect_vectors([d["embedding"] for d in reply.data], refs, f"litellm embedding(model='openai/...'), {label}")

        if importlib.util.find_spec("chromadb"):
            check_chromadb(base, sent, texts, refs, label)

        from huggingface_hub import InferenceClient
        hf = InferenceClient(base_url=base, api_key=key)
        for text, ref in zip(texts, refs):
            vector = hf.feature_extraction(text)
            check(vector.shape[0] == 1 and cosine(list(vector[0]), ref["embedding"]) >= 0.9999,
                  f"huggingface_hub feature_extraction (POST /) matches ({ref['label']}), {label}")

        # The ollama client sends OLLAMA_API_KEY as a bearer token.
        if key:
            os.environ["OLLAMA_API_KEY"] = key
        else:
            os.environ.pop("OLLAMA_API_KEY", None)
        import ollama
        client = ollama.Client(host=base)
        names = [m.model for m in client.list().models]
        check(f"{MODEL}:latest" in names, f"ollama list() shows {MODEL}:latest ({names}), {label}")
        expect_vectors(client.embed(model=f"{MODEL}:latest", input=texts).embeddings, refs, f"ollama embed(), {label}")
        legacy = client.embeddings(model=MODEL, prompt=texts[0]).embedding
        check(cosine(list(legacy), refs[0]["embedding"]) >= 0.9999, f"ollama embeddings() (/api/embeddings) matches, {label}")
        try:
            client.embed(model="nomic-embed-text", input="x")
            check(False, "an unknown model is refused")
        except ollama.ResponseError as error:
            check(error.status_code == 404 and isinstance(error.error, str) and "nomic-embed-text" in error.error,
                  f"ollama ResponseError is 404 with a string error: {error.error!r}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--folio", required=True, help="path to the folio executable")
    args = parser.parse_args()
    reference = json.load(open(os.path.join(MODEL_DIR, "reference.json")))
    # LlamaIndex and some LangChain paths replace newlines; single-line texts mean the same input for every client.
    refs = [r for r in reference["inputs"] if "\n" not in r["text"]][:4]
    run_clients(args.folio, refs, KEY)
    run_clients(args.folio, refs, None)
    print("clients: all checks passed")


if __name__ == "__main__":
    main()
