"""Tests for helpers.analysis.coreperiphery.

Independent truths used here: hand-computed correlations, a naive
reference that builds the two vectors cell by cell and calls
numpy.corrcoef, brute-force enumeration with that reference, and published
optima (Borgatti & Everett's model on Zachary's karate club and the
Florentine families, as replicated by Estévez & Nordlund 2025).
"""

import itertools
import math

import networkx as nx
import numpy as np
import pytest
from scipy import optimize

from helpers.analysis import coreperiphery as cp

# --------------------------------------------------------------------------
# Naive reference and graph generators (independent of the module)
# --------------------------------------------------------------------------


def observed_rows(G):
    if not G.is_directed():
        return set(G.nodes)
    return {v for v, a in G.nodes(data="answered", default=True) if a is None or bool(a)}


def naive_vectors(G, core, variant):
    """Observed and ideal values, one entry per counted cell (i, j), i != j."""
    rows = observed_rows(G)
    core = set(core)
    observed, ideal = [], []
    for i in sorted(G.nodes):
        if i not in rows:
            continue
        for j in sorted(G.nodes):
            if i == j:
                continue
            ci, cj = i in core, j in core
            if variant == "ignore" and ci != cj:
                continue
            observed.append(1.0 if G.has_edge(i, j) else 0.0)
            ideal.append(1.0 if (ci or cj) else 0.0)
    return np.array(observed), np.array(ideal)


def naive_fit(G, core, variant):
    a, d = naive_vectors(G, core, variant)
    if len(a) < 2 or a.std() == 0 or d.std() == 0:
        return math.nan
    return float(np.corrcoef(a, d)[0, 1])


def naive_optimum(G, variant, tol=1e-10):
    """Best fit and all best cores, by enumerating every subset."""
    nodes = sorted(G.nodes)
    fits = {}
    for bits in itertools.product([False, True], repeat=len(nodes)):
        core = tuple(v for v, b in zip(nodes, bits) if b)
        f = naive_fit(G, core, variant)
        if not math.isnan(f):
            fits[core] = f
    best = max(fits.values())
    return best, {c for c, f in fits.items() if f >= best - tol}


def block_probs(core, p_cc, p_cp, p_pp):
    """Tie probabilities of a planted core (boolean mask ``core``)."""
    both = core[:, None] & core[None, :]
    either = core[:, None] | core[None, :]
    return np.where(both, p_cc, np.where(either, p_cp, p_pp))


def planted_digraph(rng, n, core_size, p_cc, p_cp, p_pp, absent=()):
    """A directed graph on nodes 0..n-1 with a planted core of the first ``core_size``;
    members in ``absent`` did not answer (no outgoing ties)."""
    A = rng.random((n, n)) < block_probs(np.arange(n) < core_size, p_cc, p_cp, p_pp)
    np.fill_diagonal(A, False)
    G = nx.DiGraph()
    G.add_nodes_from(range(n), answered=True)
    for v in absent:
        G.nodes[v]["answered"] = False
    G.add_edges_from((int(i), int(j)) for i, j in zip(*np.nonzero(A)) if G.nodes[i]["answered"])
    return G


def random_graph(rng, n, directed, missing=True):
    """Random graph, half the time with a planted core."""
    if rng.random() < 0.5:
        k = int(rng.integers(2, n // 2 + 1))
        core = np.arange(n) < k
        P = block_probs(
            core, rng.uniform(0.5, 1.0), rng.uniform(0.1, 0.6), rng.uniform(0.0, 0.3)
        )
    else:
        P = np.full((n, n), rng.uniform(0.1, 0.7))
    A = rng.random((n, n)) < P
    np.fill_diagonal(A, False)
    names = [f"p{i:02d}" for i in range(n)]
    if directed:
        G = nx.DiGraph()
        absent = rng.random(n) < (rng.uniform(0.0, 0.3) if missing else 0.0)
        for i, v in enumerate(names):
            G.add_node(v, answered=not absent[i])
        G.add_edges_from(
            (names[i], names[j]) for i, j in zip(*np.nonzero(A)) if not absent[i]
        )
    else:
        G = nx.Graph()
        G.add_nodes_from(names)
        G.add_edges_from((names[i], names[j]) for i, j in zip(*np.nonzero(np.triu(A, 1))))
    return G


def five_members():
    """Directed graph with one non-respondent ('e'), used in hand computations."""
    G = nx.DiGraph()
    for v in "abcd":
        G.add_node(v, answered=True)
    G.add_node("e", answered=False)
    G.add_edges_from(
        [("a", "b"), ("b", "a"), ("a", "c"), ("c", "b"), ("d", "e"), ("d", "a")]
    )
    # e did not answer: edges out of e must be ignored.
    G.add_edges_from([("e", "d"), ("e", "a")])
    return G


# --------------------------------------------------------------------------
# Published checks
# --------------------------------------------------------------------------


def test_karate_club_published_optimum():
    # Estevez & Nordlund (2025), replicating Borgatti & Everett: r = 0.5432.
    split = cp.partition(nx.karate_club_graph(), variant="ignore", seed=1)
    assert round(split.fit, 4) == 0.5432
    assert set(split.core) == {0, 1, 2, 3, 8, 13, 31, 32, 33}


def test_florentine_families_published_optimum():
    G = nx.florentine_families_graph()
    exact = cp.exhaustive_partition(G)
    for split in (cp.partition(G), exact):
        assert round(split.fit, 4) == 0.4226
        assert split.core == ("Medici", "Ridolfi", "Tornabuoni")
        assert split.is_unambiguous
    assert exact.method == "borgatti-everett-exhaustive"
    assert exact.params == {"partitions": 2**15}


# --------------------------------------------------------------------------
# Hand-computed fits
# --------------------------------------------------------------------------


def test_undirected_four_nodes_by_hand():
    # Triangle a-b-c plus c-d; core {c}, variant "one". Pairs (each pair once,
    # which gives the same correlation as both cells):
    #   ab ac ad bc bd cd
    #   observed 1 1 0 1 0 1, ideal 0 1 0 1 0 1
    # N = 6, sum obs = 4, sum ideal = 3, sum obs*ideal = 3
    # r = (6*3 - 4*3) / sqrt(4*2 * 3*3) = 6 / sqrt(72) = 0.70711
    G = nx.Graph([("a", "b"), ("a", "c"), ("b", "c"), ("c", "d")])
    assert cp.partition_fit(G, {"c"}, variant="one") == pytest.approx(6 / math.sqrt(72))
    # Core {a, b, c} makes every ideal value 1 in "one": undefined.
    assert math.isnan(cp.partition_fit(G, {"a", "b", "c"}, variant="one"))


def test_directed_with_non_respondent_by_hand():
    # Core {a, b, c}, periphery {d, e}; e did not answer (row e unobserved).
    # Core->core cells (ideal 1): ab 1, ac 1, ba 1, bc 0, ca 0, cb 1 -> 6 cells, 4 ties
    # Periphery->periphery observed cells (ideal 0): de 1 -> 1 cell, 1 tie
    # "ignore": N = 7, T = 5, D = 6, K = 4:
    #   r = (7*4 - 5*6) / sqrt(5*2 * 6*1) = -2 / sqrt(60)
    # "one": all 16 observed cells (rows a-d), ideal 0 only for de:
    #   N = 16, T = 6 (ab ba ac cb de da), D = 15, K = 5:
    #   r = (16*5 - 6*15) / sqrt(6*10 * 15*1) = -10 / 30
    G = five_members()
    core = {"a", "b", "c"}
    assert cp.partition_fit(G, core, variant="ignore") == pytest.approx(-2 / math.sqrt(60))
    assert cp.partition_fit(G, core, variant="one") == pytest.approx(-1 / 3)


def test_block_densities_by_hand():
    # Same graph, core {a, b, c}: core->core 4/6, core->periphery 0/6
    # (rows a-c to d, e), periphery->core 1/3 (row d: d->a; row e unobserved),
    # periphery->periphery 1/1 (d->e).
    G = five_members()
    split = cp.exhaustive_partition(G, variant="ignore")
    m = cp._matrix(G)
    x = np.array([v in {"a", "b", "c"} for v in m.nodes])
    dens = cp._block_densities(m, x)
    assert dens == pytest.approx(
        {"core->core": 4 / 6, "core->periphery": 0.0,
         "periphery->core": 1 / 3, "periphery->periphery": 1.0}
    )
    # And the optimum's own densities are those of its core.
    xs = np.array([v in set(split.core) for v in m.nodes])
    assert split.block_densities == cp._block_densities(m, xs)


def test_fit_matches_naive_reference_on_random_splits():
    rng = np.random.default_rng(7)
    for _ in range(60):
        n = int(rng.integers(4, 12))
        G = random_graph(rng, n, directed=bool(rng.random() < 0.6))
        nodes = sorted(G.nodes)
        core = {v for v in nodes if rng.random() < 0.5}
        for variant in cp.VARIANTS:
            want = naive_fit(G, core, variant)
            got = cp.partition_fit(G, core, variant=variant)
            if math.isnan(want):
                assert math.isnan(got)
            else:
                assert got == pytest.approx(want, abs=1e-12)


def test_ignore_fit_of_complement_is_negated():
    # Same cells (core-core and periphery-periphery), ideal values swapped.
    rng = np.random.default_rng(13)
    for _ in range(10):
        G = random_graph(rng, 9, directed=True)
        nodes = sorted(G.nodes)
        core = {v for v in nodes if rng.random() < 0.5}
        rest = set(nodes) - core
        want = naive_fit(G, core, "ignore")
        if not math.isnan(want):
            assert cp.partition_fit(G, rest, variant="ignore") == pytest.approx(-want)


# --------------------------------------------------------------------------
# Exhaustive enumeration and the heuristic
# --------------------------------------------------------------------------


def test_exhaustive_matches_naive_enumeration():
    rng = np.random.default_rng(11)
    for t in range(24):
        n = int(rng.integers(4, 9))
        G = random_graph(rng, n, directed=t % 2 == 0)
        variant = cp.VARIANTS[(t // 2) % 2]
        try:
            best, cores = naive_optimum(G, variant)
        except ValueError:  # no defined fit at all
            with pytest.raises(ValueError):
                cp.exhaustive_partition(G, variant=variant)
            continue
        split = cp.exhaustive_partition(G, variant=variant)
        assert split.fit == pytest.approx(best, abs=1e-12)
        assert split.n_optimal == len(cores)
        assert set(split.optimal_cores) == cores
        assert split.core == split.optimal_cores[0]


def test_ties_between_optima_are_counted():
    # Two disjoint triangles: by symmetry either triangle can be the core.
    G = nx.Graph([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)])
    best, cores = naive_optimum(G, "ignore")
    split = cp.exhaustive_partition(G, variant="ignore")
    assert split.n_optimal == len(cores) >= 2
    assert not split.is_unambiguous
    common = set.intersection(*(set(c) for c in cores))
    assert set(split.stable_core) == common
    heuristic = cp.partition(G, variant="ignore")
    assert heuristic.fit == pytest.approx(best, abs=1e-12)
    assert set(heuristic.optimal_cores) <= cores


@pytest.mark.parametrize("variant", cp.VARIANTS)
@pytest.mark.parametrize("directed", [True, False])
def test_heuristic_equals_exhaustive_on_small_graphs(variant, directed):
    rng = np.random.default_rng(100 + 2 * directed + (variant == "one"))
    sizes = [int(k) for k in rng.integers(4, 15, size=40)] + [16, 18]
    for t, n in enumerate(sizes):
        G = random_graph(rng, n, directed)
        try:
            exact = cp.exhaustive_partition(G, variant=variant)
        except ValueError:
            with pytest.raises(ValueError):
                cp.partition(G, variant=variant, seed=t)
            continue
        split = cp.partition(G, variant=variant, seed=t)
        assert split.fit == pytest.approx(exact.fit, abs=1e-12), (n, t)
        assert split.core in exact.optimal_cores
        assert split.n_optimal <= exact.n_optimal
        assert set(split.optimal_cores) <= set(exact.optimal_cores)


def test_heuristic_equals_exhaustive_at_twenty_nodes():
    rng = np.random.default_rng(20)
    for directed, variant in [(True, "ignore"), (False, "one")]:
        G = random_graph(rng, 20, directed)
        exact = cp.exhaustive_partition(G, variant=variant)
        split = cp.partition(G, variant=variant)
        assert split.fit == pytest.approx(exact.fit, abs=1e-12)
        assert split.core in exact.optimal_cores


def test_batched_search_of_many_graphs_equals_exhaustive():
    # The significance test fits many graphs at once; check that path too.
    rng = np.random.default_rng(3)
    graphs = [random_graph(rng, 10, directed=True, missing=False) for _ in range(12)]
    stack = np.stack([cp._matrix(G).dense() for G in graphs])
    W = stack + stack.transpose(0, 2, 1)
    obs = np.ones(10, dtype=bool)
    M = stack.sum((1, 2))
    for variant in cp.VARIANTS:
        for g, G in enumerate(graphs):
            # The batch needs one tie count; group graphs by it.
            same = np.flatnonzero(M == M[g])
            _, fits = cp._optimise(
                W[same], obs, M[g], variant, np.random.default_rng(0),
                bands=3, tabu_steps=100, restarts=20,
            )
            exact = cp.exhaustive_partition(G, variant=variant)
            assert fits[list(same).index(g)] == pytest.approx(exact.fit, abs=1e-12)


def test_directed_missing_rows_against_enumeration_and_naive():
    G = five_members()
    G.add_edges_from([("c", "d"), ("b", "c")])
    for variant in cp.VARIANTS:
        best, cores = naive_optimum(G, variant)
        splits = (
            cp.partition(G, variant=variant),
            cp.exhaustive_partition(G, variant=variant),
        )
        for split in splits:
            assert split.fit == pytest.approx(best, abs=1e-12)
            assert split.core in cores
            assert split.fit == pytest.approx(naive_fit(G, split.core, variant), abs=1e-12)


def test_large_sparse_graph_is_a_local_optimum():
    # Above 200 nodes the graph is held sparse and exchanges run at the end:
    # check by brute force that no single move or exchange improves the fit.
    n = 240
    G = planted_digraph(np.random.default_rng(5), n, 30, 0.6, 0.2, 0.03, absent=range(0, n, 17))
    for variant in cp.VARIANTS:
        split = cp.partition(G, variant=variant)
        m = cp._matrix(G)
        x = np.array([v in set(split.core) for v in m.nodes], dtype=float)
        assert split.fit == pytest.approx(cp._state_fit(m, variant, x[None])[0], abs=1e-12)
        flips = np.abs(x[None, :] - np.eye(n))
        assert cp._state_fit(m, variant, flips).max() <= split.fit + 1e-12
        a_idx, b_idx = np.flatnonzero(x > 0), np.flatnonzero(x == 0)
        swaps = np.repeat(x[None], len(a_idx) * len(b_idx), axis=0)
        aa, bb = np.meshgrid(a_idx, b_idx, indexing="ij")
        rows = np.arange(len(swaps))
        swaps[rows, aa.ravel()] = 0.0
        swaps[rows, bb.ravel()] = 1.0
        assert cp._state_fit(m, variant, swaps).max() <= split.fit + 1e-12
        # The planted core is found (it is also the best split here).
        assert split.fit >= cp.partition_fit(G, set(range(30)), variant=variant) - 1e-12


# --------------------------------------------------------------------------
# Conventions
# --------------------------------------------------------------------------


def test_same_seed_same_result_and_order_independence():
    rng = np.random.default_rng(9)
    G = random_graph(rng, 40, directed=True)
    a = cp.partition(G, seed=3)
    b = cp.partition(G, seed=3)
    assert a == b
    H = nx.DiGraph()
    H.add_nodes_from(reversed(list(G.nodes(data=True))))
    H.add_edges_from(reversed(list(G.edges)))
    assert cp.partition(H, seed=3) == a
    assert a.params == {"seed": 3, "bands": 4, "tabu_steps": 400, "restarts": 200}
    assert a.method == "borgatti-everett-local-search"


def test_undirected_equals_its_directed_version():
    rng = np.random.default_rng(4)
    G = random_graph(rng, 12, directed=False)
    for variant in cp.VARIANTS:
        u = cp.exhaustive_partition(G, variant=variant)
        d = cp.exhaustive_partition(G.to_directed(), variant=variant)
        assert u.fit == pytest.approx(d.fit, abs=1e-12)
        assert u.core == d.core
        assert u.block_densities == pytest.approx(d.block_densities)


def test_non_respondent_rows_and_missing_attribute():
    G = five_members()
    H = G.copy()
    H.remove_edges_from([("e", "d"), ("e", "a")])  # ignored anyway
    for variant in cp.VARIANTS:
        want = cp.exhaustive_partition(H, variant=variant)
        assert cp.exhaustive_partition(G, variant=variant) == want
    # Without the attribute every node counts as a respondent.
    K = nx.DiGraph(list(G.edges))
    core = {"a", "b", "c"}
    fit_all = cp.partition_fit(K, core, variant="one")
    assert fit_all == pytest.approx(naive_fit(K, core, "one"))
    assert fit_all != pytest.approx(cp.partition_fit(G, core, variant="one"))
    # A numpy boolean (as read from a table) marks a non-respondent too.
    N = G.copy()
    N.nodes["e"]["answered"] = np.False_
    assert cp.partition_fit(N, core, variant="one") == pytest.approx(-1 / 3)


def test_weights_and_self_loops_are_ignored():
    G = nx.karate_club_graph()
    H = nx.Graph(list(G.edges))
    H.add_edge(0, 0)
    assert cp.partition(H).fit == pytest.approx(cp.partition(G).fit, abs=1e-12)


@pytest.mark.parametrize("maker", [
    lambda: nx.empty_graph(6),
    lambda: nx.complete_graph(6),
    lambda: nx.complete_graph(6, create_using=nx.DiGraph),
    lambda: nx.empty_graph(1),
    lambda: nx.path_graph(2),
])
@pytest.mark.parametrize("variant", cp.VARIANTS)
def test_degenerate_graphs_raise(maker, variant):
    G = maker()
    with pytest.raises(ValueError, match="defined correlation"):
        cp.partition(G, variant=variant)
    with pytest.raises(ValueError, match="defined correlation"):
        cp.exhaustive_partition(G, variant=variant)


def test_three_nodes_work_in_one_but_not_in_ignore():
    G = nx.path_graph(3)  # 0-1-2
    split = cp.partition(G, variant="one")
    assert split.core == (1,)
    assert split.fit == pytest.approx(1.0)
    with pytest.raises(ValueError):
        cp.partition(G, variant="ignore")


def test_bad_arguments():
    G = nx.karate_club_graph()
    with pytest.raises(ValueError):
        cp.partition(G, variant="missing")
    with pytest.raises(ValueError):
        cp.partition(G, restarts=-1)
    with pytest.raises(ValueError):
        cp.exhaustive_partition(nx.path_graph(31))
    with pytest.raises(ValueError):
        cp.significance(G, null="erdos")


def test_labels():
    split = cp.partition(nx.florentine_families_graph())
    labels = split.labels()
    assert list(labels.index) == sorted(nx.florentine_families_graph().nodes)
    assert set(labels[labels == "core"].index) == set(split.core)
    assert labels.name == "group"


# --------------------------------------------------------------------------
# Continuous coreness
# --------------------------------------------------------------------------


def naive_cells(G):
    nodes = sorted(G.nodes)
    rows = observed_rows(G)
    cells = [(i, j) for i, ni in enumerate(nodes) if ni in rows
             for j, nj in enumerate(nodes) if i != j]
    a = np.array([1.0 if G.has_edge(nodes[i], nodes[j]) else 0.0 for i, j in cells])
    I = np.array([i for i, _ in cells])
    J = np.array([j for _, j in cells])
    return a, I, J


def test_coreness_minres_matches_least_squares():
    rng = np.random.default_rng(2)
    G = random_graph(rng, 14, directed=True)
    a, I, J = naive_cells(G)
    c = cp.coreness(G)
    best = None
    for k in range(5):
        x0 = rng.uniform(0.1, 1.0, size=14)
        res = optimize.least_squares(
            lambda x: a - x[I] * x[J], x0, xtol=1e-14, ftol=1e-14, gtol=1e-14
        )
        if best is None or res.cost < best.cost:
            best = res
    ref = np.abs(best.x) / np.abs(best.x).max()
    assert np.allclose(c.to_numpy(), ref, atol=1e-6)
    assert (c >= 0).all() and c.max() == 1.0
    d = c.to_numpy()
    assert c.attrs["fit"] == pytest.approx(np.corrcoef(a, d[I] * d[J])[0, 1])


def test_coreness_correlation_is_at_least_as_good_as_minres():
    rng = np.random.default_rng(8)
    G = random_graph(rng, 12, directed=False)
    a, I, J = naive_cells(G)
    m = cp.coreness(G, method="minres")
    c = cp.coreness(G, method="correlation")
    assert c.attrs["fit"] >= m.attrs["fit"] - 1e-9
    d = c.to_numpy()
    assert c.attrs["fit"] == pytest.approx(np.corrcoef(a, d[I] * d[J])[0, 1])

    # No better correlation from other starts (naive objective, numerical
    # gradients).
    def negcorr(x):
        v = x[I] * x[J]
        return -np.corrcoef(a, v)[0, 1] if v.std() > 0 else 0.0

    for k in range(2):
        res = optimize.minimize(negcorr, rng.uniform(0.1, 1, 12), method="BFGS")
        assert -res.fun <= c.attrs["fit"] + 1e-6


def test_coreness_ranks_planted_core_first_and_is_deterministic():
    rng = np.random.default_rng(1)
    n = 30
    core = np.arange(n) < 8
    P = block_probs(core, 0.9, 0.4, 0.05)
    A = np.triu(rng.random((n, n)) < P, 1)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(*np.nonzero(A)))
    c = cp.coreness(G)
    assert set(c.sort_values(ascending=False).index[:8]) == set(range(8))
    assert c.equals(cp.coreness(G, seed=5))
    assert list(c.index) == list(range(n))


def test_coreness_complete_and_degenerate():
    c = cp.coreness(nx.complete_graph(5))
    assert np.allclose(c.to_numpy(), 1.0)
    assert math.isnan(c.attrs["fit"])
    with pytest.raises(ValueError):
        cp.coreness(nx.empty_graph(4))
    with pytest.raises(ValueError):
        cp.coreness(nx.karate_club_graph(), method="svd")


# --------------------------------------------------------------------------
# Significance
# --------------------------------------------------------------------------


def test_degree_null_keeps_degrees_and_missing_rows():
    rng = np.random.default_rng(6)
    G = random_graph(rng, 15, directed=True)
    G.nodes["p03"]["answered"] = False
    G.remove_edges_from(list(G.out_edges("p03")))
    m = cp._matrix(G)
    A = m.dense() > 0
    B = cp._degree_null(m, 200, np.random.default_rng(0), trades=150)
    assert (B.sum(2) == A.sum(1)).all()  # out-degrees
    assert (B.sum(1) == A.sum(0)).all()  # in-degrees
    assert not B[:, np.arange(15), np.arange(15)].any()
    assert not B[:, ~m.obs].any()
    assert (B != A).any(axis=(1, 2)).mean() > 0.9  # they do move
    U = random_graph(rng, 12, directed=False)
    mu = cp._matrix(U)
    Bu = cp._degree_null(mu, 50, np.random.default_rng(1), trades=100)
    assert (Bu == Bu.transpose(0, 2, 1)).all()
    assert (Bu.sum(2) == (mu.dense() > 0).sum(1)).all()


def test_density_null_keeps_tie_count_on_observed_cells():
    G = five_members()
    m = cp._matrix(G)
    B = cp._density_null(m, 300, np.random.default_rng(0))
    assert (B.sum((1, 2)) == 6).all()
    assert not B[:, ~m.obs].any()
    assert not B[:, np.arange(5), np.arange(5)].any()
    # Every observed cell gets a tie sometimes (16 cells, 6 ties each time).
    assert B[:, m.obs].any(0).sum() == 16


def test_significance_p_value_and_determinism():
    G = nx.florentine_families_graph()
    s = cp.significance(G, n_samples=60, null="density", seed=4, sequential=False)
    t = cp.significance(G, n_samples=60, null="density", seed=4, sequential=False)
    assert s == t and np.array_equal(s.null_fits, t.null_fits)
    exceed = int(np.sum(s.null_fits >= s.observed - 1e-12))
    assert s.p_value == (1 + exceed) / 61
    assert s.observed == pytest.approx(0.4226, abs=5e-5)
    assert s.null_fits.shape == (60,) and not s.null_fits.flags.writeable
    assert s.params == {"bands": 3, "tabu_steps": 100, "restarts": 0}


def test_significance_separates_structure_from_chance():
    n = 30
    G = planted_digraph(np.random.default_rng(12), n, 8, 0.95, 0.3, 0.05)
    s = cp.significance(G, n_samples=99, null="density", seed=0)
    assert s.p_value == 0.01
    # The null fits are the optimum of graphs with the same density: check a
    # few by fitting the same kind of random graph directly.
    assert s.null_mean < s.observed
    d = cp.significance(G, n_samples=99, null="degree", seed=0)
    assert d.null == "degree" and d.params["trades"] == 10 * n
    assert d.null_mean > s.null_mean  # degrees explain much of the fit


def test_significance_on_a_large_sparse_graph_runs_one_sample_at_a_time():
    rng = np.random.default_rng(21)
    n = 210  # above the dense limit: sparse search per random graph
    P = block_probs(np.arange(n) < 20, 0.7, 0.2, 0.02)
    A = np.triu(rng.random((n, n)) < P, 1)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(*np.nonzero(A)))
    for null in cp.NULLS:
        s = cp.significance(G, variant="one", n_samples=3, null=null, seed=2, workers=1)
        assert s.params["bands"] == 1 and s.params["restarts"] == 8
        assert s.observed == pytest.approx(cp.partition(G, variant="one", seed=2).fit)
        assert s.p_value == (1 + int(np.sum(s.null_fits >= s.observed - 1e-12))) / 4
        assert np.isfinite(s.null_fits).all()
    # Same density without the planted core: clearly lower fits.
    assert (s.null_fits < s.observed).all()


# --------------------------------------------------------------------------
# Sparse null models (large graphs): same distributions as the dense ones
# --------------------------------------------------------------------------


def _sparse_samples(m, draw, S, seed):
    rng = np.random.default_rng(seed)
    return [draw(m, rng).toarray() > 0 for _ in range(S)]


def _homogeneous(a, b):
    """Chi-square test that two lists of graphs come from the same distribution."""
    from scipy.stats import chi2_contingency

    keys = sorted({x.tobytes() for x in a} | {x.tobytes() for x in b})
    counts = np.array([[sum(x.tobytes() == k for x in xs) for k in keys] for xs in (a, b)])
    return chi2_contingency(counts)[1], len(keys)


def test_sparse_degree_null_keeps_degrees_and_matches_the_dense_trades():
    rng = np.random.default_rng(6)
    G = random_graph(rng, 15, directed=True)
    G.nodes["p03"]["answered"] = False
    G.remove_edges_from(list(G.out_edges("p03")))
    m = cp._matrix(G)
    A = m.dense() > 0
    B = _sparse_samples(m, lambda m, r: cp._sparse_degree_null(m, r, 150), 100, 0)
    for b in B:
        assert (b.sum(1) == A.sum(1)).all() and (b.sum(0) == A.sum(0)).all()
        assert not b[np.arange(15), np.arange(15)].any() and not b[~m.obs].any()
    assert np.mean([(b != A).any() for b in B]) > 0.9
    U = random_graph(rng, 12, directed=False)
    mu = cp._matrix(U)
    for b in _sparse_samples(mu, lambda m, r: cp._sparse_degree_null(m, r, 100), 30, 1):
        assert (b == b.T).all() and (b.sum(1) == (mu.dense() > 0).sum(1)).all()
    # Small graphs: the sparse trades reach the same graphs as often as the dense ones.
    directed_ring = nx.DiGraph([(i, (i + k) % 6) for i in range(6) for k in (1, 2)])
    for small_graph in (directed_ring, nx.cycle_graph(7)):
        small = cp._matrix(small_graph)
        dense = list(cp._degree_null(small, 1500, np.random.default_rng(2), trades=20))
        sparse_ = _sparse_samples(small, lambda m, r: cp._sparse_degree_null(m, r, 20), 1500, 4)
        p, graphs = _homogeneous(dense, sparse_)
        assert graphs > 3 and p > 1e-3


def test_sparse_density_null_places_the_ties_uniformly_on_observed_cells():
    G = five_members()
    m = cp._matrix(G)
    B = _sparse_samples(m, cp._sparse_density_null, 2000, 0)
    assert all(b.sum() == 6 and not b[~m.obs].any() and not b.diagonal().any() for b in B)
    share = np.mean(B, axis=0)[m.obs[:, None] & ~np.eye(5, dtype=bool)]
    assert share == pytest.approx(np.full(16, 6 / 16), abs=0.04)  # 16 observed cells
    U = nx.path_graph(6)
    mu = cp._matrix(U)
    Bu = _sparse_samples(mu, cp._sparse_density_null, 3000, 1)
    assert all((b == b.T).all() and b.sum() == 10 for b in Bu)
    pairs = np.mean(Bu, axis=0)[np.triu_indices(6, 1)]
    assert pairs == pytest.approx(np.full(15, 5 / 15), abs=0.04)


def test_significance_stops_when_the_answer_is_clear_and_not_on_the_worker_count():
    n = 30
    G = planted_digraph(np.random.default_rng(12), n, 8, 0.95, 0.3, 0.05)
    s = cp.significance(G, n_samples=1000, null="density", seed=0)
    # no random network reaches the planted core's fit: the 99 % interval of p is
    # below 0.05 after 104 networks (1 - 0.005 ** (1 / 104) < 0.05)
    assert (s.stopped, s.n_samples, s.max_samples) == ("clear", 104, 1000)
    assert s.p_value == pytest.approx(1 / 105) and s.p_high < 0.05
    # without structure the fit is reached often: Besag and Clifford's rule stops at 10
    R = nx.gnp_random_graph(30, 0.2, seed=1, directed=True)
    r = cp.significance(R, n_samples=1000, null="degree", seed=0)
    assert r.stopped == "hits" and r.n_samples < 200
    assert r.p_value == pytest.approx(10 / r.n_samples)
    assert int(np.sum(r.null_fits >= r.observed - 1e-12)) == 10


def test_significance_on_a_large_graph_is_the_same_on_one_or_two_processes():
    rng = np.random.default_rng(21)
    n = 210
    P = block_probs(np.arange(n) < 20, 0.7, 0.2, 0.02)
    A = np.triu(rng.random((n, n)) < P, 1)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(*np.nonzero(A)))
    one = cp.significance(G, variant="one", n_samples=4, null="degree", seed=5, workers=1)
    two = cp.significance(G, variant="one", n_samples=4, null="degree", seed=5, workers=2)
    assert np.array_equal(one.null_fits, two.null_fits) and one.p_value == two.p_value


# --------------------------------------------------------------------------
# Large graphs: the grouped search makes the moves of the plain one
# --------------------------------------------------------------------------


def _batch(m, variant, X):
    W = m.both_ways()
    return cp._Batch(W, cp._ties(W), m.obs, m.ties, variant, np.zeros(len(X), dtype=int), X)


def _large_graphs(rng):
    return [
        planted_digraph(rng, 260, 40, 0.5, 0.15, 0.03, absent=range(0, 260, 13)),
        # every member has the same degree: many exchanges and flips are equally good,
        # so the choice among them (the first in member order) is tested too
        nx.circulant_graph(240, [1, 2, 5]),
    ]


@pytest.mark.parametrize("variant", cp.VARIANTS)
def test_grouped_exchange_is_the_pairwise_best_exchange(variant):
    rng = np.random.default_rng(31)
    for G in _large_graphs(rng):
        m = cp._matrix(G)
        for share in (0.15, 0.5):
            x = (rng.random(m.n) < share).astype(float)[None]
            grouped, pairwise = _batch(m, variant, x), _batch(m, variant, x)
            cand_a, cand_b = grouped._candidates(np.array([0]))
            core, peri = np.flatnonzero(cand_a[0]), np.flatnonzero(cand_b[0])
            moved = grouped._swap_grouped(0, core, peri)
            assert moved == pairwise._swap_one(0, core, peri)
            assert np.array_equal(grouped.X, pairwise.X)
            for count in ("fit", "C", "RC", "mCC", "mPP", "sC"):
                assert np.array_equal(getattr(grouped, count), getattr(pairwise, count))
            # independent truth: every exchange of a candidate pair, fitted from scratch
            swaps = np.repeat(x, len(core) * len(peri), axis=0)
            aa, bb = np.meshgrid(core, peri, indexing="ij")
            rows = np.arange(len(swaps))
            swaps[rows, aa.ravel()] = 0.0
            swaps[rows, bb.ravel()] = 1.0
            fits = cp._state_fit(m, variant, swaps)
            before = cp._state_fit(m, variant, x)[0]
            if moved:
                best = fits.max()
                assert grouped.fit[0] == pytest.approx(best, abs=1e-12) and best > before
                first = int(np.flatnonzero(fits >= best - 1e-12)[0])  # first pair in (core, peri) order
                assert np.array_equal(grouped.X[0], swaps[first])
            else:
                assert len(fits) == 0 or fits.max() <= before + 1e-12


@pytest.mark.parametrize("variant", cp.VARIANTS)
@pytest.mark.parametrize("compact", [2048, 0])  # 0: a group that empties is dropped at once
def test_grouped_descent_makes_the_flips_of_the_batch(monkeypatch, variant, compact):
    monkeypatch.setattr(cp, "_GROUP_COMPACT", compact)
    rng = np.random.default_rng(32)
    for G in _large_graphs(rng):
        m = cp._matrix(G)
        X = (rng.random((6, m.n)) < rng.uniform(0.05, 0.6, size=(6, 1))).astype(float)
        monkeypatch.setattr(cp, "_GROUP_FROM", 10**9)
        plain = _batch(m, variant, X)
        plain.descend(swaps=True)
        monkeypatch.setattr(cp, "_GROUP_FROM", 0)
        grouped = _batch(m, variant, X)
        grouped.descend(swaps=True)
        assert np.array_equal(plain.X, grouped.X)
        assert np.array_equal(plain.fit, grouped.fit)
        # independent truth: no single flip improves, fits from scratch
        for x, fit in zip(grouped.X, grouped.fit):
            assert fit == pytest.approx(cp._state_fit(m, variant, x[None])[0], abs=1e-12)
            flips = np.abs(x[None, :] - np.eye(m.n))
            assert cp._state_fit(m, variant, flips).max() <= fit + 1e-12


def test_grouped_search_gives_the_split_of_the_plain_one(monkeypatch):
    rng = np.random.default_rng(33)
    for G in _large_graphs(rng):
        for variant in cp.VARIANTS:
            splits = []
            for group_from in (10**9, 0):
                monkeypatch.setattr(cp, "_GROUP_FROM", group_from)
                monkeypatch.setattr(cp, "_RECENT", {})  # no remembered search
                splits.append(cp.partition(G, variant=variant, seed=4))
            assert splits[0] == splits[1]


def test_a_search_made_a_moment_ago_is_remembered_not_confused(monkeypatch):
    monkeypatch.setattr(cp, "_RECENT", {})
    G = planted_digraph(np.random.default_rng(34), 16, 5, 0.9, 0.3, 0.05)
    a = cp.partition(G, seed=1)
    assert cp.partition(G, seed=1) is a
    assert cp.partition(G, seed=2) is not a and cp.partition(G, variant="one", seed=1).variant == "one"
    H = G.copy()
    H.remove_edge(*next(iter(H.edges)))  # another graph on the same members: searched afresh
    assert cp.partition(H, seed=1).fit == pytest.approx(cp.exhaustive_partition(H).fit, abs=1e-12)
    assert len(cp._RECENT) <= cp._RECENT_SIZE


# --------------------------------------------------------------------------
# Global curveball trades: uniform over the graphs with the observed degrees
# --------------------------------------------------------------------------


def _all_with_degrees(A, obs):
    """Every 0/1 matrix with A's row and column sums, no diagonal, empty unobserved rows."""
    n = len(A)
    cells = [(i, j) for i in range(n) for j in range(n) if i != j and obs[i]]
    codes = np.arange(1 << len(cells))
    bits = ((codes[:, None] >> np.arange(len(cells))) & 1).astype(np.int8)
    rows = np.zeros((len(cells), n), dtype=np.int8)
    cols = np.zeros((len(cells), n), dtype=np.int8)
    for k, (i, j) in enumerate(cells):
        rows[k, i] = cols[k, j] = 1
    ok = ((bits @ rows) == A.sum(1)).all(1) & ((bits @ cols) == A.sum(0)).all(1)
    return {tuple(A_cells) for A_cells in bits[ok].astype(bool)}, cells


@pytest.mark.parametrize("absent", [(), (4,)])  # an odd number of respondents (one sits out), and an even one
def test_global_trades_draw_every_graph_with_the_degrees_equally_often(absent):
    from scipy.stats import chisquare

    G = nx.DiGraph([(0, 1), (0, 2), (1, 2), (2, 3), (3, 0), (4, 0), (4, 2), (1, 4)])
    for v in G:
        G.nodes[v]["answered"] = v not in absent
    G.remove_edges_from([e for e in list(G.edges) if e[0] in absent])
    m = cp._matrix(G)
    A = m.dense().astype(int)
    graphs, cells = _all_with_degrees(A, m.obs)
    assert 5 <= len(graphs) <= 60
    counts = dict.fromkeys(graphs, 0)
    # 80 trades: on these tiny graphs 20 trades (global or one at a time) still favour
    # the observed graph; 50-100 no longer do
    for seed in range(30 * len(graphs)):
        B = cp._global_trades(m, np.random.default_rng(seed), 80).toarray() > 0
        assert (B.sum(0) == A.sum(0)).all() and (B.sum(1) == A.sum(1)).all()
        assert not B.diagonal().any() and not B[~m.obs].any()
        counts[tuple(B[i, j] for i, j in cells)] += 1  # KeyError: a graph outside the set
    assert min(counts.values()) > 0
    assert chisquare(list(counts.values())).pvalue > 1e-3
    # the same seed, the same graph
    one, two = (cp._global_trades(m, np.random.default_rng(7), 20) for _ in range(2))
    assert (one != two).nnz == 0


def test_significance_on_a_large_directed_graph_is_the_same_on_one_or_two_processes():
    G = planted_digraph(np.random.default_rng(35), 210, 20, 0.7, 0.2, 0.02, absent=range(0, 210, 11))
    one = cp.significance(G, n_samples=4, null="degree", seed=5, workers=1)
    two = cp.significance(G, n_samples=4, null="degree", seed=5, workers=2)
    assert np.array_equal(one.null_fits, two.null_fits) and one.p_value == two.p_value
    respondents = sum(1 for _, answered in G.nodes(data="answered") if answered)
    assert np.isfinite(one.null_fits).all() and one.params["trades"] == 10 * respondents == 1900
