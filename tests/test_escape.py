"""Escaping user text: each target shows hostile text literally and runs none of it."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pypdf  # noqa: E402
import pytest  # noqa: E402

from helpers import escape  # noqa: E402

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    '`#read("/etc/passwd")`{=typst}',
    "`#while true {}`{=typst}",
    "@word",
    "Beta $$ Gamma $$",
    "<tag>",
    "</title><script>alert(1)</script>",
    "*a* _b_ ~c~ ^d^ [^1]",
    "<!-- hidden --> &amp; &lt;",
    "{=html} ::: div",
    "#let x = 1",
    "\\(x\\) a\\",
    "\"quoted\" 'single'",
    "Børn & Unge",
]


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.tags.append(("!--", data))


def _paragraph(text: str) -> str:
    return "Start " + text + " slut."


def test_markdown_through_pandoc_to_html_is_literal_and_holds_no_markup():
    pypandoc = pytest.importorskip("pypandoc")
    md = "\n\n".join(_paragraph(escape.markdown(h)) for h in HOSTILE)
    out = pypandoc.convert_text(md, "html", format="markdown")
    parser = _Collect()
    parser.feed(out)
    assert [t for t, _ in parser.tags] == ["p"] * len(HOSTILE)  # no img, script, a, code, span, comment
    assert all(attrs == [] for _, attrs in parser.tags)
    paragraphs = [p for p in "".join(parser.text).split("\n") if p]
    assert paragraphs == [_paragraph(h) for h in HOSTILE]


def test_markdown_through_pandoc_to_typst_and_pdf_is_literal(tmp_path):
    pypandoc = pytest.importorskip("pypandoc")
    typst = pytest.importorskip("typst")
    md = "\n\n".join(_paragraph(escape.markdown(h)) for h in HOSTILE)
    markup = pypandoc.convert_text(md, "typst", format="markdown")
    assert "```" not in markup and "#read" not in markup.replace("\\#read", "")
    source = tmp_path / "x.typ"
    source.write_text(markup, encoding="utf-8")
    typst.compile(str(source), output=str(tmp_path / "x.pdf"))
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(tmp_path / "x.pdf").pages)
    squashed = "".join(text.split())
    for h in HOSTILE:
        assert "".join(_paragraph(h).split()) in squashed, h


def test_typst_markup_and_string_compile_to_the_literal_text(tmp_path):
    typst = pytest.importorskip("typst")
    lines = [f"#par[{escape.typst_markup(h)}]\n#par({escape.typst_string(h)})" for h in HOSTILE]
    source = tmp_path / "x.typ"
    source.write_text("\n".join(lines), encoding="utf-8")
    typst.compile(str(source), output=str(tmp_path / "x.pdf"))
    squashed = "".join(" ".join(p.extract_text() for p in pypdf.PdfReader(tmp_path / "x.pdf").pages).split())
    for h in HOSTILE:
        assert squashed.count("".join(h.split())) >= 2, h


@pytest.mark.parametrize("text", HOSTILE)
def test_html_text_and_attr_parse_back_to_the_text(text):
    parser = _Collect()
    parser.feed(f'<p title="{escape.html_attr(text)}">{escape.html_text(text)}</p>')
    assert parser.tags == [("p", [("title", " ".join(text.split()))])]
    assert "".join(parser.text) == text


def test_mathtext_keeps_dollars_literal_when_drawn():
    fig, ax = plt.subplots()
    for text in ("Beta $$ Gamma $$", "$\\frac{1}{0", "a\\$b$"):
        ax.text(0, 0, escape.mathtext(text))
        fig.canvas.draw()  # raised a mathtext ParseException before
    plt.close(fig)
    assert escape.mathtext("Beta $$ Gamma $$").count("\\$") == 4


def test_mathtext_is_needed_unescaped_text_fails_to_draw():
    fig, ax = plt.subplots()
    ax.text(0, 0, "Beta $$ Gamma $$")
    with pytest.raises(ValueError):
        fig.canvas.draw()
    plt.close(fig)


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                                  "\tx", "\rx", "'=already", "''+twice"])
def test_csv_cell_neutralises_formulas_and_round_trips(cell):
    quoted = escape.csv_cell(cell)
    assert quoted.startswith("'") and quoted[1:] == cell
    assert escape.csv_uncell(quoted) == cell
    buffer = io.StringIO()
    csv.writer(buffer).writerow([quoted])
    assert next(csv.reader(io.StringIO(buffer.getvalue())))[0][0] == "'"


@pytest.mark.parametrize("cell", ["Bo Bæk", "-0.25", "+3", "1e-3", "'quoted'", "", "a=b", "P1a2b3c4d"])
def test_csv_cell_leaves_plain_text_and_numbers(cell):
    assert escape.csv_cell(cell) == cell
    assert escape.csv_uncell(cell) == cell
