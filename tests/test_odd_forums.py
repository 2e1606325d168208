"""Odd forums: a handout with honest findings or a clear error, never a crash.

Synthetic waves in the survey tool's raw wide format (semicolon CSV with a byte-order
mark, Danish labels, as :mod:`helpers.ingest.example` writes them): five members, no ties at all,
everyone rating everyone "Ugentligt", a single respondent, a department of one, everyone
in one department, and no respondent at all (a 500-member organisation is
tests/test_large_wave.py). Each is run through the whole pipeline (HTML, English) and
must give a handout whose text holds no "nan" or "None",
whose figures all show something (data, or a sentence saying why there is none), and
whose findings say what the data can and cannot carry: no core-periphery claim without
ties or with every tie, "too few answers" with one respondent, nothing across departments
with one department. Zero respondents is a validation error with a clear message.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import nbformat
import pandas as pd
import pytest

from helpers.ingest import example
from helpers import io
from helpers.results.structure import Structure
from helpers.handout import sections
from helpers.handout.context import Context

SEED = 20190222
RATINGS = example.RELATION_LABELS  # Aldrig, Sjældent, Månedligt, Ugentligt


def some(i: int, j: int) -> str:
    """A fixed mix of all four answers (a tie from "Månedligt" up)."""
    return RATINGS[(i * 7 + j * 3 + i * j) % 4]


# name: (department per member, rating of j by i, whether i answered)
CASES = {
    "five": (list("AAABB"), some, lambda i: True),
    "no-ties": (list("AAABBBCC"), lambda i, j: "Aldrig", lambda i: True),
    "complete": (list("AAABBBCC"), lambda i, j: "Ugentligt", lambda i: True),
    "one-respondent": (list("AAABBBCC"), some, lambda i: i == 0),
    "department-of-one": (list("AAAABBBC"), some, lambda i: True),
    "one-department": (list("AAAAAAAA"), some, lambda i: True),
    "small-departments": (list("AAAAAABBBBBBCDD"), some, lambda i: True),  # a department of one and one of two
}


def write_wave(folder: Path, departments, rating, answered, wave_id: str) -> Path:
    """A wave as the survey tool exports it: roster, wide relations and external answers, wave.yml."""
    n = len(departments)
    names = [f"Medlem {i:03d}" for i in range(n)]
    seen: set[str] = set()
    roles = []
    for d in departments:  # the first member of each department is its director
        roles.append("Chef" if d in seen else "Direktør")
        seen.add(d)
    roster = pd.DataFrame({"Medarbejdernr": [str(1000 + i) for i in range(n)], "Navn": names,
                           "Køn": ["Kvinde" if i % 2 else "Mand" for i in range(n)], "Stilling": roles,
                           "Magistratsafdeling": departments,
                           "Besvaret": ["Ja" if answered(i) else "Nej" for i in range(n)]})
    respondents = [i for i in range(n) if answered(i)]
    relations = pd.DataFrame([[names[i]] + ["" if i == j else rating(i, j) for j in range(n)] for i in respondents],
                             columns=["Respondent", *names])
    external = pd.DataFrame([[names[i]] + [example.EXTERNAL_LABELS[(3 * i + 5 * p) % 4 + 1]
                                           for p in range(len(example.PARTNER_COLUMNS))] for i in respondents],
                            columns=["Respondent", *example.PARTNER_COLUMNS])
    folder.mkdir(parents=True)
    spec = example.WaveSpec(1, wave_id, f"Odd forum {wave_id}", "2021-02-22", f"Odd forum {wave_id}")
    (folder / "wave.yml").write_text(example.wave_yml(spec), encoding="utf-8")
    for name, frame in (("roster", roster), ("relations", relations), ("external", external)):
        frame.to_csv(folder / f"{name}.csv", sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return folder


def start(wave: Path, build: Path) -> subprocess.Popen:
    env = {**os.environ, "FORUM_NETWORK_SECRET": "odd-forums"}
    return subprocess.Popen([sys.executable, "-m", "helpers.cli", "run", str(wave), "--build", str(build),
                             "--lang", "en", "--to", "html", "--jobs", "1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every odd forum run from scratch, two at a time: name -> (exit code, output, build folder)."""
    base = tmp_path_factory.mktemp("odd")
    pending = [(name, write_wave(base / "waves" / name, *CASES[name], wave_id=name)) for name in CASES]
    running, done = [], {}
    while pending or running:
        while pending and len(running) < 2:
            name, wave = pending.pop(0)
            running.append((name, start(wave, base / "build")))
        name, proc = running.pop(0)
        out, err = proc.communicate(timeout=600)
        done[name] = (proc.returncode, out + err, base / "build" / name)
    return done


def text_of(page: Path) -> str:
    """The visible text of an HTML handout (no scripts, style sheets or table of contents)."""
    raw = page.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style|nav)\b.*?</\1>", " ", raw, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw))).replace("\u00a0", " ")


def handout_text(folder: Path) -> str:
    text = text_of(folder / "handout" / "handout-en.html")
    return text[text.index("The survey closed"):]  # after the title and subtitle


BAD = re.compile(r"\b(nan|NaN|NAN|inf|-inf|None(?! of))\b")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_runs_to_a_handout_without_a_traceback(runs, name):
    code, output, folder = runs[name]
    assert code == 0, output
    assert "Traceback" not in output
    nb = nbformat.read(folder / "notebooks" / "handout-en.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_no_nan_or_none_in_the_handout(runs, name):
    _, _, folder = runs[name]
    assert BAD.findall(handout_text(folder)) == []
    for lang in ("da", "en"):  # every section as the handout notebook builds it, both languages
        h = Context(folder, lang, SEED)
        texts = [*sections.title.block(h).values(), sections.summary.text(h), sections.purpose.text(h),
                 sections.contrasts.text(h),
                 sections.structure.text(h), sections.departments.text(h), sections.external.intro(h),
                 sections.external.table(h), sections.external.text(h), sections.discussion.text(h),
                 sections.next_steps.text(h), sections.method.text(h)]
        assert BAD.findall("\n".join(texts)) == [], lang


def drawn(fig) -> bool:
    """Whether a figure shows anything: data (points, lines, cells) or a sentence saying why not."""
    for ax in fig.axes:
        data = len(ax.collections) + len(ax.lines) + len(ax.patches) + len(ax.images)
        if data or any(t.get_text().strip() for t in ax.texts):
            return True
    return False


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_figure_shows_something(runs, name):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, _, folder = runs[name]
    h = Context(folder, "en", SEED)
    # Figure 2 is left out (no figure, no caption) when there is nothing to contrast; its text says why
    contrast = not sections.contrasts.nothing_to_contrast(h)
    assert contrast == (name not in ("no-ties", "complete", "one-respondent"))
    for section in (sections.network, sections.contrasts, sections.departments, sections.external):
        plt.close("all")
        section.figure(h)
        if section is sections.contrasts and not contrast:
            assert plt.get_fignums() == [] and sections.contrasts.text(h)
            continue
        assert drawn(plt.gcf()), section.__name__
    plt.close("all")
    nb = nbformat.read(folder / "notebooks" / "handout-en.ipynb", as_version=4)
    # the figures of "since last time" are drawn only for a wave compared with another (tests/test_since.py)
    figures = [c for c in nb.cells if c.cell_type == "code" and "#| label: fig-" in c.source and "since." not in c.source]
    assert len(figures) >= 4
    for cell in figures:
        image = any("image/svg+xml" in o.get("data", {}) for o in cell.outputs)
        assert image == (contrast or "fig-contrasts" not in cell.source), cell.source.splitlines()[0]
    text = (folder / "handout" / "handout-en.html").read_text(encoding="utf-8")
    assert bool(re.search(r'<figure[^>]*id="fig-contrasts"', text)) == contrast  # with its caption, or neither


FINDINGS = {
    # name: (sentences the handout must hold, sentences it must not)
    "no-ties": (["No relations were reported: no respondent answered", "no core, no periphery",
                 "No relations were reported, neither within nor across departments",
                 "the answers are shown for all respondents together"],
                ["core-periphery structure", "a core of", "Nobody is indispensable", "separate groupings",
                 "E-I index", "None of the differences"]),
    "complete": (["Everyone works with everyone", "no core can be told apart",
                  "Every possible relation exists, so no other structure", "100.0 % density"],
                 ["core-periphery structure", "a core of", "cut across", "None of the differences"]),
    "one-respondent": (["The answers are too few to describe the forum", "Too few answers to describe the network",
                        "Too few answers to describe collaboration across departments"],
                       ["a core of", "relations out of a theoretical maximum", "E-I index", "indispensable",
                        "of all relations cross department lines", "None of the differences"]),
    "one-department": (["All members belong to one department"],
                       ["E-I index", "across departments are held by", "cut across organisational position and "
                        "department", "of 1 departments"]),
    "department-of-one": (["core-periphery structure", "E-I index"], []),
    "small-departments": (["Departments of fewer than 3 members are merged into “Other”.",
                           "merged into “Other” when the merged group passes the rule"],
                          ["of 4 departments", "of 3 departments", "member from A", "member from B", "chief in",
                           "director in"]),
    "five": (["core-periphery structure", "The core and the periphery cannot be compared"],
             ["None of the differences is statistically certain"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FINDINGS))
def test_findings_say_what_the_data_can_carry(runs, name):
    _, _, folder = runs[name]
    text = handout_text(folder)
    must, must_not = FINDINGS[name]
    assert [s for s in must if s not in text] == []
    assert [s for s in must_not if s in text] == []


@pytest.mark.slow
def test_department_of_one_is_suppressed_in_the_heatmap(runs):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, _, folder = runs["department-of-one"]
    ax = sections.departments.figure(Context(folder, "en", SEED))
    rows = [t.get_text() for t in ax.get_yticklabels()]
    columns = [t.get_text() for t in ax.get_xticklabels()]
    plt.close("all")
    # C has one member: not a row (her answers) and not a column (the others' answers about her);
    # "Other" would hold her alone, so it is left out too (issue 14: "Teknik og Miljø → Revision 17 % (1)")
    assert rows == ["A", "B"] and columns == ["A", "B"]
    assert "Departments of fewer than 3 members are left out." in handout_text(folder)


def test_zero_respondents_is_a_clear_error(tmp_path):
    wave = write_wave(tmp_path / "none", list("AAABBBCC"), some, lambda i: False, wave_id="none")
    proc = start(wave, tmp_path / "build")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in out + err
    assert "relations.csv, row 1: found a header row only" in err
    assert not (tmp_path / "build" / "none").exists()


# -- fast checks of the pieces, on hand-made forums ----------------------------------------


def forum(n: int, ties, answered=None) -> nx.DiGraph:
    G = nx.DiGraph()
    for i in range(n):
        G.add_node(f"m{i}", gender="female" if i % 2 else "male", role="chief", department="AB"[i % 2],
                   answered=True if answered is None else i in answered)
    G.add_edges_from((f"m{u}", f"m{v}", {"rating": 3}) for u, v in ties)
    return G


@pytest.mark.parametrize("ties,answered,reason", [
    ([], None, "no_ties"),
    ([(u, v) for u in range(6) for v in range(6) if u != v], None, "all_ties"),
    ([(0, 1), (0, 2)], {0}, "too_few"),
])
def test_structure_without_a_core_says_why(ties, answered, reason):
    G = forum(6, ties, answered)
    structure = Structure.compute(G, seed=1, n_samples=9, n_networks=9)
    cp = structure.core_periphery()
    assert (cp["defined"], cp["reason"], cp["core"], cp["fit"]) == (False, reason, [], None)
    assert (structure.defined, structure.no_core_reason, structure.core) == (False, reason, [])
    assert structure.significance["degree"]["p_value"] is None and structure.composition == {}
    assert set(structure.members["group"]) == {"periphery"}
    assert len(structure.core_composition) == 5  # two genders, one role, two departments
    assert (structure.core_composition["core_count"] == 0).all()


def test_structure_with_a_core_is_marked_defined():
    ties = [(u, v) for u in range(3) for v in range(3) if u != v] + [(3, 0), (4, 1), (5, 2), (0, 3)]
    structure = Structure.compute(forum(6, ties), seed=1, n_samples=9, n_networks=9)
    assert structure.defined is True
    assert structure.core and structure.core == structure.core_periphery()["core"]


def minimal_wave(folder: Path, *, respondents: int, members: int, ties: int, means: pd.DataFrame,
                 core: list[str]) -> Context:
    """Just the files the handout's external table and findings read."""
    io.write_json({"min_group_size": 3, "external": {"partners": [{"id": "citizens", "da": "Borgere",
                                                                   "en": "Citizens"}]}},
                  folder / "tidy" / "wave.json")
    io.write_json({"respondents": respondents, "members": members, "ties": ties}, folder / "results" / "network.json")
    io.write_json({"core_periphery": {"ignore": {"defined": bool(core), "core": core}}},
                  folder / "results" / "structure.json")
    io.write_table(means, folder / "results" / "external_means.csv")
    return Context(folder, "en", SEED)


def means(core_n: int, periphery_n: int) -> pd.DataFrame:
    return pd.DataFrame({"partner": ["citizens", "citizens"], "group": ["core", "periphery"],
                         "n_answered": [core_n, periphery_n],
                         "mean_rating": [2.5 if core_n else float("nan"), 3.0 if periphery_n else float("nan")],
                         "n_dont_know": [0, 0], "n_blank": [0, 0]})


def test_external_table_hides_mean_and_count_of_two_and_never_shows_nan(tmp_path):
    h = minimal_wave(tmp_path, respondents=10, members=10, ties=20, means=means(2, 0), core=["a", "b"])
    rows = sections.external.table(h).splitlines()[2:]
    assert rows == ["| Citizens | – | – | – / – |"]  # two answers, and none: no mean, no count


def test_external_table_without_a_core_has_one_row_for_everyone(tmp_path):
    h = minimal_wave(tmp_path, respondents=10, members=10, ties=20, means=means(0, 10), core=[])
    assert sections.external.table(h).splitlines()[:1] == ["| Partner | All respondents | Answers |"]
    assert sections.external.table(h).splitlines()[2:] == ["| Citizens | 3.00 | 10 |"]


def test_undefined_numbers_are_shown_as_the_marker(tmp_path):
    h = minimal_wave(tmp_path, respondents=10, members=10, ties=20, means=means(5, 5), core=["a"])
    assert (h.n(float("nan")), h.n(None), h.pct(float("nan")), h.p(None)) == ("–", "–", "–", "= –")
    assert (h.n(2.5, 2), h.pct(0.5), h.p(0.0001)) == ("2.50", "50\u00a0%", "< 0.001")


def test_too_few_respondents_and_no_ties_are_recognised(tmp_path):
    h = minimal_wave(tmp_path / "a", respondents=2, members=8, ties=3, means=means(1, 1), core=["a"])
    assert h.thin and not h.has_core
    h = minimal_wave(tmp_path / "b", respondents=8, members=8, ties=0, means=means(0, 8), core=[])
    assert h.no_ties and not h.thin and not h.has_core


@pytest.mark.slow
def test_small_departments_in_the_rendered_view_and_the_exports(runs):
    """C (one member) and D (two) are "Other" in every tooltip, without coreness or tie partners,
    and nowhere a department of their own: not in the view, not in the exports."""
    _, _, folder = runs["small-departments"]
    page = (folder / "handout" / "handout-en.html").read_text(encoding="utf-8")
    view = page[page.index('class="netview"'):]
    # an empty data-nb="" is written as the bare attribute data-nb by the renderer
    shapes = re.findall(r'data-i="(\d+)" data-nb(?:="([\d ]*)")?[^>]*><title>(.*?)</title>', view, flags=re.S)
    assert len(shapes) == 15
    other = [(i, nb, html.unescape(t)) for i, nb, t in shapes if html.unescape(t).startswith("Department: Other")]
    assert len(other) == 3
    assert all(nb == "" and "Coreness" not in t for _, nb, t in other)
    small = {i for i, _, _ in other}
    assert not [i for i, nb, _ in shapes if small & set(nb.split())]
    assert not re.search(r"Department: [CD]\b", html.unescape(view))
    assert not re.search(r"</svg>[CD]</li>", view)
    graph = nx.read_graphml(folder / "exports" / "network.graphml")
    assert {a.get("department") for _, a in graph.nodes(data=True)} == {"A", "B", "other"}
    assert not any("role" in a or "answered" in a for _, a in graph.nodes(data=True))
