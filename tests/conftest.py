"""Shared fixtures: a tiny synthetic wave to copy and break, and a fixed pseudonym key."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import networkx as nx
import pytest

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parents[1]


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch):
    """Tests never read or create the user's real pseudonym key."""
    monkeypatch.setenv("FORUM_NETWORK_SECRET", "test-secret")
    return b"test-secret"


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A writable copy of the six-member test wave."""
    return Path(shutil.copytree(DATA / "tiny", tmp_path / "tiny"))


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in a UTF-8 (BOM) text file; fail if ``old`` is absent."""
    text = path.read_text(encoding="utf-8-sig")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text("\ufeff" + text.replace(old, new, count), encoding="utf-8")


def tie_graph(edges, answered, departments=None, **attrs):
    """A small tie graph with the attributes of the graph contract (department X, chief, female by default)."""
    G = nx.DiGraph()
    for v in sorted(answered):
        G.add_node(
            v,
            answered=answered[v],
            department=(departments or {}).get(v, "X"),
            role=attrs.get("role", {}).get(v, "chief"),
            gender=attrs.get("gender", {}).get(v, "female"),
        )
    G.add_edges_from(edges, rating=2)
    return G


def two_cliques(size=5, bridge=True):
    """Two departments, each a complete (mutual) clique, joined by one tie."""
    a = [f"a{i}" for i in range(size)]
    b = [f"b{i}" for i in range(size)]
    edges = list(itertools.permutations(a, 2)) + list(itertools.permutations(b, 2))
    if bridge:
        edges.append(("a0", "b0"))
    dept = {v: "A" for v in a} | {v: "B" for v in b}
    return tie_graph(edges, {v: True for v in a + b}, dept)
