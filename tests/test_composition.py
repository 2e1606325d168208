"""Tests of helpers.analysis.composition: The core's make-up: the exact test against Fisher's and brute force."""

import itertools

import pytest
from scipy import stats

from conftest import tie_graph as _wave
import numpy as np

from helpers.analysis import composition as _composition
from helpers.analysis import composition as st


@pytest.mark.parametrize("core,forum", [([3, 1], [5, 9]), ([0, 6], [7, 8]), ([4, 4], [8, 12]), ([2, 9], [4, 33])])
def test_two_categories_match_fishers_exact(core, forum):
    p, how = st.exact_composition_test(core, forum)
    table = [[core[0], core[1]], [forum[0] - core[0], forum[1] - core[1]]]
    assert how == "exact"
    assert p == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-9)


def brute_force_p(dept: list[str], core_size: int, observed: tuple) -> float:
    """The make-up test's p-value by enumerating every core of ``core_size`` members."""
    counts = {}
    for subset in itertools.combinations(range(len(dept)), core_size):
        comp = tuple(sum(dept[i] == d for i in subset) for d in sorted(set(dept)))
        counts[comp] = counts.get(comp, 0) + 1
    return sum(c for c in counts.values() if c <= counts[observed]) / sum(counts.values())


def test_many_categories_match_brute_force_over_subsets():
    dept = ["A"] * 4 + ["B"] * 3 + ["C"] * 3
    observed = (3, 0, 1)  # core of 4
    p, _ = st.exact_composition_test(observed, [4, 3, 3])
    assert p == pytest.approx(brute_force_p(dept, 4, observed))


def test_monte_carlo_fallback_is_seeded_and_close():
    exact, _ = st.exact_composition_test([5, 0, 1, 2], [8, 6, 7, 9])
    mc1 = st.exact_composition_test([5, 0, 1, 2], [8, 6, 7, 9], max_tables=0, n_permutations=20000, seed=3)
    mc2 = st.exact_composition_test([5, 0, 1, 2], [8, 6, 7, 9], max_tables=0, n_permutations=20000, seed=3)
    assert mc1 == mc2 and mc1[1] == "monte carlo"
    assert mc1[0] == pytest.approx(exact, abs=0.01)


def test_core_composition_and_finding():
    gender = {"a": "female", "b": "male", "c": "male", "d": "female", "e": "male"}
    role = {"a": "director", "b": "director", "c": "chief", "d": "chief", "e": "chief"}
    dept = {"a": "X", "b": "X", "c": "Y", "d": "Z", "e": "Z"}
    G = _wave([], {v: True for v in gender}, dept, gender=gender, role=role)
    core = {"a", "b"}
    table = st.core_composition(G, core, "department")
    assert list(table.columns) == ["attribute", "value", "core_count", "core_share", "forum_count", "forum_share"]
    assert table[["value", "core_count", "forum_count"]].values.tolist() == [["X", 2, 2], ["Y", 0, 1], ["Z", 0, 2]]
    assert table["core_share"].tolist() == [1.0, 0.0, 0.0]
    assert table["forum_share"].tolist() == pytest.approx([0.4, 0.2, 0.4])
    found = st.composition_finding(G, core)
    assert list(found) == ["gender", "role", "department"]
    assert found["gender"].cuts_across
    assert not found["role"].cuts_across and not found["department"].cuts_across
    assert found["role"].p_value == pytest.approx(stats.fisher_exact([[2, 0], [0, 3]]).pvalue)
    with pytest.raises(ValueError):
        st.core_composition(G, {"zz"}, "role")


# ---------------------------------------------------------------- contrasting networks


DEPTS = [d for d in "ABCDEF" for _ in range(6)] + ["A", "B", "C", "D"]  # 40 members


def test_counting_make_ups_agrees_with_listing_them():
    rng = np.random.default_rng(0)
    for _ in range(30):
        caps = [int(c) for c in rng.integers(0, 6, size=int(rng.integers(1, 6)))]
        total = int(rng.integers(0, sum(caps) + 2))
        listed = sum(1 for _ in _composition._compositions(total, caps))
        assert _composition._n_compositions(total, caps, limit=10**9) == listed
        assert _composition._n_compositions(total, caps, limit=3) == min(listed, 4)




def test_log_probability_table_is_scipys_up_to_a_constant():
    forum = np.array([8, 1, 6, 7, 9, 3])
    k = 11
    table, offset = st._log_choose_table(forum, k)
    draws = np.random.default_rng(1).multivariate_hypergeometric(forum, k, size=200)
    ours = table[offset + draws].sum(axis=1)
    theirs = stats.multivariate_hypergeom(m=forum, n=k).logpmf(draws)
    assert np.allclose(ours - theirs, (ours - theirs)[0], rtol=0, atol=1e-9)


@pytest.mark.parametrize("observed", [(2, 2, 0), (1, 1, 2), (0, 0, 4)])
def test_monte_carlo_p_value_matches_brute_force_with_ties(observed):
    # three departments of 3, 3 and 4, a core of 4: make-ups of equal probability exist
    dept = ["A"] * 3 + ["B"] * 3 + ["C"] * 4
    brute = brute_force_p(dept, 4, observed)
    p, how = st.exact_composition_test(observed, [3, 3, 4], max_tables=0, n_permutations=40000, seed=5)
    assert how == "monte carlo"
    assert p == pytest.approx(brute, abs=max(0.01, 4 * (brute * (1 - brute) / 1000) ** 0.5))
