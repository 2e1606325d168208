"""Tests for helpers.analysis.visits: the score, exclusions, and the exactness of the pairing.

Optimality is checked against brute force: every split of a small forum (n <= 10) into
pairs, plus one trio when n is odd, is enumerated and scored independently of the
module's solver.
"""

from __future__ import annotations

import itertools
import random

import networkx as nx
import pandas as pd
import pytest

from helpers.analysis import visits as vs
from helpers.ingest.visit_pairs import read_visit_pairs
from helpers.errors import ValidationError

# ---------------------------------------------------------------- brute force


def pair_splits(nodes: list) -> list[list[tuple]]:
    """Every perfect matching of ``nodes`` (even count)."""
    if not nodes:
        return [[]]
    first, rest = nodes[0], nodes[1:]
    out = []
    for i, partner in enumerate(rest):
        for tail in pair_splits(rest[:i] + rest[i + 1 :]):
            out.append([(first, partner)] + tail)
    return out


def all_plans(nodes: list) -> list[list[tuple]]:
    """Every split into pairs, plus exactly one trio when the count is odd."""
    nodes = sorted(nodes)
    if len(nodes) % 2 == 0:
        return pair_splits(nodes)
    plans = []
    for trio in itertools.combinations(nodes, 3):
        rest = [m for m in nodes if m not in trio]
        plans += [[trio] + split for split in pair_splits(rest)]
    return plans


def brute_force(nodes, weight) -> int | None:
    """Best total of ``weight`` (dict of allowed sorted pairs) over all plans; None if none is allowed."""
    best = None
    for plan in all_plans(nodes):
        total = 0
        for group in plan:
            for p in itertools.combinations(sorted(group), 2):
                if p not in weight:
                    break
                total += weight[p]
            else:
                continue
            break
        else:
            best = total if best is None else max(best, total)
    return best


# ---------------------------------------------------------------- forums


def random_forum(n: int, seed: int) -> tuple[nx.DiGraph, set]:
    rng = random.Random(seed)
    G = nx.DiGraph()
    ids = [f"m{i}" for i in range(n)]
    for m in ids:
        G.add_node(m, department=rng.choice("ABC"), role=rng.choice(["director", "chief"]),
                   gender="female", answered=rng.random() < 0.85)  # fmt: skip
    for u, v in itertools.permutations(ids, 2):
        if G.nodes[u]["answered"] and rng.random() < 0.35:
            G.add_edge(u, v, rating=rng.choice([3, 4, 5]))
    core = {m for m in ids if rng.random() < 0.4}
    return G, core


def hand_score(G, u, v, core, w: vs.ScoreWeights) -> int:
    """The score written out independently of the module."""
    total = 0
    if G.nodes[u]["department"] != G.nodes[v]["department"]:
        total += w.different_department
    ratings = [G.edges[s, t]["rating"] for s, t in ((u, v), (v, u)) if G.has_edge(s, t)]
    if not ratings:
        total += w.no_tie
    elif w.weak_rating is not None and max(ratings) <= w.weak_rating:
        total += w.weak_tie
    if core is not None and ((u in core) != (v in core)):
        total += w.core_periphery
    return total


def check_plan(plan: vs.VisitPlan, G, core, weights, forbidden: set) -> None:
    """Structure of a plan: everyone once host and once guest, no forbidden pair, score adds up."""
    v = plan.visits
    members = sorted(G)
    assert sorted(v["host"]) == members and sorted(v["guest"]) == members
    total = 0
    for pid, rows in v.groupby("pair_id"):
        people = sorted(set(rows["host"]) | set(rows["guest"]))
        assert len(people) in (2, 3) and len(rows) == len(people)
        for p in itertools.combinations(people, 2):
            assert p not in forbidden
            total += hand_score(G, p[0], p[1], core, weights)
        if len(people) == 3:  # a cycle: each hosts the next
            assert sorted(zip(rows["host"], rows["guest"])) != sorted(zip(rows["guest"], rows["host"]))
    assert total == plan.total_score == plan.pairs["score"].sum()
    assert (v["host"] != v["guest"]).all()


# ---------------------------------------------------------------- score


def test_score_terms_by_hand():
    G = nx.DiGraph()
    G.add_nodes_from([("a", {"department": "X", "role": "director"}), ("b", {"department": "Y", "role": "chief"}),
                      ("c", {"department": "X", "role": "chief"})])  # fmt: skip
    G.add_edge("a", "c", rating=3)
    w = vs.ScoreWeights(different_department=5, no_tie=3, weak_tie=1, weak_rating=3, core_periphery=2)
    ab = vs.score_pair(G, "b", "a", core={"a"}, weights=w)
    assert ab.members == ("a", "b") and ab.total == 5 + 3 + 2
    assert vs.explain(ab) == "different departments +5, no tie +3, core and periphery +2 = 10"
    ac = vs.score_pair(G, "a", "c", core={"a"}, weights=w)  # same department, weak tie (3 <= 3), core + periphery
    assert ac.terms == (("weak_tie", 1), ("core_periphery", 2)) and ac.total == 3
    ac_strict = vs.score_pair(G, "a", "c", weights=vs.ScoreWeights(weak_rating=2))
    assert vs.explain(ac_strict) == "no term applies = 0"
    table = vs.score_terms(w)
    assert table["term"].tolist() == list(vs.TERMS) and table["points"].tolist() == [5, 3, 1, 2]


def test_score_weights_must_be_non_negative_integers():
    with pytest.raises(ValueError):
        vs.ScoreWeights(no_tie=-1)
    with pytest.raises(ValueError):
        vs.ScoreWeights(different_department=1.5)


# ---------------------------------------------------------------- optimality


@pytest.mark.parametrize("n", [4, 5, 6, 7, 8, 9, 10])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plan_is_optimal_against_brute_force(n, seed):
    G, core = random_forum(n, seed)
    weights = vs.ScoreWeights(weak_rating=3)
    plan = vs.propose_visits(G, core=core, weights=weights, seed=seed)
    main = {(u, v): hand_score(G, u, v, core, weights) for u, v in itertools.combinations(sorted(G), 2)}
    assert plan.total_score == brute_force(sorted(G), main)
    check_plan(plan, G, core, weights, set())
    assert (len(plan.pairs) == n // 2) and (plan.pairs["host_april"].str.contains(";").sum() == n % 2)


@pytest.mark.parametrize("n", [5, 7, 8, 9])
@pytest.mark.parametrize("seed", range(4))
def test_solver_is_exact_for_arbitrary_weights(n, seed):
    """The branch and bound over trios is exact for any integer weights, not just scores."""
    rng = random.Random(100 + seed)
    nodes = list(range(n))
    weight = {p: rng.randrange(0, 50) for p in itertools.combinations(nodes, 2) if rng.random() < 0.85}
    expected = brute_force(nodes, weight)
    if expected is None:
        with pytest.raises(ValueError):
            vs._best_partition(nodes, weight)
        return
    groups, value, _ = vs._best_partition(nodes, weight)
    assert value == expected
    assert sorted(m for g in groups for m in g) == nodes
    assert sum(weight[p] for g in groups for p in itertools.combinations(g, 2)) == expected


def test_trio_choice_by_hand():
    # Five members; the best plan is the trio {0, 1, 3} (3 + 5 + 4 = 12) with the pair
    # (2, 4) (1): 13. Every other trio scores less, e.g. {1, 2, 3} + (0, 4) = 9 + 3 = 12,
    # {0, 1, 4} + (2, 3) = 7 + 4 = 11, {0, 2, 3} + (1, 4) = 10 + 1 = 11.
    weight = {(0, 1): 3, (0, 2): 1, (0, 3): 5, (0, 4): 3, (1, 2): 1, (1, 3): 4, (1, 4): 1,
              (2, 3): 4, (2, 4): 1, (3, 4): 0}  # fmt: skip
    groups, value, _ = vs._best_partition(list(range(5)), weight)
    assert (groups, value) == ([(0, 1, 3), (2, 4)], 13)


def hard_instance(seed: int) -> tuple[list, dict]:
    rng = random.Random(seed)
    n = rng.choice([5, 7, 9])
    p = rng.choice([0.5, 0.7, 1.0])
    weight = {}
    for q in itertools.combinations(range(n), 2):
        if rng.random() < p:
            weight[q] = rng.randrange(0, rng.choice([3, 10, 100]))
    return list(range(n)), weight


@pytest.mark.parametrize("seed", [244, 688, 740, 872, 964, 2310])
def test_solver_on_instances_where_the_attach_shortcut_fails(seed):
    """Instances (found by search) where attaching the left-out member of a best matching
    to one of its pairs is not optimal: only the branch and bound finds the optimum."""
    nodes, weight = hard_instance(seed)
    groups, value, _ = vs._best_partition(nodes, weight)
    assert value == brute_force(nodes, weight)


@pytest.mark.parametrize("seed", range(12))
def test_exclusions_are_always_respected(seed):
    rng = random.Random(seed)
    n = rng.choice([6, 7, 8, 9])
    G, core = random_forum(n, 50 + seed)
    ids = sorted(G)
    excluded = [p for p in itertools.combinations(ids, 2) if rng.random() < 0.3]
    last = [tuple(rng.sample(ids, 2))]
    ex = vs.Exclusions(pairs=tuple(excluded), last_round=tuple(last),
                       same_department_director_chief=rng.random() < 0.5)  # fmt: skip
    forbidden = set(excluded) | {tuple(sorted(last[0]))}
    if ex.same_department_director_chief:
        forbidden |= {
            (u, v) for u, v in itertools.combinations(ids, 2)
            if G.nodes[u]["department"] == G.nodes[v]["department"]
            and {G.nodes[u]["role"], G.nodes[v]["role"]} == {"director", "chief"}
        }  # fmt: skip
    assert set(ex.forbidden(G)) == forbidden
    weights = vs.ScoreWeights()
    main = {(u, v): hand_score(G, u, v, core, weights)
            for u, v in itertools.combinations(ids, 2) if (u, v) not in forbidden}  # fmt: skip
    best = brute_force(ids, main)
    if best is None:
        with pytest.raises(ValueError, match="no way to pair"):
            vs.propose_visits(G, core=core, exclusions=ex, seed=seed)
        return
    plan = vs.propose_visits(G, core=core, exclusions=ex, seed=seed)
    check_plan(plan, G, core, weights, forbidden)
    assert plan.total_score == best
    assert plan.params["forbidden_pairs"] == len(forbidden)


def test_member_excluded_from_everyone_cannot_be_paired():
    G, _ = random_forum(6, 3)
    ex = vs.Exclusions(pairs=tuple(("m0", m) for m in sorted(G) if m != "m0"))
    with pytest.raises(ValueError, match="no way to pair"):
        vs.propose_visits(G, exclusions=ex)


def test_same_department_rule_and_unknown_ids():
    G = nx.DiGraph()
    for m, d in zip(["m1", "m2", "m3", "m4", "m5", "m6", "m7"], "AABBCCC"):
        G.add_node(m, department=d, role="chief", answered=True)
    G.add_edge("m1", "m3", rating=4)
    ex = vs.Exclusions(same_department=True, last_round=(("gone", "m1"), ("m1", "m5")))
    plan = vs.propose_visits(G, exclusions=ex)
    for r in plan.visits.itertuples():
        assert G.nodes[r.host]["department"] != G.nodes[r.guest]["department"]
        assert {r.host, r.guest} != {"m1", "m5"}
    assert plan.params["ignored_exclusion_ids"] == ["gone"]
    # C has three members, so the trio must hold one C member and the pairs the others
    assert plan.params["forbidden_pairs"] == 1 + 1 + 3 + 1  # AA, BB, three CC pairs, m1-m5


# ---------------------------------------------------------------- determinism and groups


def test_same_seed_same_plan_and_seed_only_breaks_ties():
    G, core = random_forum(13, 7)
    a = vs.propose_visits(G, core=core, seed=5)
    b = vs.propose_visits(G, core=core, seed=5)
    for name in ("pairs", "groups", "visits"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    scores = {vs.propose_visits(G, core=core, seed=s).total_score for s in range(6)}
    assert scores == {a.total_score}  # other seeds may choose other plans, never worse ones


def test_plan_without_ties_or_core_prefers_other_departments():
    G = nx.DiGraph()
    for m, d in zip("abcdef", "AABBCC"):
        G.add_node(m, department=d, role="chief", answered=True)
    plan = vs.propose_visits(G)
    # all three pairs can cross departments: 3 * (3 + 2) = 15
    assert plan.total_score == 15
    assert set(plan.pairs["reasons"]) == {"different departments +3, no tie +2 = 5"}
    assert list(plan.pairs.columns) == ["pair_id", "host_march", "guest_march", "host_april", "guest_april",
                                        "score", "reasons"]  # fmt: skip
    # a pair visits both ways
    row = plan.pairs.iloc[0]
    assert (row["host_march"], row["guest_march"]) == (row["guest_april"], row["host_april"])


@pytest.mark.parametrize("n,seed", [(8, 0), (10, 1), (11, 2), (14, 3), (13, 4)])
def test_wrap_up_groups_are_optimal(n, seed):
    G, core = random_forum(n, seed)
    plan = vs.propose_visits(G, core=core, seed=seed)
    units = [tuple(sorted(set(r["host"]) | set(r["guest"]))) for _, r in plan.visits.groupby("pair_id")]
    dept = {m: G.nodes[m]["department"] for m in G}
    weight = {(i, j): sum(dept[p] != dept[q] for p in units[i] for q in units[j])
              for i, j in itertools.combinations(range(len(units)), 2)}  # fmt: skip
    assert plan.group_score == brute_force(list(range(len(units))), weight)
    assert list(plan.groups.columns) == ["group_id", "pair_ids", "members", "n_departments", "score"]
    sizes = sorted(len(ids.split(", ")) for ids in plan.groups["pair_ids"])
    assert sizes == [2] * (len(units) // 2 - len(units) % 2) + [3] * (len(units) % 2)
    listed = sorted(p for ids in plan.groups["pair_ids"] for p in ids.split(", "))
    assert listed == sorted(plan.pairs["pair_id"])
    assert plan.group_score == plan.groups["score"].sum()


def test_tiny_forums():
    G = nx.DiGraph()
    G.add_nodes_from([("a", {"department": "A"}), ("b", {"department": "B"})])
    plan = vs.propose_visits(G)
    assert len(plan.groups) == 1 and plan.total_score == 5
    G.add_node("c", department="C")
    trio = vs.propose_visits(G)
    assert trio.total_score == 15 and len(trio.visits) == 3
    assert sorted(trio.visits["host"]) == ["a", "b", "c"] and sorted(trio.visits["guest"]) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="at least two"):
        vs.propose_visits(G, members=["a"])


# ---------------------------------------------------------------- exclusion file


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_read_exclusions(tmp_path):
    path = write(
        tmp_path / "exclusions.yml",
        "pairs:\n  - [m1, m2]\n  - [0123, m3]\nlast_round:\n  - [m4, m5]\n  - [m6, m7, m8]\n"
        "rules:\n  same_department_director_chief: true\n  same_department: no\n",
    )
    ex = vs.read_exclusions(path)
    assert ex.pairs == (("0123", "m3"), ("m1", "m2"))  # ids stay text, even with a leading zero
    assert ex.last_round == (("m4", "m5"), ("m6", "m7", "m8"))
    assert ex.same_department_director_chief and not ex.same_department
    assert ex.source == "exclusions.yml"
    assert vs.read_exclusions(write(tmp_path / "empty.yml", "")) == vs.Exclusions(source="empty.yml")


def test_read_exclusions_reports_every_problem(tmp_path):
    path = write(
        tmp_path / "exclusions.yml",
        "pairs:\n  - [m1]\n  - [m2, m2]\n  - m3\nlast_round: [[a, b, c, d]]\n"
        "rules:\n  same_department: maybe\n  other_rule: true\ncolour: red\n",
    )
    with pytest.raises(ValidationError) as info:
        vs.read_exclusions(path)
    found = [(p.file, p.row, p.column) for p in info.value.problems]
    assert found == [
        ("exclusions.yml", 2, "pairs[1]"),
        ("exclusions.yml", 3, "pairs[2]"),
        ("exclusions.yml", 4, "pairs[3]"),
        ("exclusions.yml", 5, "last_round[1]"),
        ("exclusions.yml", 7, "rules.same_department"),
        ("exclusions.yml", 8, "rules.other_rule"),
        ("exclusions.yml", 9, "colour"),
    ]
    assert info.value.problems[0].found == "1 member ids" and info.value.problems[0].expected == "2 member ids"
    assert info.value.problems[4].expected == "true or false"


def test_read_exclusions_bad_yaml_and_wrong_shape(tmp_path):
    with pytest.raises(ValidationError) as info:
        vs.read_exclusions(write(tmp_path / "bad.yml", "pairs:\n  - [m1, m2\n"))
    assert info.value.problems[0].row is not None and "invalid YAML" in info.value.problems[0].found
    with pytest.raises(ValidationError) as info:
        vs.read_exclusions(write(tmp_path / "list.yml", "- [m1, m2]\n"))
    assert info.value.problems[0].expected.startswith("a mapping")


# ---------------------------------------------------------------- outputs


def test_mail_merge_has_no_names_unless_a_key_is_given(tmp_path):
    G, core = random_forum(7, 1)
    plan = vs.propose_visits(G, core=core)
    frame = vs.mail_merge(plan)
    assert list(frame.columns) == ["member_id", "partner_id", "month", "role", "wrap_up_group"]
    assert (frame.groupby("member_id")["role"].apply(sorted) == pd.Series([["guest", "host"]] * 7,
            index=sorted(G))).all()  # fmt: skip
    assert frame["member_id"].tolist() == sorted(frame["member_id"])
    key = pd.DataFrame({"member_id": sorted(G), "name": [f"Navn {m}" for m in sorted(G)]})
    named = vs.mail_merge(plan, key)
    assert list(named.columns)[-2:] == ["name", "partner_name"]
    assert (named["partner_name"] == "Navn " + named["partner_id"]).all()
    path = vs.write_mail_merge(plan, tmp_path / "mail.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfmember_id;partner_id;month;role;wrap_up_group\r\n")  # Danish Excel
    assert "Navn" not in path.read_text(encoding="utf-8-sig")
    with pytest.raises(ValueError, match="no name"):
        vs.mail_merge(plan, key.iloc[1:])


def test_visit_pairs_round_trip_to_the_next_wave(tmp_path):
    G, core = random_forum(9, 2)
    plan = vs.propose_visits(G, core=core, seed=1)
    path = vs.write_visit_pairs(plan, tmp_path / "visit_pairs.csv")
    back = read_visit_pairs(path)
    pd.testing.assert_frame_equal(back, vs.visit_pairs_table(plan))
    assert sorted(back["member_id"]) == sorted(G)
    assert back.groupby("pair_id").size().sort_values().tolist() == [2, 2, 2, 3]
