"""A small byte-level BPE tokenizer (600 merges-trained tokens) whose added tokens use every flag:
lstrip, rstrip, single_word, normalized, and a longer token sharing a prefix with another.

Used by make_tokenizer_fixtures.py. Merges are written in the older `"a b"` string form so that
Folio's loader is tested on both forms (the Qwen3 file uses `[["a", "b"], …]`).
"""
import json
import random
from pathlib import Path

FLAG_TEXTS = [
    "a <mask> b", "a   <mask>b", "x[TOOL]   y", "word sword words word", "wordword word. (word) _word word_",
    "<mask>x <mask>xx <mask>", "  <mask>  [TOOL]  ", "café cafe\u0301 CAFÉ", "<eos><eos> <eos>", "\t<mask>\n[TOOL]\n\nz",
]


def build(out_dir: Path, texts) -> None:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from make_qwen3_tokenizer import QWEN2_PATTERN
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=600, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer)
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True, normalized=False),
                            AddedToken("<eos>", special=True, normalized=False)])
    tok.add_tokens([AddedToken("[TOOL]", rstrip=True, normalized=False),
                    AddedToken("word", single_word=True, normalized=False),
                    AddedToken("café", normalized=True),
                    AddedToken("<mask>x", normalized=False)])
    tok.post_processor = processors.TemplateProcessing(
        single="[TOOL] $A <eos>", special_tokens=[("[TOOL]", tok.token_to_id("[TOOL]")), ("<eos>", tok.token_to_id("<eos>"))])
    data = json.loads(tok.to_str())
    data["model"]["merges"] = [" ".join(m) if isinstance(m, list) else m for m in data["model"]["merges"]]
    text = json.dumps(data, ensure_ascii=False)
    check = Tokenizer.from_str(text)
    for t in texts[:20]:
        assert check.encode(t).ids == tok.encode(t).ids
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "tokenizer.json").write_text(text, encoding="utf-8")
