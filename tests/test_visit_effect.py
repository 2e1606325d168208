"""Tests of helpers.analysis.visit_effect: did the job visits form ties? Exact and Monte Carlo agree."""

from __future__ import annotations


import networkx as nx
import pandas as pd
import pytest

from helpers.analysis.visit_effect import visit_effect


# ---------------------------------------------------------------- did the visits work?


def visit_forum(n: int = 20, formed: set = frozenset(), ratings_b: dict | None = None) -> tuple:
    """n members in 5 departments; wave a has a ring of ties m00->m01->...; wave b adds ``formed``."""
    ids = [f"m{i:02d}" for i in range(n)]

    def base() -> nx.DiGraph:
        G = nx.DiGraph()
        for i, m in enumerate(ids):
            G.add_node(m, department="ABCDE"[i % 5], role="chief", gender="male", answered=True)
        for i in range(n):
            G.add_edge(ids[i], ids[(i + 1) % n], rating=3)
        return G

    G_a, G_b = base(), base()
    for u, v in formed:
        G_b.add_edge(u, v, rating=3)
    for (u, v), r in (ratings_b or {}).items():
        G_b.edges[u, v]["rating"] = r
    return ids, G_a, G_b


def test_visit_effect_all_visit_pairs_formed_ties():
    ids = [f"m{i:02d}" for i in range(20)]
    # visit pairs m_i with m_{i+10}: untied in wave a (the ring links neighbours only)
    pairs = [(ids[i], ids[i + 10]) for i in range(10)]
    formed = set(pairs) | {("m00", "m05"), ("m03", "m08")}  # two comparison pairs form too
    _, G_a, G_b = visit_forum(formed=formed)
    e = visit_effect(G_a, G_b, pairs, seed=4, n_permutations=2000)
    # 20 members: 190 unordered pairs, 10 visit pairs, 180 comparison pairs
    assert (e.n_visit_pairs, e.n_comparison_pairs) == (10, 180)
    assert (e.improved_visit, e.improved_comparison) == (10, 2)
    assert e.rate_visit == 1.0 and e.rate_comparison == pytest.approx(2 / 180)
    # exact: P(all 10 labels fall on the 12 improved pairs) = C(12,10) / C(190,10)
    from math import comb

    assert e.p_exact == pytest.approx(comb(12, 10) / comb(190, 10))
    assert e.p_value == pytest.approx(1 / 2001)  # no permutation reached 10
    assert not e.caveat and e.n == 10
    assert set(e.pairs["outcome"]) == {"formed"}
    visit_row = e.table.iloc[0]
    assert (visit_row["set"], visit_row["formed"], visit_row["formed_rate"]) == ("visit", 10, 1.0)


def test_visit_effect_no_visit_pair_formed_a_tie():
    ids = [f"m{i:02d}" for i in range(20)]
    pairs = [(ids[i], ids[i + 10]) for i in range(10)]
    _, G_a, G_b = visit_forum(formed={("m00", "m05"), ("m03", "m08")})
    e = visit_effect(G_a, G_b, pairs, seed=4, n_permutations=2000)
    assert e.improved_visit == 0 and e.rate_visit == 0.0
    assert e.p_value == 1.0 and e.p_exact == pytest.approx(1.0)
    assert set(e.pairs["outcome"]) == {"untied"}
    less = visit_effect(G_a, G_b, pairs, seed=4, n_permutations=2000, alternative="less")
    # P(no improved among 10 of 190 with 2 improved) = C(188,10)/C(190,10)
    from math import comb

    assert less.p_exact == pytest.approx(comb(188, 10) / comb(190, 10))


def test_visit_effect_counts_strengthened_ties_and_flags_few_pairs():
    # visit pairs are ring neighbours (tied in wave a); two of them rise from 3 to 5
    pairs = [("m00", "m01"), ("m02", "m03"), ("m04", "m05"), ("m06", "m07")]
    _, G_a, G_b = visit_forum(ratings_b={("m00", "m01"): 5, ("m04", "m05"): 4})
    e = visit_effect(G_a, G_b, pairs, seed=0, n_permutations=500)
    assert e.caveat  # 4 < 10 pairs
    assert e.improved_visit == 2
    outcomes = dict(zip(zip(e.pairs["member_1"], e.pairs["member_2"]), e.pairs["outcome"]))
    assert outcomes[("m00", "m01")] == "strengthened" and outcomes[("m02", "m03")] == "unchanged"
    assert e.table.iloc[0]["strengthened_rate"] == 0.5  # 2 of 4 tied pairs


def test_visit_effect_monte_carlo_agrees_with_exact():
    ids = [f"m{i:02d}" for i in range(20)]
    pairs = [(ids[i], ids[i + 10]) for i in range(10)]
    formed = set(pairs[:3]) | {(ids[i], ids[i + 5]) for i in range(0, 15, 2)}
    _, G_a, G_b = visit_forum(formed=formed)
    e = visit_effect(G_a, G_b, pairs, seed=9, n_permutations=5000)
    assert e.improved_visit == 3
    assert abs(e.p_value - e.p_exact) < 0.02
    again = visit_effect(G_a, G_b, pairs, seed=9, n_permutations=5000)
    assert again.p_value == e.p_value


def test_visit_effect_skips_pairs_that_cannot_be_compared():
    ids, G_a, G_b = visit_forum(formed={("m00", "m10")})
    for G in (G_a, G_b):
        for m in ("m02", "m12"):
            G.nodes[m]["answered"] = False
            G.remove_edges_from(list(G.out_edges(m)))
    G_b.remove_node("m04")
    pairs = [("m00", "m10"), ("m02", "m12"), ("m04", "m14"), ("m01", "m11")]
    e = visit_effect(G_a, G_b, pairs, seed=0, n_permutations=200)
    # m02-m12: neither answered; m04 left the forum
    assert e.n_visit_pairs == 2 and e.n_not_compared == 2
    cross = visit_effect(G_a, G_b, [("m00", "m05"), ("m03", "m14")], baseline="cross_department",
                             n_permutations=200)  # fmt: skip
    # m00 and m05 are both department A: left out under the cross-department baseline
    assert cross.n_visit_pairs == 1 and cross.n_not_compared == 1


def test_visit_effect_trio_gives_three_pairs():
    _, G_a, G_b = visit_forum()
    e = visit_effect(G_a, G_b, pd.DataFrame({"pair_id": ["P1"] * 3, "member_id": ["m00", "m07", "m13"]}),
                         n_permutations=100)  # fmt: skip
    assert e.n_visit_pairs == 3
