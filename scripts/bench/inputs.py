"""Deterministic English-ish inputs cut to exactly N tokens by the real Qwen3 tokenizer.

"N tokens" counts what the engines see: the tokenizer's post-processor appends <|endoftext|>, so
the text itself is N - 1 tokens. Each input of a size comes from its own seed, so no two are equal.
"""
import sys
from pathlib import Path

from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from fixtures import texts  # noqa: E402

# Inputs per size: about the same number of tokens at every size (fewer for the long ones,
# where attention's T^2 part makes each token dearer).
DEFAULT_COUNTS = {128: 16, 512: 8, 2048: 2, 8192: 1}


def cut_to_tokens(tok: Tokenizer, text: str, n: int) -> tuple:
    """(text, ids) with len(ids) == n after re-encoding the cut text (EOS included)."""
    enc = tok.encode(text)
    assert len(enc.ids) > n + 8, "source text too short"
    # Cut at a token's end offset, then re-encode: merges can differ at the cut, so step back until
    # exact, also trying a few extra characters when the re-encoded text comes out one token short.
    for k in range(n - 1, max(n - 40, 0), -1):
        end = enc.offsets[k - 1][1]
        for extra in range(0, 8):
            ids = tok.encode(text[:end + extra]).ids
            if len(ids) == n:
                return text[:end + extra], ids
            if len(ids) > n:
                break
    raise RuntimeError(f"could not cut a text to exactly {n} tokens")


def make_inputs(tokenizer_json: Path, size: int, count: int) -> list:
    """[(text, ids)] * count, each exactly `size` tokens."""
    tok = Tokenizer.from_file(str(tokenizer_json))
    out = []
    for i in range(count):
        src = texts.long_text(size * 6 + 200, seed=size * 1000 + i)   # ~4 chars/token, with margin
        out.append(cut_to_tokens(tok, src, size))
    return out
