"""Makes Fixtures/xlmr/**: a SentencePiece Unigram vocabulary with golden ids, and tiny random XLM-RoBERTa models.

Run: LLAMA_CPP=/path/to/llama.cpp python3 scripts/make_xlmr_fixtures.py
Needs (pip): torch, transformers, sentence-transformers, tokenizers, sentencepiece, protobuf, safetensors, numpy,
gguf (0.19.0). LLAMA_CPP is a llama.cpp checkout, e.g. the `vendor/llama.cpp` folder of the llama-cpp-python sdist
(`pip download --no-deps --no-binary :all: llama-cpp-python`, then untar): its own `convert_hf_to_gguf.py` writes the
GGUF files, so their layout is llama.cpp's. Deterministic (fixed seeds).

Tokenizer (in every model folder): a SentencePiece Unigram model trained here with `normalization_rule_name=nmt_nfkc` (a real
compiled charsmap) on multilingual text written below, turned into XLM-RoBERTa's tokenizer.json by transformers'
converter (transformers 5's XLMRobertaTokenizer.from_pretrained over the .model file). `tokenizer-golden.json` holds Hugging Face `tokenizers` ids of
every test text (single and pair templates) and, for comparison, SentencePiece's own ids mapped to fairseq ids
(XLM-RoBERTa's: <s> 0, <pad> 1, </s> 2, <unk> 3, piece i at i + 1), with how many agree.

Models (hidden 64, 2 layers, 4 heads, MLP 128, 256 positions after the padding id, one token type, weights drawn with
initializer_range 0.2, the vocabulary above):
- `cls/`: bge-m3 style, XLMRobertaModel + CLS pooling + Normalize; GGUF f32, f16 and q8_0 by llama.cpp's converter.
- `mean/`: multilingual-e5 style, mean pooling + Normalize, prompts `query: ` / `passage: `
  (config_sentence_transformers.json); GGUF f16.
- `cross-encoder/`: XLMRobertaForSequenceClassification with one label (bge-reranker-v2-m3 style).
`reference.json` in each: sentence-transformers outputs in float64 (embeddings: normalised vectors of the texts,
queries with the query prompt, documents with the passage prompt; the cross-encoder: CrossEncoder.predict with
sigmoid and raw logits). For the f16 and q8_0 GGUF files, references are computed again with the HF model's
weights replaced by the GGUF's exactly dequantised ones (`reference_<type>`).
"""
import base64
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Fixtures" / "xlmr"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from tokenizer_corpus import corpus  # noqa: E402

VOCAB = 2000
TOKENIZER = Path()   # the converted tokenizer's folder (temporary), set by main

# Training prose (with SCRIPTS and CODE of tokenizer_corpus): several sentences per language.
TRAINING = [
    "The quick brown fox jumps over the lazy dog while the river carries leaves toward the sea.",
    "Search engines rank documents by how well they answer a question, not by how long they are.",
    "Multilingual models share one vocabulary across about a hundred languages and many scripts.",
    "Der schnelle braune Fuchs springt über den faulen Hund, und die Straßenbahn fährt pünktlich.",
    "Die Bibliothek öffnet um neun Uhr; Bücher können vier Wochen lang ausgeliehen werden.",
    "Le renard brun rapide saute par-dessus le chien paresseux; l'été dernier était très chaud.",
    "Les élèves étudient l'histoire de la Révolution française et la géographie de l'Europe.",
    "El zorro marrón rápido salta sobre el perro perezoso; mañana lloverá en la montaña.",
    "La biblioteca nacional conserva manuscritos antiguos y mapas del siglo diecisiete.",
    "A raposa marrom rápida pula sobre o cão preguiçoso; a educação é a base da nação.",
    "La volpe marrone veloce salta sopra il cane pigro; la città è piena di turisti d'estate.",
    "De snelle bruine vos springt over de luie hond en de fietsers wachten bij het stoplicht.",
    "Szybki brązowy lis przeskakuje nad leniwym psem; żółć gęślą jaźń zażółcona.",
    "Hızlı kahverengi tilki tembel köpeğin üzerinden atlar; çiçekler ılık rüzgârda açar.",
    "Быстрая коричневая лиса перепрыгивает через ленивую собаку; в Москве идёт снег.",
    "Библиотека открыта каждый день, кроме понедельника, с девяти утра до восьми вечера.",
    "Η γρήγορη καφέ αλεπού πηδά πάνω από τον τεμπέλη σκύλο· η θάλασσα είναι γαλάζια.",
    "الثعلب البني السريع يقفز فوق الكلب الكسول، والمكتبة مفتوحة كل يوم من التاسعة صباحا.",
    "השועל החום המהיר קופץ מעל הכלב העצלן, והספרייה פתוחה בכל יום.",
    "तेज़ भूरी लोमड़ी आलसी कुत्ते के ऊपर कूदती है, और पुस्तकालय हर दिन खुला रहता है।",
    "สุนัขจิ้งจอกสีน้ำตาลกระโดดข้ามสุนัขขี้เกียจ ห้องสมุดเปิดทุกวัน",
    "敏捷的棕色狐狸跳过了懒狗。图书馆每天早上九点开门，周一休息。搜索引擎根据问题对文档进行排序。",
    "素早い茶色の狐がのろまな犬を飛び越える。図書館は毎日九時に開きます。検索エンジンは文書を順位付けします。",
    "빠른 갈색 여우가 게으른 개를 뛰어넘는다. 도서관은 매일 아침 아홉 시에 문을 연다.",
    "Con cáo nâu nhanh nhẹn nhảy qua con chó lười; thư viện mở cửa lúc chín giờ sáng.",
    "Rubah coklat yang cepat melompati anjing yang malas; perpustakaan buka setiap hari.",
    "Mbweha mwepesi wa kahawia anaruka juu ya mbwa mvivu; maktaba hufunguliwa kila siku.",
    "Den snabba bruna räven hoppar över den lata hunden; biblioteket öppnar klockan nio.",
    "Nopea ruskea kettu hyppää laiskan koiran yli; kirjasto aukeaa yhdeksältä aamulla.",
    "Ο χρόνος είναι χρήμα. Время — деньги. Time is money. 時は金なり。 시간은 금이다.",
]


# Syllable inventories for pseudo-words, so the vocabulary fills up with pieces of every script.
SYLLABLES = [
    "ka ke ki ko ku ta te ti to tu na ne ni no nu ma me mi mo sa se si so ra re ri ro la le li lo "
    "ba be bi bo da de di do ga ge gi go pa pe pi po ver ter ung ing tion ment lich keit sch str".split(),
    "ä ö ü é è ê à ç ñ ő ű ł ż ś ą ę ø å æ ß œ".split(),
    "ка ко ку на но ну та то ту ра ро ру ли ло ля ми мо мя ст пр ов ев ий ая ое ых щи жа ше чё".split(),
    "κα κο λα λο μα με να νο πα πο τα το ρι ση στ ου αι ει ος ης ων".split(),
    "ال مع كت با بي تو سل من في عل ين ون ات ية".split(),
    "של מה אל בי כת לו רו ים ות".split(),
    "क का कि की के को न ना नी म मा र रा स सा त ता है में ने ों".split(),
    "กา กี กู นา นี มา มี รา รี ตา ที่ ของ และ ใน".split(),
    "가 나 다 라 마 바 사 아 자 차 카 타 파 하 는 은 을 를 이 의 에 서 고 지".split(),
    list("日月火水木金土人大小中上下山川田子女学生先年本国語文字時分前後東西南北"),
    list("あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめも"),
    list("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモ"),
]


def training_lines(rng: random.Random, count: int) -> list:
    """`count` lines of words drawn from the training prose, and as many of pseudo-words from each script's
    syllables, one language at a time (deterministic)."""
    from tokenizer_corpus import CODE, SCRIPTS
    sources = [s.split() for s in TRAINING + SCRIPTS + CODE]
    lines = []
    for _ in range(count):
        words = rng.choice(sources)
        lines.append(" ".join(rng.choice(words) for _ in range(rng.randint(3, 14))))
        syllables = rng.choice(SYLLABLES)
        weights = [1 / (i + 1) for i in range(len(syllables))]
        lines.append(" ".join("".join(rng.choices(syllables, weights, k=rng.randint(1, 4)))
                              for _ in range(rng.randint(3, 12))))
    return lines + TRAINING + SCRIPTS + CODE


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text)


def test_texts(rng: random.Random) -> list:
    """At least 200 texts: the shared tokenizer corpus (long documents cut), variants of each language line
    (full-width, NFD, NFKD, upper case, doubled spaces, control characters, ligatures), and XLM-R's special tokens."""
    from tokenizer_corpus import SCRIPTS
    base = [t[:3000] for t in corpus(random.Random(7))]
    lines = SCRIPTS + TRAINING[:16]
    variants = []
    for line in lines:
        variants += [
            fullwidth(line),
            unicodedata.normalize("NFD", line),
            unicodedata.normalize("NFKD", line),
            line.upper(),
            line.replace(" ", "  "),
            " " + line.replace(" ", "\t", 2) + "\x00\x07 ",
            line.replace("fi", "\ufb01").replace("fl", "\ufb02").replace("ff", "\ufb00") + " ﬃ ﬄ ﬅ ﬆ Ĳ ǆ ㎏ ㍿ ℡",
        ]
    special = [
        "<s>", "</s>", "<mask>", "<unk>", "<pad>", "hello <mask> world", "hello<mask>world", "a </s> b",
        "<s>start and end</s>", "query: what is a fox?", "passage: The fox jumps.", "</s></s>",
        "½ ⅓ ¼ ① ⑳ ㉑ Ⅻ ⅻ ² ₃ ℃ ℉ № ™ ℠ Å ẛ̣ ḍ̇", "ｶﾀｶﾅ ｶﾞｷﾞ ﾊﾟﾋﾟ ㈱ ㌔ ㍻", "ﻻ ﷲ ﷺ ﻼ ﺍﻟ",
        "x\u200by\u200cz\u200dw\u2060v\ufeffu\u00adt", "\u0301\u0302 leading marks", "é" * 40, "e\u0301" * 40,
        "𐌰𐌱𐌲 𝒜𝓑 🀄🀅 ᚠᛇᚻ ꦗꦮ", "a" * 300, "ab " * 80,
    ]
    mixes = []
    pool = lines + special
    while len(base) + len(variants) + len(special) + len(mixes) < 320:
        mixes.append(rng.choice(["", " ", "  ", "\n"]).join(rng.choice(pool) for _ in range(rng.randint(2, 4))))
    return base + variants + special + mixes


def make_tokenizer(work: Path) -> Path:
    import sentencepiece as spm
    from transformers import XLMRobertaTokenizer

    text_file = work / "train.txt"
    text_file.write_text("\n".join(training_lines(random.Random(1), 20000)), encoding="utf-8")
    prefix = work / "spm"
    spm.SentencePieceTrainer.train(
        input=str(text_file), model_prefix=str(prefix), model_type="unigram", vocab_size=VOCAB,
        normalization_rule_name="nmt_nfkc", character_coverage=0.9995, hard_vocab_limit=False,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, seed_sentencepiece_size=100000, num_threads=2,
        minloglevel=2)
    slow_dir = work / "slow"
    slow_dir.mkdir()
    shutil.copy(f"{prefix}.model", slow_dir / "sentencepiece.bpe.model")
    # transformers 5 has one XLMRobertaTokenizer, backed by `tokenizers`: from a folder holding only
    # sentencepiece.bpe.model it runs its SentencePiece converter (vocabulary, scores, charsmap).
    tokenizer = XLMRobertaTokenizer.from_pretrained(str(slow_dir))
    tokenizer.save_pretrained(str(TOKENIZER))
    (TOKENIZER / "sentencepiece.bpe.model").unlink(missing_ok=True)
    return Path(f"{prefix}.model")


def golden(spm_model: Path) -> int:
    import sentencepiece as spm
    from tokenizers import Tokenizer

    hf = Tokenizer.from_file(str(TOKENIZER / "tokenizer.json"))
    sp = spm.SentencePieceProcessor(model_file=str(spm_model))
    texts = test_texts(random.Random(3))
    entries, agree = [], 0
    for t in texts:
        ids = hf.encode(t).ids
        pieces = sp.encode(t)
        fairseq = [0] + [3 if i == 0 else i + 1 for i in pieces] + [2]
        agree += fairseq == ids
        entries.append({"text": t, "ids": ids, "sentencepiece": fairseq})
    pairs = []
    for a, b in [("what is a fox?", "The quick brown fox jumps over the lazy dog."),
                 ("狐狸", "敏捷的棕色狐狸跳过了懒狗。"), ("", "empty query"), ("Größe", "ＡＢＣ ﬁ")]:
        pairs.append({"a": a, "b": b, "ids": hf.encode(a, b).ids})
    (OUT / "tokenizer-golden.json").write_text(json.dumps(
        {"texts": entries, "pairs": pairs, "sentencepiece_agreement": agree, "count": len(texts),
         "vocabulary": hf.get_vocab_size()}, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"golden: {len(texts)} texts, sentencepiece agrees with tokenizers on {agree}")
    return hf.get_vocab_size()


def config(vocab: int, **extra):
    from transformers import XLMRobertaConfig
    return XLMRobertaConfig(vocab_size=vocab, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                            intermediate_size=128, max_position_embeddings=258, type_vocab_size=1,
                            pad_token_id=1, bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5,
                            # 10x the default spread, so the layers mix tokens: at 0.02 every CLS vector is the
                            # `<s>` embedding (pairwise cosine 0.99998) and every cross-encoder score 0.4923.
                            initializer_range=0.2, **extra)


def write_sentence_transformers(folder: Path, pooling: str, prompts=None):
    (folder / "1_Pooling").mkdir(exist_ok=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": 64, "pooling_mode_cls_token": pooling == "cls",
        "pooling_mode_mean_tokens": pooling == "mean", "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False}, indent=2))
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}], indent=2))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 256, "do_lower_case": False}))
    st = {"prompts": prompts or {}, "default_prompt_name": None, "similarity_fn_name": "cosine"}
    (folder / "config_sentence_transformers.json").write_text(json.dumps(st, indent=2))


QUERIES = ["what is a fox?", "¿dónde está la biblioteca?", "图书馆几点开门", "Größe der Stadt"]
DOCUMENTS = ["The quick brown fox jumps over the lazy dog.", "La biblioteca nacional conserva manuscritos antiguos.",
             "图书馆每天早上九点开门，周一休息。", "Die Bibliothek öffnet um neun Uhr.", "ＡＢＣ ﬁ ½ e\u0301",
             " ".join(TRAINING)]  # the last is cut to the context


def st_reference(folder: Path, prompts: bool, weights=None) -> dict:
    from sentence_transformers import SentenceTransformer
    model = SentenceTransformer(str(folder), device="cpu")
    if weights is not None:
        model[0].auto_model.load_state_dict(weights, strict=False)  # its unused pooler is not in the file
    model = model.to(torch.float64)
    q = model.encode(QUERIES, prompt_name="query" if prompts else None, convert_to_numpy=True, batch_size=1)
    d = model.encode(DOCUMENTS, prompt_name="passage" if prompts else None, convert_to_numpy=True, batch_size=1)
    tok = model.tokenizer
    qp, dp = ("query: ", "passage: ") if prompts else ("", "")
    return {
        "queries": [{"text": t, "ids": tok(qp + t, truncation=True, max_length=256)["input_ids"], "vector": v.tolist()}
                    for t, v in zip(QUERIES, q)],
        "documents": [{"text": t, "ids": tok(dp + t, truncation=True, max_length=256)["input_ids"], "vector": v.tolist()}
                      for t, v in zip(DOCUMENTS, d)],
    }


def copy_tokenizer(folder: Path):
    for f in TOKENIZER.iterdir():
        shutil.copy(f, folder / f.name)


def convert(folder: Path, outtype: str, target: Path, spm_model: Path):
    llama = Path(os.environ["LLAMA_CPP"])
    with tempfile.TemporaryDirectory() as tmp:
        # The converter reads sentencepiece.bpe.model when present, as in bge-m3's and multilingual-e5's repos.
        src = Path(tmp) / "model"
        shutil.copytree(folder, src)
        shutil.copy(spm_model, src / "sentencepiece.bpe.model")
        # The installed gguf package (0.19.0) writes the file, not the checkout's gguf-py.
        subprocess.run([sys.executable, str(llama / "convert_hf_to_gguf.py"), str(src), "--outtype", outtype,
                        "--outfile", str(target)], check=True, stdout=subprocess.DEVNULL)


# GGUF -> Hugging Face names for the dequantised-weight references (llama.cpp's BERT table).
GGUF_NAMES = {
    "token_embd.weight": "embeddings.word_embeddings.weight", "position_embd.weight": "embeddings.position_embeddings.weight",
    "token_types.weight": "embeddings.token_type_embeddings.weight", "token_embd_norm.weight": "embeddings.LayerNorm.weight",
    "token_embd_norm.bias": "embeddings.LayerNorm.bias",
}
LAYER_NAMES = {
    "attn_q": "attention.self.query", "attn_k": "attention.self.key", "attn_v": "attention.self.value",
    "attn_output": "attention.output.dense", "attn_output_norm": "attention.output.LayerNorm",
    "ffn_up": "intermediate.dense", "ffn_down": "output.dense", "layer_output_norm": "output.LayerNorm",
}


def dequantised_state(gguf_path: Path, original: dict) -> dict:
    from gguf import GGUFReader
    from gguf.quants import dequantize
    state = {k: v.clone() for k, v in original.items()}
    for t in GGUFReader(str(gguf_path)).tensors:
        name = t.name
        if name in GGUF_NAMES:
            hf = GGUF_NAMES[name]
        else:
            _, layer, kind, suffix = name.split(".")
            hf = f"encoder.layer.{layer}.{LAYER_NAMES[kind]}.{suffix}"
        values = torch.from_numpy(np.array(dequantize(t.data, t.tensor_type), dtype=np.float32))
        shape = state[hf].shape
        if hf.endswith("position_embeddings.weight"):
            values = torch.cat([state[hf][: shape[0] - values.reshape(-1, shape[1]).shape[0]], values.reshape(-1, shape[1])])
        state[hf] = values.reshape(shape)
    return state


def make_embedder(name: str, seed: int, vocab: int, pooling: str, prompts, ggufs: list, spm_model: Path):
    from transformers import XLMRobertaModel
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    model = XLMRobertaModel(config(vocab), add_pooling_layer=False).eval()
    model.save_pretrained(str(folder), safe_serialization=True)
    copy_tokenizer(folder)
    write_sentence_transformers(folder, pooling, prompts)
    reference = st_reference(folder, prompts is not None)
    state = model.state_dict()
    for outtype in ggufs:
        target = folder.parent / f"{name}-{outtype}.gguf"
        convert(folder, outtype, target, spm_model)
        if outtype != "f32":
            reference["reference_" + outtype] = st_reference(folder, prompts is not None,
                                                             dequantised_state(target, state))
    (folder / "reference.json").write_text(json.dumps(reference, ensure_ascii=False, indent=0), encoding="utf-8")


PAIRS = [("what is a fox?", d) for d in DOCUMENTS] + [("图书馆几点开门", DOCUMENTS[2]), ("", "empty query"),
                                                       (" ".join(TRAINING), "a long query against a short document")]


def make_cross_encoder(vocab: int):
    from sentence_transformers import CrossEncoder
    from transformers import XLMRobertaForSequenceClassification
    folder = OUT / "cross-encoder"
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(13)
    model = XLMRobertaForSequenceClassification(config(vocab, num_labels=1)).eval()
    model.save_pretrained(str(folder), safe_serialization=True)
    copy_tokenizer(folder)
    ce = CrossEncoder(str(folder), device="cpu", max_length=256)
    ce.model.to(torch.float64)
    sigmoid = ce.predict(PAIRS, batch_size=1).tolist()
    raw = ce.predict(PAIRS, batch_size=1, activation_fn=torch.nn.Identity()).tolist()
    tok = ce.tokenizer
    ids = [tok(q, d, truncation=True, max_length=256)["input_ids"] for q, d in PAIRS]
    (folder / "reference.json").write_text(json.dumps(
        {"pairs": [{"query": q, "document": d, "ids": i, "score": s, "raw": r}
                   for (q, d), i, s, r in zip(PAIRS, ids, sigmoid, raw)]}, ensure_ascii=False, indent=0), encoding="utf-8")


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    global TOKENIZER
    with tempfile.TemporaryDirectory() as tmp:
        TOKENIZER = Path(tmp) / "tokenizer"
        spm_model = make_tokenizer(Path(tmp))
        vocab = golden(spm_model)
        if "--tokenizer-only" in sys.argv:
            return
        make_embedder("cls", 11, vocab, "cls", None, ["f32", "f16", "q8_0"], spm_model)
        make_embedder("mean", 12, vocab, "mean", {"query": "query: ", "passage": "passage: "}, ["f16"], spm_model)
        make_cross_encoder(vocab)


if __name__ == "__main__":
    main()
