"""The table card: one A4 page, every question on it, texts printed exactly as written."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pypdf
import pytest
import typst
import yaml

from helpers import io
from helpers.handout import sections
from helpers.handout.context import Context
from helpers.handout.tablecard import FONT_SIZES, card_rounds, table_card_typst, typst_string, write_table_card

ROOT = Path(__file__).parents[1]
A4 = (595.28, 841.89)  # points
ROUNDS = yaml.safe_load((ROOT / "report" / "discussion.yml").read_text(encoding="utf-8"))["rounds"]


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def compile_pdf(source: str, tmp_path: Path) -> pypdf.PdfReader:
    target = tmp_path / "card.pdf"
    target.write_bytes(typst.compile(source.encode("utf-8"), format="pdf", ignore_system_fonts=True))
    return pypdf.PdfReader(target)


def pdf_text(reader: pypdf.PdfReader) -> str:
    return flat(" ".join(page.extract_text() for page in reader.pages))


def card_size(source: str) -> int:
    size = json.loads(typst.query(source.encode("utf-8"), "<card-size>", field="value", one=True))
    return int(size.removesuffix("pt"))


@pytest.mark.parametrize("text", ['Er "kernen" #1 af 2?',
                                  "*fed* _kursiv_ $x$ @fig-a <b> [a] \\ `k` // ikke en kommentar"])
def test_texts_print_exactly_as_written(text, tmp_path):
    reader = compile_pdf(f"#set text(font: \"Libertinus Serif\")\n#{typst_string(text)}", tmp_path)
    assert flat(reader.pages[0].extract_text()) == flat(text)


def test_rounds_in_one_language_with_prompts_in_the_second():
    rounds = card_rounds(ROUNDS, "en", heading="{number}. {title} (about {minutes} min.)", prompts=["Why?"])
    assert [r["heading"] for r in rounds] == ["1. Talking about the data (about 5 min.)",
                                              "2. Joint reflection (about 5 min.)",
                                              "3. The next best steps (about 5 min.)"]
    assert [len(r["questions"]) for r in rounds] == [3, 3, 1]
    assert [r["prompts"] for r in rounds] == [[], ["Why?"], []]


@pytest.mark.parametrize("lang", ["da", "en"])
def test_card_is_one_a4_page_with_every_question(lang, tmp_path):
    prompts = ["Periferien har 70 % af forummets medlemmer."] if lang == "da" else ["The periphery holds 70 %."]
    source = table_card_typst("Drøftelse ved bordene", ROUNDS, prompts, lang, subtitle="Bølge 1")
    reader = compile_pdf(source, tmp_path)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4, abs=1)
    text = pdf_text(reader)
    for round_ in ROUNDS:
        assert flat(round_["title"][lang]) in text
        for question in round_["questions"]:
            assert flat(question[lang]) in text
    assert flat(prompts[0]) in text and "Bølge 1" in text
    assert card_size(source) >= 20  # large type: readable across a table


def test_many_long_questions_still_fit_one_page_in_smaller_type(tmp_path):
    question = "hvordan arbejder vi sammen på tværs af afdelingerne? " * 3
    long = [{"minutes": 10, "title": {"da": f"Runde {i}"},
             "questions": [{"da": f"Spørgsmål {i}.{j}: {question}"} for j in range(5)]} for i in range(1, 5)]
    prompts = [f"Oplæg {k}: " + "hvad betyder det for jeres samarbejde? " * 2 for k in range(4)]
    source = table_card_typst("Ved bordene", long, prompts, "da")
    reader = compile_pdf(source, tmp_path)
    assert len(reader.pages) == 1
    text = pdf_text(reader)
    assert all(f"Spørgsmål {i}.{j}:" in text for i in range(1, 5) for j in range(5))
    assert all(f"Oplæg {k}:" in text for k in range(4))
    assert FONT_SIZES[-1] <= card_size(source) < card_size(table_card_typst("Ved bordene", ROUNDS, [], "da"))


def fake_wave(folder: Path) -> Path:
    """What the card reads from a build folder: the wave's name and date, and the results the
    handout's prompts come from (4 of 10 members in the core, one unlinked pair of departments)."""
    io.write_json({"wave": "test", "name": "Prøvebølge", "date": "2020-03-01", "min_group_size": 3},
                  folder / "tidy" / "wave.json")
    structure = {"indispensable": {"nobody_indispensable": True},
                 "groupings": {"beyond_random": False, "cuts_across_departments": False},
                 "core_periphery": {"ignore": {"core": list("abcd"), "periphery": list("efghij")}}}
    io.write_json(structure, folder / "results" / "structure.json")
    io.write_table(pd.DataFrame({"group_a": ["Kultur"], "group_b": ["Teknik"], "possible": [12]}),
                   folder / "results" / "unlinked_pairs.csv")
    return folder


def card(folder: Path, lang: str, questions: Path | None = None) -> dict:
    """The card's data as the handout notebook publishes it."""
    return sections.discussion.table_card(Context(folder, lang, 1, questions=questions))


def test_write_table_card_from_a_wave(tmp_path):
    folder = fake_wave(tmp_path / "wave")
    out = write_table_card(card(folder, "da"), tmp_path / "out" / "card.pdf")
    assert out == tmp_path / "out" / "card.pdf"
    assert sorted(p.name for p in out.parent.iterdir()) == ["card.pdf"]  # no temporary file left
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 1
    text = pdf_text(reader)
    assert "Drøftelse ved bordene" in text and "Prøvebølge" in text
    assert "1. Samtale om data (ca. 5 min.)" in text
    assert "Der er ingen relationer mellem Kultur – Teknik." in text
    assert "60 % af forummets medlemmer befinder sig i periferien." in text
    first = out.read_bytes()
    write_table_card(card(folder, "da"), out)
    assert out.read_bytes() == first  # same wave, same file


def test_without_data_prompts(tmp_path):
    folder = fake_wave(tmp_path / "wave")
    questions = tmp_path / "discussion.yml"
    questions.write_text(yaml.safe_dump({"data_prompts": False, "rounds": ROUNDS}, allow_unicode=True),
                         encoding="utf-8")
    text = pdf_text(pypdf.PdfReader(write_table_card(card(folder, "en", questions), tmp_path / "card.pdf")))
    assert "What new knowledge do the network diagrams give?" in text
    assert "are in the periphery" not in text and "Kultur" not in text
