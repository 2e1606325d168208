"""Property-based fuzzing of ingest: mangled exports fail cleanly and never leave partial output.

Random mutations of the tiny wave (byte flips, deleted, duplicated or swapped lines,
other separators, random cells, truncation, other encodings, shuffled columns, damaged
``wave.yml`` values) must either

- be refused with the project's own error (:class:`helpers.errors.SurveyError`), every
  problem naming a file and a spreadsheet row >= 1 (or none), with the previous tidy
  folder left exactly as it was; or
- give tidy tables that keep the data contract (ratings on the scale, no self-ties,
  only respondents rate, one row per pair), identically on a second run, and that
  :meth:`helpers.results.tidy.Tidy.save` writes and :meth:`~helpers.results.tidy.Tidy.load` reads back.

The runs are derandomised (the same examples every time) and bounded to stay fast.
"""

from __future__ import annotations

import csv
import io as _io
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.errors import Problem, SurveyError, ValidationError
from helpers.ingest.validate import tidy_wave
from helpers.results.tidy import Tidy
from helpers.ingest.wave import load_wave

from conftest import DATA

TINY = DATA / "tiny"
EXPORTS = ("roster.csv", "relations.csv", "external.csv")
ORIGINAL = {p.name: p.read_bytes() for p in TINY.iterdir()}
SECRET = b"fuzz"
SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

CELLS = st.one_of(
    st.sampled_from(["", "I alt", "Total", "Ved ikke", "Don't know", "3", "3,0", "2.5", "-1", "99", "=\"2\"",
                     "Åse Ødegård", "ÅSE  ØDEGÅRD", "Bo Bæk", "Finn Gad", "Ja", "Nej", "Kvinde", "1", "0042",
                     "Ugentligt", "2 - Månedligt", '"', '""', "sep=;", "\ufeff", "Ã¸", "nan", "inf", "1e999"]),
    st.text(alphabet="abcÆØÅæøå0123456789 ;,\t\"'\r\n=-.", max_size=12),
)
YAML_VALUES = st.sampled_from(["", "null", "0", "-1", "2", "9", "yes", "[]", "{}", "[1, 2]", "x", "2019-02-30",
                               "'Respondent'", "relations.csv", "Ark2", "{0: a, 1: a}", "!!binary AA==",
                               "&a [*a]", "'", "long", "id"])


def _text(data: bytes) -> str:
    return data.decode("utf-8-sig", errors="replace")


def _lines(data: bytes) -> list[str]:
    return _text(data).split("\n")


@st.composite
def mutation(draw, data: bytes, name: str) -> bytes:
    """One random change to one file."""
    kinds = ["flip", "delete_line", "duplicate_line", "swap_lines", "delimiter", "cell", "truncate", "encoding",
             "shuffle_columns", "insert"]
    if name == "wave.yml":
        kinds = ["flip", "delete_line", "duplicate_line", "truncate", "yaml_value", "insert"]
    kind = draw(st.sampled_from(kinds))
    if kind == "flip":
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        return data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1:]
    if kind == "insert":
        i = draw(st.integers(0, len(data)))
        return data[:i] + draw(st.binary(min_size=1, max_size=4)) + data[i:]
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    lines = _lines(data)
    i = draw(st.integers(0, len(lines) - 1))
    if kind == "delete_line":
        del lines[i]
    elif kind == "duplicate_line":
        lines.insert(draw(st.integers(0, len(lines))), lines[i])
    elif kind == "swap_lines":
        j = draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "delimiter":
        new = draw(st.sampled_from([",", "\t", "|", " ", ";;", ""]))
        if draw(st.booleans()):
            lines = [line.replace(";", new) for line in lines]
        else:
            lines[i] = lines[i].replace(";", new)
    elif kind == "cell":
        cells = lines[i].split(";")
        cells[draw(st.integers(0, len(cells) - 1))] = draw(CELLS)
        lines[i] = ";".join(cells)
    elif kind == "shuffle_columns":
        rows = [line.split(";") for line in lines]
        width = max(len(r) for r in rows)
        order = draw(st.permutations(range(width)))
        lines = [";".join((r + [""] * width)[k] for k in order) if any(r) else "" for r in rows]
    elif kind == "yaml_value":
        if ": " in lines[i]:
            key = lines[i].split(": ", 1)[0]
            lines[i] = f"{key}: {draw(YAML_VALUES)}"
    elif kind == "encoding":
        text = "\n".join(lines)
        how = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1", "utf-8-sig", "double",
                                    "bom+cp1252", "mac-roman"]))
        if how == "double":
            return text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
        if how == "bom+cp1252":
            return b"\xef\xbb\xbf" + text.encode("cp1252", errors="replace")
        return text.encode(how, errors="replace")
    return "\n".join(lines).encode("utf-8")


@st.composite
def mangled_wave(draw, names=EXPORTS + ("wave.yml",)) -> dict[str, bytes]:
    files = dict(ORIGINAL)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(names))
        files[name] = draw(mutation(files[name], name))
    return files


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _check_refusal(exc: SurveyError) -> None:
    assert str(exc).strip()
    if isinstance(exc, ValidationError):
        assert exc.problems
        for p in exc.problems:
            assert isinstance(p, Problem) and p.file and p.found and p.expected
            assert p.row is None or (isinstance(p.row, int) and p.row >= 1)
            assert p.column is None or isinstance(p.column, str)


def _check_contract(tidy, spec) -> None:
    m, r, e = tidy.members, tidy.relations, tidy.external
    assert list(m.columns) == ["member_id", "gender", "role", "department", "answered"]
    assert m["member_id"].is_unique and m["member_id"].str.fullmatch(r"P[0-9a-f]{8}").all()
    assert set(m["gender"]) <= {"female", "male"} and set(m["role"]) <= {"director", "chief"}
    assert (m["department"] != "").all()
    respondents = set(m.loc[m["answered"], "member_id"])
    assert set(r["source"]) <= respondents and set(r["target"]) <= set(m["member_id"])
    assert (r["source"] != r["target"]).all()
    assert not r.duplicated(["source", "target"]).any()
    assert set(r["rating"]) <= set(spec.relations.scale)
    assert set(e["member_id"]) <= respondents
    assert set(e["status"]) <= {"answered", "dont_know", "blank"}
    assert (e["rating"].notna() == (e["status"] == "answered")).all()
    assert set(e.loc[e["status"] == "answered", "rating"]) <= {float(k) for k in spec.external.scale}


def _ingest_or_refuse(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wave = _write(Path(tmp) / "wave", files)
        target = Path(tmp) / "build" / "tidy"
        target.mkdir(parents=True)
        (target / "wave.json").write_text("previous run")
        before = _snapshot(Path(tmp) / "build")
        try:
            spec = load_wave(wave)
            tidy = tidy_wave(spec, secret=SECRET)
        except SurveyError as exc:
            _check_refusal(exc)
            assert _snapshot(Path(tmp) / "build") == before  # nothing written, nothing half-written
            assert sorted(p.name for p in (Path(tmp) / "build").iterdir()) == ["tidy"]
            return
        _check_contract(tidy, spec)
        again = tidy_wave(load_wave(wave), secret=SECRET)
        for name in ("members", "relations", "external"):
            assert getattr(again, name).equals(getattr(tidy, name))
        Tidy.of(tidy).save(target.parent)
        back = Tidy.load(target.parent)
        for name in ("members", "relations", "external"):
            pd.testing.assert_frame_equal(getattr(back, name), getattr(tidy, name))
        assert sorted(p.name for p in (Path(tmp) / "build").iterdir()) == ["tidy"]  # no temporary folders left


@settings(max_examples=500, **SETTINGS)
@given(mangled_wave())
def test_mangled_csv_exports_fail_cleanly_or_keep_the_contract(files):
    _ingest_or_refuse(files)


@settings(max_examples=100, **SETTINGS)
@given(mangled_wave(names=("wave.yml",)))
def test_mangled_wave_settings_fail_cleanly(files):
    _ingest_or_refuse(files)


def _xlsx_bytes(csv_bytes: bytes) -> bytes:
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook()
    for number, row in enumerate(csv.reader(_io.StringIO(_text(csv_bytes)), delimiter=";"), start=1):
        for col, cell in enumerate(row, start=1):
            cell = ILLEGAL_CHARACTERS_RE.sub("", cell)  # Excel cannot hold control characters
            if cell:
                book.active.cell(number, col, int(cell) if cell.isdigit() else cell)
    out = _io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = _xlsx_bytes(ORIGINAL["relations.csv"])
XLSX_YML = ORIGINAL["wave.yml"].replace(b"file: relations.csv", b"file: relations.xlsx")


@settings(max_examples=60, **SETTINGS)
@given(st.data())
def test_mangled_workbooks_fail_cleanly(data):
    """Damaged XLSX bytes, or cells changed before saving, are refused or read, never crash."""
    if data.draw(st.booleans()):
        book = data.draw(mutation(XLSX, "relations.xlsx"))
    else:
        book = _xlsx_bytes(data.draw(mutation(ORIGINAL["relations.csv"], "relations.csv")))
    files = {**ORIGINAL, "wave.yml": XLSX_YML, "relations.xlsx": book}
    del files["relations.csv"]
    _ingest_or_refuse(files)


def test_unmutated_wave_ingests():
    """The fuzzers start from a valid wave (so a refusal is caused by the mutation)."""
    with tempfile.TemporaryDirectory() as tmp:
        tidy = tidy_wave(load_wave(_write(Path(tmp) / "wave", ORIGINAL)), secret=SECRET)
        files = {**ORIGINAL, "wave.yml": XLSX_YML, "relations.xlsx": XLSX}
        del files["relations.csv"]
        from_book = tidy_wave(load_wave(_write(Path(tmp) / "book", files)), secret=SECRET)
    assert len(tidy.relations) == 24 and from_book.relations.equals(tidy.relations)
