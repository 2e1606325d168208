"""The department heatmap of a large organisation: the largest departments by name, the rest as "Other".

The truth is the forum's construction: which departments are largest, who is merged, and
the merged block's ties counted from the graph.
"""

from __future__ import annotations

import random

import matplotlib
import pytest

matplotlib.use("Agg")

from helpers.handout import sections  # noqa: E402
from helpers.handout.sections.departments import HEATMAP_DEPARTMENTS  # noqa: E402

from test_sections import forum, write_wave  # noqa: E402


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    # 20 departments of 5, four of 3 (describable, but not among the largest) and one of 1
    sizes = {**{f"B{i:02d}": 5 for i in range(20)}, **{f"S{i}": 3 for i in range(4)}, "T": 1}
    G = forum(sizes)
    rng = random.Random(4)
    nodes = sorted(G)
    for u in nodes:
        for v in rng.sample(nodes, 6):
            if v != u:
                G.add_edge(u, v)
    return G, write_wave(tmp_path_factory.mktemp("many"), G)


def test_the_largest_departments_are_named_and_the_rest_merged(many):
    import matplotlib.pyplot as plt

    G, ctx = many
    assert HEATMAP_DEPARTMENTS == 20
    ax = sections.departments.figure(ctx)
    rows = [t.get_text() for t in ax.get_yticklabels()]
    columns = [t.get_text() for t in ax.get_xticklabels()]
    title = ax.get_title(loc="left")
    data = ax.collections[0].get_array()
    plt.close("all")
    assert rows == columns == [f"B{i:02d}" for i in range(20)] + ["Other"]
    assert title == "The 20 largest of 24 departments; the other 4 are merged into “Other”."
    # the "Other" -> "Other" cell: ties among the 12 members of S0-S3, counted from the graph (T, a
    # department of one, stays hidden as the privacy rule has it: merging large departments does not show it)
    other = {v for v, d in G.nodes(data="department") if d.startswith("S")}
    within = sum(1 for u, v in G.edges if u in other and v in other)
    assert float(data.reshape(21, 21)[20, 20]) == pytest.approx(within / (12 * 11))


def test_few_departments_keep_their_figures_and_no_title(tmp_path):
    import matplotlib.pyplot as plt

    G = forum({"A": 4, "B": 4})
    G.add_edges_from([("A0", "B0"), ("B1", "A1"), ("A2", "A3")])
    ax = sections.departments.figure(write_wave(tmp_path, G))
    assert ax.get_title(loc="left") == ""
    assert any("(" in t.get_text() for t in ax.texts)  # tie counts printed in the cells
    plt.close("all")
