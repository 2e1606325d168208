"""Findings that are true on any forum: groupings, the core's make-up, E-I, since last time,
reciprocity, the ratings kept in compare_ties.

Hand-built forums where the answer is known by construction, checked against an
independent computation (exhaustive search, hand counts, a published example).
"""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from helpers import io
from helpers.analysis import communities as comm
from helpers.analysis import compare
from helpers.analysis.network import union_graph
from helpers.handout import sections
from helpers.handout.context import Context
from helpers.handout.sections import since
from helpers.results.comparison import Comparison
from helpers.results.departments import Departments
from helpers.results.network import Network

from test_sections import clique, forum, write_wave


# ------------------------------------------------------------------------------ groupings


def set_partitions(items):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in set_partitions(rest):
        for i in range(len(part)):
            yield part[:i] + [[first, *part[i]]] + part[i + 1:]
        yield [[first], *part]


def test_best_of_seeds_reaches_the_exhaustive_optimum():
    # the best split of a small graph, found by trying all 4,140 splits of 8 members
    G = nx.relabel_nodes(nx.gnm_random_graph(8, 13, seed=7), lambda i: f"m{i}")
    best = max(comm.modularity(G, p) for p in set_partitions(sorted(G)))
    runs = comm.best_of_seeds(G, n_seeds=10, seed=0)
    assert runs.best.modularity == pytest.approx(best)
    assert len(runs.modularities) == 10 and max(runs.modularities) == pytest.approx(best)


def test_the_split_does_not_flip_with_the_seed():
    G = nx.relabel_nodes(nx.karate_club_graph(), lambda i: f"m{i:02d}")
    splits = {comm.best_of_seeds(G, n_seeds=10, seed=s).best.communities for s in (0, 10, 100, 1000)}
    assert len(splits) == 1
    f = comm.groupings_finding(G, n_samples=19, seed=3)
    assert f.reproduced_ari == 1.0 and 0 < f.stability <= 1 and f.n_seeds == 10


def mixed_cliques() -> nx.DiGraph:
    """Two cliques of six, each with three members of A and three of B: groupings across departments."""
    G = forum({"A": 6, "B": 6})
    one, two = ["A0", "A1", "A2", "B0", "B1", "B2"], ["A3", "A4", "A5", "B3", "B4", "B5"]
    clique(G, one)
    clique(G, two)
    G.add_edges_from([("A2", "A3"), ("A3", "A2")])
    return G


def test_groupings_beyond_chance_across_departments_are_described(tmp_path):
    ctx = write_wave(tmp_path, mixed_cliques())
    g = ctx.structure.groupings
    assert g["beyond_random"] and not g["no_separate_groupings"] and g["cuts_across_departments"]
    assert sorted(g["community_sizes"]) == [6, 6]
    text = sections.structure.text(ctx)
    assert "The network splits into two groupings – more clearly than random networks" in text
    assert "The groupings cut across the departments: one of 6 members, mostly from A and B" in text
    assert "No clear groupings" not in text and "weak grouping" not in text


def test_a_grouping_smaller_than_k_is_counted_not_described(tmp_path):
    G = forum({"A": 6, "B": 6, "C": 2})
    clique(G, [f"A{i}" for i in range(6)])
    clique(G, [f"B{i}" for i in range(6)])
    G.add_edges_from([("A0", "B0"), ("B0", "A0"), ("C0", "C1"), ("C1", "C0")])
    ctx = write_wave(tmp_path, G)
    assert sorted(ctx.structure.groupings["community_sizes"]) == [2, 6, 6]
    text = sections.structure.text(ctx)
    assert "one smaller one of fewer than 3 members" in text
    assert "of 2 members" not in text and "from C" not in text


# ------------------------------------------------------------------------------ the core's make-up


def test_a_core_dominated_by_one_role_is_said_to_be(tmp_path):
    from scipy.stats import hypergeom

    G = nx.DiGraph()
    for d in "ABC":
        for i in range(8):
            G.add_node(f"{d}{i}", department=d, role="director" if i < 4 else "chief",
                       gender="female" if i % 2 else "male", answered=True)
    directors = [v for v, r in G.nodes(data="role") if r == "director"]
    clique(G, directors)
    chiefs = sorted(set(G) - set(directors))
    for j, c in enumerate(chiefs):
        G.add_edges_from([(c, directors[j % 12]), (c, directors[(j + 5) % 12])])
    ctx = write_wave(tmp_path, G)
    assert sorted(ctx.structure.core) == sorted(directors)
    role = ctx.structure.composition["role"]
    # the chance that a random core of 12 is all directors (12 of 24), or all chiefs
    assert role["differs"] and role["p_value"] == pytest.approx(2 * hypergeom(24, 12, 12).pmf(12))
    text = sections.structure.text(ctx)
    assert "The core is dominated by directors: they make up 100 % of the core against 50 % of the whole forum" \
        in text.replace("\xa0", " ")
    assert "not a homogeneous group" not in text


# ------------------------------------------------------------------------------ E-I


def test_e_i_not_beyond_chance_says_no_clear_tendency(tmp_path):
    G = forum({"A": 8, "B": 8, "C": 8})
    rng = nx.gnm_random_graph(24, 180, seed=11, directed=True)
    nodes = sorted(G)
    G.add_edges_from((nodes[u], nodes[v]) for u, v in rng.edges)
    ctx = write_wave(tmp_path, G)
    ei = ctx.departments.ei_tests
    whole = ei[(ei["attribute"] == "department") & (ei["level"] == "whole")].iloc[0]
    assert whole["p_value"] > 0.05
    text = sections.departments.text(ctx)
    assert "there is no clear tendency for relations to cluster within or across departments" in text
    assert "than chance alone would produce" not in text and "cluster more" not in text


# ------------------------------------------------------------------------------ reciprocity


def test_reciprocity_is_counted_and_read(tmp_path):
    G = forum({"A": 3, "B": 3})
    G.add_edges_from([("A0", "A1"), ("A1", "A0"), ("A0", "B0"), ("B0", "A0"), ("A2", "B1"), ("B2", "B1")])
    summary = Network.compute(G).summary
    # by hand: pairs A0-A1 and A0-B0 mutual (4 returned ties), A2->B1 and B2->B1 one-sided
    assert summary["mutual_pairs"] == 2 and summary["asymmetric_pairs"] == 2
    assert summary["reciprocity"] == pytest.approx(4 / 6)
    ctx = write_wave(tmp_path, G)
    text = sections.structure.text(ctx).replace("\xa0", " ")
    assert "67 % of the relations between two members who both answered are mutual: when one names another, the " \
           "other usually names the first too." in text


# ------------------------------------------------------------------------------ since last time


def test_newcombe_interval_reproduces_the_published_example():
    # Newcombe (1998), table II, example (a): 56/70 against 48/80, hybrid score interval 0.0524 to 0.3339
    low, high = compare.newcombe_interval(48, 80, 56, 70)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)
    # and example (e): 9/10 against 3/10, 0.1705 to 0.8090
    low, high = compare.newcombe_interval(3, 10, 9, 10)
    assert (round(low, 4), round(high, 4)) == (0.1705, 0.8090)


def two_waves():
    """Departments A, B (8 each) and S (3): S -> A is sparse (4 -> 6 ties of 24, three senders);
    A -> B rises from 8 to 40 of 64 possible."""
    a, b = forum({"A": 8, "B": 8, "S": 3}), forum({"A": 8, "B": 8, "S": 3})
    for G in (a, b):
        clique(G, [f"A{i}" for i in range(8)])
        clique(G, [f"B{i}" for i in range(8)])
    s_to_a = [(f"S{i % 3}", f"A{i}") for i in range(6)]
    a.add_edges_from(s_to_a[:4])
    b.add_edges_from(s_to_a)
    a_to_b = [(f"A{i}", f"B{j}") for i in range(8) for j in range(8)]
    a.add_edges_from(a_to_b[::8])
    b.add_edges_from(a_to_b[:40])
    return a, b


def compared_context(tmp_path) -> Context:
    a, b = two_waves()
    ctx = write_wave(tmp_path, b)
    relations_a = pd.DataFrame([{"source": u, "target": v, "rating": 3} for u, v in a.edges])
    Comparison.compute(a, b, core_a=[], core_b=[], seed=1, n_boot=200, relations_a=relations_a,
                       previous={"id": "w1", "name": "w1", "date": "2019-01-01"}).save(tmp_path)
    return Context(tmp_path, "en", 1)


def test_a_sparse_pair_is_not_highlighted_and_a_clear_one_is_with_its_interval(tmp_path):
    ctx = compared_context(tmp_path)
    blocks = ctx.comparison.compare_blocks.set_index(["source_department", "target_department"])
    assert (blocks.loc[("S", "A"), "ties_a"], blocks.loc[("S", "A"), "ties_b"]) == (4, 6)
    shown = since.highlighted_pairs(ctx)
    pairs = set(zip(shown["source_department"], shown["target_department"]))
    assert ("S", "A") not in pairs  # three senders: below the minimum of five
    assert ("A", "B") in pairs
    low, high = compare.newcombe_interval(8, 64, 40, 64)
    text = since.changes(ctx).replace("\xa0", " ").replace("\\", "")  # as rendered: no Markdown escapes
    # 8/64 = 12.5 % and 40/64 = 62.5 %, rounded half up as everywhere in the handout
    assert (f"the density from A to B rose most: from 13 % to 63 % (+{100 * low:.1f} to +{100 * high:.1f} "
            "percentage points with 95 % confidence)") in text
    rules = sections.rules.text(ctx)
    assert "at least 5 members who answered both times and the pair at least 20 possible relations" in rules


def test_since_shows_each_waves_own_density_beside_the_comparable_one(tmp_path):
    ctx = compared_context(tmp_path)
    a, b = two_waves()
    own_a = a.number_of_edges() / (a.number_of_nodes() * (a.number_of_nodes() - 1))
    assert ctx.comparison.summary["own_density"]["a"] == pytest.approx(own_a)
    text = since.section(ctx)
    assert f"Each survey's own density is {100 * own_a:.1f} %".replace(" %", "\xa0%") in text
    assert since.table_card_prompt(ctx).startswith("Since the last survey: density went from")
    assert since.table_card_prompt(write_wave(tmp_path / "alone", a)) is None


def test_compare_ties_keeps_ratings_below_the_threshold():
    a, b = forum({"A": 3}), forum({"A": 3})
    b.add_edge("A0", "A1", rating=3)
    a.add_edge("A1", "A2", rating=2)
    relations_a = pd.DataFrame({"source": ["A0", "A1"], "target": ["A1", "A2"], "rating": [1, 2]})  # 1: below
    relations_b = pd.DataFrame({"source": ["A0", "A1"], "target": ["A1", "A2"], "rating": [3, 1]})
    ties = compare.with_ratings(compare.tie_changes(a, b), relations_a, relations_b).set_index(["source", "target"])
    assert ties.loc[("A0", "A1"), "change"] == "new" and ties.loc[("A0", "A1"), "rating_a"] == 1
    assert ties.loc[("A1", "A2"), "change"] == "dropped" and ties.loc[("A1", "A2"), "rating_b"] == 1
    bare = compare.tie_changes(a, b).set_index(["source", "target"])
    assert pd.isna(bare.loc[("A0", "A1"), "rating_a"])  # what the graph alone gives


# ------------------------------------------------------------------------------ p-values in the appendix only


@pytest.mark.parametrize("build", ["mixed cliques", "random"])
def test_p_values_stand_in_the_appendix_not_in_the_body(tmp_path, build):
    """The body in plain words; every p-value it rests on (the core's test against random
    networks, the groupings' test, the core's make-up, the E-I index) in the method appendix."""
    import re

    if build == "mixed cliques":
        G = mixed_cliques()
    else:
        G = forum({"A": 8, "B": 8, "C": 8})
        nodes = sorted(G)
        G.add_edges_from((nodes[u], nodes[v]) for u, v in nx.gnm_random_graph(24, 180, seed=11, directed=True).edges)
    ctx = write_wave(tmp_path, G)
    body = sections.structure.text(ctx) + "\n" + sections.departments.text(ctx)
    assert not re.search(r"\(p\s|\bp\s*[=<]|p-value|modularity \d|Fisher|Freeman|Mann-Whitney", body), body
    from types import SimpleNamespace

    ctx.meta.setdefault("input_sha256", "ab")  # (the test wave has no inputs' hash nor external answers)
    ctx.__dict__["external"] = SimpleNamespace(external_tests=pd.DataFrame({"n_permutations": [99], "seed": [1]}))
    appendix = "\n".join(sections.method.appendix_parts(ctx))
    st = ctx.structure
    ei = ctx.departments.ei_tests
    whole = ei[(ei["attribute"] == "department") & (ei["level"] == "whole")].iloc[0]
    for name, value in [("core-periphery", st.significance["degree"]["p_value"]),
                        ("groupings", st.groupings["p_value"]),
                        ("E-I", whole["p_value"]),
                        *[(f"make-up {a}", st.composition[a]["p_value"]) for a in st.composition]]:
        assert f"p {ctx.p(value)}" in appendix, (name, ctx.p(value))
    # the groupings' method as run: Leiden from seeds 1, 2, ... (ten for a forum of this size), not cdlib
    n = comm.seeds_for_size(G.number_of_nodes())
    assert f"the split of highest modularity from {n} runs with the seeds 1–{n}" in appendix
    assert "cdlib" not in appendix.split("**Software.**")[0]
