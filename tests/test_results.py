"""The results contract: every file declared once, saved and loaded unchanged, Figure 2 drawn from what was saved."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from conftest import ROOT, edit
from helpers.analysis import contrasts
from helpers.ingest.wave import load_wave
from helpers.pipeline import scheduler
from helpers.results.base import Result
from helpers.results.comparison import Comparison
from helpers.results.departments import Departments
from helpers.results.external import External
from helpers.results.network import Network
from helpers.results.structure import Structure
from helpers.results.tidy import Tidy

RESULTS = (Network, Structure, Departments, External, Comparison)


def forum() -> nx.DiGraph:
    """Two departments of four, each a clique, one tie across; everyone answered."""
    G = nx.DiGraph()
    for i, dept in enumerate("AAAABBBB"):
        G.add_node(f"m{i}", department=dept, role="chief", gender="female" if i % 2 else "male", answered=True)
    for block in (range(4), range(4, 8)):
        G.add_edges_from((f"m{u}", f"m{v}") for u, v in itertools.permutations(block, 2))
    G.add_edge("m0", "m4")
    return G


@pytest.fixture(scope="module")
def structure() -> Structure:
    return Structure.compute(forum(), seed=3, n_samples=19, n_networks=9)


def test_every_file_is_declared_once():
    files = [f for result in RESULTS for f in result.files()]
    assert len(files) == len(set(files))
    assert all(f.startswith("results/") or f == "exports" for f in files)


def test_steps_write_what_their_results_declare():
    writes = {s.name: s.writes for s in scheduler.STEPS + (scheduler.COMPARE,)}
    # the core-periphery step also computes the external ratings: it holds the core they read
    assert writes == {"ingest": ("tidy",), "network": Network.files(),
                      "core-periphery": Structure.files() + External.files(),
                      "departments": Departments.files(), "compare": Comparison.files()}
    steps = {s.name: s for s in scheduler.STEPS}
    assert External.reads() == ("tidy", "results/structure.json")
    assert steps["core-periphery"].reads == ("tidy",)  # the structure it reads is its own


def test_a_step_of_several_results_reads_only_what_others_write():
    a = type("A", (), {"reads": staticmethod(lambda: ("tidy",)), "files": staticmethod(lambda: ("results/a.json",))})
    b = type("B", (), {"reads": staticmethod(lambda: ("tidy", "results/a.json", "results/c.csv")),
                       "files": staticmethod(lambda: ("results/b.csv",))})
    step = scheduler.Step.of("ab", "ab.ipynb", a, b)
    assert step.writes == ("results/a.json", "results/b.csv")
    assert step.reads == ("tidy", "results/c.csv")
    deps = scheduler.dependencies((step, scheduler.Step("c", "c.ipynb", ("tidy",), ("results/c.csv",))))
    assert deps == {"ab": {"c"}, "c": set()}


def test_no_result_file_name_is_written_outside_results():
    """A result's file name is spelled once, in its declaration; everyone else asks the class."""
    names = {Path(f).name for result in RESULTS for f in result.files(*[
        f.name for f in result._stored()])} | {Tidy.META}
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names)))
    found = []
    for path in sorted((ROOT / "src" / "helpers").rglob("*.py")):
        if "results" in path.relative_to(ROOT / "src" / "helpers").parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and pattern.search(node.value):
                if node.value.lstrip().startswith(('"""', "The", "Write")) or "\n" in node.value or " " in node.value:
                    continue  # documentation, not a path
                found.append(f"{path.name}: {node.value!r}")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")) + [ROOT / "report" / "handout.ipynb"]:
        import nbformat

        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and pattern.search(cell.source):
                found.append(f"{path.name}: {cell.source[:60]!r}")
    assert found == []


def test_structure_round_trip(structure, tmp_path):
    written = structure.save(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(
        f for f in Structure.files() if f != "exports")
    back = Structure.load(tmp_path)
    assert back.findings == structure.findings
    assert back.core == structure.core and back.core  # a core of one department's clique
    assert back.coreness.round(12).equals(structure.coreness.astype(float).round(12))
    pd.testing.assert_frame_equal(back.contrasts, structure.contrasts, check_dtype=False)


def test_figure2_draws_the_networks_the_analysis_measured(structure, tmp_path):
    G = forum()
    made = contrasts.contrasting_networks(G.number_of_nodes(), None,
                                          [d for _, d in sorted(G.nodes(data="department"))], seed=3,
                                          n_edges=G.number_of_edges())
    structure.save(tmp_path)
    saved = Structure.load(tmp_path).contrast_graphs()
    assert list(saved) == list(made) == list(contrasts.CONTRASTS)
    for name, g in made.items():
        assert list(saved[name].nodes(data="department")) == list(g.nodes(data="department"))
        assert sorted(saved[name].edges()) == sorted(g.edges())
    measured = Structure.load(tmp_path).contrasts.set_index("network")
    assert list(measured.index) == ["wave", *made]
    assert measured.loc["hub", "ties"] == saved["hub"].number_of_edges() == G.number_of_edges()


def test_a_missing_file_loads_as_none(tmp_path):
    Network(summary={"members": 3}).save(tmp_path)
    assert Network.load(tmp_path).summary == {"members": 3}
    comparison = Comparison.load(tmp_path)
    assert comparison.summary is None and comparison.compare_external is None


def test_accessors_read_the_declared_keys():
    s = Structure(findings={"core_periphery": {"ignore": {"core": ["b", "a"], "periphery": ["c"], "defined": False,
                                                          "reason": "too_few"}}})
    assert (s.core, s.periphery, s.defined, s.no_core_reason) == (["b", "a"], ["c"], False, "too_few")
    with pytest.raises(KeyError, match="stores no 'nothing'"):
        Structure.file("nothing")
    assert issubclass(Structure, Result)


def test_tidy_round_trip_and_ingest_once(tiny, tmp_path):
    spec = load_wave(tiny)
    tidy = Tidy.compute(spec)
    folder = tmp_path / "build"
    tidy.save(folder)
    back = Tidy.load(folder)
    for name in Tidy.TABLES:
        assert getattr(back, name).equals(getattr(tidy, name))
    assert back.graph.number_of_edges() == 11
    # made from the current input files: read, not ingested again
    stamp = (folder / "tidy" / Tidy.META).stat().st_mtime_ns
    assert Tidy.ingest(spec, folder).meta == tidy.meta
    assert (folder / "tidy" / Tidy.META).stat().st_mtime_ns == stamp
    # the raw export changed: ingested again
    edit(tiny / "relations.csv", "Bo Bæk;Ugentligt;;Ugentligt", "Bo Bæk;Ugentligt;;Aldrig")
    again = Tidy.ingest(load_wave(tiny), folder)
    assert again.meta["input_sha256"] != tidy.meta["input_sha256"]
    assert Tidy.load(folder).meta["input_sha256"] == again.meta["input_sha256"]


def test_departments_and_external_compute_what_the_notebooks_show(tiny, tmp_path):
    spec = load_wave(tiny)
    tidy = Tidy.compute(spec)
    G = tidy.graph
    departments = Departments.compute(G, seed=1)
    assert departments.density_matrix().shape[0] == len({d for _, d in G.nodes(data="department")})
    core = sorted(G)[:2]
    external = External.compute(tidy, core, [p.id for p in spec.partners], seed=1)
    external.save(tmp_path)
    back = External.load(tmp_path)
    assert set(back.external_means["group"]) <= {"core", "periphery"}
    assert list(back.means_table().columns) == list(external.means_table().columns)
