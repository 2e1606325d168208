"""Shared fixtures: a tiny synthetic wave to copy and break, and a fixed pseudonym key."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import networkx as nx
import pytest

# Tests render with the built-in engine unless they ask for another (the end-to-end tests
# run with both, see ENGINES): Quarto is slower, and the suite renders many handouts.
os.environ["FORUM_NETWORK_ENGINE"] = "builtin"

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


# ---------------------------------------------------------------------------
# the two render paths

#: Why the Quarto variant of a test is skipped.
NO_QUARTO = ("quarto is not on PATH: `make test` installs it from ../shared/tools/quarto when that folder "
             "is there; the built-in render path is tested")
#: The render engines every end-to-end test runs with; the Quarto variant is skipped without Quarto.
ENGINES = (
    pytest.param("builtin", id="builtin"),
    pytest.param("quarto", id="quarto", marks=pytest.mark.skipif(shutil.which("quarto") is None, reason=NO_QUARTO)),
)


@pytest.fixture(scope="session", params=ENGINES)
def example_run(request, tmp_path_factory):
    """Example wave 1 through the whole pipeline with each render engine, once per session.

    Danish and English, HTML and PDF. Returns ``(engine, handouts, wave build folder)``,
    ``handouts`` as :attr:`helpers.pipeline.scheduler.RunReport.handouts`. Tests must
    not change what it wrote (they may add other waves beside it).
    """
    from helpers.pipeline import scheduler

    engine = request.param
    build = tmp_path_factory.mktemp(f"build-{engine}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FORUM_NETWORK_SECRET", "test-secret")
        report = scheduler.run("2019-02", langs=("da", "en"), build=build, engine=engine)
    return engine, report.handouts, build / "2019-02"
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
