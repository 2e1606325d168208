"""The department-level Figure 1 and interactive view of large networks."""

import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import pytest  # noqa: E402

from helpers.handout import aggregate  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import synthetic  # noqa: E402


def small_forum():
    # X: a, b, c (c did not answer); Y: d, e; Z: f
    G = nx.DiGraph([("a", "b"), ("b", "a"), ("a", "d"), ("d", "e"), ("e", "a"), ("b", "f"), ("f", "d")])
    G.add_node("c")
    nx.set_node_attributes(G, {"a": "X", "b": "X", "c": "X", "d": "Y", "e": "Y", "f": "Z"}, "department")
    nx.set_node_attributes(G, {v: v != "c" for v in G}, "answered")
    return G


def test_department_network_counts_by_hand():
    D = aggregate.department_network(small_forum(), core={"a", "d", "e"})
    assert sorted(D) == ["X", "Y", "Z"]
    x, y = D.nodes["X"], D.nodes["Y"]
    assert (x["members"], x["respondents"], x["core_members"], x["ties_within"]) == (3, 2, 1, 2)
    assert x["density_within"] == pytest.approx(2 / (2 * 2))  # 2 respondents x 2 others
    assert (y["members"], y["core_members"], y["ties_within"]) == (2, 2, 1)
    # X-Y: a->d and e->a; possible: 2 respondents of X x 2 of Y + 2 of Y x 3 of X
    assert D.edges["X", "Y"]["ties"] == 2
    assert D.edges["X", "Y"]["density"] == pytest.approx(2 / (2 * 2 + 2 * 3))
    assert D.edges["X", "Z"]["ties"] == 1 and D.edges["Y", "Z"]["ties"] == 1


def test_only_pairs_denser_than_across_are_drawn():
    D = aggregate.department_network(small_forum(), core=set())
    across = 4 / sum(D.nodes[a]["respondents"] * D.nodes[b]["members"] + D.nodes[b]["respondents"] * D.nodes[a]["members"]
                     for a, b in [("X", "Y"), ("X", "Z"), ("Y", "Z")])
    expected = sorted(tuple(sorted(e)) for e in D.edges() if D.edges[e]["density"] > across)
    assert aggregate.shown_lines(D) == expected
    assert len(aggregate.shown_lines(D, max_lines=1)) == min(1, len(expected))


def test_small_departments_get_no_core_count():
    out = aggregate.department_html(small_forum(), {"a", "f"}, seed=1, min_group_size=2)
    titles = re.findall(r"<title>(.*?)</title>", out, flags=re.S)
    z = next(t for t in titles if t.startswith("Department: Z"))
    assert "fewer than 2 members" in z and "in the core" not in z
    x = next(t for t in titles if t.startswith("Department: X"))
    assert "1 in the core" in x
    for member in "abcdef":
        assert f">{member}<" not in out and f'"{member}"' not in out


def test_five_hundred_members_give_a_small_deterministic_view_and_figure():
    G = synthetic.organisation(500, seed=500)
    core = set(G.graph["planted_core"])
    a = aggregate.department_html(G, core, seed=3)
    assert a == aggregate.department_html(G, core, seed=3)
    assert len(a.encode()) < 60_000  # a few kB per department, not a point per member
    assert a.count("<title>") == len({d for _, d in G.nodes(data="department")})
    ax = aggregate.network_by_department(G, core, seed=3)
    circles = [p for p in ax.patches if isinstance(p, matplotlib.patches.Circle)]
    assert len(circles) >= a.count("<title>")
    plt.close(ax.figure)


def test_department_names_are_text_not_markup():
    G = small_forum()
    nx.set_node_attributes(G, {v: "Beta $$ <b>Gamma</b>" for v in "abc"}, "department")
    ax = aggregate.network_by_department(G, {"a"}, seed=1)
    ax.figure.canvas.draw()  # no mathtext error
    plt.close(ax.figure)
    out = aggregate.department_html(G, {"a"}, seed=1)
    assert "<b>Gamma</b>" not in out and "&lt;b&gt;Gamma&lt;/b&gt;" in out
