"""Atomic writes: a failed run leaves the previous outputs as they were."""

from __future__ import annotations

import pytest

from helpers import paths
from helpers import io
from helpers.errors import SurveyError


def test_atomic_dir_replaces_whole_folder(tmp_path):
    target = tmp_path / "out"
    with io.atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("old")
    with io.atomic_dir(target) as tmp:
        (tmp / "b.txt").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folders left


def test_atomic_dir_keeps_previous_on_failure(tmp_path):
    target = tmp_path / "out"
    with io.atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with io.atomic_dir(target) as tmp:
            (tmp / "a.txt").write_text("half")
            raise RuntimeError("killed mid-write")
    assert (target / "a.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_atomic_file_keeps_previous_on_failure(tmp_path):
    target = tmp_path / "r.json"
    io.write_json({"a": 1}, target)
    with pytest.raises(TypeError):
        io.write_json({"a": object()}, target)
    assert io.read_json(target) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]




def test_json_is_sorted_and_stable():
    assert io.dumps({"b": 1, "a": {2, 1}}) == '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'


def test_find_wave_by_id_and_folder(tiny):
    assert paths.find_wave("2019-02").name == "2019-02"
    assert paths.find_wave(tiny) == tiny.resolve()
    with pytest.raises(SurveyError, match="no wave 'nope'"):
        paths.find_wave("nope")
