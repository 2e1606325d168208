"""Tests of helpers.analysis.keyplayers: Key players and fragmentation, checked against brute force and Floyd-Warshall."""


import math

import networkx as nx
import pandas as pd
import numpy as np
import pytest
from scipy.sparse.csgraph import shortest_path

from conftest import tie_graph as _wave, two_cliques as _two_cliques
from helpers.analysis import keyplayers as _keyplayers
from helpers.analysis import keyplayers as st
from helpers.analysis import network


def test_fragmentation_by_hand():
    assert st.fragmentation(nx.Graph([(1, 2), (3, 4)])) == pytest.approx(1 - 4 / 12)
    assert st.fragmentation(nx.complete_graph(4)) == 0
    assert st.fragmentation(nx.empty_graph(3)) == 1
    # path of 3: distances 1, 1, 2 in both directions: 1 - (1 + 1 + 1/2) * 2 / 6
    assert st.distance_fragmentation(nx.path_graph(3)) == pytest.approx(1 / 6)


def test_distance_fragmentation_against_floyd_warshall():
    H = nx.gnm_random_graph(15, 18, seed=3)
    D = shortest_path(nx.to_numpy_array(H), method="FW", unweighted=True, directed=False)
    n = len(H)
    inv = np.where(np.isfinite(D) & (D > 0), 1 / np.where(D > 0, D, 1), 0).sum()
    assert st.distance_fragmentation(H) == pytest.approx(1 - inv / (n * (n - 1)))


def test_key_players_star_and_brute_force():
    H = nx.relabel_nodes(nx.star_graph(4), str)  # centre "0"
    df = st.key_players(H).set_index("member_id")
    assert df.loc["0", "articulation_point"]
    assert df.loc["0", "fragmentation_change"] == pytest.approx(1.0)
    assert df.loc["0", "components_after"] == 4
    assert df.loc["1", "fragmentation_change"] == 0
    # a leaf's removal leaves a smaller star: mean distance (1*6 + 2*6)/12 = 1.5 -> (1*3+2*3)/6
    assert df.loc["1", "mean_distance_change"] == pytest.approx(1.5 - 1.6)

    G = nx.relabel_nodes(nx.gnm_random_graph(12, 16, seed=7), lambda i: f"m{i:02d}")
    df = st.key_players(G).set_index("member_id")
    base = nx.number_connected_components(G)
    for v in G:
        R = G.copy()
        R.remove_node(v)
        cut = nx.number_connected_components(R) > base
        assert df.loc[v, "articulation_point"] == cut
        assert df.loc[v, "fragmentation_after"] == pytest.approx(st.fragmentation(R))


def test_key_players_uses_the_union_and_reports_role_and_department():
    G = _wave([("a", "b"), ("c", "b")], {"a": True, "b": False, "c": True}, {"a": "X", "b": "Y", "c": "X"},
              role={"b": "director"})
    df = st.key_players(G)
    assert df["member_id"].tolist() == ["a", "b", "c"]
    row = df.set_index("member_id").loc["b"]
    assert row["articulation_point"] and row["role"] == "director" and row["department"] == "Y"


def test_indispensable_finding():
    cycle = st.indispensable_finding(nx.relabel_nodes(nx.cycle_graph(6), str))
    assert cycle.nobody_indispensable and cycle.node_connectivity == 2 and cycle.articulation_points == ()
    path = st.indispensable_finding(nx.relabel_nodes(nx.path_graph(4), str))
    assert not path.nobody_indispensable and path.articulation_points == ("1", "2")
    # with a threshold on distance-weighted fragmentation, a cycle's members matter too
    strict = st.indispensable_finding(nx.relabel_nodes(nx.cycle_graph(6), str), max_fragmentation_change=0.0)
    assert not strict.nobody_indispensable and strict.threshold == 0.0
    dense = st.indispensable_finding(_two_cliques(4))
    assert dense.articulation_points == ("a0", "b0")


# ---------------------------------------------------------------- who is in the core


def _naive_key_players(H):
    """Remove each member and recount everything with networkx (the old O(n^3) way)."""
    out = {}
    for v in H:
        R = H.copy()
        R.remove_node(v)
        n = len(R)
        lengths = [d for _, ls in nx.all_pairs_shortest_path_length(R) for d in ls.values() if d > 0]
        out[v] = {
            "components_after": nx.number_connected_components(R),
            "fragmentation_after": _keyplayers.fragmentation(R),
            "distance_fragmentation_after": 1 - sum(1 / d for d in lengths) / (n * (n - 1)),
            "mean_distance_after": sum(lengths) / len(lengths) if lengths else math.nan,
        }
    return pd.DataFrame.from_dict(out, orient="index").sort_index()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_key_players_from_one_search_match_removing_everyone(seed):
    # sparse random graphs with several components, leaves and cut vertices
    H = nx.relabel_nodes(nx.gnm_random_graph(25, 28, seed=seed), lambda i: f"m{i:02d}")
    H.add_edges_from([("m00", "x1"), ("x1", "x2")])  # a pendant path: two cut vertices in a row
    truth = _naive_key_players(H)
    df = _keyplayers.key_players(H).set_index("member_id")
    for column in truth.columns:
        assert df[column].to_numpy(float) == pytest.approx(truth[column].to_numpy(float), nan_ok=True), column
    assert df["articulation_point"].to_dict() == {v: v in set(nx.articulation_points(H)) for v in H}


def test_key_players_sampled_distances_estimate_the_exact_ones():
    H = nx.relabel_nodes(nx.connected_watts_strogatz_graph(120, 4, 0.1, seed=4), lambda i: f"m{i:03d}")
    exact = _keyplayers.key_players(H).set_index("member_id")
    # every member a source: the sampled path gives the exact numbers for its candidates
    full = _keyplayers.key_players(H, exact_up_to=0, sources=120, candidates=10).set_index("member_id")
    looked = full["distance_fragmentation_change"].dropna().index
    assert len(looked) == 10 and full.attrs["distance_sources"] == 120
    assert full.loc[looked, "distance_fragmentation_change"].to_numpy() == pytest.approx(
        exact.loc[looked, "distance_fragmentation_change"].to_numpy())
    # 40 of 120 sources: within four standard errors of the exact change
    part = _keyplayers.key_players(H, exact_up_to=0, sources=40, candidates=10, seed=1).set_index("member_id")
    se = part.attrs["distance_se"]
    looked = part["distance_fragmentation_change"].dropna().index
    assert 0 < se < 0.01
    error = (part.loc[looked, "distance_fragmentation_change"] - exact.loc[looked, "distance_fragmentation_change"]).abs()
    assert (error <= 4 * se).all()
    # F and articulation points stay exact for everyone
    assert part["fragmentation_after"].to_numpy() == pytest.approx(exact["fragmentation_after"].to_numpy())


def test_connectivity_is_a_lower_bound_only_on_large_networks():
    ring = nx.relabel_nodes(nx.cycle_graph(250), str)
    big = _keyplayers.indispensable_finding(ring)
    assert big.node_connectivity == 2 and not big.connectivity_exact and big.nobody_indispensable
    small = _keyplayers.indispensable_finding(nx.relabel_nodes(nx.complete_graph(6), str))
    assert small.node_connectivity == 5 and small.connectivity_exact
    assert big.distance_sources == 100 and big.distance_se >= 0


def test_key_players_of_a_tie_graph_are_those_of_its_union_graph():
    # the tie graph goes straight to igraph (no union graph in networkx): the same table as from
    # networkx's union graph, components counted as networkx counts them
    G = nx.relabel_nodes(nx.gnm_random_graph(40, 45, seed=6, directed=True), lambda i: f"m{i:02d}")
    nx.set_node_attributes(G, {v: "XY"[i % 2] for i, v in enumerate(sorted(G))}, "department")
    G.add_edge("m01", "m01")
    H = network.union_graph(G)
    direct, via_union = _keyplayers.key_players(G), _keyplayers.key_players(H)
    pd.testing.assert_frame_equal(direct, via_union)
    assert direct.attrs["components"] == nx.number_connected_components(H)
    finding = _keyplayers.indispensable_finding(G)
    assert finding.components == nx.number_connected_components(H)
    assert finding.articulation_points == tuple(sorted(nx.articulation_points(H)))
