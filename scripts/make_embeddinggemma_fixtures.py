#!/usr/bin/env python3
"""Tiny random EmbeddingGemma fixtures: a sentence-transformers folder, llama.cpp GGUF files and reference vectors.

    PYTHONPATH=DIR python3 scripts/make_embeddinggemma_fixtures.py LLAMA_CPP_DIR
    PYTHONPATH=DIR python3 scripts/make_embeddinggemma_fixtures.py realvocab GEMMA3_TOKENIZER_JSON OUT_DIR

DIR holds torch (CPU), transformers >= 4.56 (made with 5.24.0), sentence-transformers (6.3.0), safetensors, numpy,
sentencepiece and protobuf, installed with `pip install --target DIR`. LLAMA_CPP_DIR is `vendor/llama.cpp` of the
llama-cpp-python sdist (`pip download --no-deps --no-binary llama-cpp-python llama-cpp-python`, made with 0.3.36):
its `convert_hf_to_gguf.py` runs with the `gguf-py` beside it.

Writes Fixtures/models/embeddinggemma-tiny/:
  hf/            Gemma3TextModel (use_bidirectional_attention) + 1_Pooling (mean) + 2_Dense 64->96 + 3_Dense 96->64 (no
                 bias, identity) + 4_Normalize, config_sentence_transformers.json with EmbeddingGemma's prompts, the
                 tokenizer of Fixtures/gemma/tiny (269 pieces; the real 262k vocabulary would make the embedding table
                 67 MB) and a SentencePiece tokenizer.model of the same pieces, which llama.cpp's converter needs to
                 write a Gemma (`llama`) vocabulary
  tiny-{f32,f16,q8_0}.gguf   convert_hf_to_gguf.py --sentence-transformers-dense-modules (arch gemma-embedding)
  reference.json sentence-transformers `encode` vectors (float32, and float64 as a check that f32 is not coarse),
                 the token ids, query/document vectors with the prompts (the queries behind `Clustering` and
                 `STS` too), and Q8_0 vectors from the exactly dequantised
                 Q8_0 weights

Shapes: 6 layers (llama.cpp's default pattern of 6: layers 0-4 slide, layer 5 attends to all, and the converter
writes no pattern, so the folder says the same), hidden 64, 4 query / 2 kv heads of 16, MLP 32, sliding_window 8
(bidirectional: |i - j| <= 4), query_pre_attn_scalar 16 (llama.cpp always scales by 1/sqrt(head_dim)).

`realvocab` builds the same model over the real Gemma 3 tokenizer.json (FOLIO_GEMMA3_DIR/tokenizer, from
make_gemma_tokenizer.py) with EmbeddingGemma's `<bos> $A <eos>` template: OUT_DIR/hf and OUT_DIR/reference.json
(67 MB, not committed; point FOLIO_EMBEDDINGGEMMA_DIR at it to run its tests).
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Fixtures" / "models" / "embeddinggemma-tiny"
TOKENIZER = ROOT / "Fixtures" / "gemma" / "tiny" / "tokenizer.json"
PROMPTS = {"query": "task: search result | query: ", "document": "title: none | text: ",
           "Clustering": "task: clustering | query: ", "STS": "task: sentence similarity | query: "}
TEXTS = ["ab", "a b", "ba bab", "ab ab ab", "\u00e9t\u00e9 \u2014 caf\u00e9",
         # longer than the window (8) and than two windows: ~40 and ~90 tokens
         "ab ba ab ba bab a b ab x y z ab ba",
         "The quick brown fox jumps over the lazy dog; ab ba bab. " * 2,
         "a"]
QUERIES = ["ab ba?", "which fox"]
DOCUMENTS = ["bab ab", "the lazy dog"]


def build_folder(folder: Path, tokenizer: dict):
    """The sentence-transformers folder over `tokenizer` (a tokenizer.json object)."""
    from transformers import Gemma3TextConfig, Gemma3TextModel, PreTrainedTokenizerFast
    from sentence_transformers import SentenceTransformer, models

    vocab = tokenizer["model"]["vocab"]
    config = Gemma3TextConfig(
        vocab_size=max(max(vocab.values()), max(t["id"] for t in tokenizer["added_tokens"])) + 1, hidden_size=64, intermediate_size=32, num_hidden_layers=6, num_attention_heads=4,
        num_key_value_heads=2, head_dim=16, max_position_embeddings=512, rms_norm_eps=1e-6,
        rope_parameters={"full_attention": {"rope_type": "default", "rope_theta": 1_000_000.0},
                         "sliding_attention": {"rope_type": "default", "rope_theta": 10_000.0}},
        query_pre_attn_scalar=16, sliding_window=8, layer_types=["sliding_attention"] * 5 + ["full_attention"],
        use_bidirectional_attention=True, hidden_activation="gelu_pytorch_tanh", attn_logit_softcapping=None,
        final_logit_softcapping=None, pad_token_id=0, eos_token_id=1, bos_token_id=2, tie_word_embeddings=True)
    torch.manual_seed(17)
    model = Gemma3TextModel(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            # Norm weights are w of x * (1 + w): random around 0 so that every norm matters.
            p.copy_(torch.randn_like(p) * (0.3 if "norm" in name else 0.15))
    transformer_dir = folder / "_transformer"
    model.save_pretrained(transformer_dir, safe_serialization=True)
    tokenizer_file = folder / "_tokenizer.json"
    tokenizer_file.write_text(json.dumps(tokenizer, ensure_ascii=False), encoding="utf-8")
    tok = PreTrainedTokenizerFast(tokenizer_file=str(tokenizer_file), bos_token="<bos>", eos_token="<eos>",
                                  unk_token="<unk>", pad_token="<pad>")
    tok.save_pretrained(transformer_dir)

    transformer = models.Transformer(str(transformer_dir), max_seq_length=512)
    pooling = models.Pooling(64, pooling_mode="mean")
    torch.manual_seed(18)
    dense2 = models.Dense(64, 96, bias=False, activation_function=torch.nn.Identity())
    dense3 = models.Dense(96, 64, bias=False, activation_function=torch.nn.Identity())
    with torch.no_grad():
        dense2.linear.weight.copy_(torch.randn_like(dense2.linear.weight) * 0.2)
        dense3.linear.weight.copy_(torch.randn_like(dense3.linear.weight) * 0.2)
    st = SentenceTransformer(modules=[transformer, pooling, dense2, dense3, models.Normalize()], prompts=PROMPTS,
                             default_prompt_name=None, device="cpu")
    st.save(str(folder))
    shutil.rmtree(transformer_dir)
    tokenizer_file.unlink()
    (folder / "README.md").unlink()  # the generated model card: 5 KB of boilerplate
    # The folder's config.json must hold the window as written (8), not the constructor's 8 // 2 + 1.
    saved = json.loads((folder / "config.json").read_text())
    assert saved["sliding_window"] == 8 and saved["use_bidirectional_attention"], saved


def gguf_consistent(path: Path) -> dict:
    """The tiny tokenizer with the merges a GGUF vocabulary implies: GGUF stores no merges, and transformers (like
    Folio) rebuilds them as every split of a piece into two pieces, ranked by the merged piece's position, longer
    left part first. The real Gemma tokenizer.json in the tests is made the same way (make_gemma_tokenizer.py), so
    the folder and the GGUF files tokenize alike."""
    file = json.loads(path.read_text(encoding="utf-8"))
    vocab = file["model"]["vocab"]
    special = {t["content"] for t in file["added_tokens"]}
    merges = []
    for piece, _ in sorted(vocab.items(), key=lambda kv: kv[1]):
        if piece in special or (piece.startswith("<0x") and len(piece) == 6):
            continue
        splits = [(piece[:i], piece[i:]) for i in range(len(piece) - 1, 0, -1)]
        merges += [[a, b] for a, b in splits if a in vocab and b in vocab]
    file["model"]["merges"] = merges
    return file


def write_sentencepiece_model(folder: Path, vocab: dict):
    """tokenizer.model with the same pieces, for llama.cpp's converter (it reads Gemma vocabularies only from it)."""
    from sentencepiece import sentencepiece_model_pb2 as sp

    m = sp.ModelProto()
    m.trainer_spec.model_type = sp.TrainerSpec.BPE
    m.trainer_spec.byte_fallback = True
    m.trainer_spec.vocab_size = len(vocab)
    m.trainer_spec.unk_id, m.trainer_spec.bos_id, m.trainer_spec.eos_id, m.trainer_spec.pad_id = 3, 2, 1, 0
    m.normalizer_spec.name = "identity"
    m.normalizer_spec.add_dummy_prefix = False
    for piece, i in sorted(vocab.items(), key=lambda kv: kv[1]):
        p = m.pieces.add()
        p.piece, p.score = piece, float(-i)
        if piece == "<unk>":
            p.type = sp.ModelProto.SentencePiece.UNKNOWN
        elif piece in ("<pad>", "<eos>", "<bos>"):
            p.type = sp.ModelProto.SentencePiece.CONTROL
        elif piece.startswith("<0x") and len(piece) == 6:
            p.type = sp.ModelProto.SentencePiece.BYTE
        else:
            p.type = sp.ModelProto.SentencePiece.NORMAL
    (folder / "tokenizer.model").write_bytes(m.SerializeToString())


def convert(folder: Path, llama_cpp: Path):
    env = {"PYTHONPATH": str(llama_cpp / "gguf-py") + ":" + ":".join(sys.path[1:]), "PATH": "/usr/bin:/bin"}
    for t in ["f32", "f16", "q8_0"]:
        subprocess.run([sys.executable, str(llama_cpp / "convert_hf_to_gguf.py"), str(folder), "--outtype", t,
                        "--sentence-transformers-dense-modules", "--outfile", str(OUT / f"tiny-{t}.gguf")],
                       check=True, env=env, stdout=subprocess.DEVNULL)


def dequantized_q8_0(folder: Path, llama_cpp: Path):
    """The folder's model with every tensor the Q8_0 file stores as Q8_0 replaced by its exact dequantisation."""
    sys.path.insert(0, str(llama_cpp / "gguf-py"))
    import gguf
    from sentence_transformers import SentenceTransformer

    reader = gguf.GGUFReader(str(OUT / "tiny-q8_0.gguf"))
    q8 = {t.name: gguf.quants.dequantize(t.data, t.tensor_type) for t in reader.tensors
          if t.tensor_type == gguf.GGMLQuantizationType.Q8_0}
    st = SentenceTransformer(str(folder), device="cpu")
    hf = st[0].auto_model
    names = {"token_embd.weight": "embed_tokens.weight"}
    for i in range(hf.config.num_hidden_layers):
        for g, h in [("attn_q", "self_attn.q_proj"), ("attn_k", "self_attn.k_proj"), ("attn_v", "self_attn.v_proj"),
                     ("attn_output", "self_attn.o_proj"), ("ffn_gate", "mlp.gate_proj"), ("ffn_up", "mlp.up_proj"),
                     ("ffn_down", "mlp.down_proj")]:
            names[f"blk.{i}.{g}.weight"] = f"layers.{i}.{h}.weight"
    params = dict(hf.named_parameters())
    with torch.no_grad():
        for g, values in q8.items():
            if g in names:
                params[names[g]].copy_(torch.from_numpy(np.asarray(values, dtype=np.float32)).reshape(params[names[g]].shape))
            elif g in ("dense_2.weight", "dense_3.weight"):
                lin = st[2 if g == "dense_2.weight" else 3].linear.weight
                lin.copy_(torch.from_numpy(np.asarray(values, dtype=np.float32)).reshape(lin.shape))
            else:
                raise SystemExit(f"unmapped Q8_0 tensor {g}")
    return st, sorted(q8)


def with_embeddinggemma_template(path: Path) -> dict:
    """Gemma 3's tokenizer.json (`<bos> $A`) with EmbeddingGemma's template, `<bos> $A <eos>`."""
    file = json.loads(path.read_text(encoding="utf-8"))
    token = lambda name, type_id=0: {"SpecialToken": {"id": name, "type_id": type_id}}
    seq = lambda name, type_id=0: {"Sequence": {"id": name, "type_id": type_id}}
    ids = {t["content"]: t["id"] for t in file["added_tokens"]}
    file["post_processor"] = {
        "type": "TemplateProcessing", "single": [token("<bos>"), seq("A"), token("<eos>")],
        "pair": [token("<bos>"), seq("A"), token("<eos>"), seq("B", 1), token("<eos>", 1)],
        "special_tokens": {n: {"id": n, "ids": [ids[n]], "tokens": [n]} for n in ["<bos>", "<eos>"]}}
    return file


REAL_TEXTS = TEXTS + ["Folio turns whole documents into vectors.", "Überprüfung der Größe — naïve café",
                      "東京は日本の首都です。", "def add(a, b):\n    return a + b\n", "<b>bold</b> and\ttabs  and   spaces",
                      "Emoji 🙂 and rare ꙮ letters"]


def real_vocabulary(tokenizer_json: Path, out: Path):
    """The same tiny model over the real Gemma 3 vocabulary (262,144 ids; a 67 MB folder, made at test setup by
    scripts/test.sh, not committed): the folder and reference.json only."""
    from sentence_transformers import SentenceTransformer

    if out.exists():
        shutil.rmtree(out)
    folder = out / "hf"
    folder.mkdir(parents=True)
    build_folder(folder, with_embeddinggemma_template(tokenizer_json))
    st = SentenceTransformer(str(folder), device="cpu")
    ids = [st.tokenizer(t)["input_ids"] for t in REAL_TEXTS]
    vectors = st.encode(REAL_TEXTS, convert_to_numpy=True, batch_size=1)
    (out / "reference.json").write_text(json.dumps({
        "source": "sentence-transformers SentenceTransformer.encode (batch_size 1), torch CPU, float32",
        "texts": REAL_TEXTS, "ids": ids, "embeddings": vectors.astype(float).tolist()}, ensure_ascii=False) + "\n")
    print(f"real vocabulary: {st[0].auto_model.config.vocab_size} ids; token counts {[len(i) for i in ids]}")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "realvocab":
        return real_vocabulary(Path(sys.argv[2]), Path(sys.argv[3]))
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    llama_cpp = Path(sys.argv[1]).resolve()
    from sentence_transformers import SentenceTransformer

    if OUT.exists():
        shutil.rmtree(OUT)
    folder = OUT / "hf"
    folder.mkdir(parents=True)
    tokenizer = gguf_consistent(TOKENIZER)
    build_folder(folder, tokenizer)
    write_sentencepiece_model(folder, tokenizer["model"]["vocab"])
    convert(folder, llama_cpp)

    st = SentenceTransformer(str(folder), device="cpu")
    assert st[0].auto_model.config.sliding_window == 5, st[0].auto_model.config.sliding_window
    tok = st.tokenizer
    ids = [tok(t)["input_ids"] for t in TEXTS]
    assert all(i[0] == 2 and i[-1] == 1 for i in ids), ids          # <bos> ... <eos>
    f32 = st.encode(TEXTS, convert_to_numpy=True, batch_size=1)
    st64 = SentenceTransformer(str(folder), device="cpu").to(torch.float64)
    f64 = st64.encode(TEXTS, convert_to_numpy=True, batch_size=1)
    worst = min(float(np.dot(a, b) / np.linalg.norm(a) / np.linalg.norm(b)) for a, b in zip(f32, f64))
    queries = st.encode(QUERIES, prompt_name="query", batch_size=1)
    documents = st.encode(DOCUMENTS, prompt_name="document", batch_size=1)
    # The other named prompts (TEI's prompt_name), each over the queries.
    named = {name: st.encode(QUERIES, prompt_name=name, batch_size=1).astype(float).tolist()
             for name in ("Clustering", "STS")}
    q8_model, q8_tensors = dequantized_q8_0(folder, llama_cpp)
    q8 = q8_model.encode(TEXTS, convert_to_numpy=True, batch_size=1)
    # Unnormalised output of the last module before Normalize (the Dense head), to check pooling + Dense alone.
    reference = {
        "source": "sentence-transformers SentenceTransformer.encode (batch_size 1), torch CPU",
        "sliding_window_radius": 4,
        "texts": TEXTS, "ids": ids,
        "embeddings": f32.astype(float).tolist(), "embeddings_f64": f64.astype(float).tolist(),
        "f32_vs_f64_min_cosine": worst,
        "queries": QUERIES, "query_ids": [tok(PROMPTS["query"] + q)["input_ids"] for q in QUERIES],
        "query_embeddings": queries.astype(float).tolist(),
        "documents": DOCUMENTS, "document_embeddings": documents.astype(float).tolist(),
        "named_prompt_embeddings": named,
        "q8_0_tensors": q8_tensors, "embeddings_q8_0_dequantized": q8.astype(float).tolist(),
    }
    (OUT / "reference.json").write_text(json.dumps(reference, separators=(",", ":")) + "\n")
    print(f"f32 vs f64: min cosine {worst:.9f}; token counts {[len(i) for i in ids]}; Q8_0 tensors {len(q8_tensors)}")


if __name__ == "__main__":
    main()
