"""The tie graph and whole-network figures, on forums small enough to check by hand."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from helpers.analysis import network as _network
from helpers.analysis import network as st
from helpers.analysis.network import build_graph, reported_density, respondents, summary
from conftest import tie_graph as _wave


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


def test_network_measures_by_hand():
    # a, b, c answered; d did not. a<->b mutual, a->c unreturned though c answered;
    # c->d and b->d go to a non-respondent: they count as ties but not for reciprocity.
    G = _wave(
        [("a", "b"), ("b", "a"), ("a", "c"), ("c", "d"), ("b", "d")],
        {"a": True, "b": True, "c": True, "d": False},
    )
    m = st.network_measures(G)
    assert (m.n_members, m.n_respondents, m.n_ties, m.possible_ties) == (4, 3, 5, 9)
    assert m.density == pytest.approx(5 / 9)
    assert m.response_rate == pytest.approx(0.75)
    assert (m.mutual_pairs, m.asymmetric_pairs) == (1, 1)
    assert m.reciprocity == pytest.approx(2 / 3)
    assert m.mean_out_degree == pytest.approx(5 / 3)
    assert m.mean_in_degree == pytest.approx(5 / 4)


def test_network_measures_reproduce_the_seminar_density():
    # 40 members, 37 answered, 611 ties: "611 of 1,443 possible (42.3 %)".
    rng = np.random.default_rng(1)
    ids = [f"m{i:02d}" for i in range(40)]
    answered = {v: i >= 3 for i, v in enumerate(ids)}
    possible = [(u, v) for u in ids if answered[u] for v in ids if u != v]
    chosen = rng.choice(len(possible), size=611, replace=False)
    G = _wave([possible[i] for i in chosen], answered)
    m = st.network_measures(G)
    assert m.possible_ties == 1443
    assert round(100 * m.density, 1) == 42.3


def test_member_measures_leave_non_respondents_unobserved():
    G = _wave([("a", "b"), ("b", "c"), ("a", "c")], {"a": True, "b": True, "c": False})
    df = st.member_measures(G)
    assert list(df.columns) == [
        "member_id", "department", "role", "gender", "answered", "in_degree", "out_degree", "betweenness"]
    assert df["member_id"].tolist() == ["a", "b", "c"]
    assert df["in_degree"].tolist() == [0, 1, 2]
    assert df.loc[df.member_id == "c", "out_degree"].isna().all()
    assert df.loc[df.member_id == "a", "out_degree"].item() == 2


def test_betweenness_by_hand():
    # a -> b -> c: b lies on the one path a..c, of (n-1)(n-2) = 2 ordered pairs.
    G = _wave([("a", "b"), ("b", "c")], {"a": True, "b": True, "c": True})
    df = st.member_measures(G).set_index("member_id")
    assert df.loc["b", "betweenness"] == pytest.approx(0.5)
    assert df.loc["a", "betweenness"] == 0


# ---------------------------------------------------------------- communities


def test_union_graph_joins_either_direction():
    H = st.union_graph(nx.DiGraph([("b", "a"), ("a", "b"), ("c", "a"), ("c", "c")]))
    assert sorted(H.edges(data="mutual")) == [("a", "b", True), ("a", "c", False)]
    assert list(H.nodes()) == ["a", "b", "c"]


def test_betweenness_matches_networkx_and_its_pivot_estimate_is_close():
    G = nx.relabel_nodes(nx.gnp_random_graph(60, 0.06, seed=5, directed=True), lambda i: f"m{i:02d}")
    nx.set_node_attributes(G, True, "answered")
    truth = nx.betweenness_centrality(G, normalized=True)
    df = _network.member_measures(G).set_index("member_id")
    assert df["betweenness"].to_dict() == pytest.approx(truth)
    assert df.attrs["betweenness_sources"] is None
    every = _network.member_measures(G, exact_up_to=10, sources=60).set_index("member_id")
    assert every["betweenness"].to_dict() == pytest.approx(truth)  # all 60 sources: exact
    half = _network.member_measures(G, exact_up_to=10, sources=30, seed=2).set_index("member_id")
    assert half.attrs["betweenness_sources"] == 30
    top = max(truth, key=truth.get)
    assert half.loc[top, "betweenness"] == pytest.approx(truth[top], rel=0.5)


