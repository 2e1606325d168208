"""Findings in the handout follow the data: silos, cut vertices and the seminar's wave."""

from __future__ import annotations

import itertools

import networkx as nx
import pandas as pd
import pytest

from helpers import paths
from helpers import io
from helpers.results.structure import Structure
from helpers.analysis import network
from helpers.handout import sections
from helpers.handout.context import Context, localise_cell_options, pipe_table


def write_wave(folder, G: nx.DiGraph, *, seed: int = 1, k: int = 3):
    """Tidy tables and structure results for a hand-made forum graph, as the pipeline writes them."""
    members = pd.DataFrame([{"member_id": n, **a} for n, a in sorted(G.nodes(data=True))])
    relations = pd.DataFrame([{"source": u, "target": v, "rating": 3} for u, v in sorted(G.edges)])
    meta = {"wave": "test", "name": "test", "date": "2020-01-01", "min_group_size": k,
            "relations": {"tie_threshold": 2}}
    tidy = folder / "tidy"
    tidy.mkdir(parents=True)
    members.to_parquet(tidy / "members.parquet")
    relations.to_parquet(tidy / "relations.parquet")
    pd.DataFrame(columns=["member_id", "partner", "rating", "status"]).to_parquet(tidy / "external.parquet")
    io.write_json(meta, tidy / "wave.json")
    io.write_json(network.summary(G), folder / "results" / "network.json")
    Structure.compute(G, seed=seed, n_samples=99, n_networks=19).save(folder)
    return Context(folder, "en", seed)


def forum(groups: dict[str, int]) -> nx.DiGraph:
    """Members in departments (first of each a director), every member answered, no ties yet."""
    G = nx.DiGraph()
    for dept, size in groups.items():
        for i in range(size):
            G.add_node(f"{dept}{i}", department=dept, role="director" if i == 0 else "chief",
                       gender="female" if i % 2 else "male", answered=True)
    return G


def clique(G, nodes):
    G.add_edges_from((u, v) for u, v in itertools.permutations(nodes, 2))


def test_department_silos_are_called_separate_groupings(tmp_path):
    G = forum({"A": 6, "B": 6, "C": 6})
    for dept in "ABC":
        clique(G, [n for n, d in G.nodes(data="department") if d == dept])
    G.add_edges_from([("A1", "B1"), ("B1", "A1"), ("B2", "C2"), ("C2", "B2")])
    text = sections.structure.text(write_wave(tmp_path, G))
    assert "splits into 3 separate groupings" in text
    assert "No separate groupings" not in text


def test_a_cut_vertex_is_no_longer_nobody_indispensable(tmp_path):
    G = forum({"A": 5, "B": 5})
    clique(G, [f"A{i}" for i in range(5)])
    clique(G, [f"B{i}" for i in range(5)])
    G.add_edges_from([("A1", "B1"), ("B1", "A1")])  # the only bridge: A1 and B1 are cut vertices
    text = sections.structure.text(write_wave(tmp_path, G))
    assert "Nobody is indispensable" not in text
    assert "Some are indispensable: the network falls apart if a chief in A and a chief in B drops out" in text


def test_cut_vertex_too_rare_to_describe_is_not_named(tmp_path):
    G = forum({"A": 5, "B": 5})
    clique(G, [f"A{i}" for i in range(5)])
    clique(G, [f"B{i}" for i in range(5)])
    G.add_edges_from([("A0", "B0"), ("B0", "A0")])  # directors: one per department
    text = sections.structure.text(write_wave(tmp_path, G))
    assert "director in" not in text
    assert "a member from A" in text


def test_random_wave_has_no_clear_groupings_and_nobody_indispensable(tmp_path):
    G = forum({"A": 8, "B": 8, "C": 8})
    rng = nx.gnm_random_graph(24, 200, seed=3, directed=True)
    nodes = sorted(G.nodes)
    G.add_edges_from((nodes[u], nodes[v]) for u, v in rng.edges)
    text = sections.structure.text(write_wave(tmp_path, G))
    assert "Nobody is indispensable" in text
    assert "separate groupings" in text and "splits into" not in text


def test_cell_option_captions_are_localised():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('#| fig-cap: "{{ figure1.caption }}"\nplot()')]
    da, en = (localise_cell_options(nb, lang).cells[0].source for lang in ("da", "en"))
    assert da.startswith('#| fig-cap: "De interne relationer') and en.startswith('#| fig-cap: "The internal relations')
    assert "{{" in nb.cells[0].source  # the input is left unchanged


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_handout_caption_survives_as_a_cell_option(lang):
    """Each localised option of the handout notebook parses back to the catalogue's text
    (quotes and backslashes in a caption must not break the option's YAML)."""
    import re

    import nbformat

    from helpers.handout.context import text
    from helpers.pipeline.render import cell_options

    nb = nbformat.read(paths.project_root() / "report" / "handout.ipynb", as_version=4)
    t, checked = text(lang), 0
    for cell, localised in zip(nb.cells, localise_cell_options(nb, lang).cells, strict=True):
        for line in cell.source.splitlines():
            found = re.fullmatch(r'#\| ([\w-]+): "\{\{ ([\w.]+) \}\}"', line)
            if found:
                assert cell_options(localised.source)[found.group(1)] == t(found.group(2))
                checked += 1
    assert checked >= 8


def test_quotes_and_backslashes_in_a_caption_are_kept(monkeypatch):
    import nbformat

    from helpers.handout import catalogue
    from helpers.pipeline.render import cell_options

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('#| tbl-cap: "{{ x.cap }}"\nMarkdown(table)')]
    tricky = 'A "quoted" \\ \'single\' caption: done'
    monkeypatch.setattr(catalogue, "text", lambda lang: (lambda key: tricky))
    assert cell_options(localise_cell_options(nb, "en").cells[0].source) == {"tbl-cap": tricky}


def test_pipe_table():
    assert pipe_table(pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})).splitlines()[1] == "|:--|--:|"


@pytest.mark.parametrize("value,expected", [(0.0004, "< 0.001"), (0.0312, "= 0.031")])
def test_p_values(tmp_path, value, expected):
    assert Context(tmp_path, "en").p(value) == expected
