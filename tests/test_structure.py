"""Tests of helpers.analysis.structure on forums small enough to check by hand."""

import itertools
import math
import subprocess
import sys

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.sparse.csgraph import shortest_path

from helpers.analysis import structure as st


def _wave(edges, answered, departments=None, **attrs):
    G = nx.DiGraph()
    for v in sorted(answered):
        G.add_node(
            v,
            answered=answered[v],
            department=(departments or {}).get(v, "X"),
            role=attrs.get("role", {}).get(v, "chief"),
            gender=attrs.get("gender", {}).get(v, "female"),
        )
    G.add_edges_from(edges, rating=2)
    return G


def _two_cliques(size=5, bridge=True):
    """Two departments, each a complete (mutual) clique, joined by one tie."""
    a = [f"a{i}" for i in range(size)]
    b = [f"b{i}" for i in range(size)]
    edges = list(itertools.permutations(a, 2)) + list(itertools.permutations(b, 2))
    if bridge:
        edges.append(("a0", "b0"))
    dept = {v: "A" for v in a} | {v: "B" for v in b}
    return _wave(edges, {v: True for v in a + b}, dept)


# ---------------------------------------------------------------- network measures


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
    assert found.modularity == pytest.approx(_modularity_by_hand(st.union_graph(G), found.communities))
    assert found.method == method
    assert found.membership["b3"] == 1


def test_cdlib_notes_do_not_reach_stdout():
    # cdlib prints notes on first import; run in a fresh interpreter to see them
    code = (
        "import networkx as nx\n"
        "from helpers.analysis import structure\n"
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


@pytest.mark.parametrize("core,forum", [([3, 1], [5, 9]), ([0, 6], [7, 8]), ([4, 4], [8, 12]), ([2, 9], [4, 33])])
def test_two_categories_match_fishers_exact(core, forum):
    p, how = st.exact_composition_test(core, forum)
    table = [[core[0], core[1]], [forum[0] - core[0], forum[1] - core[1]]]
    assert how == "exact"
    assert p == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-9)


def test_many_categories_match_brute_force_over_subsets():
    dept = ["A"] * 4 + ["B"] * 3 + ["C"] * 3
    observed = (3, 0, 1)  # core of 4
    counts = {}
    for subset in itertools.combinations(range(len(dept)), 4):
        comp = tuple(sum(dept[i] == d for i in subset) for d in "ABC")
        counts[comp] = counts.get(comp, 0) + 1
    total = sum(counts.values())
    brute = sum(c for c in counts.values() if c <= counts[observed]) / total
    p, _ = st.exact_composition_test(observed, [4, 3, 3])
    assert p == pytest.approx(brute)


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


def _pattern_correlation(G, core):
    """Borgatti-Everett correlation of the adjacency with the ideal pattern for `core`."""
    nodes = sorted(G)
    A = nx.to_numpy_array(G, nodelist=nodes)
    ideal = np.array([[float(u in core or v in core) for v in nodes] for u in nodes])
    off = ~np.eye(len(nodes), dtype=bool)
    return np.corrcoef(A[off], ideal[off])[0, 1]


def test_contrasting_networks_size_and_structure():
    nets = st.contrasting_networks(40, None, DEPTS, seed=5, n_edges=611)
    assert list(nets) == ["groupings", "hub", "random", "core_periphery"]
    for g in nets.values():
        assert g.number_of_nodes() == 40 and g.number_of_edges() == 611
        assert nx.number_of_selfloops(g) == 0
        assert sorted(d for _, d in g.nodes(data="department")) == sorted(DEPTS)
        assert all(a for _, a in g.nodes(data="answered"))
    Q = {k: st.detect_communities(g, method="louvain", seed=1).modularity for k, g in nets.items()}
    assert Q["groupings"] > Q["random"] + 0.08
    assert Q["groupings"] == max(Q.values())
    cp = nets["core_periphery"]
    planted = {v for v, c in cp.nodes(data="planted_core") if c}
    fits = {k: _pattern_correlation(g, planted) for k, g in nets.items()}
    assert fits["core_periphery"] == max(fits.values()) and fits["core_periphery"] > 0.5
    hub = nets["hub"]
    assert max(hub.degree, key=lambda x: x[1])[0] == "m01" and hub.degree("m01") == 78


def test_contrasting_networks_density_and_seed():
    a = st.contrasting_networks(12, 0.3, list("AABBCCAABBCC"), seed=9)
    b = st.contrasting_networks(12, 0.3, list("AABBCCAABBCC"), seed=9)
    assert all(g.number_of_edges() == round(0.3 * 12 * 11) for g in a.values())
    assert all(list(a[k].edges) == list(b[k].edges) for k in a)
    for m in (0, 1, 131, 132):  # empty, one tie, all but one, complete
        nets = st.contrasting_networks(12, None, list("AABBCCAABBCC"), seed=1, n_edges=m)
        assert all(g.number_of_edges() == m for g in nets.values())
    with pytest.raises(ValueError):
        st.contrasting_networks(12, None, list("AABBCCAABBCC"), seed=1, n_edges=133)
    with pytest.raises(ValueError):
        st.contrasting_networks(12, 0.3, list("AB"), seed=1)


def test_contrast_measures_table():
    nets = st.contrasting_networks(12, 0.3, list("AABBCCAABBCC"), seed=9)
    df = st.contrast_measures(nets, fit=lambda g: g.number_of_edges(), method="louvain", seed=1)
    assert list(df.index) == list(nets) and list(df.columns) == ["members", "ties", "density", "modularity", "fit"]
    assert (df["ties"] == 40).all() and (df["fit"] == 40).all()
    assert df["density"].tolist() == pytest.approx([40 / 132] * 4)
    assert np.isnan(st.contrast_measures(nets, method="greedy")["fit"]).all()


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
            "fragmentation_after": st.fragmentation(R),
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
    df = st.key_players(H).set_index("member_id")
    for column in truth.columns:
        assert df[column].to_numpy(float) == pytest.approx(truth[column].to_numpy(float), nan_ok=True), column
    assert df["articulation_point"].to_dict() == {v: v in set(nx.articulation_points(H)) for v in H}


def test_key_players_sampled_distances_estimate_the_exact_ones():
    H = nx.relabel_nodes(nx.connected_watts_strogatz_graph(120, 4, 0.1, seed=4), lambda i: f"m{i:03d}")
    exact = st.key_players(H).set_index("member_id")
    # every member a source: the sampled path gives the exact numbers for its candidates
    full = st.key_players(H, exact_up_to=0, sources=120, candidates=10).set_index("member_id")
    looked = full["distance_fragmentation_change"].dropna().index
    assert len(looked) == 10 and full.attrs["distance_sources"] == 120
    assert full.loc[looked, "distance_fragmentation_change"].to_numpy() == pytest.approx(
        exact.loc[looked, "distance_fragmentation_change"].to_numpy())
    # 40 of 120 sources: within four standard errors of the exact change
    part = st.key_players(H, exact_up_to=0, sources=40, candidates=10, seed=1).set_index("member_id")
    se = part.attrs["distance_se"]
    looked = part["distance_fragmentation_change"].dropna().index
    assert 0 < se < 0.01
    error = (part.loc[looked, "distance_fragmentation_change"] - exact.loc[looked, "distance_fragmentation_change"]).abs()
    assert (error <= 4 * se).all()
    # F and articulation points stay exact for everyone
    assert part["fragmentation_after"].to_numpy() == pytest.approx(exact["fragmentation_after"].to_numpy())


def test_betweenness_matches_networkx_and_its_pivot_estimate_is_close():
    G = nx.relabel_nodes(nx.gnp_random_graph(60, 0.06, seed=5, directed=True), lambda i: f"m{i:02d}")
    nx.set_node_attributes(G, True, "answered")
    truth = nx.betweenness_centrality(G, normalized=True)
    df = st.member_measures(G).set_index("member_id")
    assert df["betweenness"].to_dict() == pytest.approx(truth)
    assert df.attrs["betweenness_sources"] is None
    every = st.member_measures(G, exact_up_to=10, sources=60).set_index("member_id")
    assert every["betweenness"].to_dict() == pytest.approx(truth)  # all 60 sources: exact
    half = st.member_measures(G, exact_up_to=10, sources=30, seed=2).set_index("member_id")
    assert half.attrs["betweenness_sources"] == 30
    top = max(truth, key=truth.get)
    assert half.loc[top, "betweenness"] == pytest.approx(truth[top], rel=0.5)


def test_connectivity_is_a_lower_bound_only_on_large_networks():
    ring = nx.relabel_nodes(nx.cycle_graph(250), str)
    big = st.indispensable_finding(ring)
    assert big.node_connectivity == 2 and not big.connectivity_exact and big.nobody_indispensable
    small = st.indispensable_finding(nx.relabel_nodes(nx.complete_graph(6), str))
    assert small.node_connectivity == 5 and small.connectivity_exact
    assert big.distance_sources == 100 and big.distance_se >= 0


def test_greedy_on_a_large_network_agrees_with_networkx():
    # planted partition of 4 x 60 members: both implementations of CNM find the blocks
    H = nx.relabel_nodes(nx.planted_partition_graph(4, 60, 0.3, 0.005, seed=3), lambda i: f"m{i:03d}")
    big = st.detect_communities(H, method="greedy")
    assert big.params == {"implementation": "igraph"}
    reference = nx.community.greedy_modularity_communities(H)
    assert big.modularity == pytest.approx(nx.community.modularity(H, reference), abs=0.01)
    assert big.modularity == pytest.approx(_modularity_by_hand(H, big.communities))


def test_counting_make_ups_agrees_with_listing_them():
    rng = np.random.default_rng(0)
    for _ in range(30):
        caps = [int(c) for c in rng.integers(0, 6, size=int(rng.integers(1, 6)))]
        total = int(rng.integers(0, sum(caps) + 2))
        listed = sum(1 for _ in st._compositions(total, caps))
        assert st._n_compositions(total, caps, limit=10**9) == listed
        assert st._n_compositions(total, caps, limit=3) == min(listed, 4)


def test_large_contrasting_networks_are_drawn_by_index_with_the_same_structure(monkeypatch):
    monkeypatch.setattr(st, "_CONTRASTS_BY_INDEX_FROM", 50)
    n, m = 120, 900
    departments = [f"D{i % 6}" for i in range(n)]
    nets = st.contrasting_networks(n, None, departments, seed=3, n_edges=m)
    assert list(nets) == ["groupings", "hub", "random", "core_periphery"]
    for name, g in nets.items():
        assert g.number_of_edges() == m and g.number_of_nodes() == n, name
        assert not any(u == v for u, v in g.edges()), name
    dept = dict(nets["groupings"].nodes(data="department"))
    groupings = nets["groupings"]
    # every tie of the groupings network is returned, and ties stay inside departments while they can
    assert sum(groupings.has_edge(v, u) for u, v in groupings.edges()) == m
    within_pairs = sum(k * (k - 1) // 2 for k in [departments.count(d) for d in set(departments)])
    inside = sum(dept[u] == dept[v] for u, v in groupings.edges())
    assert inside == min(m, 2 * within_pairs)
    hub = nets["hub"]
    centre = sorted(hub)[0]
    assert hub.in_degree(centre) == hub.out_degree(centre) == n - 1
    cp = nets["core_periphery"]
    core = {v for v, c in cp.nodes(data="planted_core") if c}
    assert not any(u not in core and v not in core for u, v in cp.edges())  # no periphery-periphery tie
    assert all(cp.has_edge(u, v) for u in core for v in core if u != v)
    again = st.contrasting_networks(n, None, departments, seed=3, n_edges=m)
    assert all(sorted(again[k].edges()) == sorted(nets[k].edges()) for k in nets)
