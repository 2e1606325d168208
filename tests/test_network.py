"""The tie graph and whole-network figures, on forums small enough to check by hand."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from helpers.analysis.network import build_graph, reported_density, respondents, summary


def forum():
    members = pd.DataFrame({
        "member_id": ["a", "b", "c", "d"], "gender": ["female", "male", "female", "male"],
        "role": ["director", "chief", "chief", "chief"], "department": ["X", "X", "Y", "Y"],
        "answered": [True, True, True, False],
    })
    relations = pd.DataFrame({
        "source": ["a", "a", "a", "b", "b", "c"], "target": ["b", "c", "d", "a", "d", "a"],
        "rating": [3, 1, 2, 2, 0, 3],
    })
    return members, relations


def test_threshold_and_missing_rows():
    G = build_graph(*forum(), threshold=2)
    assert sorted(G.edges) == [("a", "b"), ("a", "d"), ("b", "a"), ("c", "a")]
    assert G.out_degree("d") == 0 and G.in_degree("d") == 1  # ties to a non-respondent count
    assert respondents(G) == {"a", "b", "c"}
    assert G.nodes["c"] == {"gender": "female", "role": "chief", "department": "Y", "answered": True}


def test_density_counts_only_respondents():
    G = nx.DiGraph([("a", "b"), ("b", "c")])
    assert reported_density(G, {"a", "b"}) == 0.5


def test_summary_by_hand():
    s = summary(build_graph(*forum(), threshold=2))
    # 4 ties; 3 respondents x 3 others = 9 possible
    assert s == {"members": 4, "respondents": 3, "response_rate": 0.75, "ties": 4, "possible_ties": 9,
                 "density": pytest.approx(4 / 9)}


def test_no_respondents_is_an_error():
    members, relations = forum()
    members["answered"] = False
    with pytest.raises(ValueError, match="no respondents"):
        reported_density(build_graph(members, relations.iloc[:0], 2))
