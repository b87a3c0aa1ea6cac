"""Makes Fixtures/models/qwen3-tiny-long: a tiny Qwen3 with the real head size (128) and sharp attention, and
the float64 reference vectors of an 8,192-token and a 32,000-token input, for checking long-input attention.

Run: python3 scripts/make_long_fixtures.py   (about a minute on 2 cores; torch, transformers 5.x, tokenizers)

Why a separate model: the 21k-token input of qwen3-tiny-gqa2 has head size 32 and nearly flat attention
(random q and k barely correlate). Here D = 128 as in every Qwen3-Embedding size, and the q/k norm weights
are about 2.5, so layer 0's last-row scores at 8k have a standard deviation of 7 and a max of 25, and a few
keys hold most of each softmax, as in trained models. That is what bf16 (or int8) scores must survive.

Reference: transformers `Qwen3Model` in float64 with SDPA (memory-efficient, causal; eager attention would
need a T x T matrix), the final token's last hidden state after the final norm, L2-normalised.
Inputs: the first `chars` characters of long_input.txt, tokenised by the model's tokenizer (its
post-processor appends <|endoftext|>).
"""
import shutil
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixtures import texts  # noqa: E402
from fixtures.qwen3 import Spec, config_style_a, iter_random_weights, round_to, save_hf  # noqa: E402
from fixtures.reference import f32list, write_json  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "Fixtures" / "models" / "qwen3-tiny-long"
TOKENIZER = ROOT / "Fixtures" / "models" / "qwen3-tiny-gqa2"   # the small BPE, copied
TARGETS = [8_192, 32_000]                                         # tokens, <|endoftext|> included


def weights(s: Spec) -> dict:
    """fixtures.qwen3's random weights with the q/k norm weights times 2.5 (about 2.5 +- 0.5: sharp attention)."""
    sharp = ("q_norm.weight", "k_norm.weight")
    return {k: round_to(2.5 * v if k.endswith(sharp) else v, "float32") for k, v in iter_random_weights(s)}


def prefix_for(tok: Tokenizer, text: str, tokens: int) -> int:
    """The longest prefix (in characters) whose tokens, with <|endoftext|>, number at most `tokens`."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(tok.encode(text[:mid]).ids) <= tokens:
            lo = mid
        else:
            hi = mid - 1
    return lo


@torch.no_grad()
def main() -> None:
    from transformers import AutoConfig, Qwen3Model
    FOLDER.mkdir(parents=True, exist_ok=True)
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(TOKENIZER / f, FOLDER / f)
    tok = Tokenizer.from_file(str(FOLDER / "tokenizer.json"))
    eos = tok.token_to_id("<|endoftext|>")
    s = Spec("qwen3-tiny-long", tok.get_vocab_size(), hidden=128, layers=2, q_heads=2, kv_heads=1, head_dim=128,
             ffn=256, theta=1_000_000.0, eos_id=eos, seed=20261203)
    w = weights(s)
    save_hf(FOLDER, config_style_a(s), w, "float32", prefix="")
    cfg = AutoConfig.from_pretrained(str(FOLDER))
    cfg._attn_implementation = "sdpa"
    model = Qwen3Model(cfg).to(torch.float64).eval()
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(v.astype(np.float64)) for k, v in w.items()},
                                                strict=False)
    assert not [m for m in missing if "rotary_emb" not in m] and not unexpected, (missing, unexpected)
    torch.set_num_threads(2)

    text = texts.long_text(70_000, seed=4321)
    text = text[:prefix_for(tok, text, TARGETS[-1])]
    (FOLDER / "long_input.txt").write_text(text)
    inputs = []
    for target in TARGETS:
        chars = prefix_for(tok, text, target)
        ids = tok.encode(text[:chars]).ids
        h = model(input_ids=torch.tensor([ids])).last_hidden_state[0, -1].numpy()
        inputs.append({"chars": chars, "token_count": len(ids), "last_token_ids": ids[-8:],
                       "embedding": f32list(h / np.linalg.norm(h))})
        print(f"{len(ids)} tokens ({chars} characters)", flush=True)
    # How sharp the attention is: layer 0's scores for the last query row of the 8k input.
    ids = tok.encode(text[:inputs[0]["chars"]]).ids
    write_json(FOLDER / "reference.json", {
        "model": s.name, "reference": "transformers Qwen3Model, float64, SDPA; last token, final norm, L2",
        "text_file": "long_input.txt", "inputs": inputs, "score_spread": score_spread(model, ids)})


def score_spread(model, ids: list) -> dict:
    """Layer 0: the last query row's scaled scores against every key (max, std, and the softmax mass of the top 8)."""
    attn = model.layers[0].self_attn
    x = model.embed_tokens(torch.tensor([ids]))
    h = model.layers[0].input_layernorm(x)
    T, D = len(ids), attn.head_dim
    q = attn.q_norm(attn.q_proj(h).view(1, T, -1, D)).transpose(1, 2)
    k = attn.k_norm(attn.k_proj(h).view(1, T, -1, D)).transpose(1, 2)
    pos = torch.arange(T).unsqueeze(0)
    cos, sin = model.rotary_emb(x, pos)
    from transformers.models.qwen3.modeling_qwen3 import apply_rotary_pos_emb
    q, k = apply_rotary_pos_emb(q, k, cos, sin)
    s = (q[0, 0, -1] @ k[0, 0].T) / np.sqrt(D)
    p = torch.softmax(s, -1)
    return {"max": float(s.max()), "std": float(s.std()), "top8_mass": float(p.topk(8).values.sum())}


if __name__ == "__main__":
    main()
