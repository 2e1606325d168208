"""Tests of helpers.analysis.exports: every format read back and compared with the graph."""

import math
import os

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from helpers.analysis import exports


@pytest.fixture
def wave():
    """Five members, two departments (one with Danish letters), one non-respondent."""
    G = nx.DiGraph()
    people = [
        ("P1a2b3c4d", "female", "director", "Børn og Unge", True),
        ("P2b3c4d5e", "male", "chief", "Børn og Unge", True),
        ("P3c4d5e6f", "female", "chief", "Teknik og Miljø", True),
        ("P4d5e6f70", "male", "chief", "Teknik og Miljø", False),
        ("P5e6f7081", "female", "chief", "Teknik og Miljø", True),
    ]
    for pid, gender, role, dept, answered in people:
        G.add_node(pid, gender=gender, role=role, department=dept, answered=answered, name=f"Secret Name {pid[-2:]}")
    G.add_edge("P1a2b3c4d", "P2b3c4d5e", rating=3)
    G.add_edge("P2b3c4d5e", "P1a2b3c4d", rating=2)
    G.add_edge("P3c4d5e6f", "P4d5e6f70", rating=2)
    G.add_edge("P5e6f7081", "P1a2b3c4d", rating=3)
    core = {"P1a2b3c4d", "P2b3c4d5e"}
    coreness = pd.Series({"P1a2b3c4d": 0.9, "P2b3c4d5e": 0.75, "P3c4d5e6f": 0.2, "P4d5e6f70": 0.1})  # P5 missing
    return G, core, coreness


def _expected_nodes(G, core, coreness):
    out = {}
    for v, a in G.nodes(data=True):
        out[v] = {k: a[k] for k in ("gender", "role", "department", "answered")}
        out[v]["core"] = v in core
        out[v]["coreness"] = float(coreness.get(v, math.nan))
    return out


def _same_value(a, b):
    if isinstance(b, float) and math.isnan(b):
        return isinstance(a, float) and math.isnan(a)
    return a == b


def test_export_graph_keeps_only_pseudonymous_attributes(wave):
    G, core, coreness = wave
    H = exports.export_graph(G, core=core, coreness=coreness, full=True)
    assert list(H.nodes()) == sorted(G.nodes())
    assert all("name" not in a for _, a in H.nodes(data=True))
    assert sorted(H.edges(data="rating")) == sorted(G.edges(data="rating"))
    assert G.nodes["P1a2b3c4d"]["name"]  # the input is untouched
    assert math.isnan(H.nodes["P5e6f7081"]["coreness"])


def test_graphml_round_trip(wave, tmp_path):
    G, core, coreness = wave
    path = exports.write_graphml(G, tmp_path / "sub" / "forum.graphml", core=core, coreness=coreness, full=True)
    back = nx.read_graphml(path)
    assert back.is_directed()
    assert sorted(back.nodes()) == sorted(G.nodes())
    assert sorted(back.edges(data="rating")) == sorted(G.edges(data="rating"))
    expected = _expected_nodes(G, core, coreness)
    for v, attrs in back.nodes(data=True):
        assert set(attrs) == set(expected[v])
        assert all(_same_value(attrs[k], expected[v][k]) for k in attrs), v
    assert "Secret" not in path.read_text(encoding="utf-8")


def test_gexf_round_trip(wave, tmp_path):
    G, core, coreness = wave
    path = exports.write_gexf(G, tmp_path / "forum.gexf", core=core, coreness=coreness, full=True)
    back = nx.read_gexf(path, node_type=str)
    assert back.is_directed()
    assert sorted(back.nodes()) == sorted(G.nodes())
    assert sorted((u, v, d["rating"]) for u, v, d in back.edges(data=True)) == sorted(G.edges(data="rating"))
    expected = _expected_nodes(G, core, coreness)
    for v, attrs in back.nodes(data=True):
        assert attrs["label"] == v
        assert all(_same_value(attrs[k], expected[v][k]) for k in expected[v]), v
    assert "Secret" not in path.read_text(encoding="utf-8")


def test_pajek_round_trip(wave, tmp_path):
    G, core, coreness = wave
    path = exports.write_pajek(G, tmp_path / "forum.net", core=core, coreness=coreness, full=True)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("*Vertices 5\n1 \"P1a2b3c4d\" ")
    assert "Secret" not in text
    back = nx.read_pajek(path)
    assert sorted(back.nodes()) == sorted(G.nodes())
    assert sorted((u, v, int(d["weight"])) for u, v, d in back.edges(data=True)) == sorted(G.edges(data="rating"))
    expected = _expected_nodes(G, core, coreness)
    for v, attrs in back.nodes(data=True):
        e = expected[v]
        assert (attrs["gender"], attrs["role"], attrs["department"]) == (e["gender"], e["role"], e["department"])
        assert attrs["answered"] == ("true" if e["answered"] else "false")
        assert attrs["core"] == ("true" if e["core"] else "false")
        assert _same_value(float(attrs["coreness"]), e["coreness"])


def test_pajek_reads_in_igraph(wave, tmp_path):
    ig = pytest.importorskip("igraph")
    G, core, coreness = wave
    g = ig.Graph.Read_Pajek(str(exports.write_pajek(G, tmp_path / "forum.net", core=core, coreness=coreness, full=True)))
    assert g.is_directed() and g.vcount() == 5 and g.ecount() == 4
    assert g.vs["department"] == [G.nodes[v]["department"] for v in sorted(G)]


def test_dl_network_round_trip(wave, tmp_path):
    G, _, _ = wave
    path = exports.write_dl(G, tmp_path / "forum.dl")
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[:2] == ["dl n=5 format=fullmatrix", "labels:"]
    matrix = exports.read_dl(path)
    nodes = sorted(G)
    assert list(matrix.index) == nodes and list(matrix.columns) == nodes
    assert np.array_equal(matrix.to_numpy(), nx.to_numpy_array(G, nodelist=nodes, weight=None))
    rated = exports.read_dl(exports.write_dl(G, tmp_path / "rated.dl", values="rating", full=True))
    assert np.array_equal(rated.to_numpy(), nx.to_numpy_array(G, nodelist=nodes, weight="rating"))


def test_dl_attributes_round_trip(wave, tmp_path):
    G, core, coreness = wave
    path = exports.write_dl_attributes(G, tmp_path / "forum-attributes.dl", core=core, coreness=coreness, full=True)
    table = exports.read_dl(path)
    assert list(table.index) == sorted(G)
    assert list(table.columns) == ["female", "director", "answered", "core", "coreness",
                                   "department=Børn og Unge", "department=Teknik og Miljø"]
    for v, a in G.nodes(data=True):
        row = table.loc[v]
        assert row["female"] == (a["gender"] == "female")
        assert row["director"] == (a["role"] == "director")
        assert row["answered"] == a["answered"]
        assert row["core"] == (v in core)
        assert row[f"department={a['department']}"] == 1
        assert row.filter(like="department=").sum() == 1
    assert table.loc["P1a2b3c4d", "coreness"] == 0.9
    assert math.isnan(table.loc["P5e6f7081", "coreness"])  # written as "."
    assert "Secret" not in path.read_text(encoding="utf-8")


def test_read_dl_by_hand(tmp_path):
    # UCINET's own layout: commas between labels, keywords in capitals, one row per line
    path = tmp_path / "hand.dl"
    path.write_text('DL N=3\nFORMAT=FULLMATRIX\nLABELS:\nann,"bo b",carl\nDATA:\n0 1 0\n1 0 0\n0 . 0\n', encoding="utf-8")
    m = exports.read_dl(path)
    assert list(m.index) == ["ann", "bo b", "carl"]
    assert m.loc["ann", "bo b"] == 1 and m.loc["bo b", "ann"] == 1 and math.isnan(m.loc["carl", "bo b"])
    path.write_text("dl n=2 format=edgelist1\ndata:\n1 2\n", encoding="utf-8")
    with pytest.raises(ValueError):
        exports.read_dl(path)


def test_write_all_and_atomic_writes(wave, tmp_path, monkeypatch):
    G, core, coreness = wave
    paths = exports.write_all(G, tmp_path / "out", stem="wave", core=core, coreness=coreness, full=True)
    assert sorted(p.name for p in paths.values()) == sorted(os.listdir(tmp_path / "out"))
    assert [p.name for p in paths.values()] == ["wave.graphml", "wave.gexf", "wave.net", "wave.dl", "wave-attributes.dl"]
    # same inputs, same bytes
    before = {k: p.read_bytes() for k, p in paths.items()}
    again = exports.write_all(G, tmp_path / "out", stem="wave", core=core, coreness=coreness, full=True)
    assert {k: p.read_bytes() for k, p in again.items()} == before

    # a failed write leaves the old file as it was and no temporary file behind
    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(exports.os, "replace", broken_replace)
    with pytest.raises(OSError):
        exports.write_dl(nx.DiGraph(), paths["dl"])
    assert paths["dl"].read_bytes() == before["dl"]
    assert sorted(os.listdir(tmp_path / "out")) == sorted(p.name for p in paths.values())
