"""Writes the charset fixtures of Fixtures/ingestion (run from the repository root; Python 3 standard library only).

- declared-gb2312-holds-utf8.html: a news page saved as UTF-8 whose <meta> says gb2312 (the page issue 20 saw
  refused); read as UTF-8 with a warning.
- page-gbk.html: the same article really encoded as GBK, declared with <meta http-equiv> charset=gbk.
- few-bad-bytes.html: a UTF-8 page in which three bytes are invalid UTF-8 (0xFF, a lone 0x80, a truncated
  3-byte sequence); read with three U+FFFD and a warning.
"""
from pathlib import Path

OUT = Path("Fixtures/ingestion")

ARTICLE = """<title>科技新闻：稀疏注意力降低计算成本</title>
</head><body>
<nav>首页 | 科技 | 财经</nav>
<h1>稀疏注意力降低计算成本</h1>
<p>研究人员表示，稀疏注意力只让每个词元关注少数位置，从而降低了自注意力的二次方计算成本。</p>
<p>番茄需要充足的阳光和规律的浇水。</p>
<footer>版权所有</footer>
</body></html>
"""


def write(name: str, data: bytes) -> None:
    (OUT / name).write_bytes(data)
    print(f"{name}: {len(data)} bytes")


write("declared-gb2312-holds-utf8.html",
      ('<!DOCTYPE html><html><head><meta charset="gb2312">\n' + ARTICLE).encode("utf-8"))
write("page-gbk.html",
      ('<!DOCTYPE html><html><head>'
       '<meta http-equiv="Content-Type" content="text/html; charset=gbk">\n' + ARTICLE).encode("gbk"))

paragraph = ("Sparse attention restricts each token to a subset of positions, which reduces the quadratic cost "
             "of self-attention in the Transformer. ")
page = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Bad bytes</title></head><body>\n'
        "<h1>Efficient attention</h1>\n<p>" + paragraph * 3 + "BAD1</p>\n<p>" + paragraph * 3 + "BAD2</p>\n<p>"
        + paragraph * 3 + "BAD3 caf\u00e9.</p>\n</body></html>\n").encode("utf-8")
page = page.replace(b"BAD1", b"one \xff here").replace(b"BAD2", b"two \x80 here").replace(b"BAD3", b"three \xe2\x82 here")
write("few-bad-bytes.html", page)
