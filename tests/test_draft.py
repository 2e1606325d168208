"""``forum-network init``: a drafted wave.yml validates on every tool's sample export.

Each sample (``tests/data/good/<tool>/<dialect>/``, see ``tests/tool_samples.py``) is copied
without its wave.yml; the draft made from the export and the roster must then ingest to
the tiny wave's tidy tables, which is the independent truth the samples were made from.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import csv
import io

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.cli import main
from helpers.errors import SurveyError, ValidationError
from helpers.ingest.draft import draft_wave, write_draft
from helpers.ingest.validate import tidy_wave
from helpers.ingest.wave import load_wave

from conftest import DATA
from tool_samples import SAMPLES

SAMPLE_DIRS = [DATA / "good" / tool / dialect for tool, dialects in SAMPLES.items() for dialect in dialects]
_NOT_EXPORTS = ("wave.yml", "roster.csv", "labels.csv")


def _export_of(folder: Path) -> Path:
    (export,) = [p for p in folder.iterdir() if p.name not in _NOT_EXPORTS]
    return export


def _without_wave_yml(sample: Path, tmp_path: Path) -> Path:
    folder = Path(shutil.copytree(sample, tmp_path / "wave"))
    (folder / "wave.yml").unlink()
    return folder


@pytest.fixture(scope="module")
def tiny_tidy():
    return tidy_wave(load_wave(DATA / "tiny"), secret=b"draft")


@pytest.mark.parametrize("sample", SAMPLE_DIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_draft_validates_into_tinys_tables(sample, tmp_path, tiny_tidy, capsys):
    folder = _without_wave_yml(sample, tmp_path)
    assert main(["init", str(_export_of(folder))]) == 0
    assert capsys.readouterr().out.strip() == str(folder / "wave.yml")
    assert main(["validate", str(folder)]) == 0, capsys.readouterr().err
    tidy = tidy_wave(load_wave(folder), secret=b"draft")
    for name in ("members", "relations", "external"):
        pd.testing.assert_frame_equal(getattr(tidy, name), getattr(tiny_tidy, name))


@pytest.mark.parametrize("sample", SAMPLE_DIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_draft_recognises_the_tool_and_says_what_it_guessed(sample, tmp_path):
    folder = _without_wave_yml(sample, tmp_path)
    draft = draft_wave(_export_of(folder))
    assert draft.tool == sample.parent.name
    lines = draft.text.splitlines()
    for key in ("respondent_column:", "scale:", "tie_threshold:", "partners:", "date:"):
        guessed = [line for line in lines if line.strip().startswith(key)]
        assert guessed and all("# guess" in line or "# TODO" in line for line in guessed), (key, guessed)
    # a comment never changes a value: the YAML reads the same without them
    assert yaml.safe_load(draft.text)["relations"]["tie_threshold"] == 2


def test_draft_of_the_example_wave_finds_the_second_export_and_gives_its_tables(tmp_path):
    """Example wave 1 has one file per question; the draft from the relations file finds the other."""
    example = DATA.parents[1] / "data" / "example" / "2019-02"
    folder = _without_wave_yml(example, tmp_path)
    path, draft = write_draft(folder / "relations.csv")
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert settings["external"]["file"] == "external.csv"
    assert draft.tool == "other"
    want = tidy_wave(load_wave(example), secret=b"draft")
    got = tidy_wave(load_wave(folder), secret=b"draft")
    for name in ("members", "relations", "external"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name))


def test_qualtrics_draft_skips_its_extra_header_rows(tmp_path):
    folder = _without_wave_yml(DATA / "good" / "qualtrics" / "csv", tmp_path)
    settings = yaml.safe_load(draft_wave(_export_of(folder)).text)
    assert (settings["relations"]["header_row"], settings["relations"]["skip_rows"]) == (2, [3])
    assert settings["relations"]["respondent_column"] == "External Data Reference"
    assert settings["relations"]["respondent_match"] == "id"


def test_surveyxact_draft_finds_the_label_sheet(tmp_path):
    folder = _without_wave_yml(DATA / "good" / "surveyxact" / "xlsx", tmp_path)
    settings = yaml.safe_load(draft_wave(_export_of(folder)).text)
    assert settings["relations"]["labels"] == {"sheet": "Labels"}
    assert settings["relations"]["sheet"] == "Dataset"


def test_microsoft_forms_draft_matches_respondents_by_email_when_the_roster_has_addresses(tmp_path):
    folder = _without_wave_yml(DATA / "good" / "microsoft-forms" / "xlsx-email", tmp_path)
    settings = yaml.safe_load(draft_wave(_export_of(folder)).text)
    assert settings["relations"]["respondent_column"] == "Email"
    assert settings["relations"]["respondent_match"] == "email"
    assert settings["roster"]["columns"]["email"] == "E-mail"


def test_draft_without_roster_marks_what_is_missing(tmp_path):
    folder = _without_wave_yml(DATA / "good" / "google-forms" / "csv", tmp_path)
    roster = folder / "roster.csv"
    roster.rename(folder.parent / "members-elsewhere.csv")
    draft = draft_wave(_export_of(folder))
    settings = yaml.safe_load(draft.text)
    assert settings["roster"]["file"] == "TODO"
    assert "TODO" in draft.text.split("roster:")[1].split("relations:")[0]
    assert settings["relations"]["member_columns"] == ["Hvor ofte samarbejder du med ...? *"]
    assert [p["id"] for p in settings["external"]["partners"]] == ["municipalities", "citizens"]
    # the roster given on the command line makes it complete
    out = folder / "wave.yml"
    write_draft(_export_of(folder), roster=folder.parent / "members-elsewhere.csv", out=out)
    text = out.read_text(encoding="utf-8")
    assert yaml.safe_load(text)["roster"]["file"] == "members-elsewhere.csv"  # never a path out of the folder
    assert "TODO: copy members-elsewhere.csv into this folder" in text
    shutil.copyfile(folder.parent / "members-elsewhere.csv", folder / "members-elsewhere.csv")
    tidy_wave(load_wave(folder), secret=b"draft")


def test_microsoft_forms_draft_without_roster_groups_columns_by_their_scale(tmp_path):
    folder = _without_wave_yml(DATA / "good" / "microsoft-forms" / "xlsx-directory-names", tmp_path)
    (folder / "roster.csv").rename(tmp_path / "elsewhere.csv")
    settings = yaml.safe_load(draft_wave(_export_of(folder)).text)
    assert settings["relations"]["respondent_column"] == "Name"
    assert settings["relations"]["ignore_columns"] == ["ID", "Start time", "Completion time", "Email",
                                                       "Last modified time"]
    assert [p["column"] for p in settings["external"]["partners"]] == ["Andre kommuner", "Borgere"]


def test_init_never_overwrites(tmp_path, capsys):
    folder = _without_wave_yml(DATA / "good" / "surveyxact" / "csv-cp1252", tmp_path)
    existing = folder / "wave.yml"
    existing.write_text("# my own settings\n", encoding="utf-8")
    assert main(["init", str(_export_of(folder))]) == 2
    err = capsys.readouterr().err
    assert "exists already" in err and "Traceback" not in err
    assert existing.read_text(encoding="utf-8") == "# my own settings\n"
    with pytest.raises(SurveyError):
        write_draft(_export_of(folder))
    other = folder / "draft.yml"
    assert main(["init", str(_export_of(folder)), "--out", str(other)]) == 0
    assert other.is_file() and existing.read_text(encoding="utf-8") == "# my own settings\n"


def test_init_on_an_unreadable_export_is_one_clear_error(tmp_path, capsys):
    export = tmp_path / "answers.csv"
    export.write_bytes(b"\x00\x01\x02 not text")
    assert main(["init", str(export)]) == 2
    err = capsys.readouterr().err
    assert "answers.csv" in err and "Traceback" not in err
    assert not (tmp_path / "wave.yml").exists()


# ------------------------------------------------------------------ mangled exports: a draft or one clear error

_CSV_SAMPLES = [s for s in SAMPLE_DIRS if _export_of(s).suffix == ".csv"]
_CELLS = st.one_of(st.sampled_from(["", "Ved ikke", "3", "Åse Ødegård", "Dahl, Cecilie", "x@y.example", "[", "?",
                                    "*", '{"ImportId":"QID9"}', "s_9_9", "yes", "- a", "#", ": b", "Aldrig"]),
                   st.text(alphabet="abcæøå0123 []?*,:#-'\"", max_size=10))


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sample=st.sampled_from(_CSV_SAMPLES), edits=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 30), _CELLS),
                                                            max_size=6),
       drop=st.lists(st.integers(0, 10), max_size=2))
def test_mangled_export_gives_a_readable_draft_or_one_clear_error(tmp_path_factory, sample, edits, drop):
    """Cells replaced and rows dropped: a draft that reads as YAML, or a SurveyError and no file."""
    folder = _without_wave_yml(sample, tmp_path_factory.mktemp("fuzz"))
    export = _export_of(folder)
    raw = export.read_bytes()
    encoding = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig" \
        if raw.startswith(b"\xef\xbb\xbf") else "cp1252" if "cp1252" in sample.name else "utf-8"
    text = raw.decode(encoding)
    delimiter = "\t" if "\t" in text.splitlines()[0] else ";" if ";" in text.splitlines()[0] else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    for r, c, cell in edits:
        if rows and rows[r % len(rows)]:
            rows[r % len(rows)][c % len(rows[r % len(rows)])] = cell
    for r in sorted({d % len(rows) for d in drop} if rows else (), reverse=True):
        del rows[r]
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(rows)
    export.write_bytes(out.getvalue().encode("utf-8" if encoding == "utf-8-sig" else encoding, errors="replace"))
    target = folder / "wave.yml"
    try:
        write_draft(export)
    except SurveyError:
        assert not target.exists()  # nothing half-written
        return
    settings_ = yaml.safe_load(target.read_text(encoding="utf-8"))  # the draft is always YAML
    assert isinstance(settings_, dict) and "relations" in settings_
    try:
        load_wave(folder)
    except (ValidationError, SurveyError):
        pass
