"""End to end: example wave 1 from raw export to the Danish and English handouts.

Every test runs on both render paths (``example_run`` in conftest.py: the built-in
engine, and Quarto where it is installed) with the same assertions.
"""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from helpers.pipeline import scheduler as pipeline

A4 = (595.28, 841.89)  # points


@pytest.fixture
def handouts(example_run):
    return example_run[1]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def pdf_text(path) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(path).pages))


def html_text(path) -> str:
    """The text a reader sees: the body without scripts, styles, inline SVG and data URIs
    (base64 images would read as words), tags removed, entities decoded."""
    import html

    body = path.read_text(encoding="utf-8")
    body = body[body.find("<body"):]
    body = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", body, flags=re.S | re.I)
    body = re.sub(r"data:[^\"')\s]+", " ", body)
    return flat(html.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.mark.slow
def test_all_handouts_written(handouts):
    assert sorted(handouts) == ["da.card", "da.html", "da.pdf", "en.card", "en.html", "en.pdf"]


@pytest.mark.slow
@pytest.mark.parametrize("lang,sentence", [
    ("da", "611 relationer ud af et teoretisk maksimum på 1.443 (tæthed 42,3 %)"),
    ("en", "611 relations out of a theoretical maximum of 1,443 (42.3 % density)"),
])
def test_density_sentence_in_html_and_pdf(handouts, lang, sentence):
    assert sentence in html_text(handouts[f"{lang}.html"])
    assert sentence in pdf_text(handouts[f"{lang}.pdf"])


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["da", "en"])
def test_pdf_pages_are_a4(handouts, lang):
    for page in PdfReader(handouts[f"{lang}.pdf"]).pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4, abs=1)


@pytest.mark.slow
def test_html_is_self_contained(handouts):
    html = handouts["da.html"].read_text(encoding="utf-8")
    assert '<html lang="da"' in html or "lang=\"da\"" in html
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']https?://""", html)
    assert "@import" not in html  # e.g. a theme's web fonts
    # nor does it point at files beside it (figures in handout-da_files/, the PDF as "other formats")
    assert re.findall(r"""(?:src|href)=["'](?!data:|#|https?:|mailto:)([^"']+)""", html) == []


@pytest.mark.slow
def test_seminar_findings_in_danish(handouts):
    text = pdf_text(handouts["da.pdf"])
    assert "Tydelig kerne-periferi-struktur: en kerne på 12 medlemmer" in text
    assert "Ingen er uundværlig!" in text
    html = html_text(handouts["da.html"])  # the PDF hyphenates long words
    assert "Kernen går på tværs af køn, organisatorisk placering og magistratsafdeling" in html  # the seminar's finding
    # the seminar's table of external relations, core and periphery, to two decimals
    for mean in ("2,86", "2,88", "2,10", "2,00", "3,00", "2,33", "2,20", "2,13", "2,36", "2,57", "1,89"):
        assert f" {mean} " in html
    assert "Andre kommuner 2,86 2,13 7 / 23" in html  # one row per partner type: core, periphery, answers
    for heading in ("Formål og data", "Forummet har en tydelig kerne – men ingen er uundværlig", "Drøftelse ved bordene",
                    "Bilag: Metode og detaljer"):
        assert heading in html


@pytest.mark.slow
def test_detected_core_is_the_planted_core(handouts):
    from helpers.ingest import example
    from helpers import io
    from helpers.ingest.pseudonym import pseudonym

    members = io.read_table(handouts["da.html"].parents[1] / "results" / "members.csv")
    found = set(members.loc[members["group"] == "core", "member_id"])
    planted = {pseudonym(m, b"test-secret") for m in example.generate_wave(1).core}
    assert found == planted


SECTIONS_DA = ("Fem pointer", "Formål og data", "Illustration af de interne relationer",
               "Hvordan kan resultatet af en netværksanalyse også se ud?",
               "Forummet har en tydelig kerne – men ingen er uundværlig", "De fleste relationer går på tværs – men færre, end tilfældigheder ville give", "Eksterne relationer: kerne og periferi",
               "Drøftelse ved bordene", "Efter seminaret: jobbesøg", "Bilag: Metode og detaljer")


def sections(text: str) -> list[str]:
    """The handout's section headings, in the order they appear (after the summary, whose
    points state the findings that the headings repeat)."""
    body = text.find(SECTIONS_DA[1])
    found = {heading: text.find(heading, 0 if i == 0 else body) for i, heading in enumerate(SECTIONS_DA)}
    return [h for h, i in sorted(found.items(), key=lambda kv: kv[1]) if i >= 0]


@pytest.mark.slow
def test_sections_in_order(handouts):
    assert sections(html_text(handouts["da.html"])) == list(SECTIONS_DA)
    assert sections(pdf_text(handouts["da.pdf"])) == list(SECTIONS_DA)
    # the HTML with a table of contents (the order above is then that of the table of
    # contents), the printed handout without one
    assert re.search(r'<nav[^>]*\bid="TOC"', handouts["da.html"].read_text(encoding="utf-8"))
    html = html_text(handouts["da.html"])
    assert html.index("Indhold Fem pointer Formål og data") < html.index("Formål og data En netværksanalyse")
    assert "Indhold" not in pdf_text(handouts["da.pdf"])


@pytest.mark.slow
def test_no_code_is_shown(handouts):
    for text in (html_text(handouts["da.html"]), pdf_text(handouts["da.pdf"])):
        for code in ("# Parameters", "handout.Handout(", "Markdown(h.", "plt.show()", "#| label"):
            assert code not in text


@pytest.mark.slow
def test_captions_only_with_content(handouts):
    # wave 1 has no previous wave: of the handout's captions only Figures 1-4 and Table 1
    # have something under them ("since last time" draws nothing)
    html, pdf = html_text(handouts["da.html"]), pdf_text(handouts["da.pdf"])
    for text in (html, pdf):
        assert sorted(set(re.findall(r"(?:Figur|Tabel) \d+:", text))) == [
            "Figur 1:", "Figur 2:", "Figur 3:", "Figur 4:", "Tabel 1:"]
    # each caption in the HTML belongs to an element that holds a picture or a table
    page = handouts["da.html"].read_text(encoding="utf-8")
    for label in ("fig-network", "fig-contrasts", "fig-departments", "fig-external", "tbl-external"):
        start = page.index(f'id="{label}"')
        end = page.find("</figure>", start)
        if label.startswith("tbl"):
            assert "<td" in page[start:page.find("</table>", start)], label
        else:
            assert re.search(r"<(img|svg)\b", page[start:end]), label


@pytest.mark.slow
@pytest.mark.parametrize("lang,heading", [("da", "Formål og data"), ("en", "Purpose and data")])
def test_date_line_stands_as_written(example_run, lang, heading):
    from helpers.handout.context import Context
    from helpers.escape import markdown_plain
    from helpers.handout.sections import title

    _, handouts, folder = example_run
    line = markdown_plain(title.block(Context(folder, lang))["date"])  # as the reader sees it
    assert line == {"da": "Seminar for Strategisk Ledelsesforum, 7. marts 2019. Spørgeskemaet lukkede 22. februar 2019.",
                    "en": "Seminar of the Strategic Leadership Forum, 7 March 2019. "
                          "The survey closed on 22 February 2019."}[lang]  # British order in English
    html, pdf = html_text(handouts[f"{lang}.html"]), pdf_text(handouts[f"{lang}.pdf"])
    assert line in html and line in pdf
    assert html.index(line) < html.rindex(heading) and pdf.index(line) < pdf.rindex(heading)
    assert "2019-02-22" not in pdf and "Udgivet" not in html and "Published" not in html


@pytest.mark.slow
def test_engine_recorded_and_named_in_the_method_note(example_run):
    import nbformat

    from helpers.pipeline import render

    engine, handouts, folder = example_run
    info = nbformat.read(folder / "notebooks" / "handout-da.ipynb", as_version=4).metadata["forum_network"]["render"]
    assert info == render.engine_info(engine) and info["engine"] == engine
    named = render.engine_description(info)
    assert named.startswith("Quarto 1." if engine == "quarto" else "pandoc ")
    assert f"Materialet er sat med {named}." in html_text(handouts["da.html"])
    assert f"The handout was typeset with {named}." in html_text(handouts["en.html"])
    assert named in pdf_text(handouts["da.pdf"])


DANISH = {"og", "ikke", "af", "med", "til", "er", "har", "kernen", "periferien", "relationer", "medlemmer",
          "netværket", "afdelingerne", "tværs", "ingen", "hvor", "mellem"}
ENGLISH = {"the", "and", "of", "with", "network", "members", "relations", "core", "periphery", "between", "which"}


def words_outside(text: str, names: list[str]) -> set[str]:
    """Lower-case words of ``text`` once proper names and the survey's own wording are taken out."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return set(re.findall(r"[a-zæøå]+", text.lower()))


def survey_wording(wave: str = "2019-02", lang: str = "da") -> list[str]:
    """Names and texts that stay as the survey wrote them: departments, and in the survey's
    language (Danish) the wave name, questions and scale labels; wave.yml translates
    these for the English handout."""
    import yaml

    from conftest import ROOT

    spec = yaml.safe_load((ROOT / "data" / "example" / wave / "wave.yml").read_text(encoding="utf-8"))
    roster = (ROOT / "data" / "example" / wave / "roster.csv").read_text(encoding="utf-8-sig").splitlines()
    departments = sorted({line.split(";")[4] for line in roster[1:]})
    labels = [str(v) for q in ("relations", "external") for v in spec[q]["scale"].values()]
    texts = [spec["name"], spec["relations"]["question"].strip(), spec["external"]["question"].strip()]
    if lang == "en":
        return departments
    return departments + labels + [x.lower() for x in labels] + texts + ["Strategisk Ledelsesforum"]


@pytest.mark.slow
def test_no_danish_in_the_english_handout_and_no_english_in_the_danish(handouts):
    english = words_outside(flat(html_text(handouts["en.html"])), survey_wording(lang="en"))
    danish = words_outside(flat(html_text(handouts["da.html"])), survey_wording(lang="da"))
    assert danish & DANISH and english & ENGLISH  # the word lists do find each language
    assert not english & DANISH, sorted(english & DANISH)
    assert not danish & ENGLISH, sorted(danish & ENGLISH)


@pytest.mark.slow
def test_the_english_handout_uses_the_translations_of_wave_yml(handouts):
    en, da = html_text(handouts["en.html"]), html_text(handouts["da.html"])
    assert "Network analysis · 1st survey, February 2019 (synthetic example)" in en
    assert "Prepared by Centre for Leadership and Organisation (synthetic example)" in en
    assert ("How often do you work with the following members of the Strategic Leadership Forum? "
            "A relation counts when the answer is “monthly” or more often.") in en
    assert "(1 = not at all, 4 = to a high degree)" in en
    assert "måling" not in en and "månedligt" not in en.lower()
    assert "Netværksanalyse · 1. måling, februar 2019 (syntetisk eksempel)" in da
    assert "når svaret er »månedligt« eller oftere" in da
