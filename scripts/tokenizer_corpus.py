"""The tokenizer test corpus: short texts that each stress one rule, plus two long mixed documents.

Shared by make_tokenizer_fixtures.py (golden ids) and bench_tokenizer.py (benchmark text).
"""
import random
import unicodedata

SCRIPTS = [
    "Größenwahn, façade, naïve café — Ærøskøbing; Łódź; Dvořák; São Paulo; İstanbul ışık.",
    "Съешь же ещё этих мягких французских булок, да выпей чаю. ЁЛКА ёлка",
    "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. ΆΈΉΊΌΎΏ ς σ Σ",
    "صِف خَلقَ خَودِ كَمِثلِ الشَمسِ إِذ بَزَغَت — العربية ١٢٣٤٥",
    "דג סקרן שט בים מאוכזב ולפתע מצא חברה. עִבְרִית",
    "ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले विष्णुवतार भगवान श्रीराम। १२३",
    "เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน ๑๒๓",
    "我能吞下玻璃而不伤身体。中文分词测试：北京大学生前来应聘。繁體字測試",
    "いろはにほへと ちりぬるを カタカナ ﾊﾝｶｸｶﾀｶﾅ 日本語の文章です。",
    "다람쥐 헌 쳇바퀴에 타고파. 한국어 문장입니다",
    "ქართული ენა — გამარჯობა მსოფლიო",
    "Հայերեն լեզու — Բարեւ աշխարհ",
    "தமிழ் மொழி — வணக்கம் உலகம் ௧௨௩",
    "ᚠᛇᚻ᛫ᛒᛦᚦ ኢትዮጵያ ᎣᏏᏲ 𐌰𐌱𐌲 ꦗꦮ",
]

CODE = [
    "def fib(n: int) -> int:\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "for (int i = 0; i < n; ++i) {\n\tsum += a[i] * b[i]; // dot\n}\r\n",
    "let x = [1, 2, 3].map { $0 * 2 }  /* closure */\nprint(\"\\(x)\")",
    "SELECT id, name FROM users WHERE age >= 18 AND name LIKE '%ann%';",
    "<div class=\"a\">Hello&nbsp;<b>world</b></div>\n<!-- comment -->",
    "{\"key\": [1, 2.5e-3, true, null], \"nested\": {\"k\": \"v\"}}",
    "fn main() { println!(\"{:?}\", vec![1u8; 4]); }",
    "#!/bin/bash\nset -euo pipefail\necho \"$HOME\" | tr a-z A-Z >> /tmp/log.txt 2>&1",
]

EDGE = [
    "",
    " ",
    "a",
    "Hello, world!",
    "  leading and trailing  ",
    "runs    of     spaces and\t\ttabs\t and mixed \t \t end",
    "line one\r\nline two\r\n\r\nline four\n\n\n",
    "\n",
    "\r\n",
    "   \n   \n",
    "trailing spaces   ",
    "It's 'S 'LL 'lL 'Ll I'M we'VE they'Re he'D don'T 'd's's",
    "'s ’s 'ſ 'ﬆ 'K ʼs",
    "numbers 0 1 12 123 1234 12345 3.14159 1,000,000 -42 +7 1e10 0x1F ½ ² Ⅻ ٣ ๓",
    "emoji 😀 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇺🇸🇯🇵 🇫🇷 #️⃣ ❤️ 🧑🏿‍💻",
    unicodedata.normalize("NFD", "NFD: café résumé Ångström ñandú Việt Nam"),
    "combining: e\u0301 a\u0308 o\u0302\u0323 Z\u0335\u0354 \u0301leading mark",
    "full-width: ＡＢＣ１２３！？　ｆｕｌｌ　ｗｉｄｔｈ",
    "control:\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f end",
    "spaces: nbsp\u00a0thin\u2009ideo\u3000nnbsp\u202fzwsp\u200bbom\ufeffmvs\u180eLS\u2028PS\u2029ogham\u1680end",
    "hello<|endoftext|>world",
    "<|endoftext|>",
    "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n",
    "<think>\nreasoning here\n</think>\n\nanswer",
    " <think> spaced </think> ",
    "<tool_call>{\"name\": \"f\"}</tool_call><|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>",
    "<|endoftext|é> <|endoftext <endoftext|> <|ENDOFTEXT|>",
    "[CLS] hello [SEP] [MASK] [UNK] [cls] [PAD]",
    "x" * 120,
    "supercalifragilisticexpialidocious " + "y" * 99 + " " + "z" * 100 + " " + "w" * 101,
    "Mixed CASE Words And UPPERCASE lowercase camelCase snake_case kebab-case",
    "punctuation: !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ «» „“ ¿¡ … — – · • ※ 、。",
    "math: ∑ ∫ ∂ √ ∞ ≠ ≤ ≥ ∈ ∉ ⊂ ⊃ ∀ ∃ ℝ ℕ α β γ δ ε",
    "surrogate-plane: 𝒜𝓑𝔠 𝟘𝟙 𠀀𠀁 🀄 𝄞",
    "Ǆ ǅ ǆ ß ẞ ﬁ ﬂ Å Ω K",
    "tab\tseparated\tvalues\t1\t2\t3",
    "URL https://example.com/path?q=1&b=two#frag and mail a.b@c.de",
    "a\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308\u0309\u030a",
    "\t",
    "   ",
    "\u3000\u3000",
    "ＡＢＣ",
    "new year 2026年11月29日 第3章",
    # Contractions are case-insensitive (onig folds ſ to s, not the ﬆ ligature); the trailing letter
    # tells a contraction ("'s", "x") from a letter run with a prefix ("'sx").
    "it'ſx it'Sx it'ﬆx it'LLx I'Mx we'VEx it'Dx it'Tx they'REx",
]
# Which characters the pre-tokenizer's \s accepts: "a" + c + c + "b" + c + "1" splits differently
# when c is whitespace (Unicode White_Space) than when it is not.
WHITESPACE_PROBES = ["a" + c + c + "b" + c + "1" + c + c for c in
                     "\t\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u180e\u2000\u200a\u200b\u2028\u2029"
                     "\u202f\u205f\u2060\u3000\ufeff"]


def long_document(rng: random.Random, target_chars: int) -> str:
    """Paragraphs drawn from the short texts, shuffled with a fixed seed, until `target_chars` long."""
    pool = SCRIPTS + CODE + [t for t in EDGE if t and "<|" not in t and "<t" not in t]
    parts = []
    size = 0
    while size < target_chars:
        piece = rng.choice(pool)
        sep = rng.choice(["\n\n", "\n", " ", "  ", "\t", "\r\n"])
        parts.append(piece + sep)
        size += len(piece) + len(sep)
    return "".join(parts)[:target_chars]


def corpus(rng: random.Random) -> list:
    texts = SCRIPTS + CODE + EDGE + WHITESPACE_PROBES
    texts.append(" ".join(SCRIPTS))
    texts.append(long_document(rng, 20_000))
    texts.append(long_document(rng, 20_000))
    return texts
