"""End to end: example wave 1 from raw export to the Danish and English handouts."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from helpers import pipeline

A4 = (595.28, 841.89)  # points


@pytest.fixture(scope="module")
def handouts(tmp_path_factory):
    build = tmp_path_factory.mktemp("build")
    mp = pytest.MonkeyPatch()
    mp.setenv("FORUM_NETWORK_SECRET", "test-secret")
    try:
        return pipeline.run("2019-02", langs=("da", "en"), build=build).handouts
    finally:
        mp.undo()


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def pdf_text(path) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(path).pages))


def html_text(path) -> str:
    return flat(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


@pytest.mark.slow
def test_all_handouts_written(handouts):
    assert sorted(handouts) == ["da.html", "da.pdf", "en.html", "en.pdf"]


@pytest.mark.slow
@pytest.mark.parametrize("lang,sentence", [
    ("da", "611 relationer ud af et teoretisk maksimum på 1.443 (42,3 % densitet)"),
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


@pytest.mark.slow
def test_seminar_findings_in_danish(handouts):
    text = pdf_text(handouts["da.pdf"])
    assert "Tydelig kerne-periferistruktur: en kerne på 12 medlemmer" in text
    assert "Ingen er uundværlig!" in text
    html = html_text(handouts["da.html"])  # the PDF hyphenates long words
    assert "Kernen er ikke en homogen gruppe: den går på tværs af køn, organisatorisk placering og magistratsafdeling" in html
    # the seminar's table of external relations, core and periphery, to two decimals
    for mean in ("2,86", "2,88", "2,10", "2,00", "3,00", "2,33", "2,20", "2,13", "2,36", "2,57", "1,89"):
        assert f"{mean} (" in html
    for heading in ("Formål og data", "Hvad kendetegner netværksstrukturen?", "Drøftelse ved bordene", "Metode"):
        assert heading in html


@pytest.mark.slow
def test_detected_core_is_the_planted_core(handouts):
    from helpers import example, io
    from helpers.pseudonym import pseudonym

    members = io.read_table(handouts["da.html"].parents[1] / "results" / "members.csv")
    found = set(members.loc[members["group"] == "core", "member_id"])
    planted = {pseudonym(m, b"test-secret") for m in example.generate_wave(1).core}
    assert found == planted
