"""Privacy: no name, member number or key in anything a run writes; small groups suppressed.

Example wave 1 (fabricated names in the roster's ``Navn`` column) is run into a build
folder of its own with a fresh random pseudonym key, and every file the run leaves there
is searched: the handouts (HTML text and the figures embedded in it, PDF text and
metadata), the tidy parquet tables, results CSV and JSON, the network exports, the
executed notebooks (with their figures), the jupyter-cache folder and the run's own
output on the terminal. A second run, of a copy of the wave in which one department has
only two respondents, one partner type only two answers and the core only two directors,
shows that no count or mean describing fewer than ``min_group_size`` people reaches the
handout.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import os
import re
import secrets
import subprocess
import sys
import struct
import unicodedata
import zlib
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from pypdf import PdfReader

from helpers.ingest import example
from helpers.handout import sections
from helpers.handout.context import Context

from conftest import ROOT

K = 3  # the example waves' privacy.min_group_size
SMALL_DEPARTMENT = "Borgmesterens Afdeling"
THIN_PARTNER = ("Borgere", "Citizens")
# the files of the project that hold the handout's own words (sentences, questions,
# labels, the survey's questions): a name part that is a word there is no leak
VOCABULARY = ("report/i18n/da.yml", "report/i18n/en.yml", "report/discussion.yml", "data/example/2019-02/wave.yml")


def fold(text: str) -> str:
    """Text as searched: JSON and HTML escapes undone, Unicode composed, case folded."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), text)
    return unicodedata.normalize("NFC", html.unescape(text)).casefold()


def _words(terms) -> str:
    return "|".join(r"\s+".join(map(re.escape, fold(t).split())) for t in sorted(terms, key=len, reverse=True))


def word(*terms: str) -> re.Pattern:
    """Names or name parts as whole words (not inside another word or a hex string)."""
    return re.compile(r"(?<!\w)(?:" + _words(terms) + r")(?!\w)")


def number(*values: str) -> re.Pattern:
    """Member numbers standing alone: not part of a longer number, a decimal or a hex string."""
    return re.compile(r"(?<!\w)(?<!\d[.,])(?:" + "|".join(map(re.escape, values)) + r")(?!\w)(?![.,]\d)")


def hits(pattern: re.Pattern, text: str) -> set[str]:
    return {m[0] for m in pattern.finditer(text)}


def png_text(data: bytes) -> list[str]:
    """The text chunks of a PNG image (tEXt, zTXt, iTXt): its metadata, not its pixels."""
    out, pos = [], 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"tEXt":
            out.append(body.decode("latin-1"))
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            out.append(key.decode("latin-1") + " " + zlib.decompress(rest[1:]).decode("latin-1"))
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            compressed, rest = rest[0], rest[2:]
            _, _, rest = rest.partition(b"\0")  # language tag
            _, _, text = rest.partition(b"\0")  # translated keyword
            out.append(key.decode("latin-1") + " " + (zlib.decompress(text) if compressed else text).decode("utf-8"))
        pos += 12 + length
    return out


def image_text(data: bytes) -> list[str]:
    """What an embedded figure holds as text: an SVG's source, a PNG's metadata."""
    if data.startswith(b"\x89PNG"):
        return png_text(data)
    return [data.decode("utf-8", "ignore")]


def _decoded_images(text: str) -> list[str]:
    """Figures embedded as base64 (data: URIs in HTML), as text."""
    out = []
    for blob in re.findall(r"data:image/[\w+.-]+;base64,([A-Za-z0-9+/=]+)", text):
        try:
            out += image_text(base64.b64decode(blob))
        except binascii.Error:
            continue
    return out


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)]


_GEOMETRY = re.compile(r'\s(?:d|points|transform|x|y|x1|x2|y1|y2|cx|cy|r|rx|ry|width|height|viewBox|style)="[^"]*"')


def views(path: Path, *, raw: bool = True) -> list[str]:
    """Every readable form of a file: its bytes as text, and what a reader of its format sees.

    Drawing coordinates in SVG figures (path data, positions) are left out: they are
    numbers, not text. A notebook is read as the notebook it is (multi-line strings joined).
    ``raw=False`` leaves out the bytes of PDF and parquet files (full of offsets and
    lengths that look like member numbers), keeping what their readers show.
    """
    data = path.read_bytes()
    binary = path.suffix in (".pdf", ".parquet")
    out = [] if path.suffix == ".ipynb" or (binary and not raw) else [data.decode("utf-8", "ignore"),
                                                                       data.decode("latin-1")]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        out.append(data.decode("utf-16", "ignore"))
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        frame = pd.read_parquet(path)
        out += [frame.to_csv(index=False), str(pq.read_schema(path).metadata)]
    elif suffix == ".pdf":
        reader = PdfReader(path)
        out += [page.extract_text() for page in reader.pages]
        out += [f"{k} {v}" for k, v in (reader.metadata or {}).items()]
        out += [str(o) for o in reader.outline]
        xmp = reader.trailer["/Root"].get("/Metadata")
        if xmp is not None:
            out.append(xmp.get_object().get_data().decode("utf-8", "ignore"))
    elif suffix == ".ipynb":
        strings = _strings(nbformat.reads(data.decode("utf-8"), as_version=4))
        out += strings
        for s in strings:
            if re.fullmatch(r"[A-Za-z0-9+/=\s]{200,}", s):  # an image/png output
                out += image_text(base64.b64decode(s))
    text = data.decode("utf-8", "ignore")
    out += _decoded_images(text) if not binary else []
    if suffix in (".html", ".htm"):
        out.append(re.sub(r"<[^>]+>", " ", text))
    return [_GEOMETRY.sub(" ", v) for v in out]


def cells(path: Path) -> list[str]:
    """The cells of a table, as text (integers without a decimal part)."""
    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
    values = [str(c) for c in frame.columns] + [str(v) for v in frame.to_numpy().ravel()]
    return [v[:-2] if re.fullmatch(r"\d+\.0", v) else v for v in values]


def start(wave, build, secret, langs, formats):
    env = {**os.environ, "FORUM_NETWORK_SECRET": secret}
    return subprocess.Popen([sys.executable, "-m", "helpers.cli", "run", str(wave), "--build", str(build),
                             "--lang", langs, "--to", formats],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def small_groups_wave(folder: Path) -> Path:
    """Example wave 1 with a department of two respondents, a partner type with two answers
    and a core with two directors (one core director made a chief)."""
    wave = example.generate_wave(1)
    roster, relations, external = wave.roster.copy(), wave.relations.copy(), wave.external.copy()
    dept = roster["Magistratsafdeling"] == SMALL_DEPARTMENT
    leave = roster.loc[dept & (roster["Besvaret"] == "Ja") & ~roster["Medarbejdernr"].isin(wave.core), "Navn"]
    assert len(leave) == 2  # four respondents, two of them in the core: two stay
    roster.loc[roster["Navn"].isin(leave), "Besvaret"] = "Nej"
    relations = relations[~relations["Respondent"].isin(leave)]
    external = external[~external["Respondent"].isin(leave)]
    answered = external.index[external[THIN_PARTNER[0]] != ""]
    external.loc[answered[2:], THIN_PARTNER[0]] = ""
    core_directors = roster.index[roster["Medarbejdernr"].isin(wave.core) & (roster["Stilling"] == "Direktør")]
    assert len(core_directors) == K
    roster.loc[core_directors[0], "Stilling"] = "Chef"
    folder.mkdir(parents=True)
    (folder / "wave.yml").write_text(wave.wave_yml, encoding="utf-8")
    for name, frame in (("roster", roster), ("relations", relations), ("external", external)):
        frame.to_csv(folder / f"{name}.csv", sep=";", index=False, encoding="utf-8-sig")
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Example wave 1 (Danish and English, HTML and PDF) and the small-groups wave (English,
    HTML), run side by side under a fresh random key."""
    base = tmp_path_factory.mktemp("privacy")
    secret = secrets.token_hex(24)
    small = small_groups_wave(base / "small" / "2019-02")
    procs = [start("2019-02", base / "build", secret, "da,en", "html,pdf"),
             start(small, base / "small-build", secret, "en", "html")]
    logs = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        logs.append(out + err)
    return {"build": base / "build", "small-build": base / "small-build", "small": base / "small-build" / "2019-02",
            "secret": secret, "logs": "\n".join(logs)}


@pytest.fixture(scope="module")
def roster():
    frame = pd.read_csv(ROOT / "data/example/2019-02/roster.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert len(frame) == 40
    return frame


@pytest.fixture(scope="module")
def searched_terms(roster):
    """Full names, and every first name and surname of four letters or more that is not a
    word of the handout's own vocabulary."""
    vocabulary = fold(" ".join((ROOT / p).read_text(encoding="utf-8") for p in VOCABULARY))
    parts = {p for name in roster["Navn"] for p in name.split() if len(p) >= 4}
    ordinary = {p for p in parts if word(p).search(vocabulary)}
    surnames = {name.split()[-1] for name in roster["Navn"]}
    assert not ordinary & surnames, "a surname is a word of the handout; the test would miss it"
    return sorted(set(roster["Navn"]) | (parts - ordinary))


def artifacts(runs) -> list[tuple[str, Path]]:
    """Every file both runs wrote, with a short name."""
    files = [(f"{name}/{p.relative_to(runs[name]).as_posix()}", p)
             for name in ("build", "small-build") for p in sorted(runs[name].rglob("*")) if p.is_file()]
    kinds = {p.suffix for _, p in files}
    assert {".html", ".pdf", ".parquet", ".csv", ".json", ".graphml", ".gexf", ".net", ".dl", ".ipynb", ".db"} <= kinds
    assert any(".jupyter_cache" in p.parts for _, p in files)
    return files


@pytest.mark.slow
def test_no_name_in_any_artifact_or_log(runs, searched_terms):
    names = word(*searched_terms)
    found = {(name, hit) for name, path in artifacts(runs) for view in views(path) for hit in hits(names, fold(view))}
    found |= {("terminal", hit) for hit in hits(names, fold(runs["logs"]))}
    assert sorted(found) == []


@pytest.mark.slow
def test_no_member_number_in_any_artifact_or_log(runs, roster):
    numbers = number(*roster["Medarbejdernr"])
    found = set()
    for name, path in artifacts(runs):
        texts = views(path, raw=False)
        if path.suffix in (".csv", ".parquet"):
            texts.append("\n".join(cells(path)))
        found |= {(name, hit) for view in texts for hit in hits(numbers, view)}
    found |= {("terminal", hit) for hit in hits(numbers, runs["logs"])}
    assert sorted(found) == []


def test_searching_finds_what_it_looks_for(tmp_path):
    """The search itself: escaped, decomposed, upper-cased and embedded names are found;
    words that merely contain a name or a number are not."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    svg = base64.b64encode("<svg><title>Niels Åkjær</title></svg>".encode()).decode()
    page = tmp_path / "a.html"
    page.write_text(f'<p>M&oslash;lholm</p><img src="data:image/svg+xml;base64,{svg}">', encoding="utf-8")
    found = [fold(v) for v in views(page)]
    assert any(word("Mølholm").search(v) for v in found)
    assert any(word("Niels Åkjær").search(v) for v in found)
    assert word("Mølholm").search(fold('{"name": "M\\u00f8lholm"}'))
    assert word("Åkjær").search(fold(unicodedata.normalize("NFD", "ÅKJÆR")))
    assert not word("Inge").search(fold("ingen er uundværlig"))
    png = io.BytesIO()
    plt.figure().savefig(png, format="png", metadata={"Author": "Poul Engholm"})
    plt.close("all")
    notebook = tmp_path / "a.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("plot()", outputs=[nbformat.v4.new_output(
        "display_data", {"image/png": base64.b64encode(png.getvalue()).decode()})])])
    nbformat.write(nb, notebook)
    assert any(word("Engholm").search(fold(v)) for v in views(notebook))
    assert number("1056").search("member,1056,x") and number("1056").search("id: 1056")
    assert not number("1056").search("p = 0,1056") and not number("1056").search("a1056f") \
        and not number("1056").search("10560")


@pytest.mark.slow
def test_the_key_is_never_written(runs):
    secret = runs["secret"].encode()
    leaks = [name for name, p in artifacts(runs) if secret in p.read_bytes() or secret.hex().encode() in p.read_bytes()]
    assert leaks == []
    assert runs["secret"] not in runs["logs"]


def test_raw_data_is_ignored_by_git_and_examples_are_not():
    def ignored(path: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0

    assert ignored("data/raw/2021-02/roster.csv")
    assert ignored("data/raw/x/relations.xlsx")
    assert not ignored("data/example/2019-02/roster.csv")
    assert not ignored("data/raw/README.md")


# -- small groups ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(runs):
    folder = runs["small"]
    page = (folder / "handout" / "handout-en.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).replace("\u00a0", " ")
    return folder, page, text


def external_rows(page: str) -> dict[str, dict[str, str]]:
    """The external-relations table of the handout: partner type -> column -> cell."""
    table = next(t for t in re.findall(r"<table.*?</table>", page, re.S) if THIN_PARTNER[1] in t)
    header = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<th.*?</th>", table, re.S)]
    rows = {}
    for row in re.findall(r"<tr.*?</tr>", table, re.S)[1:]:
        values = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td.*?</td>", row, re.S)]
        rows[values[0]] = dict(zip(header[1:], values[1:]))
    return rows


@pytest.mark.slow
def test_external_table_shows_no_mean_or_count_of_fewer_than_k(small):
    _, page, _ = small
    rows = external_rows(page)
    assert THIN_PARTNER[1] in rows and all(sorted(v) == ["Answers", "Core", "Periphery"] for v in rows.values())
    thin = rows[THIN_PARTNER[1]]
    assert (thin["Core"], thin["Periphery"], thin["Answers"]) == ("–", "–", "– / –")  # two answers in all: hidden
    for partner, values in rows.items():
        counts = [int(n) for n in re.findall(r"\d+", values["Answers"])]
        assert all(n >= K for n in counts), (partner, values)
        assert (values["Core"] == "–") == values["Answers"].startswith("–"), (partner, values)


@pytest.mark.slow
def test_heatmap_hides_the_department_with_two_respondents(small):
    folder, _, _ = small
    import matplotlib

    matplotlib.use("Agg")
    ax = sections.departments.figure(Context(folder, "en", 20190222))
    rows = [t.get_text() for t in ax.get_yticklabels()]
    row = rows.index(SMALL_DEPARTMENT)
    texts = [t.get_text() for t in ax.texts if abs(t.get_position()[1] - (row + 0.5)) < 1e-9 and t.get_text()]
    assert len(texts) == len(rows) and set(texts) == {"–"}
    others = [t.get_text() for t in ax.texts if abs(t.get_position()[1] - (row + 0.5)) > 0.25]
    assert any("%" in t for t in others)  # the other departments are shown


@pytest.mark.slow
def test_core_make_up_states_no_number_of_fewer_than_k_people(small):
    _, _, text = small
    sentence = re.search(r"[^.]*much like the forum as a whole[^.]*\.", text)[0]
    people = re.findall(r"(\d+) (women|men|directors|chiefs)\b", sentence)
    assert people and all(int(n) >= K for n, _ in people), sentence
    # two directors in the core: "fewer than 3 directors" beside "10 chiefs" gave them away by
    # subtraction from the core's size, so the position is given without counts
    assert "directors" not in sentence and "chiefs" not in sentence, sentence


@pytest.mark.slow
def test_no_sentence_counts_fewer_than_k_people_in_a_group(small):
    """Nowhere in the handout: "2 directors", "2 respondents", "(2)" after a mean."""
    _, _, text = small
    small_counts = re.findall(r"\b([12]) (women|men|directors|chiefs|respondents|members)\b", text)
    assert small_counts == []
