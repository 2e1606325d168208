"""The printed handout's layout, read from the PDF as a reader sees it (both render paths).

Every test runs on each engine of ``example_run`` (conftest.py) with the same assertions:
the cover and the summary come first, every figure and table shares its page with its
caption, the discussion's rounds stand on one page, the print version has no table of
contents, the method's details come last. Pages are read with ``pdftotext -bbox`` (words
and their boxes, page by page) and rasterised with ``pdftoppm`` where ink matters.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                                reason="poppler's pdftotext and pdftoppm are needed")


@dataclass
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Page:
    number: int
    height: float
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def pages(pdf: Path) -> list[Page]:
    """The PDF's pages with their words and boxes (``pdftotext -bbox``; y grows downwards, in points)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    out = re.sub(r"<!DOCTYPE[^>]*>", "", out).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    root = ET.fromstring(out)
    found = []
    for number, page in enumerate(root.iter("page"), start=1):
        words = [Word(w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
                 for w in page.iter("word")]
        found.append(Page(number, float(page.get("height")), words))
    return found


def page_of(found: list[Page], phrase: str) -> list[int]:
    """The pages on which ``phrase`` (words separated by single spaces) stands."""
    return [p.number for p in found if f" {phrase} " in f" {p.text} "]


def captions(page: Page, word: str) -> list[tuple[str, Word]]:
    """The captions on a page that start with ``word`` ("Figur", "Tabel"), as (label, first word)."""
    out = []
    for a, b in zip(page.words, page.words[1:]):
        if a.text == word and re.fullmatch(r"\d+:", b.text):
            out.append((f"{word} {b.text[:-1]}", a))
    return out


def raster(pdf: Path, number: int, tmp_path: Path, dpi: int = 50) -> np.ndarray:
    """Page ``number`` of ``pdf`` as grey levels (0 black - 255 white), one pixel = 72 / dpi points."""
    from PIL import Image

    stem = tmp_path / f"page-{number}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(number), "-l", str(number), "-png", "-singlefile",
                    str(pdf), str(stem)], check=True)
    return np.asarray(Image.open(f"{stem}.png").convert("L"))


@pytest.fixture
def handouts(example_run):
    return example_run[1]


def summary_headings(folder: Path, lang: str) -> list[str]:
    from helpers.escape import markdown_plain
    from helpers.handout.context import Context
    from helpers.handout.sections import summary

    return [markdown_plain(p.heading) for p in summary.points(Context(folder, lang, 20190222))]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["da", "en"])
def test_cover_and_summary_come_first_on_a_page_of_their_own(example_run, lang):
    _, handouts, folder = example_run
    found = pages(handouts[f"{lang}.pdf"])
    first = found[0].text
    title = {"da": "Strategisk Ledelsesforums relationer", "en": "The Strategic Leadership Forum’s relations"}[lang]
    seminar = {"da": "Seminar for Strategisk Ledelsesforum, 7. marts 2019.",
               "en": "Seminar of the Strategic Leadership Forum, 7 March 2019."}[lang]
    summary = {"da": "Fem pointer", "en": "Five points"}[lang]
    assert first.startswith(title) and seminar in first and summary in first
    headings = summary_headings(folder, lang)
    assert len(headings) == 5
    for heading in headings:  # every point on the first page, in order
        assert f"{heading}." in re.sub(r"\s+", " ", first), heading
    assert [first.index(f"{h}.") for h in headings] == sorted(first.index(f"{h}.") for h in headings)
    purpose = {"da": "Formål og data", "en": "Purpose and data"}[lang]
    assert page_of(found, purpose)[0] == 2  # the summary keeps its page; the handout proper starts on page 2


@pytest.mark.slow
def test_no_table_of_contents_in_print_but_in_html(handouts):
    found = pages(handouts["da.pdf"])
    assert not any(p.text.startswith("Indhold") or " Indhold " in f" {p.text} " for p in found)
    assert re.search(r'<nav[^>]*\bid="TOC"', handouts["da.html"].read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["da", "en"])
def test_no_word_is_hyphenated_in_print(handouts, lang):
    """Ragged right everywhere, the cover included: Quarto's title block broke the
    subtitle as "eksem-pel". A line that ends in "xxx-" (or a soft hyphen, as Typst's
    hyphenation writes it) before "yyy" is a hyphenated word
    when "xxxyyy" is a word of the HTML handout (which never hyphenates); a break after a
    real hyphen ("kerne-" / "periferi") joins to no such word."""
    from test_pipeline import html_text

    text = subprocess.run(["pdftotext", str(handouts[f"{lang}.pdf"]), "-"], capture_output=True, text=True,
                          check=True).stdout
    words = set(re.findall(r"\w+", html_text(handouts[f"{lang}.html"])))
    broken = [f"{a}-{b}" for a, b in re.findall(r"(\w+)[-\u00ad]\n(\w+)", text) if a + b in words]
    assert broken == []


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_figure_stands_on_the_page_of_its_caption(handouts, lang, tmp_path):
    """A figure's caption sits under it: the band just above each caption holds the drawing
    (ink but no words: the figures are vector drawings without text objects), not the page's
    top margin or a paragraph; a table's caption sits above it and every row of the table
    stands on the caption's page."""
    pdf = handouts[f"{lang}.pdf"]
    found = pages(pdf)
    word = {"da": ("Figur", "Tabel"), "en": ("Figure", "Table")}[lang]
    figures = [(p, label, w) for p in found for label, w in captions(p, word[0])]
    assert [label for _, label, _ in figures] == [f"{word[0]} {i}" for i in range(1, len(figures) + 1)]
    assert len(figures) == 4
    for page, label, w in figures:
        grey = raster(pdf, page.number, tmp_path)
        scale = grey.shape[0] / page.height
        top = int(w.y0 * scale)
        band = grey[max(0, top - int(120 * scale)):max(0, top - int(4 * scale))]  # 120 pt above the caption
        assert band.shape[0] > 100 * scale, (label, "caption at the top of its page: its figure is elsewhere")
        inked_rows = (band < 200).any(axis=1).mean()
        assert inked_rows > 0.25, (label, page.number, inked_rows)
        words = [x.text for x in page.words if w.y0 - 120 < x.y1 <= w.y0 - 4]
        assert words == [], (label, page.number, words)  # not a paragraph: the drawing
    tables = [(p, label, w) for p in found for label, w in captions(p, word[1])]
    assert [label for _, label, _ in tables] == [f"{word[1]} 1"]
    page, _, _ = tables[0]
    partners = yaml.safe_load((ROOT / "data" / "example" / "2019-02" / "wave.yml").read_text(encoding="utf-8"))
    labels = [p[lang] for p in partners["external"]["partners"]]
    for partner in labels:  # every row of the external-relations table on the caption's page
        assert page.number in page_of(found, partner), partner


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["da", "en"])
def test_figures_1_to_3_share_their_page_with_their_heading_and_lead_in(example_run, lang):
    """The section's heading, its first sentence and the figure's caption on one page
    (Figure 2's lead-in is a sticky, unbreakable block; the others follow their heading)."""
    from helpers.escape import markdown_plain
    from helpers.handout.context import Context
    from helpers.handout.sections import contrasts, departments, network

    _, handouts, folder = example_run
    ctx = Context(folder, lang, 20190222)
    found = pages(handouts[f"{lang}.pdf"])
    word = {"da": "Figur", "en": "Figure"}[lang]
    figures = {label: p.number for p in found for label, _ in captions(p, word)}
    for number, section in ((1, network), (2, contrasts), (3, departments)):
        heading = markdown_plain(section.heading(ctx) if hasattr(section, "heading") else
                                 ctx.heading(section.HEADING)).lstrip("# ").strip()
        where = [p.number for p in found if f" {' '.join(heading.split())} " in f" {p.text.replace('’', chr(39))} "]
        assert where == [figures[f"{word} {number}"]], (number, heading, where, figures)
    body = " ".join(markdown_plain(ctx.t("figure2.body", members=ctx.n(ctx.summary["members"]),
                                         ties=ctx.n(ctx.summary["ties"]))).split()[:4])
    assert page_of(found, body) == [figures[f"{word} 2"]], body


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_discussion_rounds_stand_on_one_page(handouts, lang):
    found = pages(handouts[f"{lang}.pdf"])
    rounds = yaml.safe_load((ROOT / "report" / "discussion.yml").read_text(encoding="utf-8"))["rounds"]
    where = set()
    for number, round_ in enumerate(rounds, start=1):
        heading = page_of(found, f"{number}. {round_['title'][lang]}")
        assert len(heading) == 1, (round_["title"][lang], heading)
        where.add(heading[0])
        last = " ".join(round_["questions"][-1][lang].split())  # the round's last question
        assert page_of(found, last) == heading, last
    assert len(where) == 1


@pytest.mark.slow
def test_next_steps_is_not_confused_with_the_third_round_and_shows_the_visits(handouts):
    text = " ".join(p.text for p in pages(handouts["da.pdf"]))
    assert "De næste skridt" not in text
    timeline = ["11. marts 2019", "Marts 2019", "April 2019", "Maj 2019"]  # the example's wave.yml
    positions = [text.index(t) for t in timeline]
    assert positions == sorted(positions) and text.index("Efter seminaret: jobbesøg") < positions[0]


@pytest.mark.slow
def test_method_box_in_the_body_and_the_details_last(example_run):
    engine, handouts, _ = example_run
    found = pages(handouts["da.pdf"])
    box = page_of(found, "Sådan er analysen lavet.")
    appendix = page_of(found, "Bilag: Metode og detaljer")
    assert box == [2] and appendix and appendix[0] > page_of(found, "Drøftelse ved bordene")[0]
    details = " ".join(p.text for p in found if p.number >= appendix[0])
    for detail in ("startværdi", "SHA-256", "Software.", "p = ", "permutationstest"):
        assert detail in details, detail
    body = " ".join(p.text for p in found if p.number < appendix[0])
    assert "SHA-256" not in body and "startværdi" not in body
    named = "Quarto 1." if engine == "quarto" else "pandoc "
    assert f"Materialet er sat med {named}" in details
    page = handouts["da.html"].read_text(encoding="utf-8")
    assert re.search(r'<details class="appendix">\s*<summary>Vis detaljer', page)
    assert page.index('<details class="appendix">') < page.index("SHA-256") < page.index("</details>")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["da", "en"])
def test_table_card_has_the_questions_in_front_and_figure_1_with_the_points_on_the_back(example_run, lang, tmp_path):
    _, handouts, folder = example_run
    card = folder / "handout" / f"table-card-{lang}.pdf"
    found = pages(card)
    assert len(found) == 2
    front, back = found
    rounds = yaml.safe_load((ROOT / "report" / "discussion.yml").read_text(encoding="utf-8"))["rounds"]
    assert all(r["title"][lang] in front.text for r in rounds)
    for heading in summary_headings(folder, lang):
        assert f"{heading}." in back.text, heading
    # room above "Fra jeres data": more than the gap between two questions of a round
    label = {"da": ("Fra", "jeres", "data"), "en": ("From", "your", "data")}[lang]
    at = next(i for i in range(len(front.words) - 2) if tuple(w.text for w in front.words[i:i + 3]) == label)
    lines = sorted({round(w.y0, 1) for w in front.words[:at]})
    gaps = [b - a for a, b in zip(lines, lines[1:])]
    above = front.words[at].y0 - lines[-1]
    assert above > 1.5 * min(gaps), (above, min(gaps))
    # Figure 1 as a drawing above the first point: ink, and no words, in the band over the points
    grey = raster(card, 2, tmp_path)
    first_point = next(w for w in back.words if w.text == "1.")
    scale = grey.shape[0] / back.height
    band = grey[int((first_point.y0 - 250) * scale):int((first_point.y0 - 40) * scale)]
    assert (band < 200).any(axis=1).mean() > 0.5


def fonts(pdf: Path) -> set[str]:
    """The font families embedded in a PDF (``pdffonts``; subset prefixes and styles removed)."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in out.splitlines()[2:] if line.strip()]
    return {re.sub(r"^[A-Z]{6}\+", "", n).split("-")[0] for n in names}


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler's pdffonts is needed")
def test_one_typeface_family_in_print_and_no_serif_fallback_on_screen(example_run):
    _, handouts, folder = example_run
    for pdf in (handouts["da.pdf"], handouts["en.pdf"], folder / "handout" / "table-card-da.pdf"):
        assert fonts(pdf) <= {"DejaVuSans", "DejaVuSansMono"}, (pdf.name, fonts(pdf))  # the figures' family
    page = handouts["da.html"].read_text(encoding="utf-8")
    rule = re.search(r"body,\s*\.table,\s*figcaption,\s*summary\s*\{\s*font-family:\s*([^;]+);", page)
    assert rule is not None
    families = [f.strip().strip('"') for f in rule.group(1).split(",")]
    assert families[0] == "DejaVu Sans" and families[-1] == "sans-serif" and "serif" not in families
