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


# ------------------------------------------------------------------ streamed writers against networkx's own


@pytest.fixture
def hostile():
    """Ids and departments with every character a format has trouble with; three per department."""
    departments = ['Børn & <Unge> "A"', "Line\nbreak\r\tx", "O'Brien #1, a\\b", "北 Ω café"]
    ids = ['P"1<a>&b', "P2 'x'", "P3\nnew", "P4 æøå 北", "P5\ttab", "P6,comma", "P7#hash", "P8\\back",
           "P9 ", "PA", "PB", "PC"]
    G = nx.DiGraph()
    for i, pid in enumerate(ids):
        G.add_node(pid, gender="female" if i % 2 else "male", role="director" if i % 3 == 0 else "chief",
                   department=departments[i // 3], answered=i != 5, name="Secret")
    for i, u in enumerate(ids):
        if i != 5:
            for j in (1, 4, 7):
                G.add_edge(u, ids[(i + j) % len(ids)], rating=2 + (i + j) % 2)
    core = set(ids[:4])
    coreness = pd.Series({v: i / 10 for i, v in enumerate(ids[:-1])})  # the last one missing
    return G, core, coreness


def _expected_graph(G, core, coreness, *, full):
    """What the files must hold, built from the graph by hand (k = 1: every group may be named)."""
    H = nx.DiGraph()
    for v in sorted(G):
        a = G.nodes[v]
        keys = ("gender", "role", "department", "answered") if full else ("department", "gender", "role")
        attrs = {key: a[key] for key in keys}
        attrs["core"] = v in core
        attrs["coreness"] = float(coreness.get(v, math.nan))
        H.add_node(v, **attrs)
    for u, v, r in sorted(G.edges(data="rating")):
        H.add_edge(u, v, **({"rating": r} if full else {}))
    return H


def _same_graph(back, expected, text=lambda s: s):
    """``back`` holds ``expected``'s nodes, edges and attributes; ``text`` maps what a writer does to text values."""
    assert sorted(back.nodes()) == sorted(expected.nodes())
    assert sorted(back.edges()) == sorted(expected.edges())
    for v, attrs in expected.nodes(data=True):
        attrs = {key: text(x) if isinstance(x, str) else x for key, x in attrs.items()}
        got = {key: x for key, x in back.nodes[v].items() if key != "label"}
        assert set(got) == set(attrs), v
        assert all(_same_value(got[key], attrs[key]) for key in attrs), (v, got, attrs)
    for u, v, attrs in expected.edges(data=True):
        assert {key: x for key, x in back.edges[u, v].items() if key != "id"} == attrs


@pytest.mark.parametrize("full", [True, False])
@pytest.mark.parametrize("case", ["wave", "hostile"])
def test_xml_files_read_back_as_networkx_writes_them(case, full, request, tmp_path):
    G, core, coreness = request.getfixturevalue(case)
    expected = _expected_graph(G, core, coreness, full=full)
    paths = exports.write_all(G, tmp_path, core=core, coreness=coreness, k=1, full=full)
    # networkx's own writers, given the expected graph: the old way of writing these files
    nx.write_graphml(expected, tmp_path / "reference.graphml")
    nx.write_gexf(expected, tmp_path / "reference.gexf")
    _same_graph(nx.read_graphml(paths["graphml"]), expected)
    # networkx writes a carriage return in element text as it is, and a parser reads it as a line break
    _same_graph(nx.read_graphml(tmp_path / "reference.graphml"), expected, lambda s: s.replace("\r", "\n"))
    for back in (nx.read_gexf(paths["gexf"], node_type=str), nx.read_gexf(tmp_path / "reference.gexf", node_type=str)):
        _same_graph(back, expected)
        assert all(a["label"] == v for v, a in back.nodes(data=True))
    assert all("Secret" not in p.read_text(encoding="utf-8") for p in paths.values())


def test_xml_files_replace_what_xml_cannot_hold(tmp_path):
    # XML 1.0 has no way to write most control characters (networkx's writers make a file no parser reads)
    G = nx.DiGraph([("a\x01", "b")])
    G.add_node("a\x01", gender="female", role="chief", department="X\x00Y\x1b\ufffe", answered=True)
    G.add_node("b", gender="male", role="chief", department="Z", answered=True)
    paths = exports.write_all(G, tmp_path, full=True)
    for back in (nx.read_graphml(paths["graphml"]), nx.read_gexf(paths["gexf"], node_type=str)):
        assert sorted(back.nodes()) == ["a\ufffd", "b"]
        assert back.nodes["a\ufffd"]["department"] == "X\ufffdY\ufffd\ufffd"
        assert list(back.edges()) == [("a\ufffd", "b")]


def test_line_formats_read_back_with_what_they_cannot_hold_replaced(hostile, tmp_path):
    G, core, coreness = hostile
    paths = exports.write_all(G, tmp_path, core=core, coreness=coreness, k=1, full=True)
    # Pajek and DL have no escapes: line breaks and tabs become spaces, " becomes ', \ becomes / (Pajek)
    pajek_id = {'P"1<a>&b': "P'1<a>&b", "P2 'x'": "P2 'x'", "P3\nnew": "P3 new", "P4 æøå 北": "P4 æøå 北",
                "P5\ttab": "P5 tab", "P6,comma": "P6,comma", "P7#hash": "P7#hash", "P8\\back": "P8/back",
                "P9 ": "P9 ", "PA": "PA", "PB": "PB", "PC": "PC"}
    pajek_department = {'Børn & <Unge> "A"': "Børn & <Unge> 'A'", "Line\nbreak\r\tx": "Line break  x",
                        "O'Brien #1, a\\b": "O'Brien #1, a/b", "北 Ω café": "北 Ω café"}
    back = nx.read_pajek(paths["pajek"])
    assert sorted(back.nodes()) == sorted(pajek_id.values())
    assert sorted((u, v) for u, v in back.edges()) == sorted((pajek_id[u], pajek_id[v]) for u, v in G.edges())
    for v, a in G.nodes(data=True):
        got = back.nodes[pajek_id[v]]
        assert got["department"] == pajek_department[a["department"]]
        assert got["answered"] == ("true" if a["answered"] else "false")
        assert _same_value(float(got["coreness"]), float(coreness.get(v, math.nan)))
    dl_id = {**pajek_id, "P8\\back": "P8\\back"}  # DL keeps backslashes
    matrix = exports.read_dl(paths["dl"])
    nodes = sorted(G)
    assert list(matrix.index) == [dl_id[v] for v in nodes] == list(matrix.columns)
    assert np.array_equal(matrix.to_numpy(), nx.to_numpy_array(G, nodelist=nodes, weight=None))
    table = exports.read_dl(paths["dl_attributes"])
    assert list(table.index) == [dl_id[v] for v in nodes]
    dl_department = {**pajek_department, "O'Brien #1, a\\b": "O'Brien #1, a\\b"}
    for v, a in G.nodes(data=True):
        row = table.loc[dl_id[v]]
        assert row[f"department={dl_department[a['department']]}"] == 1 and row.filter(like="department=").sum() == 1


def test_pajek_with_hostile_labels_reads_in_igraph(hostile, tmp_path):
    ig = pytest.importorskip("igraph")
    G, core, coreness = hostile
    g = ig.Graph.Read_Pajek(str(exports.write_pajek(G, tmp_path / "h.net", core=core, coreness=coreness, k=1,
                                                    full=True)))
    assert g.vcount() == G.number_of_nodes() and g.ecount() == G.number_of_edges()
    assert g.vs["name"][:2] == ["P'1<a>&b", "P2 'x'"]
    assert sorted(set(g.vs["department"])) == sorted(["Børn & <Unge> 'A'", "Line break  x", "O'Brien #1, a/b",
                                                      "北 Ω café"])


@pytest.mark.parametrize("block", [1, 2, 3, 50])
def test_dl_matrix_written_in_blocks_is_the_dense_matrix(block):
    rng = np.random.default_rng(block)
    n = 7
    A = (rng.random((n, n)) < 0.3) * rng.integers(1, 10, (n, n))
    np.fill_diagonal(A, 0)
    src, dst = np.nonzero(A)  # row-major: sorted by source
    text = b"".join(bytes(rows) for rows in exports._matrix_rows(n, src, dst, A[src, dst], block=block)).decode()
    assert text == "".join(" ".join(str(x) for x in row) + "\n" for row in A)


def test_dl_ratings_of_two_digits(tmp_path):
    G = nx.DiGraph()
    G.add_edge("a", "b", rating=10)
    G.add_edge("b", "c", rating=3)
    G.add_node("d")
    m = exports.read_dl(exports.write_dl(G, tmp_path / "r.dl", values="rating", full=True))
    assert np.array_equal(m.to_numpy(), nx.to_numpy_array(G, nodelist=sorted(G), weight="rating"))


def test_gexf_is_the_same_on_any_day(wave, tmp_path):
    G, core, coreness = wave
    text = exports.write_gexf(G, tmp_path / "w.gexf", core=core, coreness=coreness).read_text(encoding="utf-8")
    assert "lastmodifieddate" not in text


def test_k_safe_attributes_kept_in_every_file(tmp_path):
    # k = 3; departments A (4), B (4), C (2), D (2): C and D are merged into "other" (4 members);
    # gender splits A 2 + 2 (a group of 2 inside a department): left out; one director per
    # department: role left out; no answered, no rating
    G = nx.DiGraph()
    sizes = {"A": 4, "B": 4, "C": 2, "D": 2}
    members = [(f"m{i:02d}", d) for i, d in enumerate(d for d, n in sizes.items() for _ in range(n))]
    seen = set()
    for v, d in members:
        G.add_node(v, department=d, gender="female" if int(v[1:]) % 2 else "male",
                   role="chief" if d in seen else "director", answered=True)
        seen.add(d)
    G.add_edge("m00", "m01", rating=3)
    G.add_edge("m08", "m11", rating=2)
    expected = {v: ("other" if d in "CD" else d) for v, d in members}
    paths = exports.write_all(G, tmp_path, k=3)
    for back in (nx.read_graphml(paths["graphml"]), nx.read_gexf(paths["gexf"], node_type=str)):
        assert {v: a["department"] for v, a in back.nodes(data=True)} == expected
        assert all(set(a) - {"label"} == {"department"} for _, a in back.nodes(data=True))
        assert all("rating" not in d for *_, d in back.edges(data=True))
    pajek = nx.read_pajek(paths["pajek"])
    assert {v: a["department"] for v, a in pajek.nodes(data=True)} == expected
    assert all(set(a) == {"id", "x", "y", "shape", "department"} for _, a in pajek.nodes(data=True))
    assert sorted((u, v, d["weight"]) for u, v, d in pajek.edges(data=True)) == [("m00", "m01", 1.0),
                                                                                ("m08", "m11", 1.0)]
    table = exports.read_dl(paths["dl_attributes"])
    assert list(table.columns) == ["department=A", "department=B", "department=other"]
    assert {v: table.columns[row.argmax()][len("department="):] for v, row in zip(table.index, table.to_numpy())} \
        == expected
