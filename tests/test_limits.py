"""Input limits: each names what it refuses, and ordinary input passes untouched."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.ingest import limits
from helpers.ingest.readers import UnreadableFile, read_csv, read_xlsx
from helpers.ingest.validate import tidy_wave
from helpers.ingest.wave import load_wave

from conftest import DATA, edit

sys.path.insert(0, str(Path(__file__).parent))
import hostile_inputs  # noqa: E402


def test_ordinary_workbook_and_non_zip_pass_the_size_check(tmp_path):
    hostile_inputs.stale_dimension(tmp_path, "r.xlsx", DATA / "tiny" / "roster.csv")
    assert limits.xlsx_problem(tmp_path / "r.xlsx", "r.xlsx") is None
    (tmp_path / "t.xlsx").write_text("Nr;Navn\n1;Bo\n")
    assert limits.xlsx_problem(tmp_path / "t.xlsx", "t.xlsx") is None  # the reader says what it is


def test_stale_dimension_loses_no_row(tmp_path):
    hostile_inputs.stale_dimension(tmp_path, "r.xlsx", DATA / "tiny" / "roster.csv")
    assert len(read_xlsx(tmp_path / "r.xlsx").frame) == len(read_csv(DATA / "tiny" / "roster.csv").frame) == 6


def test_too_many_cells_are_refused_naming_the_row(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CELLS", 20)
    with pytest.raises(UnreadableFile) as info:
        read_csv(DATA / "tiny" / "relations.csv")
    assert info.value.problem.row == 3 and "more than 20 cells" in info.value.problem.found


def test_long_cell_is_named_by_row_and_column_header(tmp_path):
    hostile_inputs.long_cell(tmp_path, "roster.csv", DATA / "tiny" / "roster.csv", "Navn", chars=40_000)
    with pytest.raises(UnreadableFile) as info:
        read_csv(tmp_path / "roster.csv")
    p = info.value.problem
    assert (p.file, p.row, p.column) == ("roster.csv", 2, "Navn") and "39,996 characters" in p.found
    assert len(str(p)) < 500  # the cell itself is not repeated


def test_blank_rows_at_the_end_keep_row_numbers(tmp_path):
    hostile_inputs.blank_rows(tmp_path, "relations.csv", DATA / "tiny" / "relations.csv", mib=1)
    table = read_csv(tmp_path / "relations.csv")
    assert list(table.frame.index) == [2, 3, 4, 5, 6] and table.frame.equals(read_csv(DATA / "tiny" / "relations.csv").frame)


def test_roster_and_wave_texts_over_their_limits_are_listed_by_field(tiny):
    edit(tiny / "roster.csv", "Kvinde;Chef;Alfa;Ja", "Kvinde;Chef;" + "x" * 101 + ";Ja")
    edit(tiny / "wave.yml", "{id: citizens, column: Borgere, da: Borgere,", "{id: citizens, column: Borgere, da: " + "b" * 101 + ",")
    with pytest.raises(Exception) as info:
        load_wave(tiny)
    assert [p.column for p in info.value.problems] == ["external.partners[1].da"]
    edit(tiny / "wave.yml", "b" * 101, "Borgere")
    with pytest.raises(Exception) as info:
        tidy_wave(load_wave(tiny))
    assert [(p.row, p.column, p.found[:30]) for p in info.value.problems] == [(4, "Afdeling", "a department of 101 characters")]


def test_limits_fit_an_ordinary_wave():
    frame = pd.DataFrame({"row": [2], **{f"{f}_raw": ["x" * n] for f, n in limits.FIELD_CHARS.items()}})
    assert limits.roster_problems(frame, "r.csv", {}) == []
