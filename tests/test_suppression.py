"""Tests for helpers.handout.suppression: the k = 3 rule, the marker, the note flag,
secondary suppression, and that inputs are left unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.handout import suppression as sp


@pytest.fixture
def means():
    return pd.DataFrame(
        {
            "partner": ["regions", "regions", "citizens", "citizens"],
            "group": ["core", "periphery", "core", "periphery"],
            "n_answered": [2, 3, 0, 7],
            "mean_rating": [2.5, 2.0, np.nan, 1.9],
            "n_dont_know": [1, 0, 4, 2],
        }
    )


def test_two_people_suppressed_three_shown(means):
    before = means.copy()
    result = sp.suppress(means, {"n_answered": "mean_rating"})
    # 2 answers -> hidden; 3 answers -> shown; 0 answers -> nobody described, left (NaN)
    assert result.table["mean_rating"].iloc[0] == "\u2013"
    assert result.table["mean_rating"].iloc[1] == 2.0
    assert pd.isna(result.table["mean_rating"].iloc[2])
    assert result.table["mean_rating"].iloc[3] == 1.9
    assert result.mask["mean_rating"].tolist() == [True, False, False, False]
    assert not result.mask.drop(columns="mean_rating").to_numpy().any()
    assert result.cells[["position", "column", "count", "reason"]].to_dict("records") == [
        {"position": 0, "column": "mean_rating", "count": 2.0, "reason": "primary"}
    ]
    # the note flag
    assert result.any and sp.any_suppressed(result)
    # the input is unchanged (values and dtypes)
    pd.testing.assert_frame_equal(means, before)


def test_nothing_suppressed_gives_no_note(means):
    result = sp.suppress(means.iloc[[1, 3]], {"n_answered": "mean_rating"})
    assert not result.any and not sp.any_suppressed(result)
    assert result.cells.empty
    pd.testing.assert_frame_equal(result.table, means.iloc[[1, 3]])


def test_count_column_can_hide_itself_and_marker_is_configurable(means):
    result = sp.suppress(
        means, {"n_answered": "mean_rating", "n_dont_know": "n_dont_know"}, marker="*"
    )
    # n_dont_know 1 and 2 describe one or two people -> hidden; 0 and 4 shown
    assert result.table["n_dont_know"].tolist() == ["*", 0, 4, "*"]
    assert result.table["mean_rating"].iloc[0] == "*"
    assert len(result.cells) == 3


def test_k_is_a_parameter(means):
    result = sp.suppress(means, {"n_answered": "mean_rating"}, k=4)
    # k = 4: counts 2 and 3 hidden, 7 shown
    assert result.mask["mean_rating"].tolist() == [True, True, False, False]


def test_zero_is_hidden_only_on_request(means):
    result = sp.suppress(means, {"n_answered": "mean_rating"}, suppress_zero=True)
    assert result.mask["mean_rating"].tolist() == [True, False, True, False]


def test_secondary_suppression_protects_a_row_total():
    counts = pd.DataFrame(
        {
            "group": ["core", "periphery"],
            "answered": [6, 9],
            "dont_know": [2, 4],
            "blank": [3, 5],
            "total": [11, 18],
        }
    )
    before = counts.copy()
    result = sp.suppress(
        counts,
        {"dont_know": "dont_know"},
        totals={"total": ["answered", "dont_know", "blank"]},
    )
    # core: dont_know = 2 hidden; with total 11 shown it equals 11 - 6 - 3,
    # so the smallest other component (blank = 3) is hidden as well
    assert result.table.iloc[0].tolist() == ["core", 6, "\u2013", "\u2013", 11]
    # periphery: nothing small, nothing hidden
    assert result.table.iloc[1].tolist() == ["periphery", 9, 4, 5, 18]
    assert result.cells[["column", "reason"]].to_dict("records") == [
        {"column": "dont_know", "reason": "primary"},
        {"column": "blank", "reason": "secondary"},
    ]
    pd.testing.assert_frame_equal(counts, before)


def test_secondary_hides_total_when_no_other_component_is_visible():
    counts = pd.DataFrame({"a": [1], "b": [np.nan], "total": [1]})
    result = sp.suppress(counts, {"a": "a"}, totals={"total": ["a", "b"]})
    assert result.table.iloc[0].tolist()[::2] == ["\u2013", "\u2013"]
    assert result.cells["reason"].tolist() == ["primary", "secondary"]


def test_no_secondary_when_two_cells_already_hidden():
    counts = pd.DataFrame({"a": [1], "b": [2], "c": [9], "total": [12]})
    result = sp.suppress(counts, {"a": "a", "b": "b"}, totals={"total": ["a", "b", "c"]})
    assert result.table.iloc[0].tolist() == ["\u2013", "\u2013", 9, 12]


def test_unknown_columns_raise(means):
    with pytest.raises(ValueError, match="not in table"):
        sp.suppress(means, {"n": "mean_rating"})


def test_note_text():
    assert "3" in sp.suppression_note(3) and sp.suppression_note(3).startswith("\u2013")
    assert sp.suppression_note(5, language="en").endswith("fewer than 5 people.")
    with pytest.raises(ValueError):
        sp.suppression_note(3, language="fr")


def test_drop_small_groups_for_figures():
    points = pd.DataFrame(
        {
            "partner": ["regions"] * 5 + ["citizens"] * 3,
            "group": ["core", "core", "periphery", "periphery", "periphery"] + ["core"] * 3,
            "rating": [1, 2, 3, 4, 2, 2, 3, 4],
        }
    )
    before = points.copy()
    kept, dropped = sp.drop_small_groups(points, ["partner", "group"])
    # regions/core has 2 points -> dropped; the other groups have 3
    assert dropped.to_dict("records") == [{"partner": "regions", "group": "core", "n": 2}]
    assert len(kept) == 6 and not ((kept.partner == "regions") & (kept.group == "core")).any()
    assert sp.any_suppressed(dropped)
    assert not sp.any_suppressed(sp.drop_small_groups(points, "partner")[1])
    pd.testing.assert_frame_equal(points, before)


def test_rare_combinations_flags_unique_directors():
    people = pd.DataFrame(
        {
            "department": ["A", "A", "A", "A", "B", "B", "B"],
            "role": ["director", "chief", "chief", "chief", "director", "chief", "chief"],
        }
    )
    rare = sp.rare_combinations(people, ["department", "role"])
    # A/director 1, B/chief 2, B/director 1 are below 3; A/chief (3) is fine
    assert rare.to_dict("records") == [
        {"department": "A", "role": "director", "n": 1},
        {"department": "B", "role": "chief", "n": 2},
        {"department": "B", "role": "director", "n": 1},
    ]
