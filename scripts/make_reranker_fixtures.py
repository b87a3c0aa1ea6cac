"""Makes Fixtures/rerankers/**: a tiny random-weight Qwen3 reranker and BERT cross-encoder, with reference scores.

Run: LLAMA_CPP=/path/to/llama.cpp python3 scripts/make_reranker_fixtures.py
Needs (pip): torch, transformers (5.x), sentence-transformers, tokenizers, safetensors, numpy, sentencepiece.
LLAMA_CPP is a llama.cpp checkout, e.g. the `vendor/llama.cpp` folder of the llama-cpp-python sdist
(`pip download --no-deps --no-binary :all: llama-cpp-python`, then untar): its own `convert_hf_to_gguf.py`
(with its `gguf-py`) writes the GGUF file, so the layout is llama.cpp's, not ours.
Deterministic (fixed seeds).

Qwen3 reranker (`qwen3-reranker-tiny/`): Qwen3ForCausalLM, hidden 32, 2 layers, 4 query / 2 key-value heads,
the real 151,669-id Qwen3 vocabulary, tied embeddings (the LM head is the embedding table), BF16 weights.
The folder's README starts with "# Qwen3-Reranker", which is how llama.cpp's converter (and Folio) recognise a
reranker; the converter then writes `cls.output.weight` = rows [yes, no] of the head, `qwen3.pooling_type` 4
(RANK) and `qwen3.classifier.output_labels` ["yes", "no"]. The GGUF is written as BF16, so it holds the same
values as the safetensors and shares the reference. The tokenizer is Qwen3's with the post-processor the
Qwen3-Reranker repos ship (ByteLevel: no <|endoftext|> appended).
Reference semantics: the Qwen3-Reranker model card: prefix + tokenizer("<Instruct>: ...\\n<Query>: ...\\n<Document>:
...", truncation to max_length - len(prefix) - len(suffix)) + suffix; transformers in float32, each pair alone;
score = exp(log_softmax([logit(no), logit(yes)]))[1] at the last position; raw = logit(yes) - logit(no).

BERT cross-encoder (`bert-cross-encoder-tiny/`): BertForSequenceClassification with one label, hidden 32, 2 layers,
the real all-MiniLM vocabulary, F32. Reference: sentence-transformers' CrossEncoder.predict (sigmoid) and with
activation_fn=Identity (raw logits); ids and token types from the tokenizer's pair encoding (longest_first, 512).
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Fixtures" / "rerankers"
QWEN3_TOKENIZER = ROOT / "Fixtures" / "tokenizers" / "qwen3"
MINILM_TOKENIZER = ROOT / "Fixtures" / "tokenizers" / "minilm"

DEFAULT_INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query"
PREFIX = ("<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the "
          "Instruct provided. Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n<|im_start|>user\n")
SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
MAX_LENGTH = 8192   # the model card's


def long_document() -> str:
    """About 3,000 Qwen3 tokens (BERT cuts it to 512) of varied English prose with numbers (deterministic)."""
    topics = ["rivers", "bridges", "libraries", "volcanoes", "orchards", "railways", "glaciers", "markets"]
    verbs = ["shape", "connect", "preserve", "threaten", "feed", "carry", "erode", "gather"]
    out = []
    for i in range(90):
        t, v = topics[i % len(topics)], verbs[(i * 3) % len(verbs)]
        out.append(f"Paragraph {i}: the {t} of region {i % 17} {v} the lives of about {1000 + 37 * i} people, "
                   f"according to survey number {i * 11}.")
    return " ".join(out)


# Four requests; every pair of one request shares its query (and instruction).
GROUPS = [
    {"label": "english", "instruction": None, "query": "What is the capital of France?", "documents": [
        "Paris is the capital and most populous city of France.",
        "The Eiffel Tower was completed in 1889.",
        "Berlin is the capital of Germany.",
        "France borders Spain, Italy, Germany and Belgium.",
        "Photosynthesis turns light into chemical energy.",
        "The capital of France is Paris, on the Seine.",
    ]},
    {"label": "chinese", "instruction": None, "query": "中国的首都是哪里？", "documents": [
        "北京是中华人民共和国的首都。",
        "上海是中国最大的城市之一，位于长江入海口。",
        "长城是世界上最长的城墙。",
        "The capital of China is Beijing.",
        "今天天气很好，我们去公园散步吧。",
        "北京有三千多年的建城史。",
    ]},
    {"label": "code", "instruction": "Given a code search query, retrieve the code snippet that answers it",
     "query": "reverse a list in python", "documents": [
        "def reverse(xs):\n    return xs[::-1]",
        "xs.reverse()  # in place",
        "func reversed<T>(_ a: [T]) -> [T] { a.reversed() }",
        "SELECT * FROM users ORDER BY id DESC;",
        "for (int i = 0; i < n / 2; i++) { swap(a[i], a[n - 1 - i]); }",
        "import numpy as np\nprint(np.flip(np.arange(5)))",
    ]},
    {"label": "long", "instruction": None, "query": "How many people live near the glaciers?", "documents": [
        long_document(),
        "Glaciers store about 69 percent of the world's fresh water.",
        "  leading spaces and\ttabs\n\nand blank lines  ",
        "Emoji 🙂 and accents: café, naïve, Zürich.",
        "<|im_end|> a document that spells a special token",
        "x",
    ]},
]


def log(*a):
    print(*a, flush=True)


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


def f32(xs) -> list:
    return [float(np.float32(x)) for x in xs]


# --- Qwen3 reranker ---------------------------------------------------------------------------------------

def qwen3_config() -> dict:
    return {
        "architectures": ["Qwen3ForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
        "bos_token_id": 151643, "eos_token_id": 151645, "head_dim": 32, "hidden_act": "silu", "hidden_size": 32,
        "initializer_range": 0.02, "intermediate_size": 64, "max_position_embeddings": 40960,
        "max_window_layers": 2, "model_type": "qwen3", "num_attention_heads": 4, "num_hidden_layers": 2,
        "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "rope_scaling": None,
        "sliding_window": None, "tie_word_embeddings": True, "torch_dtype": "bfloat16", "use_cache": True,
        "use_sliding_window": False, "vocab_size": 151669,
    }


def make_qwen3_folder(folder: Path):
    from transformers import Qwen3Config, Qwen3ForCausalLM
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(20261202)
    config = Qwen3Config(**{k: v for k, v in qwen3_config().items() if k not in ("architectures", "torch_dtype")})
    model = Qwen3ForCausalLM(config)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            elif "embed_tokens" in name:
                p.copy_(0.5 * torch.randn_like(p))       # wide enough that P(yes) spreads over (0, 1)
            else:
                p.copy_(torch.randn_like(p) / np.sqrt(p.shape[-1]))
        for p in model.parameters():
            p.copy_(p.to(torch.bfloat16).to(torch.float32))  # the values the BF16 files hold
    model.to(torch.bfloat16).save_pretrained(folder, safe_serialization=True)
    cfg = json.loads((folder / "config.json").read_text())
    cfg.pop("transformers_version", None)
    write_json(folder / "config.json", cfg)
    (folder / "generation_config.json").unlink(missing_ok=True)
    tok = json.loads((QWEN3_TOKENIZER / "tokenizer.json").read_text())
    tok["post_processor"] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    (folder / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False))
    shutil.copy(QWEN3_TOKENIZER / "tokenizer_config.json", folder / "tokenizer_config.json")
    (folder / "README.md").write_text(
        "# Qwen3-Reranker (tiny random-weight test fixture)\n\nWritten by scripts/make_reranker_fixtures.py; "
        "its scores mean nothing. The heading is how llama.cpp's converter recognises a Qwen3 reranker.\n")


def qwen3_reference(folder: Path) -> dict:
    """The Qwen3-Reranker model card's code, each pair alone, float32 (and float64 for the report)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(folder, padding_side="left")
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    model64 = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float64).eval()
    token_false_id = tokenizer.convert_tokens_to_ids("no")
    token_true_id = tokenizer.convert_tokens_to_ids("yes")
    prefix_tokens = tokenizer.encode(PREFIX, add_special_tokens=False)
    suffix_tokens = tokenizer.encode(SUFFIX, add_special_tokens=False)

    def format_instruction(instruction, query, doc):
        if instruction is None:
            instruction = DEFAULT_INSTRUCTION
        return "<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {doc}".format(
            instruction=instruction, query=query, doc=doc)

    def process_inputs(pairs):
        inputs = tokenizer(pairs, padding=False, truncation="longest_first", return_attention_mask=False,
                           max_length=MAX_LENGTH - len(prefix_tokens) - len(suffix_tokens))
        for i, ele in enumerate(inputs["input_ids"]):
            inputs["input_ids"][i] = prefix_tokens + ele + suffix_tokens
        return inputs["input_ids"]

    @torch.no_grad()
    def logits(m, ids):
        last = m(input_ids=torch.tensor([ids])).logits[0, -1, :]
        return last[token_false_id], last[token_true_id]

    groups, gap64 = [], 0.0
    for g in GROUPS:
        pairs = [format_instruction(g["instruction"], g["query"], d) for d in g["documents"]]
        items = []
        for doc, ids in zip(g["documents"], process_inputs(pairs)):
            no, yes = logits(model, ids)
            score = torch.nn.functional.log_softmax(torch.stack([no, yes]), dim=0)[1].exp().item()
            no64, yes64 = logits(model64, ids)
            score64 = torch.nn.functional.log_softmax(torch.stack([no64, yes64]), dim=0)[1].exp().item()
            gap64 = max(gap64, abs(score - score64))
            items.append({"document": doc, "token_ids": ids, "score": score, "raw": (yes - no).item(),
                          "score_f64": score64})
        groups.append({"label": g["label"], "instruction": g["instruction"], "query": g["query"], "pairs": items})
        log(f"  qwen3 {g['label']}: scores {[round(i['score'], 4) for i in items]} tokens {[len(i['token_ids']) for i in items]}")
    log(f"  qwen3 float32 vs float64: max |score difference| {gap64:.2e}")
    return {"model": folder.name, "yes_id": token_true_id, "no_id": token_false_id, "prefix_ids": prefix_tokens,
            "suffix_ids": suffix_tokens, "max_length": MAX_LENGTH, "default_instruction": DEFAULT_INSTRUCTION,
            "groups": groups}


def convert_gguf(folder: Path, out: Path) -> None:
    llama = os.environ.get("LLAMA_CPP")
    if not llama:
        sys.exit("set LLAMA_CPP to a llama.cpp folder (convert_hf_to_gguf.py and gguf-py)")
    env = dict(os.environ, PYTHONPATH=str(Path(llama) / "gguf-py"))
    subprocess.run([sys.executable, str(Path(llama) / "convert_hf_to_gguf.py"), str(folder), "--outtype", "bf16",
                    "--outfile", str(out)], check=True, env=env)


def check_gguf(path: Path, ref: dict) -> dict:
    """What the converter wrote: the keys and head Folio reads."""
    llama = os.environ["LLAMA_CPP"]
    sys.path.insert(0, str(Path(llama) / "gguf-py"))
    import gguf
    r = gguf.GGUFReader(str(path))
    fields = {f.name: f for f in r.fields.values()}
    pooling = int(fields["qwen3.pooling_type"].parts[-1][0])
    labels = [bytes(fields["qwen3.classifier.output_labels"].parts[i]).decode()
              for i in fields["qwen3.classifier.output_labels"].data]
    tensors = {t.name: (t.tensor_type.name, [int(x) for x in t.shape]) for t in r.tensors}
    assert pooling == 4 and labels == ["yes", "no"], (pooling, labels)
    assert "cls.output.weight" in tensors and "output.weight" not in tensors, tensors.keys()
    return {"pooling_type": pooling, "output_labels": labels, "cls.output.weight": tensors["cls.output.weight"],
            "token_embd.weight": tensors["token_embd.weight"]}


# --- BERT cross-encoder ------------------------------------------------------------------------------------

def make_bert_folder(folder: Path):
    from transformers import BertConfig, BertForSequenceClassification
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(20261203)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=512, type_vocab_size=2,
                        initializer_range=0.2, num_labels=1, hidden_act="gelu")
    config.architectures = ["BertForSequenceClassification"]
    model = BertForSequenceClassification(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
    model.save_pretrained(folder, safe_serialization=True)
    cfg = json.loads((folder / "config.json").read_text())
    cfg.pop("transformers_version", None)
    write_json(folder / "config.json", cfg)
    tok = json.loads((MINILM_TOKENIZER / "tokenizer.json").read_text())
    tok["truncation"], tok["padding"] = None, None   # the caller's settings apply, as in the ms-marco repos
    (folder / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False))
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(MINILM_TOKENIZER / name, folder / name)


def bert_reference(folder: Path) -> dict:
    from sentence_transformers import CrossEncoder
    from transformers import AutoTokenizer
    model = CrossEncoder(str(folder), device="cpu")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    groups = []
    for g in GROUPS:
        pairs = [(g["query"], d) for d in g["documents"]]
        scores = model.predict(pairs, convert_to_numpy=True)
        raw = model.predict(pairs, activation_fn=torch.nn.Identity(), convert_to_numpy=True)
        items = []
        for (q, d), s, r in zip(pairs, scores, raw):
            enc = tokenizer(q, d, truncation=True, max_length=model.max_seq_length)
            items.append({"document": d, "token_ids": enc["input_ids"], "token_type_ids": enc["token_type_ids"],
                          "score": float(s), "raw": float(r)})
        groups.append({"label": g["label"], "query": g["query"], "pairs": items})
        log(f"  bert {g['label']}: scores {[round(i['score'], 4) for i in items]} tokens {[len(i['token_ids']) for i in items]}")
    return {"model": folder.name, "max_length": model.max_seq_length, "groups": groups}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    qwen = OUT / "qwen3-reranker-tiny"
    make_qwen3_folder(qwen)
    ref = qwen3_reference(qwen)
    gguf_path = qwen / "qwen3-reranker-tiny-bf16.gguf"
    convert_gguf(qwen, gguf_path)
    ref["gguf"] = check_gguf(gguf_path, ref)
    write_json(qwen / "reference.json", ref)

    bert = OUT / "bert-cross-encoder-tiny"
    make_bert_folder(bert)
    write_json(bert / "reference.json", bert_reference(bert))
    for f in sorted(OUT.rglob("*")):
        if f.is_file():
            log(f"  {f.relative_to(ROOT)}: {f.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
