"""Tests of helpers.analysis.communities: Communities, their modularity against random networks and their agreement with departments."""

import itertools
import math
import subprocess
import sys

import networkx as nx
import pandas as pd
import numpy as np
import pytest

from conftest import tie_graph as _wave, two_cliques as _two_cliques
from helpers.analysis import communities as _communities
from helpers.analysis import communities as st
from helpers.analysis import network


def _modularity_by_hand(H, communities):
    nodes = sorted(H)
    A = nx.to_numpy_array(H, nodelist=nodes)
    k = A.sum(axis=1)
    two_m = A.sum()
    label = {v: i for i, c in enumerate(communities) for v in c}
    same = np.array([[label[u] == label[v] for v in nodes] for u in nodes])
    return float(((A - np.outer(k, k) / two_m) * same).sum() / two_m)


@pytest.mark.parametrize("method", st.COMMUNITY_METHODS)
def test_each_method_finds_two_cliques(method):
    G = _two_cliques()
    found = st.detect_communities(G, method=method, seed=3)
    assert found.communities == (("a0", "a1", "a2", "a3", "a4"), ("b0", "b1", "b2", "b3", "b4"))
    assert found.modularity == pytest.approx(_modularity_by_hand(network.union_graph(G), found.communities))
    assert found.method == method
    assert found.membership["b3"] == 1


def test_cdlib_notes_do_not_reach_stdout():
    # cdlib prints notes on first import; run in a fresh interpreter to see them
    code = (
        "import networkx as nx\n"
        "from helpers.analysis import communities as structure\n"
        "G = nx.relabel_nodes(nx.karate_club_graph(), str)\n"
        "structure.detect_communities(G, method='leiden')\n"
        "structure.detect_communities(G, method='greedy')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == ""


@pytest.mark.parametrize("method", ["leiden", "louvain"])
def test_community_detection_is_seeded(method):
    G = nx.relabel_nodes(nx.karate_club_graph(), lambda i: f"m{i:02d}")
    runs = [st.detect_communities(G, method=method, seed=11) for _ in range(2)]
    assert runs[0] == runs[1]
    assert runs[0].params["seed"] == 11


def test_modularity_by_hand():
    assert st.modularity(nx.Graph([(1, 2), (3, 4)]), [{1, 2}, {3, 4}]) == pytest.approx(0.5)
    G = nx.relabel_nodes(nx.karate_club_graph(), str)
    split = [{str(i) for i in range(17)}, {str(i) for i in range(17, 34)}]
    assert st.modularity(G, split) == pytest.approx(_modularity_by_hand(G, split))


def test_rewiring_keeps_degrees_and_simplicity():
    H = nx.relabel_nodes(nx.gnm_random_graph(20, 60, seed=2), lambda i: f"m{i:02d}")
    R = st.degree_preserving_rewire(H, swaps_per_edge=10, seed=4)
    assert dict(R.degree()) == dict(H.degree())
    assert nx.number_of_selfloops(R) == 0 and R.number_of_edges() == 60
    assert set(map(frozenset, R.edges())) != set(map(frozenset, H.edges()))
    assert list(R.edges()) == list(st.degree_preserving_rewire(H, swaps_per_edge=10, seed=4).edges())
    # a complete graph has no swap to make and comes back unchanged
    K = nx.complete_graph(5)
    assert sorted(st.degree_preserving_rewire(K, seed=1).edges()) == sorted(K.edges())


def test_rewiring_reaches_every_graph_with_the_degrees():
    # degrees (1, 1, 1, 1) on 4 nodes: three perfect matchings, each about 1/3 of the time
    H = nx.Graph([(0, 1), (2, 3)])
    seen = {}
    for seed in range(300):
        key = tuple(sorted(st.degree_preserving_rewire(H, swaps_per_edge=3, seed=seed).edges()))
        seen[key] = seen.get(key, 0) + 1
    assert len(seen) == 3 and min(seen.values()) > 60


def test_modularity_test_separates_cliques_from_random():
    clustered = st.modularity_test(_two_cliques(6), method="louvain", n_samples=19, seed=2)
    assert clustered.p_value == pytest.approx(1 / 20)
    assert clustered.observed > clustered.null_mean
    R = nx.gnm_random_graph(12, 40, seed=4)
    random = st.modularity_test(nx.relabel_nodes(R, str), method="louvain", n_samples=19, seed=2)
    assert random.p_value > 0.05
    again = st.modularity_test(nx.relabel_nodes(R, str), method="louvain", n_samples=19, seed=2)
    assert again == random


def test_nmi_and_ari_by_hand():
    a = [0, 0, 0, 1, 1, 1]
    b = ["x", "x", "y", "y", "z", "z"]
    # contingency [[2, 1, 0], [0, 1, 2]]: MI = (2/3) ln 2, H(a) = ln 2, H(b) = ln 3
    assert st.normalized_mutual_information(a, b) == pytest.approx((2 / 3) * math.log(2) / ((math.log(2) + math.log(3)) / 2))
    # pairs within cells 2, within a-groups 6, within b-groups 3, all pairs 15
    assert st.adjusted_rand_index(a, b) == pytest.approx((2 - 6 * 3 / 15) / ((6 + 3) / 2 - 6 * 3 / 15))
    assert st.normalized_mutual_information(a, a) == pytest.approx(1.0)
    assert st.adjusted_rand_index(b, b) == pytest.approx(1.0)


def test_nmi_and_ari_agree_with_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(5)
    for _ in range(20):
        a, b = rng.integers(0, 4, 30), rng.integers(0, 3, 30)
        assert st.normalized_mutual_information(a, b) == pytest.approx(metrics.normalized_mutual_info_score(a, b), abs=1e-10)
        assert st.adjusted_rand_index(a, b) == pytest.approx(metrics.adjusted_rand_score(a, b), abs=1e-10)


def test_community_departments_counts():
    G = _two_cliques(3)
    G.nodes["a2"]["department"] = "B"
    found = st.detect_communities(G, method="greedy")
    df = st.community_departments(G, found)
    assert list(df.columns) == ["community", "size", "department", "count", "share"]
    assert df.set_index(["community", "department"])["count"].to_dict() == {(0, "A"): 2, (0, "B"): 1, (1, "A"): 0, (1, "B"): 3}


def test_groupings_finding_sees_department_cliques():
    f = st.groupings_finding(_two_cliques(6), method="louvain", n_samples=39, seed=1)
    assert f.beyond_random and not f.cuts_across_departments
    assert f.no_separate_groupings is False
    assert f.nmi == pytest.approx(1.0) and f.ari == pytest.approx(1.0)
    assert len(f.reasons) == 2


def test_groupings_finding_in_a_random_network():
    rng = np.random.default_rng(8)
    ids = [f"m{i:02d}" for i in range(14)]
    pairs = list(itertools.permutations(ids, 2))
    edges = [pairs[i] for i in rng.choice(len(pairs), 80, replace=False)]
    G = _wave(edges, {v: True for v in ids}, {v: "ABC"[i % 3] for i, v in enumerate(ids)})
    f = st.groupings_finding(G, method="louvain", n_samples=19, seed=1)
    assert f.no_separate_groupings


# ---------------------------------------------------------------- nobody indispensable


def test_greedy_on_a_large_network_agrees_with_networkx():
    # planted partition of 4 x 60 members: both implementations of CNM find the blocks
    H = nx.relabel_nodes(nx.planted_partition_graph(4, 60, 0.3, 0.005, seed=3), lambda i: f"m{i:03d}")
    big = _communities.detect_communities(H, method="greedy")
    assert big.params == {"implementation": "igraph"}
    reference = nx.community.greedy_modularity_communities(H)
    assert big.modularity == pytest.approx(nx.community.modularity(H, reference), abs=0.01)
    assert big.modularity == pytest.approx(_modularity_by_hand(H, big.communities))




def test_leiden_on_a_tie_graph_is_leiden_on_its_union_graph():
    # the fast path (tie graph straight to igraph, igraph's modularity) against the union graph in
    # networkx and networkx's modularity; the same seed gives the same split both ways
    G = nx.gnm_random_graph(120, 700, seed=5, directed=True)
    G = nx.relabel_nodes(G, lambda i: f"m{i:03d}")
    H = network.union_graph(G)
    direct = st.detect_communities(G, method="leiden", seed=3)
    via_union = st.detect_communities(H, method="leiden", seed=3)
    assert direct.communities == via_union.communities
    assert direct.modularity == pytest.approx(nx.community.modularity(H, [set(c) for c in direct.communities]))
    nodes = sorted(H)
    g = st._to_igraph(G, nodes)
    assert g.get_edgelist() == sorted(tuple(sorted((nodes.index(u), nodes.index(v)))) for u, v in H.edges())
