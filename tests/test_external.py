"""Tests for helpers.analysis.external against hand-computed means, U statistics and
exhaustive enumeration of the permutation null."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import external as ex

NAN = float("nan")


def rows(member_prefix, group, partner, ratings, dont_know=0, blank=0, start=0):
    """Tidy rows: answered ratings, then 'dont_know' and 'blank' rows."""
    out = []
    i = start
    for r in ratings:
        out.append((f"{member_prefix}{i:02d}", partner, float(r), "answered", group))
        i += 1
    for status, count in (("dont_know", dont_know), ("blank", blank)):
        for _ in range(count):
            out.append((f"{member_prefix}{i:02d}", partner, NAN, status, group))
            i += 1
    return out


def frame(records):
    data = pd.DataFrame(records, columns=["member_id", "partner", "rating", "status", "group"])
    groups = dict(zip(data["member_id"], data["group"]))
    return data.drop(columns="group"), groups


@pytest.fixture
def seminar_like():
    # municipalities, core: 7 answers 3,3,3,3,3,3,2 -> 20/7 = 2.857 -> 2.86;
    #   one "don't know", one blank (the same nine core members answer every item)
    # municipalities, periphery: 8 answers, seven 2s and one 3 -> 17/8 = 2.125 -> 2.13
    #   (spreadsheet rounding; Python's round gives 2.12)
    # regions, core: seven 3s and one 2 -> 23/8 = 2.875 -> 2.88; one "don't know"
    # regions, periphery: nine 2s and one 3 -> 21/10 = 2.10
    records = (
        rows("c", "core", "municipalities", [3, 3, 3, 3, 3, 3, 2], dont_know=1, blank=1)
        + rows("c", "core", "regions", [3, 3, 3, 3, 3, 3, 3, 2], dont_know=1)
        + rows("p", "periphery", "municipalities", [2, 2, 2, 2, 2, 2, 2, 3])
        + rows("p", "periphery", "regions", [2] * 9 + [3])
    )
    return frame(records)


def test_means_reproduce_seminar_numbers(seminar_like):
    external, groups = seminar_like
    means = ex.external_means(external, groups, partners=["municipalities", "regions"])
    assert list(means.columns) == [
        "partner", "group", "n_answered", "mean_rating", "n_dont_know", "n_blank",
    ]  # fmt: skip
    assert list(zip(means.partner, means.group)) == [
        ("municipalities", "core"), ("municipalities", "periphery"),
        ("regions", "core"), ("regions", "periphery"),
    ]  # fmt: skip
    assert means["n_answered"].tolist() == [7, 8, 8, 10]
    assert means["mean_rating"].tolist() == pytest.approx([20 / 7, 17 / 8, 23 / 8, 21 / 10])
    assert means["n_dont_know"].tolist() == [1, 0, 1, 0]
    assert means["n_blank"].tolist() == [1, 0, 0, 0]

    table = ex.means_table(means, decimals=2)
    assert list(table.index) == ["core", "periphery"]
    assert list(table.columns) == ["municipalities", "regions"]
    # the seminar's table: core 2.86 2.88, periphery 2.13 2.10
    assert table.to_numpy().tolist() == [[2.86, 2.88], [2.13, 2.10]]
    counts = ex.means_table(means, "n_answered")
    assert counts.to_numpy().tolist() == [[7, 8], [8, 10]]


def test_round_half_up_differs_from_python_round():
    assert round(2.125, 2) == 2.12  # banker's rounding on an exact binary half
    assert ex.round_half_up(2.125) == 2.13
    assert ex.round_half_up(20 / 7) == 2.86
    assert ex.round_half_up(2.0) == 2.0
    assert np.isnan(ex.round_half_up(NAN))


def test_partner_in_order_but_without_data_gets_zero_counts(seminar_like):
    external, groups = seminar_like
    means = ex.external_means(external, groups, partners=["citizens", "municipalities", "regions"])
    first = means.iloc[:2]
    assert first["partner"].tolist() == ["citizens", "citizens"]
    assert first["n_answered"].tolist() == [0, 0] and first["mean_rating"].isna().all()


def test_mann_whitney_against_hand_computed_u():
    # core 3, 4, 2 vs periphery 1, 2, 2, 3; count pairs (core wins 1, tie 0.5):
    #   3 vs 1 2 2 3 -> 1 + 1 + 1 + 0.5 = 3.5
    #   4 vs 1 2 2 3 -> 4
    #   2 vs 1 2 2 3 -> 1 + 0.5 + 0.5 + 0 = 2
    # U_core = 9.5 of n1 n2 = 12 pairs; Cliff's delta = 2 * 9.5 / 12 - 1 = 7/12
    external, groups = frame(
        rows("c", "core", "businesses", [3, 4, 2]) + rows("p", "periphery", "businesses", [1, 2, 2, 3])
    )
    result = ex.external_tests(external, groups, n_permutations=100, seed=1).iloc[0]
    assert result["u_statistic"] == 9.5
    assert result["cliffs_delta"] == pytest.approx(7 / 12)
    # Cliff's delta directly: P(core > periphery) - P(core < periphery)
    greater = sum(x > y for x in [3, 4, 2] for y in [1, 2, 2, 3])  # 8
    less = sum(x < y for x in [3, 4, 2] for y in [1, 2, 2, 3])  # 1
    assert result["cliffs_delta"] == pytest.approx((greater - less) / 12)
    # normal approximation with tie and continuity correction:
    # N = 7; tie groups 1:1, 2:3, 3:2, 4:1 -> sum(t^3 - t) = 24 + 6 = 30
    # var = n1 n2 / 12 * ((N + 1) - 30 / (N (N - 1))) = 12/12 * (8 - 30/42)
    sd = math.sqrt(8 - 30 / 42)
    z = (9.5 - 6 - 0.5) / sd
    assert result["p_mannwhitney"] == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-9)
    assert result["mean_core"] == pytest.approx(3.0)
    assert result["difference"] == pytest.approx(3.0 - 2.0)


def test_mann_whitney_exact_without_ties():
    # every core rating beats every periphery rating: U = 3 * 4 = 12, delta = 1;
    # exact two-sided p = 2 / C(7, 3) = 2/35 (only the most extreme split on each side)
    external, groups = frame(
        rows("c", "core", "citizens", [5, 6, 7]) + rows("p", "periphery", "citizens", [1, 2, 3, 4])
    )
    result = ex.external_tests(external, groups, n_permutations=100, seed=1).iloc[0]
    assert result["u_statistic"] == 12
    assert result["cliffs_delta"] == 1.0
    assert result["p_mannwhitney"] == pytest.approx(2 / 35)


def test_negative_delta_when_periphery_rates_higher():
    external, groups = frame(
        rows("c", "core", "citizens", [1, 1, 2]) + rows("p", "periphery", "citizens", [3, 4, 4])
    )
    result = ex.external_tests(external, groups, n_permutations=100, seed=1).iloc[0]
    assert result["cliffs_delta"] == -1.0 and result["difference"] < 0


def test_permutation_p_matches_exhaustive_enumeration():
    core, periphery = [4, 3, 3], [2, 3, 1]
    values = core + periphery
    observed = np.mean(core) - np.mean(periphery)
    diffs = []
    for chosen in itertools.combinations(range(6), 3):  # C(6, 3) = 20 equally likely splits
        a = [values[i] for i in chosen]
        b = [values[i] for i in range(6) if i not in chosen]
        diffs.append(np.mean(a) - np.mean(b))
    diffs = np.array(diffs)
    p_less = np.mean(diffs <= observed + 1e-12)
    p_greater = np.mean(diffs >= observed - 1e-12)
    exact = min(1.0, 2 * min(p_less, p_greater))

    external, groups = frame(
        rows("c", "core", "education", core) + rows("p", "periphery", "education", periphery)
    )
    result = ex.external_tests(external, groups, n_permutations=20000, seed=5, sequential=False)
    assert result.iloc[0]["p_permutation"] == pytest.approx(exact, abs=0.02)
    greater = ex.external_tests(external, groups, n_permutations=20000, seed=5, alternative="greater",
                                sequential=False)
    assert greater.iloc[0]["p_permutation"] == pytest.approx(p_greater, abs=0.015)


def test_tests_exclude_dont_know_and_are_reproducible(seminar_like):
    external, groups = seminar_like
    a = ex.external_tests(external, groups, partners=["municipalities", "regions"], n_permutations=300, seed=9)
    b = ex.external_tests(external, groups, partners=["municipalities", "regions"], n_permutations=300, seed=9)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == [
        "partner", "n_core", "n_periphery", "mean_core", "mean_periphery", "difference",
        "p_permutation", "u_statistic", "p_mannwhitney", "cliffs_delta", "alternative",
        "n_permutations", "seed", "max_permutations", "stopped", "p_low", "p_high",
    ]  # fmt: skip
    assert a["n_core"].tolist() == [7, 8] and a["n_periphery"].tolist() == [8, 10]
    # a partner's result does not depend on the other partners in the table
    only_regions = external[external["partner"] == "regions"]
    alone = ex.external_tests(only_regions, groups, partners=["regions"], n_permutations=300, seed=9)
    pd.testing.assert_frame_equal(alone, a.iloc[[1]].reset_index(drop=True))


def test_sequential_permutations_stop_early_and_cover_the_exact_p():
    # 3 of 20 equally likely splits reach the observed difference: exact two-sided p = 0.3
    core, periphery = [4, 3, 3], [2, 3, 1]
    external, groups = frame(
        rows("c", "core", "education", core) + rows("p", "periphery", "education", periphery)
    )
    result = ex.external_tests(external, groups, n_permutations=10000, seed=5).iloc[0]
    exact = ex.external_tests(external, groups, n_permutations=20000, seed=5, sequential=False).iloc[0]
    assert result["stopped"] in ("hits", "clear") and result["n_permutations"] < 200
    assert result["max_permutations"] == 10000
    assert result["p_low"] <= exact["p_permutation"] <= result["p_high"]
    assert result["p_permutation"] > 0.05


def test_group_without_answers_gives_nan():
    external, groups = frame(
        rows("c", "core", "citizens", [], dont_know=2) + rows("p", "periphery", "citizens", [2, 3, 3])
    )
    result = ex.external_tests(external, groups, n_permutations=50, seed=0).iloc[0]
    assert result["n_core"] == 0
    assert np.isnan(result["p_permutation"]) and np.isnan(result["cliffs_delta"])


def test_ratings_long_for_strip_plot(seminar_like):
    external, groups = seminar_like
    long = ex.ratings_long(external, groups, partners=["regions", "municipalities"])
    assert list(long.columns) == ["partner", "group", "member_id", "rating"]
    assert len(long) == 7 + 8 + 8 + 10  # answered only
    assert long["partner"].astype(str).iloc[0] == "regions"
    first = long[long["partner"] == "regions"]
    assert first["group"].astype(str).tolist() == ["core"] * 8 + ["periphery"] * 10
    assert first["rating"].tolist()[:8] == sorted(first["rating"].tolist()[:8])


def test_invalid_inputs_raise(seminar_like):
    external, groups = seminar_like
    bad = external.copy()
    bad.loc[0, "rating"] = NAN  # answered without a rating
    with pytest.raises(ValueError, match="numeric rating"):
        ex.external_means(bad, groups)
    with pytest.raises(ValueError, match="without a group"):
        ex.external_means(external, {k: v for k, v in groups.items() if k != "c00"})
    bad = external.copy()
    bad.loc[0, "status"] = "maybe"
    with pytest.raises(ValueError, match="status"):
        ex.external_means(bad, groups)
    with pytest.raises(ValueError, match="partner order"):
        ex.external_means(external, groups, partners=["regions"])


def test_input_not_changed(seminar_like):
    external, groups = seminar_like
    before = external.copy()
    ex.external_means(external, groups)
    ex.external_tests(external, groups, n_permutations=50, seed=0)
    ex.ratings_long(external, groups)
    pd.testing.assert_frame_equal(external, before)
