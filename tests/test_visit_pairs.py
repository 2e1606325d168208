"""Tests of helpers.ingest.visit_pairs: the job-visit pair file, every problem listed."""

from __future__ import annotations


import pytest

from helpers.errors import ValidationError
from helpers.analysis.visit_effect import visit_groups
from helpers.ingest.visit_pairs import read_visit_pairs


# ---------------------------------------------------------------- visit pairs file


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_read_visit_pairs_reads_pairs_and_a_trio(tmp_path):
    path = write(tmp_path / "visit_pairs.csv", "pair_id;member_id;note\nP02;y;\nP01;b;x\nP01;a;\nP02;x;\nP02;z;\n")
    frame = read_visit_pairs(path)
    assert list(frame.columns) == ["pair_id", "member_id"]
    assert frame.values.tolist() == [["P01", "a"], ["P01", "b"], ["P02", "x"], ["P02", "y"], ["P02", "z"]]
    assert visit_groups(frame) == [("a", "b"), ("x", "y", "z")]


def test_read_visit_pairs_lists_every_problem(tmp_path):
    path = write(tmp_path / "visit_pairs.csv", "pair_id,member_id\nP01,a\nP01,\n,c\nP02,a\nP03,d\nP03,e\nP04,f\n")
    with pytest.raises(ValidationError) as info:
        read_visit_pairs(path)
    found = [(p.file, p.row, p.column) for p in info.value.problems]
    assert found == [
        ("visit_pairs.csv", 2, "pair_id"),  # P01 has only a (b's row is empty)
        ("visit_pairs.csv", 3, "member_id"),  # empty member
        ("visit_pairs.csv", 4, "pair_id"),  # empty pair id
        ("visit_pairs.csv", 5, "member_id"),  # a again
        ("visit_pairs.csv", 8, "pair_id"),  # P04 with one member
    ]
    assert "first in row 2" in info.value.problems[3].found


def test_read_visit_pairs_missing_column(tmp_path):
    path = write(tmp_path / "pairs.csv", "pair,member_id\nP01,a\n")
    with pytest.raises(ValidationError) as info:
        read_visit_pairs(path)
    problem = info.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("pairs.csv", 1, "pair_id")


def test_visit_groups_rejects_a_member_in_two_groups():
    with pytest.raises(ValueError, match="more than one"):
        visit_groups([("a", "b"), ("b", "c")])
