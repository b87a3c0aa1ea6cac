"""Writes Fixtures/tokenizers/golden/qwen3-offsets.jsonl: for each corpus text in golden/qwen3.jsonl (up to 2,000
characters), Hugging Face `tokenizers`' offsets of every id of `encode(text)`, as UTF-8 byte ranges (what TEI's
`/tokenize` returns as start/stop), null for the special tokens the post-processor adds.

    python3 scripts/make_offset_goldens.py     (needs `tokenizers` from PyPI)
"""
import json
import pathlib

from tokenizers import Tokenizer

root = pathlib.Path(__file__).resolve().parent.parent / "Fixtures" / "tokenizers"
tokenizer = Tokenizer.from_file(str(root / "qwen3" / "tokenizer.json"))
rows = []
for line in (root / "golden" / "qwen3.jsonl").read_text(encoding="utf-8").split("\n"):
    if not line:
        continue
    text = json.loads(line)["text"]
    if len(text) > 2000:
        continue
    encoding = tokenizer.encode(text)
    offsets = []
    for (start, end), special in zip(encoding.offsets, encoding.special_tokens_mask):
        # Python reports character offsets; TEI (Rust) reports bytes.
        offsets.append(None if special else [len(text[:start].encode("utf-8")), len(text[:end].encode("utf-8"))])
    rows.append(json.dumps({"text": text, "ids": encoding.ids, "offsets": offsets}, ensure_ascii=False))
(root / "golden" / "qwen3-offsets.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
print(f"{len(rows)} texts")
