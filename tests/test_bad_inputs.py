"""Real-world export quirks: the bad corpus is refused precisely, the good corpus ingests like tiny.

The corpora live in ``tests/data/bad`` and ``tests/data/good`` (their README describes
the layout). Every expected problem there was written from the rules in
``data/README.md``, not copied from the program's output.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import shutil
from pathlib import Path

import pytest
import yaml

from helpers.cli import main
from helpers.errors import SurveyError, ValidationError
from helpers.ingest.validate import tidy_wave
from helpers.ingest.wave import load_wave

from conftest import DATA

TINY = DATA / "tiny"
BAD = sorted(p for p in (DATA / "bad").iterdir() if p.is_dir())
GOOD = sorted(p for p in (DATA / "good").iterdir() if (p / "expected.yml").is_file())  # tool samples: test_tool_exports
RUN_CASES = ("roster-duplicate-id", "relations-truncated-mid-row", "relations-xlsx-data-on-second-sheet")


def spec_of(case: Path) -> dict:
    return yaml.safe_load((case / "expected.yml").read_text(encoding="utf-8"))


def _source(case: Path, name: str) -> Path:
    return case / name if (case / name).exists() else TINY / name


def _workbook(target: Path, sheets: dict[str, Path]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, source in sheets.items():
        sheet = book.create_sheet(title)
        text = source.read_text(encoding="utf-8-sig")
        for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=";"), start=1):
            for col, cell in enumerate(row, start=1):
                if cell.startswith("'"):
                    value = cell[1:]  # Excel's apostrophe: a number stored as text
                elif re.fullmatch(r"-?\d+", cell):
                    value = int(cell)
                else:
                    value = cell or None
                if value is not None:
                    sheet.cell(number, col, value)
    book.save(target)


def _encode(text: str, how: str) -> bytes:
    if how == "bom+cp1252":
        return codecs.BOM_UTF8 + text.encode("cp1252")
    if how == "double-utf-8":
        return text.encode("utf-8").decode("cp1252").encode("utf-8")
    return text.encode(how)


def materialise(case: Path, dest: Path) -> Path:
    """Build a case's wave folder: tiny, then the case's files and steps (see tests/data/bad/README.md)."""
    spec = spec_of(case)
    wave = Path(shutil.copytree(TINY, dest / case.name))
    sheet_sources = set()
    for target, sheets in (spec.get("xlsx") or {}).items():
        _workbook(wave / target, {title: _source(case, name) for title, name in sheets.items()})
        sheet_sources.update(sheets.values())
    for path in case.iterdir():
        if path.name != "expected.yml" and path.name not in sheet_sources:
            shutil.copyfile(path, wave / path.name)
    for name, edits in (spec.get("edit") or {}).items():
        text = (wave / name).read_text(encoding="utf-8-sig")
        for e in edits:
            assert text.count(e["old"]) >= 1, f"{case.name}: {e['old']!r} not in {name}"
            text = text.replace(e["old"], e["new"], 1)
        (wave / name).write_text(text, encoding="utf-8")
    for name, how in (spec.get("newlines") or {}).items():
        text = (wave / name).read_text(encoding="utf-8-sig")
        (wave / name).write_text(text.replace("\n", {"crlf": "\r\n", "cr": "\r"}[how]), encoding="utf-8", newline="")
    for name, how in (spec.get("encode") or {}).items():
        (wave / name).write_bytes(_encode((wave / name).read_text(encoding="utf-8-sig"), how))
    for name, cut in (spec.get("truncate") or {}).items():
        data = (wave / name).read_bytes()
        marker = cut["after"].encode("utf-8")
        assert marker in data, f"{case.name}: {cut['after']!r} not in {name}"
        (wave / name).write_bytes(data[: data.index(marker) + len(marker) + cut["bytes"]])
    for name in spec.get("delete") or ():
        (wave / name).unlink()
    return wave


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def matches(problem, want: dict) -> bool:
    return ((problem.file, problem.row, problem.column) == (want["file"], want["row"], want["column"])
            and want["found"] in problem.found and want["expected"] in problem.expected)


# ------------------------------------------------------------------ the corpus itself


def test_corpus_is_large_and_described():
    assert len(BAD) >= 40 and len(GOOD) >= 10
    for case in BAD + GOOD:
        spec = spec_of(case)
        assert spec["quirk"].strip(), case.name
        assert set(spec) <= {"quirk", "xlsx", "edit", "encode", "newlines", "truncate", "delete", "problems",
                             "exit", "message", "skipped", "dont_know_cells"}, case.name
    for case in BAD:
        spec = spec_of(case)
        assert spec.get("problems") or spec.get("message"), case.name


@pytest.mark.parametrize("case", BAD + GOOD, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_case_files_differ_from_tiny(case):
    """A case holds only what differs from tiny, so a reviewer sees the quirk at once."""
    for path in case.iterdir():
        if path.name != "expected.yml" and (TINY / path.name).exists():
            assert path.read_bytes() != (TINY / path.name).read_bytes(), f"{case.name}/{path.name} is tiny's"


# ------------------------------------------------------------------ bad exports are refused


@pytest.mark.parametrize("case", BAD, ids=lambda p: p.name)
def test_bad_export_is_refused_with_precise_problems(case, tmp_path, capsys):
    spec = spec_of(case)
    wave = materialise(case, tmp_path)
    before = snapshot(wave)
    if spec.get("exit", 1) == 2:
        with pytest.raises(SurveyError) as info:
            tidy_wave(load_wave(wave))
        assert not isinstance(info.value, ValidationError)
        assert spec["message"] in str(info.value)
    else:
        with pytest.raises(ValidationError) as info:  # raised before anything could be written
            tidy_wave(load_wave(wave))
        got = info.value.problems
        want = spec["problems"]
        assert len(got) == len(want), "\n".join(map(str, got))
        for problem, expected in zip(got, want):
            assert matches(problem, expected), f"\n got: {problem}\nwant: {expected}"
    # the command line: a clear message, no traceback, non-zero exit
    assert main(["validate", str(wave)]) == spec.get("exit", 1)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    first = spec["message"] if spec.get("exit", 1) == 2 else spec["problems"][0]["found"]
    assert first in err
    assert snapshot(wave) == before  # the raw export is never touched


@pytest.mark.parametrize("name", RUN_CASES)
def test_run_on_bad_export_writes_nothing(name, tmp_path, capsys):
    wave = materialise(DATA / "bad" / name, tmp_path / "waves")
    build = tmp_path / "build"
    previous = build / "tiny" / "tidy" / "wave.json"
    previous.parent.mkdir(parents=True)
    previous.write_text("previous run")
    before = snapshot(build)
    assert main(["run", str(wave), "--build", str(build)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert snapshot(build) == before
    assert sorted(p.relative_to(build).as_posix() for p in build.rglob("*")) == ["tiny", "tiny/tidy",
                                                                               "tiny/tidy/wave.json"]


# ------------------------------------------------------------------ accepted quirks ingest like tiny


@pytest.fixture(scope="module")
def tiny_tidy():
    return tidy_wave(load_wave(TINY), secret=b"corpus")


@pytest.mark.parametrize("case", GOOD, ids=lambda p: p.name)
def test_good_quirk_gives_tinys_tables(case, tmp_path, tiny_tidy):
    spec = spec_of(case)
    tidy = tidy_wave(load_wave(materialise(case, tmp_path)), secret=b"corpus")
    for name in ("members", "relations", "external"):
        got, want = getattr(tidy, name), getattr(tiny_tidy, name)
        assert got.equals(want), f"{name} differs:\n{got}\n{want}"
    skipped = sorted((s["file"], s["row"] or 0, s["column"] or "") for s in tidy.meta["skipped"])
    assert skipped == sorted((s["file"], s["row"] or 0, s["column"] or "") for s in spec.get("skipped", []))
    assert tidy.meta["relations"]["dont_know_cells"] == spec.get("dont_know_cells", 0)
    assert tidy.meta["relations"]["blank_cells"] == tiny_tidy.meta["relations"]["blank_cells"]
