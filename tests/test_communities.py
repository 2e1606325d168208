"""Tests of helpers.analysis.communities: Communities, their modularity against random networks and their agreement with departments."""

import itertools
import math
import subprocess
import sys
import types

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


# ---------------------------------------------------------------- the random networks at scale


def _graphs_with_degrees(n, degrees, m):
    """Every labelled simple graph on ``range(n)`` with these degrees, by trying all edge sets."""
    pairs = list(itertools.combinations(range(n), 2))
    return [frozenset(c) for c in itertools.combinations(pairs, m)
            if all(sum(v in e for e in c) == degrees[v] for v in range(n))]


def test_the_default_swaps_sample_every_graph_with_the_degrees_alike():
    # degrees (3, 3, 3, 2, 1, 2): 27 labelled simple graphs, found by trying all 1,716 edge sets; from
    # one start, 5 (and 10) swaps per edge reach each about equally often (chi-square), while
    # 0.3 swaps per edge stay near the start (the check can fail)
    from scipy.stats import chisquare

    H = nx.Graph([(0, 1), (0, 2), (0, 3), (1, 2), (1, 4), (3, 5), (2, 5)])
    graphs = _graphs_with_degrees(6, dict(H.degree()), H.number_of_edges())
    assert len(graphs) == 27

    def counts(swaps):
        seen = {}
        for seed in range(2700):
            key = frozenset(st.degree_preserving_rewire(H, swaps_per_edge=swaps, seed=seed).edges())
            seen[key] = seen.get(key, 0) + 1
        assert set(seen) <= set(graphs)
        return [seen.get(g, 0) for g in graphs]

    assert chisquare(counts(st.SWAPS_PER_EDGE)).pvalue > 0.001
    assert chisquare(counts(st.SWAPS_PER_EDGE_SMALL)).pvalue > 0.001
    assert chisquare(counts(0.3)).pvalue < 1e-6


def test_groupings_finding_tests_the_split_it_reports():
    # the finding's test (one igraph copy of the union graph for everything) is the public test
    # run on its own: the same observed modularity, the same random networks, the same p-value
    G = nx.relabel_nodes(nx.gnm_random_graph(60, 240, seed=3, directed=True), lambda i: f"m{i:02d}")
    nx.set_node_attributes(G, {v: "AB"[i % 2] for i, v in enumerate(sorted(G))}, "department")
    f = st.groupings_finding(G, n_samples=19, seed=5, n_seeds=3)
    alone = st.modularity_test(G, n_samples=19, seed=5, n_seeds=3)
    assert f.test == alone
    assert f.test.observed == pytest.approx(f.communities.modularity)
    assert f.run_modularities[0] == pytest.approx(st.detect_communities(G, method="leiden", seed=5).modularity)
    assert max(f.run_modularities) == pytest.approx(f.communities.modularity)


def test_louvain_on_a_large_network_agrees_with_networkx():
    # planted partition of 4 x 60 members: Louvain in igraph (above 200 members) and in networkx
    # both find the blocks; the modularity is the hand-computed one; the same seed, the same split
    H = nx.relabel_nodes(nx.planted_partition_graph(4, 60, 0.3, 0.005, seed=3), lambda i: f"m{i:03d}")
    big = st.detect_communities(H, method="louvain", seed=4)
    assert big.params["implementation"] == "igraph"
    blocks = [{f"m{i:03d}" for i in range(60 * b, 60 * (b + 1))} for b in range(4)]
    assert {frozenset(c) for c in big.communities} == {frozenset(b) for b in blocks}
    reference = nx.community.louvain_communities(H, seed=4)
    assert big.modularity == pytest.approx(nx.community.modularity(H, reference), abs=0.01)
    assert big.modularity == pytest.approx(_modularity_by_hand(H, big.communities))
    assert st.detect_communities(H, method="louvain", seed=4) == big
    D = H.to_directed()  # a tie graph goes straight to igraph: the same split
    assert st.detect_communities(D, method="louvain", seed=4).communities == big.communities


def test_greedy_is_left_out_above_its_size():
    assert st.comparison_methods(st.COMPARISON_UP_TO["greedy"]) == (("louvain", "greedy"), ())
    assert st.comparison_methods(st.COMPARISON_UP_TO["greedy"] + 1) == (("louvain",), ("greedy",))


def test_union_igraph_is_the_union_graph():
    G = nx.gnm_random_graph(50, 300, seed=2, directed=True)
    G.add_edge(3, 3)
    H = network.union_graph(G)
    nodes = sorted(G)
    assert st.union_igraph(G, nodes).get_edgelist() == sorted(H.edges())


def test_a_left_out_method_is_said_to_be_in_the_results_and_the_method_note(tmp_path, monkeypatch):
    # greedy modularity only up to 11 members here: a forum of 12 gets Louvain's modularity as
    # Louvain finds it, and greedy listed as not run, with its limit, in the results and the appendix
    from test_sections import clique, forum, write_wave

    from helpers.handout.sections import method

    monkeypatch.setitem(st.COMPARISON_UP_TO, "greedy", 11)
    G = forum({"A": 6, "B": 6})
    clique(G, [f"A{i}" for i in range(6)])
    clique(G, [f"B{i}" for i in range(6)])
    G.add_edges_from([("A0", "B0"), ("B0", "A0")])
    ctx = write_wave(tmp_path, G)
    ctx.__dict__["external"] = types.SimpleNamespace(external_tests=pd.DataFrame({"n_permutations": [99], "seed": [1]}))  # no external step
    ctx.meta["input_sha256"] = "ab12"  # nor ingest's hash
    others = {c["method"]: c for c in ctx.structure.other_communities}
    assert others["greedy"]["left_out"] and others["greedy"]["up_to"] == 11 and others["greedy"]["modularity"] is None
    assert others["louvain"]["modularity"] == pytest.approx(st.detect_communities(G, method="louvain", seed=1).modularity)
    note = next(p for p in method.appendix_parts(ctx) if "**Groupings.**" in p)
    assert "greedy (not run above 11 members" in note
    assert f"louvain {ctx.n(others['louvain']['modularity'], 2)}" in note
