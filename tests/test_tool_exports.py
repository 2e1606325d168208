"""Real survey-tool exports: each tool's sample ingests to the tiny wave's tables, and each
tool's typical mistake in ``wave.yml`` is met by a problem naming the setting that fixes it.

The samples (``tests/data/good/<tool>/<dialect>/``) hold tiny's answers as the tools export
them; ``tests/tool_samples.py`` writes them. The truth they are compared with is tiny's
own export, ingested the ordinary way.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.cli import main
from helpers.errors import ValidationError
from helpers.ingest.validate import tidy_wave
from helpers.ingest.wave import load_wave

from conftest import DATA
from tool_samples import SAMPLES, write_samples

TINY = DATA / "tiny"
SAMPLE_DIRS = [DATA / "good" / tool / dialect for tool, dialects in SAMPLES.items() for dialect in dialects]
README = Path(__file__).parents[1] / "data" / "README.md"


@pytest.fixture(scope="module")
def tiny_tidy():
    return tidy_wave(load_wave(TINY), secret=b"tools")


def _copy(sample: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(sample, tmp_path / sample.parent.name / sample.name))


def _edit(wave: Path, old: str, new: str) -> None:
    text = (wave / "wave.yml").read_text(encoding="utf-8")
    assert old in text, old
    (wave / "wave.yml").write_text(text.replace(old, new), encoding="utf-8")


def _problems(wave: Path) -> list:
    with pytest.raises(ValidationError) as info:
        tidy_wave(load_wave(wave), secret=b"tools")
    return info.value.problems


def _cells(path: Path) -> dict:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {name: [tuple(row) for row in book[name].iter_rows(values_only=True)] for name in book.sheetnames}
    finally:
        book.close()


# ------------------------------------------------------------------ the samples


def test_every_tool_and_dialect_has_a_sample():
    assert {p.parent.name for p in SAMPLE_DIRS} == {"google-forms", "microsoft-forms", "surveyxact", "qualtrics"}
    assert {p.name for p in SAMPLE_DIRS if p.parent.name == "surveyxact"} == {"csv-cp1252", "csv-utf16", "xlsx"}
    for sample in SAMPLE_DIRS:
        assert (sample / "wave.yml").is_file() and (sample / "roster.csv").is_file(), sample


def test_samples_are_written_from_tinys_answers(tmp_path):
    """The committed samples are what the generator makes from tiny today (no hand edits)."""
    for fresh in write_samples(tmp_path):
        committed = DATA / "good" / fresh.parent.name / fresh.name
        assert sorted(p.name for p in fresh.iterdir()) == sorted(p.name for p in committed.iterdir())
        for path in fresh.iterdir():
            if path.suffix == ".xlsx":
                assert _cells(path) == _cells(committed / path.name), path
            else:
                assert path.read_bytes() == (committed / path.name).read_bytes(), path


@pytest.mark.parametrize("sample", SAMPLE_DIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sample_gives_tinys_tables(sample, tiny_tidy):
    tidy = tidy_wave(load_wave(sample), secret=b"tools")
    for name in ("members", "relations", "external"):
        got, want = getattr(tidy, name), getattr(tiny_tidy, name)
        pd.testing.assert_frame_equal(got, want, obj=f"{sample.parent.name}/{sample.name} {name}")
    assert tidy.meta["relations"]["blank_cells"] == tiny_tidy.meta["relations"]["blank_cells"]
    skip_rows = load_wave(sample).relations.skip_rows  # Qualtrics' ImportId row; nothing else is left out
    assert [(s["row"], s["why"]) for s in tidy.meta["skipped"]] == [(n, "listed in wave.yml's skip_rows")
                                                                    for n in skip_rows]


@pytest.mark.parametrize("sample", SAMPLE_DIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_command_line_validates_sample(sample, capsys):
    assert main(["validate", str(sample)]) == 0
    assert "no problems (6 members, 5 respondents, 24 ratings, 10 external items)" in capsys.readouterr().out


def test_readme_documents_each_tool_with_its_samples_wave_yml():
    """data/README.md shows, per tool, a complete wave.yml: the one of a sample that validates."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    for tool in SAMPLES:
        dialect = SAMPLES[tool][0] if tool != "microsoft-forms" else "xlsx-email"
        wave_yml = (DATA / "good" / tool / dialect / "wave.yml").read_text(encoding="utf-8")
        assert wave_yml in blocks, f"data/README.md lacks {tool}/{dialect}/wave.yml"


# ------------------------------------------------------------------ typical mistakes name the fix


def _fixed_by(wave: Path, problem, setting_text: str, old: str, new: str) -> None:
    """The problem names the setting, and making that change gives a clean wave."""
    assert setting_text in problem.expected, problem
    _edit(wave, old, new)
    tidy_wave(load_wave(wave), secret=b"tools")


def test_qualtrics_extra_header_rows_read_as_answers(tmp_path):
    wave = _copy(DATA / "good" / "qualtrics" / "csv", tmp_path)
    old_rows = ("  header_row: 2     # row 1: variable names (Q2_1), row 2: question texts\n"
                "  skip_rows: [3]    # row 3: Qualtrics' ImportIds\n")
    _edit(wave, old_rows, "")
    _edit(wave, "respondent_column: External Data Reference", "respondent_column: ExternalReference")
    _edit(wave, 'member_columns: ["Hvor ofte*"]', 'member_columns: ["Q2_*"]')
    problems = _problems(wave)
    assert [(p.file, p.row) for p in problems] == [("Netvaerk 2019_February 22, 2019_10.15.csv", 3)] * 2
    assert "ImportId" in problems[0].found
    assert "respondent_column: External Data Reference" in problems[0].expected
    _edit(wave, 'member_columns: ["Q2_*"]', 'member_columns: ["Hvor ofte*"]')
    _edit(wave, "respondent_column: ExternalReference", "respondent_column: External Data Reference")
    _fixed_by(wave, problems[0], "header_row: 2 and skip_rows: [3] in wave.yml's relations section",
              "  format: wide\n", "  header_row: 2\n  skip_rows: [3]\n  format: wide\n")


def test_qualtrics_importid_row_not_skipped(tmp_path):
    wave = _copy(DATA / "good" / "qualtrics" / "csv", tmp_path)
    _edit(wave, "  skip_rows: [3]    # row 3: Qualtrics' ImportIds\n", "")
    problems = _problems(wave)
    assert len(problems) == 2 and problems[0].row == 3
    _fixed_by(wave, problems[0], "skip_rows: [3] in wave.yml's relations section",
              "  format: wide\n", "  skip_rows: [3]\n  format: wide\n")


@pytest.mark.parametrize("dialect,fix", [("xlsx", "labels: {sheet: Labels}"), ("csv-cp1252", "labels: labels.csv")])
def test_surveyxact_without_labels_names_the_codebook(dialect, fix, tmp_path):
    wave = _copy(DATA / "good" / "surveyxact" / dialect, tmp_path)
    _edit(wave, f"  {fix}\n", "")
    problems = _problems(wave)
    assert len(problems) == 2  # relations and external, one each
    assert "variable codes ('respondentid'" not in problems[0].found and "'s_1', 's_2_1'" in problems[0].found
    assert "ignore_columns would leave the answers out" in problems[0].expected
    assert "ignore_columns:" not in problems[0].expected
    _fixed_by(wave, problems[0], f"{fix} in wave.yml's relations section", "  format: wide\n",
              f"  format: wide\n  {fix}\n")


def test_surveyxact_labels_sheet_missing(tmp_path):
    wave = _copy(DATA / "good" / "surveyxact" / "xlsx", tmp_path)
    _edit(wave, "labels: {sheet: Labels}", "labels: {sheet: Etiketter}")
    problems = _problems(wave)
    assert len(problems) == 2
    assert "no sheet 'Etiketter'" in problems[0].found and "'Labels'" in problems[0].found
    _fixed_by(wave, problems[0], "relations.labels.sheet", "labels: {sheet: Etiketter}", "labels: {sheet: Labels}")


def test_surveyxact_codebook_outside_the_wave_folder_is_refused(tmp_path):
    wave = _copy(DATA / "good" / "surveyxact" / "csv-cp1252", tmp_path)
    _edit(wave, "labels: labels.csv", "labels: ../csv-cp1252/labels.csv")
    with pytest.raises(ValidationError) as info:
        load_wave(wave)
    assert [(p.column, p.found) for p in info.value.problems] == [
        (f"{section}.labels.file", "'../csv-cp1252/labels.csv'") for section in ("relations", "external")]


def test_surveyxact_codebook_columns_named_wrong(tmp_path):
    wave = _copy(DATA / "good" / "surveyxact" / "csv-utf16", tmp_path)
    _edit(wave, "labels: labels.csv", "labels: {file: labels.csv, label_column: Tekst}")
    problems = _problems(wave)
    assert [(p.file, p.column, p.found) for p in problems] == [("labels.csv", "Tekst", "no such column")] * 2
    assert "relations.labels.label_column" in problems[0].expected and "Label" in problems[0].expected


def test_microsoft_forms_email_respondents_matched_by_name(tmp_path):
    wave = _copy(DATA / "good" / "microsoft-forms" / "xlsx-email", tmp_path)
    _edit(wave, "  respondent_match: email\n", "")
    problems = _problems(wave)
    assert problems[0].column == "Email" and "e-mail addresses" in problems[0].found
    _fixed_by(wave, problems[0], "set respondent_match: email", "  match: name\n",
              "  respondent_match: email\n  match: name\n")


def test_microsoft_forms_email_without_roster_column_names_it(tmp_path):
    wave = _copy(DATA / "good" / "microsoft-forms" / "xlsx-email", tmp_path)
    _edit(wave, "  respondent_match: email\n", "")
    _edit(wave, " email: E-mail,", "")
    problems = _problems(wave)
    assert "roster.columns.email: E-mail (the roster's column of e-mail addresses)" in problems[0].expected
    _edit(wave, " name: Navn,", " name: Navn, email: E-mail,")
    _fixed_by(wave, problems[0], "set respondent_match: email", "  match: name\n",
              "  respondent_match: email\n  match: name\n")


def test_qualtrics_respondents_by_external_reference_need_respondent_match(tmp_path):
    """Member columns named by name, respondents by member number: respondent_match, not match."""
    wave = _copy(DATA / "good" / "qualtrics" / "csv", tmp_path)
    text = (wave / "wave.yml").read_text(encoding="utf-8")
    (wave / "wave.yml").write_text(text.replace("  respondent_match: id\n", ""), encoding="utf-8")
    problems = _problems(wave)
    assert [(p.column, p.found[:33]) for p in problems] == [("External Data Reference",
                                                            "respondents that are member ids (")] * 2
    assert "set respondent_match: id" in problems[0].expected
    assert "set match: id" in problems[1].expected  # external: match names only the respondents there
    (wave / "wave.yml").write_text(text, encoding="utf-8")
    tidy_wave(load_wave(wave), secret=b"tools")


def test_google_forms_match_by_id_names_name(tmp_path):
    wave = _copy(DATA / "good" / "google-forms" / "csv", tmp_path)
    _edit(wave, "match: name\n  member_columns", "match: id\n  member_columns")
    problems = _problems(wave)
    assert problems[0].found.startswith("column headers that are member names")
    _fixed_by(wave, problems[0], "set match: name", "match: id\n  member_columns", "match: name\n  member_columns")


# ------------------------------------------------------------------ directory names


def test_last_first_names_match_as_directories_write_them():
    from helpers.ingest.validate import Members

    roster = pd.DataFrame({"id": ["1", "2", "3"], "row": [2, 3, 4],
                           "name": ["Cecilie Dahl Hansen", "Bo Bæk", "Bæk, Bo"],
                           "email": ["c@x.example", "b@x.example", "bb@x.example"]})
    members = Members(roster, {"name"})
    assert members.resolve("Cecilie Dahl Hansen", "name") == "1"
    assert members.resolve("Hansen, Cecilie Dahl", "name") == "1"
    assert members.resolve("dahl hansen ,  cecilie", "name") == "1"
    # a directory form that is another member's name as written is that member's
    assert members.resolve("Bæk, Bo", "name") == "3"
    assert members.resolve("Bo Bæk", "name") == "2"
    assert members.resolve("Dahl, Cecilie", "name") is None
    assert members.resolve("B@X.example", "email") == "2"
    assert members.resolve("Bo Bæk", "email") is None
