#!/usr/bin/env python3
"""Writes the Ingestion test fixtures into Fixtures/ingestion/ and expectations.json describing them.

Deterministic: reportlab runs in invariant mode (fixed dates and ids), random bytes use a fixed seed,
the zip has fixed timestamps. Needs: pip install reportlab pypdf pillow; Debian fonts-wqy-zenhei.
Run: python3 scripts/make_ingestion_fixtures.py
"""
import io
import json
import os
import random
import zipfile

from PIL import Image, ImageDraw
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph
from reportlab.lib.pdfencrypt import StandardEncryption

rl_config.invariant = 1
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "ingestion")
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
expect = {}

PAGE1 = [
    "Folio keeps a knowledge base of the documents you upload. The quick brown fox jumps over the lazy dog.",
    "Each document is split into chunks that fit the embedding model. Chunks follow headings, paragraphs and "
    "sentences, so a chunk reads as a whole thought. Retrieval then finds the passages nearest in meaning to a "
    "question, and the answer cites the page it came from.",
    "Page one ends with the marker phrase alpha centauri lighthouse.",
]
PAGE2 = [
    "第二页介绍中文文本的处理方法。知识库需要正确地提取每一页的文字。",
    "分块时按照标题、段落和句子切分，每个分块不超过模型的最大长度。检索时根据语义找到最相关的段落。",
    "这一页的标记短语是：长城脚下的图书馆。",
]
PAGE3 = [
    "The third page returns to English. Scanned documents need optical character recognition before they can be "
    "indexed, because they hold pictures of letters rather than letters.",
    "Page three ends with the marker phrase violet harbour observatory.",
]


def write(name, data):
    with open(os.path.join(ROOT, name), "wb") as f:
        f.write(data)


def paragraphs_pdf(pages, encrypt=None):
    pdfmetrics.registerFont(TTFont("WQY", FONT, subfontIndex=0))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt)
    c.setTitle("Folio ingestion test")
    en = ParagraphStyle("en", fontName="Helvetica", fontSize=11, leading=15)
    zh = ParagraphStyle("zh", fontName="WQY", fontSize=11, leading=16, wordWrap="CJK")
    width, height = A4
    for page in pages:
        y = height - 72
        for text in page:
            style = zh if any(ord(ch) > 0x2E80 for ch in text) else en
            p = Paragraph(text, style)
            _, h = p.wrap(width - 144, y)
            p.drawOn(c, 72, y - h)
            y -= h + 14
        c.showPage()
    c.save()
    return buf.getvalue()


def main():
    os.makedirs(ROOT, exist_ok=True)
    pages = [PAGE1, PAGE2, PAGE3]
    write("three-pages.pdf", paragraphs_pdf(pages))
    expect["three-pages.pdf"] = {
        "pageCount": 3,
        "pagePhrases": {"1": ["quick brown fox", "alpha centauri lighthouse"], "2": ["长城脚下的图书馆", "知识库"],
                        "3": ["violet harbour observatory"]},
    }
    write("encrypted.pdf", paragraphs_pdf([PAGE1], encrypt=StandardEncryption("user-secret", "owner-secret", strength=128)))

    # An image of text and nothing else: what a scanner produces.
    img = Image.new("L", (600, 120), 255)
    ImageDraw.Draw(img).text((20, 40), "This text is only pixels in an image.", fill=0)
    png = io.BytesIO()
    img.convert("1").save(png, format="PNG", optimize=True)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawImage(ImageReader(io.BytesIO(png.getvalue())), 72, 600, width=450, height=90)
    c.showPage()
    c.save()
    write("scanned.pdf", buf.getvalue())

    rng = random.Random(20240601)
    write("corrupt.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R" + bytes(rng.randrange(256) for _ in range(1500)))

    html = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Caf&eacute; Guide &amp; Notes</title>
<style>body { color: red; } .hidden-style-marker {}</style>
<script>var trackingMarker = "script-should-vanish";</script></head>
<body>
<header><p>Header banner should vanish</p></header>
<nav><a href="/">Home</a> <a href="/x">Navigation link should vanish</a></nav>
<main>
<h1>Brewing coffee</h1>
<p>Use fresh beans &amp; clean water. Grind just before brewing &mdash; it matters.</p>
<p>Water at 93&#176;C extracts the most flavour. The character &#x4E2D; is Chinese.</p>
<h2>Equipment</h2>
<ul><li>A kettle</li><li>A grinder</li></ul>
<pre>  indented code line</pre>
<aside>Sidebar advert should vanish</aside>
<form><label>Newsletter form should vanish</label><input type="text"></form>
</main>
<footer>Footer copyright should vanish</footer>
<noscript>Noscript text should vanish</noscript>
</body></html>
"""
    write("page-utf8.html", html.encode("utf-8"))
    expect["page-utf8.html"] = {
        "title": "Café Guide & Notes",
        "present": ["Brewing coffee", "Use fresh beans & clean water.", "Grind just before brewing — it matters.",
                    "93°C", "The character 中 is Chinese.", "A kettle", "  indented code line"],
        "absent": ["script-should-vanish", "hidden-style-marker", "Header banner", "Navigation link", "Sidebar advert",
                   "Newsletter form", "Footer copyright", "Noscript text", "color: red"],
        "sections": [["Brewing coffee", 1], ["Equipment", 2]],
    }

    zh_html = """<!DOCTYPE html>
<html><head><meta charset="gb18030"><title>中文网页测试</title></head>
<body><h1>知识库简介</h1>
<p>这是一个用GB18030编码保存的网页。全文检索需要先正确解码。</p>
<h2>第二节</h2><p>罕见字：𠀀。欧元符号：€。</p>
</body></html>
"""
    write("page-gb18030.html", zh_html.encode("gb18030"))
    expect["page-gb18030.html"] = {
        "title": "中文网页测试",
        "present": ["这是一个用GB18030编码保存的网页。", "罕见字：𠀀。", "欧元符号：€。"],
        "absent": [],
        "sections": [["知识库简介", 1], ["第二节", 2]],
    }

    lying = zh_html.replace('charset="gb18030"', 'charset="utf-8"').encode("gb18030")
    write("declared-utf8-holds-gb18030.html", lying)
    try:
        lying.decode("utf-8")
        raise SystemExit("fixture error: GB18030 bytes decoded as UTF-8")
    except UnicodeDecodeError as e:
        expect["declared-utf8-holds-gb18030.html"] = {"declared": "utf-8", "badOffset": e.start}

    undeclared = zh_html.replace('<meta charset="gb18030">', "").encode("gb18030")
    write("undeclared-gb18030.html", undeclared)
    try:
        undeclared.decode("utf-8")
        raise SystemExit("fixture error")
    except UnicodeDecodeError as e:
        expect["undeclared-gb18030.html"] = {"badOffset": e.start}

    markdown = """# Folio User Guide

Folio answers questions from your own documents.

## Installing

Download the binary. Run it once to create the data folder.

```sh
# this is a comment, not a heading
folio serve
```

Searching
---------

Type a question. Results show the page number.

### Tips & tricks

Short questions work best.
"""
    write("guide.md", markdown.encode("utf-8"))
    expect["guide.md"] = {
        "title": "Folio User Guide",
        "sections": [["Folio User Guide", 1], ["Installing", 2], ["Searching", 2], ["Tips & tricks", 3]],
        "text": markdown,
    }

    code = '''"""Small geometry helpers."""
import math


def area(radius):
    """Area of a circle."""
    return math.pi * radius ** 2


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def norm(self):
        return math.hypot(self.x, self.y)
'''
    write("geometry.py", code.encode("utf-8"))
    expect["geometry.py"] = {"mediaType": "text/x-python", "text": code,
                             "sectionTitles": ["def area(radius):", "class Point:"]}

    text = "Meeting notes\r\n\r\nWe agreed to ship on Friday.\r\nEveryone reviews one pull request.\r\n"
    write("notes.txt", text.encode("utf-8"))
    expect["notes.txt"] = {"mediaType": "text/plain", "text": text.replace("\r\n", "\n")}

    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("inside.txt", date_time=(2024, 1, 1, 0, 0, 0))
        z.writestr(info, "text inside an archive\n")
    write("archive.zip", zbuf.getvalue())
    write("empty.txt", b"")
    write("whitespace.md", b"  \n\n\t \n")

    with open(os.path.join(ROOT, "expectations.json"), "w", encoding="utf-8") as f:
        json.dump(expect, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
