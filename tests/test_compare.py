"""Tests for helpers.analysis.compare on a hand-made three-wave forum where every change is known.

Wave 1 (threshold 3; ratings in brackets)::

    a1 A director   a2 A chief   a3 A chief   b1 B director   b2 B chief (did NOT answer)
    c1 C director
    a1->a2 (4)  a1->b1 (3)  a1->c1 (5)
    a2->a1 (4)  a2->a3 (3)
    a3->a1 (3)  a3->b2 (4)
    b1->a1 (3)  b1->b2 (5)
    c1->a1 (5)  c1->b1 (3)

Wave 2: a3 left, d1 (D chief) joined; a2 did NOT answer, b2 answered::

    a1->a2 (5)  a1->c1 (5)  a1->b2 (3)
    b1->a1 (4)  b1->c1 (3)
    b2->b1 (4)
    c1->a1 (5)  c1->b1 (3)  c1->b2 (3)  c1->d1 (4)
    d1->a1 (3)

Wave 3: same members as wave 2, everyone answered, b1 moved to department C::

    a1->a2 (5)  a1->c1 (5)  a1->b2 (3)  a1->d1 (4)
    a2->a1 (4)  a2->b1 (3)
    b1->a1 (4)  b1->c1 (4)
    b2->b1 (4)  b2->d1 (3)
    c1->a1 (5)  c1->b1 (3)  c1->b2 (3)  c1->d1 (4)
    d1->a1 (3)  d1->c1 (3)

Every expected value below is worked out by hand in the comments.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from helpers.analysis import compare as cmp

ROLES = {"a1": "director", "a2": "chief", "a3": "chief", "b1": "director", "b2": "chief",
         "c1": "director", "d1": "chief"}  # fmt: skip


def wave(departments: dict, answered: set, ties: dict) -> nx.DiGraph:
    G = nx.DiGraph()
    for m in sorted(departments):
        G.add_node(m, department=departments[m], role=ROLES[m], gender="female", answered=m in answered)
    for (u, v), rating in sorted(ties.items()):
        G.add_edge(u, v, rating=rating)
    return G


W1 = wave(
    {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B", "c1": "C"},
    {"a1", "a2", "a3", "b1", "c1"},
    {("a1", "a2"): 4, ("a1", "b1"): 3, ("a1", "c1"): 5, ("a2", "a1"): 4, ("a2", "a3"): 3,
     ("a3", "a1"): 3, ("a3", "b2"): 4, ("b1", "a1"): 3, ("b1", "b2"): 5, ("c1", "a1"): 5,
     ("c1", "b1"): 3},
)  # fmt: skip
W2 = wave(
    {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "c1": "C", "d1": "D"},
    {"a1", "b1", "b2", "c1", "d1"},
    {("a1", "a2"): 5, ("a1", "c1"): 5, ("a1", "b2"): 3, ("b1", "a1"): 4, ("b1", "c1"): 3,
     ("b2", "b1"): 4, ("c1", "a1"): 5, ("c1", "b1"): 3, ("c1", "b2"): 3, ("c1", "d1"): 4,
     ("d1", "a1"): 3},
)  # fmt: skip
W3 = wave(
    {"a1": "A", "a2": "A", "b1": "C", "b2": "B", "c1": "C", "d1": "D"},
    {"a1", "a2", "b1", "b2", "c1", "d1"},
    {("a1", "a2"): 5, ("a1", "c1"): 5, ("a1", "b2"): 3, ("a1", "d1"): 4, ("a2", "a1"): 4,
     ("a2", "b1"): 3, ("b1", "a1"): 4, ("b1", "c1"): 4, ("b2", "b1"): 4, ("b2", "d1"): 3,
     ("c1", "a1"): 5, ("c1", "b1"): 3, ("c1", "b2"): 3, ("c1", "d1"): 4, ("d1", "a1"): 3,
     ("d1", "c1"): 3},
)  # fmt: skip
CORE1 = {"a1", "b1", "c1", "a3"}
CORE2 = {"a1", "c1", "b2", "d1"}
CORE3 = {"a1", "c1", "b1"}


def ties_of(frame: pd.DataFrame, change: str) -> set:
    return set(map(tuple, frame.loc[frame["change"] == change, ["source", "target"]].values.tolist()))


# ---------------------------------------------------------------- members


def test_membership_wave1_to_wave2():
    m = cmp.membership(W1, W2)
    assert list(m.columns) == ["member_id", "status", "answered_a", "answered_b", "sender"]
    assert m["member_id"].tolist() == ["a1", "a2", "a3", "b1", "b2", "c1", "d1"]
    assert m["status"].tolist() == ["both", "both", "left", "both", "both", "both", "joined"]
    # senders: answered in both waves. a2 (yes, no) and b2 (no, yes) are not.
    assert m.loc[m["sender"], "member_id"].tolist() == ["a1", "b1", "c1"]


def test_comparable_graphs_keep_only_senders_rows():
    H1, H2 = cmp.comparable_graphs(W1, W2)
    assert sorted(H1) == sorted(H2) == ["a1", "a2", "b1", "b2", "c1"]
    # W1: a2->a1 dropped (a2 is no sender), a3 rows gone (left)
    assert sorted(H1.edges()) == [("a1", "a2"), ("a1", "b1"), ("a1", "c1"), ("b1", "a1"),
                                  ("b1", "b2"), ("c1", "a1"), ("c1", "b1")]  # fmt: skip
    # W2: b2->b1 dropped (b2 is no sender), ties to/from d1 gone (joined)
    assert sorted(H2.edges()) == [("a1", "a2"), ("a1", "b2"), ("a1", "c1"), ("b1", "a1"),
                                  ("b1", "c1"), ("c1", "a1"), ("c1", "b1"), ("c1", "b2")]  # fmt: skip
    assert not H1.nodes["a2"]["answered"] and H1.nodes["a1"]["answered"]
    assert W1.nodes["a2"]["answered"]  # inputs untouched


# ---------------------------------------------------------------- ties


def test_tie_changes_wave1_to_wave2_by_hand():
    t = cmp.tie_changes(W1, W2)
    assert list(t.columns) == ["source", "target", "rating_a", "rating_b", "change"]
    # kept: a1->a2, a1->c1, b1->a1, c1->a1, c1->b1
    assert ties_of(t, "kept") == {("a1", "a2"), ("a1", "c1"), ("b1", "a1"), ("c1", "a1"), ("c1", "b1")}
    # new: a1->b2, b1->c1, c1->b2   (b2->b1 and c1->d1, d1->a1 are not comparable)
    assert ties_of(t, "new") == {("a1", "b2"), ("b1", "c1"), ("c1", "b2")}
    # dropped: a1->b1, b1->b2   (a2->a1, a2->a3, a3->* are not comparable)
    assert ties_of(t, "dropped") == {("a1", "b1"), ("b1", "b2")}
    # Jaccard = kept / union = 5 / 10
    assert cmp.jaccard(t) == 0.5
    row = t[(t["source"] == "a1") & (t["target"] == "a2")].iloc[0]
    assert (row["rating_a"], row["rating_b"]) == (4, 5)
    assert pd.isna(t[(t["source"] == "a1") & (t["target"] == "b2")].iloc[0]["rating_a"])
    assert t[["source", "target"]].values.tolist() == sorted(t[["source", "target"]].values.tolist())


def test_tie_changes_wave2_to_wave3_by_hand():
    t = cmp.tie_changes(W2, W3)
    # senders a1, b1, b2, c1, d1 (a2 did not answer in wave 2): every wave-2 tie is kept (11)
    assert len(ties_of(t, "kept")) == 11 and ties_of(t, "dropped") == set()
    # new: a1->d1, b2->d1, d1->c1   (a2->a1, a2->b1 are a2's, not comparable)
    assert ties_of(t, "new") == {("a1", "d1"), ("b2", "d1"), ("d1", "c1")}
    assert cmp.jaccard(t) == pytest.approx(11 / 14)


def test_tie_changes_wave1_to_wave3_counts_a2_who_answered_both():
    t = cmp.tie_changes(W1, W3)
    # senders: a1, a2, b1, c1 (b2 did not answer in wave 1)
    assert ties_of(t, "kept") == {("a1", "a2"), ("a1", "c1"), ("a2", "a1"), ("b1", "a1"),
                                  ("c1", "a1"), ("c1", "b1")}  # fmt: skip
    assert ties_of(t, "new") == {("a1", "b2"), ("a2", "b1"), ("b1", "c1"), ("c1", "b2")}
    assert ties_of(t, "dropped") == {("a1", "b1"), ("b1", "b2")}
    assert cmp.jaccard(t) == 0.5  # 6 / 12


def test_jaccard_without_ties_is_nan():
    assert np.isnan(cmp.jaccard(pd.DataFrame(columns=["change"])))


# ---------------------------------------------------------------- density and bootstrap


def test_density_change_point_estimates_by_hand():
    d = cmp.density_change(W1, W2, n_boot=200)
    # 5 members in both, 3 senders: 3 * 4 = 12 comparable pairs; 7 ties -> 8 ties
    assert (d.n_members, d.n_senders, d.possible, d.ties_a, d.ties_b) == (5, 3, 12, 7, 8)
    assert d.density_a == pytest.approx(7 / 12) and d.density_b == pytest.approx(8 / 12)
    assert d.difference == pytest.approx(1 / 12)
    d13 = cmp.density_change(W1, W3, n_boot=200)
    # 5 members in both, 4 senders: 16 pairs; 8 ties -> 10 ties
    assert (d13.possible, d13.ties_a, d13.ties_b) == (16, 8, 10)


def test_bootstrap_identical_waves_gives_zero_interval():
    for G in (W1, W2, W3):
        d = cmp.density_change(G, G.copy(), seed=3, n_boot=500)
        assert d.difference == 0.0
        assert (d.ci_low, d.ci_high) == (0.0, 0.0)
        assert d.ci_low <= 0.0 <= d.ci_high  # contains the true difference
        assert d.p_value == 1.0 and d.n_valid == d.differences.size


def test_bootstrap_is_seeded_and_reproducible():
    d1 = cmp.density_change(W1, W2, seed=11, n_boot=300)
    d2 = cmp.density_change(W1, W2, seed=11, n_boot=300)
    d3 = cmp.density_change(W1, W2, seed=12, n_boot=300)
    assert d1 == d2 and np.array_equal(d1.differences, d2.differences)
    assert not np.array_equal(d1.differences, d3.differences)
    assert (d1.seed, d1.n_boot, d1.level) == (11, 300, 0.95)
    assert d1.as_dict()["n_boot"] == 300 and "differences" not in d1.as_dict()


def test_bootstrap_growth_only_never_goes_below_zero():
    # wave 2 -> 3 only adds comparable ties, so no resample can show a density fall
    d = cmp.density_change(W2, W3, seed=0, n_boot=1000)
    assert d.difference == pytest.approx(3 / 25)  # 11/25 -> 14/25
    assert (d.differences >= 0).all()
    assert 0.0 <= d.ci_low <= d.difference <= d.ci_high


def test_bootstrap_counts_match_explicit_resampled_networks():
    """The vectorised counts equal densities of explicitly built resampled networks."""
    H1, H2 = cmp.comparable_graphs(W1, W3)
    nodes = sorted(H1)
    senders = {m for m in nodes if H1.nodes[m]["answered"]}
    X1 = nx.to_numpy_array(H1, nodelist=nodes, weight=None)
    X2 = nx.to_numpy_array(H2, nodelist=nodes, weight=None)
    r = np.array([m in senders for m in nodes], dtype=float)
    rng = np.random.default_rng(5)
    draws = rng.integers(0, len(nodes), size=(40, len(nodes)))
    W = np.array([np.bincount(d, minlength=len(nodes)) for d in draws])
    T1, T2, P = cmp._bootstrap_counts(X1, X2, r, W)
    for k, d in enumerate(draws):
        ties1 = ties2 = possible = 0
        for i, j in itertools.permutations(range(len(d)), 2):  # bootstrap positions i != j
            u, v = nodes[d[i]], nodes[d[j]]
            if u == v or u not in senders:
                continue  # same member drawn twice: no observation; non-sender: row missing
            possible += 1
            ties1 += H1.has_edge(u, v)
            ties2 += H2.has_edge(u, v)
        assert (T1[k], T2[k], P[k]) == (ties1, ties2, possible)


def test_density_change_rejects_no_common_respondent():
    G = nx.DiGraph()
    G.add_nodes_from(["x", "y"], answered=False, department="A", role="chief")
    with pytest.raises(ValueError, match="answered in both"):
        cmp.density_change(G, G)


# ---------------------------------------------------------------- core and periphery


def test_core_transitions_wave1_to_wave2_by_hand():
    table, movers = cmp.core_transitions(W1, W2, CORE1, CORE2)
    # in both waves: a1 c->c, a2 p->p, b1 c->p, b2 p->c, c1 c->c   (a3 left, d1 joined)
    assert table.values.tolist() == [
        ["core", "core", 2], ["core", "periphery", 1],
        ["periphery", "core", 1], ["periphery", "periphery", 1],
    ]  # fmt: skip
    assert list(movers.columns) == ["member_id", "department", "role", "from", "to"]
    assert movers.values.tolist() == [
        ["b1", "B", "director", "core", "periphery"],
        ["b2", "B", "chief", "periphery", "core"],
    ]  # fmt: skip


def test_core_transitions_wave2_to_wave3_use_later_attributes():
    table, movers = cmp.core_transitions(W2, W3, CORE2, CORE3)
    # a1 c->c, a2 p->p, b1 p->c, b2 c->p, c1 c->c, d1 c->p
    assert table["n_members"].tolist() == [2, 2, 1, 1]
    assert movers.values.tolist() == [
        ["b2", "B", "chief", "core", "periphery"],
        ["d1", "D", "chief", "core", "periphery"],
        ["b1", "C", "director", "periphery", "core"],  # b1 is in department C in wave 3
    ]  # fmt: skip


def test_core_transitions_accept_a_partition_object_and_reject_strangers():
    class Split:
        core = ("a1", "c1")

    table, _ = cmp.core_transitions(W2, W3, Split(), CORE3)
    assert table["n_members"].sum() == 6
    with pytest.raises(ValueError, match="not in that wave"):
        cmp.core_transitions(W1, W2, {"zz"}, CORE2)


# ---------------------------------------------------------------- departments


def test_block_density_change_wave1_to_wave2_by_hand():
    b = cmp.block_density_change(W1, W2)
    assert list(b.columns) == ["source_department", "target_department", "density_a", "density_b",
                               "change", "ties_a", "ties_b", "possible_a", "possible_b",
                               "senders_a", "senders_b", "ci_low", "ci_high"]  # fmt: skip
    assert (b["senders_a"] == 1).all() and (b["senders_b"] == 1).all()  # a1, b1, c1: one per department
    # members in both: A {a1, a2}, B {b1, b2}, C {c1}; senders a1 (A), b1 (B), c1 (C)
    # possible: A->A 1*1, A->B 1*2, A->C 1*1, B->A 1*2, B->B 1*1, B->C 1*1, C->A 1*2, C->B 1*2, C->C 0
    # wave 1 ties: A->A a1a2; A->B a1b1; A->C a1c1; B->A b1a1; B->B b1b2; C->A c1a1; C->B c1b1
    # wave 2 ties: A->A a1a2; A->B a1b2; A->C a1c1; B->A b1a1; B->C b1c1; C->A c1a1; C->B c1b1, c1b2
    expected = {
        ("A", "A"): (1, 1, 1), ("A", "B"): (1, 1, 2), ("A", "C"): (1, 1, 1),
        ("B", "A"): (1, 1, 2), ("B", "B"): (1, 0, 1), ("B", "C"): (0, 1, 1),
        ("C", "A"): (1, 1, 2), ("C", "B"): (1, 2, 2), ("C", "C"): (0, 0, 0),
    }  # fmt: skip
    assert list(zip(b["source_department"], b["target_department"])) == sorted(expected)
    for row in b.itertuples(index=False):
        ta, tb, possible = expected[(row.source_department, row.target_department)]
        assert (row.ties_a, row.ties_b, row.possible_a, row.possible_b) == (ta, tb, possible, possible)
        if possible:
            assert row.density_a == pytest.approx(ta / possible)
            assert row.change == pytest.approx((tb - ta) / possible)
        else:
            assert np.isnan(row.density_a) and np.isnan(row.change)
    # B->B fell from 1 to 0, B->C rose from 0 to 1, C->B from 1/2 to 1
    changes = {(r.source_department, r.target_department): r.change for r in b.itertuples()}
    assert changes[("B", "B")] == -1 and changes[("B", "C")] == 1 and changes[("C", "B")] == 0.5


def test_block_senders_follow_each_waves_departments():
    # wave 2 -> 3: senders (answered both) a1, b1, b2, c1, d1; b1 is in B in wave 2, in C in wave 3
    b = cmp.block_density_change(W2, W3).drop_duplicates("source_department").set_index("source_department")
    assert b["senders_a"].to_dict() == {"A": 1, "B": 2, "C": 1, "D": 1}
    assert b["senders_b"].to_dict() == {"A": 1, "B": 1, "C": 2, "D": 1}


def test_crossing_change_wave1_to_wave2_by_hand():
    c = cmp.crossing_change(W1, W2)
    assert list(c.columns) == ["attribute", "level", "group", "ties_a", "crossing_a", "share_a",
                               "ties_b", "crossing_b", "share_b", "change"]  # fmt: skip
    whole = c.iloc[0]
    # wave 1: 7 ties, internal a1->a2 and b1->b2, so 5 cross; wave 2: 8 ties, internal a1->a2 only
    assert (whole["level"], whole["group"]) == ("whole", "")
    assert (whole["ties_a"], whole["crossing_a"], whole["ties_b"], whole["crossing_b"]) == (7, 5, 8, 7)
    assert whole["change"] == pytest.approx(float(Fraction(7, 8) - Fraction(5, 7)))  # 9/56
    groups = c.iloc[1:].set_index("group")
    assert list(groups.index) == ["A", "B", "C"]
    # A: a1 named a2, b1, c1 -> a2, c1, b2: 2 of 3 cross both times
    assert groups.loc["A", "share_a"] == pytest.approx(2 / 3) and groups.loc["A", "change"] == pytest.approx(0)
    # B: b1 named a1, b2 (1 of 2 cross) -> a1, c1 (2 of 2)
    assert groups.loc["B", "change"] == pytest.approx(0.5)


def test_crossing_change_uses_each_waves_departments():
    c = cmp.crossing_change(W2, W3)
    whole = c.iloc[0]
    # wave 2: 11 ties, internal a1->a2 (A) and b2->b1 (B): 9 cross
    # wave 3 (b1 now in C): 14 ties, internal a1->a2, b1->c1, c1->b1: 11 cross
    assert (whole["ties_a"], whole["crossing_a"], whole["ties_b"], whole["crossing_b"]) == (11, 9, 14, 11)
    assert whole["change"] == pytest.approx(11 / 14 - 9 / 11)


# ---------------------------------------------------------------- external


def test_external_change_aligns_rows_and_subtracts():
    a = pd.DataFrame({"partner": ["regions", "regions", "citizens", "citizens"],
                      "group": ["core", "periphery", "core", "periphery"],
                      "n_answered": [4, 5, 4, 5], "mean_rating": [2.5, 2.0, 3.0, 1.0]})  # fmt: skip
    b = pd.DataFrame({"partner": ["regions", "regions", "citizens", "businesses"],
                      "group": ["core", "periphery", "core", "core"],
                      "n_answered": [3, 6, 2, 1], "mean_rating": [3.0, 2.0, 2.0, 4.0]})  # fmt: skip
    d = cmp.external_change(a, b)
    assert list(d.columns) == ["partner", "group", "n_answered_a", "mean_rating_a",
                               "n_answered_b", "mean_rating_b", "change"]  # fmt: skip
    assert d[["partner", "group"]].values.tolist() == [
        ["regions", "core"], ["regions", "periphery"], ["citizens", "core"],
        ["citizens", "periphery"], ["businesses", "core"],
    ]  # fmt: skip
    assert d["change"].iloc[:3].tolist() == [0.5, 0.0, -1.0]
    assert np.isnan(d["change"].iloc[3]) and d["n_answered_b"].iloc[3] == 0
    assert d["n_answered_a"].iloc[4] == 0 and np.isnan(d["mean_rating_a"].iloc[4])


# ---------------------------------------------------------------- all together


def test_compare_waves_bundles_everything():
    ext = pd.DataFrame({"partner": ["regions"], "group": ["core"], "n_answered": [2], "mean_rating": [2.0]})
    ext2 = ext.assign(mean_rating=[2.5])
    c = cmp.compare_waves(W1, W2, core_a=CORE1, core_b=CORE2, seed=1, n_boot=200,
                          external_a=ext, external_b=ext2)  # fmt: skip
    assert c.common == ("a1", "a2", "b1", "b2", "c1")
    assert c.joined == ("d1",) and c.left == ("a3",)
    assert c.tie_counts == {"kept": 5, "new": 3, "dropped": 2}
    # whole waves: wave 1 has 11 ties over 5 respondents x 5 others; wave 2 has 11 over 5 x 5
    assert c.whole[["wave", "ties", "possible_ties"]].values.tolist() == [["a", 11, 25], ["b", 11, 25]]
    assert c.jaccard == 0.5 and c.n_comparable_pairs == 12
    assert list(c.kept.columns) == ["source", "target", "rating_a", "rating_b"]
    assert set(map(tuple, c.new[["source", "target"]].values.tolist())) == {("a1", "b2"), ("b1", "c1"), ("c1", "b2")}
    assert len(c.dropped) == 2
    assert c.transition_matrix().values.tolist() == [[2, 1], [1, 1]]
    assert c.params["seed"] == 1 and c.params["n_boot"] == 200
    assert c.density.n_boot == 200 and c.external["change"].tolist() == [0.5]
    again = cmp.compare_waves(W1, W2, core_a=CORE1, core_b=CORE2, seed=1, n_boot=200,
                              external_a=ext, external_b=ext2)  # fmt: skip
    assert again.density == c.density
    pd.testing.assert_frame_equal(again.ties, c.ties)
    with pytest.raises(ValueError, match="both"):
        cmp.compare_waves(W1, W2, core_a=CORE1, core_b=CORE2, external_a=ext)
