"""Tests of helpers.handout.sections: findings in the handout follow the data (silos, cut vertices)."""

from __future__ import annotations

import itertools

import networkx as nx
import pandas as pd

from helpers import io
from helpers.analysis import network
from helpers.handout import sections
from helpers.handout.context import Context
from helpers.handout import facilitator
from helpers.results.departments import Departments
from helpers.results.network import Network
from helpers.results.structure import Structure


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
    Network.compute(G).save(folder)
    Structure.compute(G, seed=seed, n_samples=99, n_networks=19).save(folder)
    Departments.compute(G, seed=seed).save(folder)
    write_wave.last = Context(folder, "en", seed)
    return write_wave.last


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
    assert "splits into three groupings – more clearly than random networks" in text
    assert "The groupings largely follow the departments: one of 6 members, mostly from A" in text
    assert "No clear groupings" not in text and "weak" not in text


def test_a_cut_vertex_is_no_longer_nobody_indispensable(tmp_path):
    G = forum({"A": 5, "B": 5})
    clique(G, [f"A{i}" for i in range(5)])
    clique(G, [f"B{i}" for i in range(5)])
    G.add_edges_from([("A1", "B1"), ("B1", "A1")])  # the only bridge: A1 and B1 are cut vertices
    text = sections.structure.text(write_wave(tmp_path, G))
    assert "Nobody is indispensable" not in text
    # the count only: who they are is a statement about single members, for the facilitator
    assert "Some are indispensable: 2 members each hold the network together" in text
    assert "chief in" not in text and "member from" not in text
    # A has one director and four chiefs: "a chief in A" would single out the director by complement
    statements = "\n".join(facilitator.member_statements(write_wave.last))
    assert "A1 (a member from A)" in statements and "B1 (a member from B)" in statements
    assert "chief in" not in statements


def test_cut_vertex_too_rare_to_describe_is_not_named(tmp_path):
    G = forum({"A": 5, "B": 5})
    clique(G, [f"A{i}" for i in range(5)])
    clique(G, [f"B{i}" for i in range(5)])
    G.add_edges_from([("A0", "B0"), ("B0", "A0")])  # directors: one per department
    text = sections.structure.text(write_wave(tmp_path, G))
    assert "director in" not in text and "member from" not in text
    assert "Some are indispensable: 2 members each hold the network together" in text
    statements = "\n".join(facilitator.member_statements(write_wave.last))
    assert "A0 (a member from A)" in statements and "director" not in statements


def test_random_wave_has_no_clear_groupings_and_nobody_indispensable(tmp_path):
    G = forum({"A": 8, "B": 8, "C": 8})
    rng = nx.gnm_random_graph(24, 200, seed=3, directed=True)
    nodes = sorted(G.nodes)
    G.add_edges_from((nodes[u], nodes[v]) for u, v in rng.edges)
    text = sections.structure.text(write_wave(tmp_path, G))
    assert "Nobody is indispensable" in text
    assert "No clear groupings" in text and "splits into" not in text
