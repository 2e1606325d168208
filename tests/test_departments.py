"""Tests for helpers.analysis.departments on forums small enough to check by hand.

The main fixture is a six-member forum with two departments and one
non-respondent:

    department A: a1 (director, female), a2 (chief, male), a3 (chief, female)
    department B: b1 (director, male),   b2 (chief, female), b3 (chief, male; did not answer)

    ties (12):  a1->a2  a1->a3  a1->b1
                a2->a1  a2->b3
                a3->a1
                b1->b2  b1->a1  b1->b3
                b2->b1  b2->a3  b2->a2

No worked E-I example with its network (from Krackhardt and Stern's paper or a
textbook) was found in the reference material searched, so the E-I values are
checked against hand arithmetic and exhaustive enumeration instead.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from helpers.analysis import departments as dp

MEMBERS = {
    "a1": ("A", "director", "female", True),
    "a2": ("A", "chief", "male", True),
    "a3": ("A", "chief", "female", True),
    "b1": ("B", "director", "male", True),
    "b2": ("B", "chief", "female", True),
    "b3": ("B", "chief", "male", False),
}
TIES = [
    ("a1", "a2"), ("a1", "a3"), ("a1", "b1"),
    ("a2", "a1"), ("a2", "b3"),
    ("a3", "a1"),
    ("b1", "b2"), ("b1", "a1"), ("b1", "b3"),
    ("b2", "b1"), ("b2", "a3"), ("b2", "a2"),
]  # fmt: skip


def forum(ties=TIES, members=MEMBERS) -> nx.DiGraph:
    G = nx.DiGraph()
    for m, (dept, role, gender, answered) in members.items():
        G.add_node(m, department=dept, role=role, gender=gender, answered=answered)
    G.add_edges_from((u, v, {"rating": 2}) for u, v in ties)
    return G


@pytest.fixture
def G() -> nx.DiGraph:
    return forum()


# ---------------------------------------------------------------- densities


def test_department_block_densities_by_hand(G):
    blocks = dp.department_densities(G)
    assert list(blocks.columns) == [
        "source_department", "target_department", "ties", "possible", "density",
    ]  # fmt: skip
    # A -> A: a1->a2, a1->a3, a2->a1, a3->a1 = 4; possible n_resp(A)*(n(A)-1) = 3*2 = 6
    # A -> B: a1->b1, a2->b3 = 2;                  possible n_resp(A)*n(B)     = 3*3 = 9
    # B -> A: b1->a1, b2->a3, b2->a2 = 3;          possible n_resp(B)*n(A)     = 2*3 = 6
    # B -> B: b1->b2, b1->b3, b2->b1 = 3;          possible n_resp(B)*(n(B)-1) = 2*2 = 4
    expected = pd.DataFrame(
        {
            "source_department": ["A", "A", "B", "B"],
            "target_department": ["A", "B", "A", "B"],
            "ties": [4, 2, 3, 3],
            "possible": [6, 9, 6, 4],
            "density": [4 / 6, 2 / 9, 3 / 6, 3 / 4],
        }
    )
    pd.testing.assert_frame_equal(blocks, expected)
    # the blocks add up to the forum's density over respondents: 12 / (5 * 5)
    assert blocks["ties"].sum() == G.number_of_edges() == 12
    assert blocks["possible"].sum() == 5 * (6 - 1)


def test_role_block_densities_by_hand(G):
    blocks = dp.block_densities(G, "role")
    assert list(blocks.columns[:2]) == ["source_role", "target_role"]
    got = {(s, t): (n, p) for s, t, n, p, _ in blocks.itertuples(index=False)}
    # directors a1, b1 (both answered); chiefs a2, a3, b2, b3 (3 answered)
    # chief -> chief: a2->b3, b2->a3, b2->a2 = 3;  possible 3 * (4 - 1) = 9
    # chief -> director: a2->a1, a3->a1, b2->b1 = 3; possible 3 * 2 = 6
    # director -> chief: a1->a2, a1->a3, b1->b2, b1->b3 = 4; possible 2 * 4 = 8
    # director -> director: a1->b1, b1->a1 = 2; possible 2 * (2 - 1) = 2
    assert got == {
        ("chief", "chief"): (3, 9),
        ("chief", "director"): (3, 6),
        ("director", "chief"): (4, 8),
        ("director", "director"): (2, 2),
    }


def test_block_without_respondents_is_nan_not_zero():
    members = {"x": ("X", "chief", "male", True), "y": ("Y", "chief", "male", False)}
    blocks = dp.department_densities(forum([("x", "y")], members))
    row = blocks[(blocks.source_department == "Y") & (blocks.target_department == "X")].iloc[0]
    assert row["possible"] == 0 and np.isnan(row["density"])


def test_density_matrix_pivots_and_orders(G):
    matrix = dp.density_matrix(dp.department_densities(G), order=["B", "A"])
    assert list(matrix.index) == ["B", "A"] and list(matrix.columns) == ["B", "A"]
    assert matrix.loc["B", "A"] == pytest.approx(0.5)
    assert matrix.loc["A", "B"] == pytest.approx(2 / 9)
    with pytest.raises(ValueError):
        dp.density_matrix(dp.department_densities(G), order=["A"])


def test_group_sizes(G):
    sizes = dp.group_sizes(G)
    assert sizes.to_dict("list") == {
        "attribute": ["department", "department"],
        "group": ["A", "B"],
        "n_members": [3, 3],
        "n_respondents": [3, 2],
    }


# ---------------------------------------------------------------- E-I index


def test_whole_ei_by_hand(G):
    # department: external a1->b1, a2->b3, b1->a1, b2->a3, b2->a2 = 5, internal 7
    assert dp.ei_index(G, "department") == pytest.approx((5 - 7) / 12)  # -1/6
    # role: director<->chief ties 4 + 3 = 7 external, 2 + 3 = 5 internal
    assert dp.ei_index(G, "role") == pytest.approx((7 - 5) / 12)  # 1/6
    # gender (F: a1 a3 b2; M: a2 b1 b3): external a1->a2 a1->b1 a2->a1 b1->b2
    # b1->a1 b2->b1 b2->a2 = 7, internal a1->a3 a2->b3 a3->a1 b1->b3 b2->a3 = 5
    assert dp.ei_index(G, "gender") == pytest.approx((7 - 5) / 12)


def test_group_ei_by_hand(G):
    groups = dp.group_ei_index(G)
    assert list(groups.columns) == [
        "attribute", "group", "n_members", "n_respondents", "internal", "external", "ei_index",
    ]  # fmt: skip
    # A: internal 4; external A->B 2 + B->A 3 = 5 -> (5 - 4) / 9
    # B: internal 3; external 5                   -> (5 - 3) / 8
    assert groups["internal"].tolist() == [4, 3]
    assert groups["external"].tolist() == [5, 5]
    assert groups["ei_index"].tolist() == pytest.approx([1 / 9, 2 / 8])


def test_member_ei_by_hand(G):
    members = dp.member_ei_index(G)
    assert members["member_id"].tolist() == ["a1", "a2", "a3", "b1", "b2", "b3"]
    # a1: out a2 I, a3 I, b1 E; in a2 I, a3 I, b1 E     -> I 4, E 2 -> -2/6
    # a2: out a1 I, b3 E; in a1 I, b2 E                  -> I 2, E 2 -> 0
    # a3: out a1 I; in a1 I, b2 E                        -> I 2, E 1 -> -1/3
    # b1: out b2 I, a1 E, b3 I; in a1 E, b2 I            -> I 3, E 2 -> -1/5
    # b2: out b1 I, a3 E, a2 E; in b1 I                  -> I 2, E 2 -> 0
    # b3 (no answer): in a2 E, b1 I only                 -> I 1, E 1 -> 0
    assert members["internal"].tolist() == [4, 2, 2, 3, 2, 1]
    assert members["external"].tolist() == [2, 2, 1, 2, 2, 1]
    assert members["ei_index"].tolist() == pytest.approx([-1 / 3, 0, -1 / 3, -1 / 5, 0, 0])
    assert members["observed"].tolist() == ["in+out"] * 5 + ["in"]


def test_member_ei_one_direction(G):
    out = dp.member_ei_index(G, direction="out").set_index("member_id")
    # b2 named b1 (I), a3 (E), a2 (E) -> (2 - 1) / 3
    assert out.loc["b2", "ei_index"] == pytest.approx(1 / 3)
    assert np.isnan(out.loc["b3", "ei_index"])
    inc = dp.member_ei_index(G, direction="in").set_index("member_id")
    # a2 was named by a1 (I) and b2 (E) -> 0
    assert inc.loc["a2", "ei_index"] == pytest.approx(0)


def test_expected_ei_formula():
    # two groups of 3: p_ext = (3*3 + 3*3) / (6*5) = 18/30 -> 2*0.6 - 1 = 0.2
    assert dp.expected_ei_index([3, 3]) == pytest.approx(0.2)
    # 2 directors, 4 chiefs: p_ext = (2*4 + 4*2) / 30 = 16/30 -> 1/15
    assert dp.expected_ei_index({"director": 2, "chief": 4}) == pytest.approx(1 / 15)
    # respondents only (2 directors, 3 chiefs answered):
    # p_ext = (2*(6-2) + 3*(6-4)) / (5 * 5) = 14/25 -> 3/25
    got = dp.expected_ei_index({"director": 2, "chief": 4}, {"director": 2, "chief": 3})
    assert got == pytest.approx(3 / 25)
    # six departments of seven: p_ext = 6*7*35 / (42*41) = 35/41
    assert dp.expected_ei_index([7] * 6) == pytest.approx(2 * 35 / 41 - 1)


def test_rescaled_ei_by_hand(G):
    row = dp.rescaled_ei_index(G).iloc[0]
    # possible internal from respondents: a1 a2 a3 2 each + b1 b2 2 each = 10
    # possible external: a's 3 each + b's 3 each = 15; m = 12
    # max = (2*min(12, 15) - 12)/12 = 1; min = (12 - 2*min(12, 10))/12 = -2/3
    # rescaled = -1 + 2 * (-1/6 + 2/3) / (1 + 2/3) = -1 + 0.6 = -0.4
    assert (row["possible_internal"], row["possible_external"]) == (10, 15)
    assert row["ei_min"] == pytest.approx(-2 / 3) and row["ei_max"] == pytest.approx(1)
    assert row["rescaled"] == pytest.approx(-0.4)


def test_empty_graph_gives_nan():
    G = forum([])
    assert np.isnan(dp.ei_index(G))
    assert dp.group_ei_index(G)["ei_index"].isna().all()


def test_invalid_graphs_raise():
    with pytest.raises(ValueError, match="non-respondent"):
        dp.ei_index(forum(TIES + [("b3", "a1")]))
    G = forum()
    del G.nodes["a1"]["department"]
    with pytest.raises(ValueError, match="department"):
        dp.department_densities(G)


# ---------------------------------------------------------- permutation test


def _ei_for_labels(ties, label):
    """Independent E-I computation on a labelling (dict member -> group)."""
    external = sum(label[u] != label[v] for u, v in ties)
    return Fraction(external - (len(ties) - external), len(ties))


def _group_ei_for_labels(ties, label, group):
    internal = sum(label[u] == group and label[v] == group for u, v in ties)
    external = sum((label[u] == group) != (label[v] == group) for u, v in ties)
    return Fraction(external - internal, external + internal)


def _exact_two_sided(values, observed):
    n = len(values)
    p_less = Fraction(sum(v <= observed for v in values), n)
    p_greater = Fraction(sum(v >= observed for v in values), n)
    return min(Fraction(1), 2 * min(p_less, p_greater))


@pytest.mark.parametrize("attribute, sizes", [("department", (3, 3)), ("role", (4, 2))])
def test_permutation_p_matches_exhaustive_enumeration(G, attribute, sizes):
    ids = sorted(G.nodes)
    groups = sorted({G.nodes[m][attribute] for m in ids})
    first = groups[0]
    n_first = sum(G.nodes[m][attribute] == first for m in ids)
    observed_label = {m: G.nodes[m][attribute] for m in ids}
    # every distinct labelling with the same group sizes is equally likely
    # under uniform label permutation: C(6, 3) = 20 or C(6, 2) = 15 of them
    whole, per_group = [], []
    for chosen in itertools.combinations(ids, n_first):
        label = {m: first if m in chosen else groups[1] for m in ids}
        whole.append(_ei_for_labels(TIES, label))
        per_group.append(_group_ei_for_labels(TIES, label, first))
    assert len(whole) == len(list(itertools.combinations(ids, n_first)))
    # the exact null mean of the whole-forum E-I is the expected E-I
    assert sum(whole) / len(whole) == Fraction(dp.expected_ei_index(dict(zip(groups, sizes)))).limit_denominator(1000)
    exact_whole = _exact_two_sided(whole, _ei_for_labels(TIES, observed_label))
    exact_group = _exact_two_sided(per_group, _group_ei_for_labels(TIES, observed_label, first))

    result = dp.ei_permutation_test(G, attribute, n_permutations=20000, seed=7, sequential=False)
    whole_row = result.iloc[0]
    group_row = result[result.group == first].iloc[0]
    assert whole_row["observed"] == pytest.approx(float(_ei_for_labels(TIES, observed_label)))
    assert whole_row["expected"] == pytest.approx(float(sum(whole) / len(whole)))
    assert whole_row["null_mean"] == pytest.approx(float(sum(whole) / len(whole)), abs=0.01)
    # Monte Carlo standard error of a doubled tail at 20000 draws is below 0.007
    assert whole_row["p_value"] == pytest.approx(float(exact_whole), abs=0.02)
    assert group_row["p_value"] == pytest.approx(float(exact_group), abs=0.02)
    assert group_row["null_mean"] == pytest.approx(float(sum(per_group) / len(per_group)), abs=0.01)


def test_permutation_one_sided_matches_enumeration(G):
    ids = sorted(G.nodes)
    observed = _ei_for_labels(TIES, {m: G.nodes[m]["department"] for m in ids})
    values = [
        _ei_for_labels(TIES, {m: "A" if m in c else "B" for m in ids})
        for c in itertools.combinations(ids, 3)
    ]
    exact_less = sum(v <= observed for v in values) / len(values)
    result = dp.ei_permutation_test(G, n_permutations=20000, seed=3, alternative="less", sequential=False)
    assert result.iloc[0]["p_value"] == pytest.approx(exact_less, abs=0.015)


def test_permutation_is_reproducible_and_documented(G):
    a = dp.ei_permutation_test(G, n_permutations=500, seed=11, sequential=False)
    b = dp.ei_permutation_test(G, n_permutations=500, seed=11, sequential=False)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == [
        "attribute", "level", "group", "observed", "expected", "null_mean", "p_value",
        "alternative", "n_permutations", "n_valid", "seed", "max_permutations", "stopped", "p_low", "p_high",
    ]  # fmt: skip
    assert a["level"].tolist() == ["whole", "group", "group"]
    assert a["group"].tolist() == ["", "A", "B"]
    assert (a["seed"] == 11).all() and (a["n_permutations"] == 500).all()
    # p-values are (1 + #extreme) / (1 + n): never zero
    assert (a["p_value"] >= 1 / 501).all()
    # observed group values are the ones of group_ei_index
    assert a["observed"].tolist()[1:] == pytest.approx(dp.group_ei_index(G)["ei_index"].tolist())


def test_sequential_permutations_stop_when_the_answer_is_clear(G):
    full = dp.ei_permutation_test(G, n_permutations=5000, seed=2, sequential=False).iloc[0]
    quick = dp.ei_permutation_test(G, n_permutations=5000, seed=2).iloc[0]
    assert quick["max_permutations"] == 5000 and quick["n_permutations"] < 5000
    assert quick["stopped"] in ("hits", "clear")
    # the interval it reports covers the p-value of the full run, and the decision agrees
    assert quick["p_low"] <= full["p_value"] <= quick["p_high"]
    assert (quick["p_value"] <= 0.05) == (full["p_value"] <= 0.05)


def test_ei_summary_stacks_attributes(G):
    summary = dp.ei_summary(G, n_permutations=200, seed=1)
    assert summary["attribute"].unique().tolist() == ["department", "role", "gender"]
    alone = dp.ei_permutation_test(G, "role", n_permutations=200, seed=1)
    pd.testing.assert_frame_equal(
        summary[summary.attribute == "role"].reset_index(drop=True), alone
    )


# ----------------------------------------------------------------- bridges


def test_crossing_shares_by_hand(G):
    shares = dp.crossing_shares(G)
    # A sends 6 (a1 3, a2 2, a3 1), 2 cross (a1->b1, a2->b3)
    # A receives 7 (a1 3, a2 2, a3 2), 3 cross (b1->a1, b2->a2, b2->a3)
    # B sends 6 (b1 3, b2 3), 3 cross; B receives 5 (b1 2, b2 1, b3 2), 2 cross
    assert shares["out_ties"].tolist() == [6, 6]
    assert shares["out_crossing"].tolist() == [2, 3]
    assert shares["in_ties"].tolist() == [7, 5]
    assert shares["in_crossing"].tolist() == [3, 2]
    assert shares["out_crossing_share"].tolist() == pytest.approx([1 / 3, 1 / 2])
    assert shares["in_crossing_share"].tolist() == pytest.approx([3 / 7, 2 / 5])


def test_bridging_members_by_hand(G):
    bridges = dp.bridging_members(G)
    assert list(bridges.columns) == [
        "member_id", "department", "role", "answered", "cross_out", "cross_in",
        "cross_ties", "cross_partners", "groups_reached", "rank",
    ]  # fmt: skip
    # a2: out b3, in b2 -> 2 partners, 2 ties;  b2: out a3, a2 -> 2 partners, 2 ties
    # a1: out b1, in b1 -> 1 partner (reciprocated pair once), 2 ties; b1 likewise
    # a3: in b2 -> 1, 1;  b3: in a2 -> 1, 1
    assert bridges["member_id"].tolist() == ["a2", "b2", "a1", "b1", "a3", "b3"]
    assert bridges["cross_partners"].tolist() == [2, 2, 1, 1, 1, 1]
    assert bridges["cross_ties"].tolist() == [2, 2, 2, 2, 1, 1]
    assert bridges["rank"].tolist() == [1, 1, 3, 3, 5, 5]
    assert "name" not in bridges.columns


def test_unlinked_pairs():
    members = {
        "x1": ("X", "chief", "male", True),
        "x2": ("X", "chief", "male", True),
        "y1": ("Y", "chief", "male", True),
        "z1": ("Z", "chief", "male", False),
        "w1": ("W", "chief", "male", False),
    }
    pairs = dp.unlinked_pairs(forum([("x1", "y1"), ("y1", "x2")], members))
    # X-Y are linked; the others are not. possible = r_a * n_b + r_b * n_a:
    # W-X: 0*2 + 2*1 = 2; W-Y: 0 + 1*1 = 1; W-Z: 0 (unobserved); X-Z: 2; Y-Z: 1
    assert list(zip(pairs.group_a, pairs.group_b, pairs.possible)) == [
        ("W", "X", 2), ("W", "Y", 1), ("W", "Z", 0), ("X", "Z", 2), ("Y", "Z", 1),
    ]  # fmt: skip
    assert dp.unlinked_pairs(forum()).empty


def test_inputs_are_not_changed(G):
    before = (dict(G.nodes(data=True)), list(G.edges(data=True)))
    dp.department_densities(G)
    dp.ei_permutation_test(G, n_permutations=50, seed=0)
    dp.bridging_members(G)
    assert before == (dict(G.nodes(data=True)), list(G.edges(data=True)))


# ------------------------------------------------ many groups: the array code against the definitions


def _random_forum(seed: int, n: int = 60, groups: int = 14) -> nx.DiGraph:
    """Members in many groups (some of one member, one group without respondents), ties at random."""
    rng = np.random.default_rng(seed)
    G = nx.DiGraph()
    for i in range(n):
        group = f"g{int(rng.integers(groups)):02d}" if i >= 3 else f"solo{i}"
        answered = bool(rng.random() < 0.8) and group != "g00"
        G.add_node(f"m{i:03d}", department=group, role="director" if i % 7 == 0 else "chief",
                   gender="female" if rng.random() < 0.5 else "male", answered=answered)
    nodes = sorted(G)
    for u in nodes:
        if G.nodes[u]["answered"]:
            for v in rng.choice(nodes, size=int(rng.integers(0, 6)), replace=False):
                if v != u:
                    G.add_edge(u, str(v))
    return G


@pytest.mark.parametrize("seed", range(6))
def test_group_measures_match_their_definitions_on_many_groups(seed):
    G = _random_forum(seed)
    group = dict(G.nodes(data="department"))
    answered = dict(G.nodes(data="answered"))
    groups = sorted(set(group.values()))
    members = {g: [v for v in G if group[v] == g] for g in groups}
    resp = {g: sum(answered[v] for v in members[g]) for g in groups}

    blocks = dp.department_densities(G)
    assert list(zip(blocks.source_department, blocks.target_department)) == list(itertools.product(groups, groups))
    for a, b, ties, possible, density in blocks.itertuples(index=False):
        assert ties == sum(group[u] == a and group[v] == b for u, v in G.edges())
        assert possible == resp[a] * (len(members[b]) - (a == b))
        assert (np.isnan(density) if possible == 0 else density == pytest.approx(ties / possible))

    shares = dp.crossing_shares(G).set_index("group")
    eis = dp.group_ei_index(G).set_index("group")
    for g in groups:
        out = [(u, v) for u, v in G.edges() if group[u] == g]
        inc = [(u, v) for u, v in G.edges() if group[v] == g]
        assert shares.at[g, "out_ties"] == len(out) and shares.at[g, "in_ties"] == len(inc)
        assert shares.at[g, "out_crossing"] == sum(group[v] != g for _, v in out)
        assert shares.at[g, "in_crossing"] == sum(group[u] != g for u, _ in inc)
        internal = sum(group[u] == g == group[v] for u, v in G.edges())
        external = sum((group[u] == g) != (group[v] == g) for u, v in G.edges())
        assert (eis.at[g, "internal"], eis.at[g, "external"]) == (internal, external)

    linked = {frozenset((group[u], group[v])) for u, v in G.edges() if group[u] != group[v]}
    unlinked = dp.unlinked_pairs(G)
    expected = [(a, b, resp[a] * len(members[b]) + resp[b] * len(members[a]))
                for a, b in itertools.combinations(groups, 2) if frozenset((a, b)) not in linked]
    assert list(zip(unlinked.group_a, unlinked.group_b, unlinked.possible)) == expected

    total = G.number_of_nodes()
    row = dp.rescaled_ei_index(G).iloc[0]
    assert row["possible_internal"] == sum(len(members[group[v]]) - 1 for v in G if answered[v])
    assert row["possible_external"] == sum(total - len(members[group[v]]) for v in G if answered[v])


@pytest.mark.parametrize("seed", range(6))
def test_bridging_members_match_their_definition_on_many_groups(seed):
    G = _random_forum(seed)
    group = dict(G.nodes(data="department"))
    bridges = dp.bridging_members(G).set_index("member_id")
    for v in G:
        out = [w for w in G.successors(v) if group[w] != group[v]]
        inc = [u for u in G.predecessors(v) if group[u] != group[v]]
        partners = set(out) | set(inc)
        assert (bridges.at[v, "cross_out"], bridges.at[v, "cross_in"]) == (len(out), len(inc))
        assert bridges.at[v, "cross_partners"] == len(partners)
        assert bridges.at[v, "groups_reached"] == len({group[p] for p in partners})
    # competition rank: 1 + the members strictly ahead on (partners, ties)
    key = {v: (bridges.at[v, "cross_partners"], bridges.at[v, "cross_ties"]) for v in G}
    for v in G:
        assert bridges.at[v, "rank"] == 1 + sum(key[w] > key[v] for w in G)
    order = dp.bridging_members(G)
    assert list(order.member_id) == sorted(G, key=lambda v: (-key[v][0], -key[v][1], v))


def test_the_first_bad_tie_is_named():
    G = forum(TIES + [("b3", "a1")])
    with pytest.raises(ValueError, match="non-respondent 'b3' has an outgoing tie to 'a1'"):
        dp.crossing_shares(G)
    H = forum()
    H.add_edge("a2", "a2")
    with pytest.raises(ValueError, match="self-loop on member 'a2'"):
        dp.unlinked_pairs(H)
