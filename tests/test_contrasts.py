"""Tests of helpers.analysis.contrasts: The contrasting networks of Figure 2 and their measures."""


import math

import networkx as nx
import pandas as pd
import numpy as np
import pytest

from helpers.analysis import contrasts as _contrasts
from helpers.analysis import communities, contrasts as st

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
    Q = {k: communities.detect_communities(g, method="louvain", seed=1).modularity for k, g in nets.items()}
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


def test_large_contrasting_networks_are_drawn_by_index_with_the_same_structure(monkeypatch):
    monkeypatch.setattr(st, "_CONTRASTS_BY_INDEX_FROM", 50)
    n, m = 120, 900
    departments = [f"D{i % 6}" for i in range(n)]
    nets = _contrasts.contrasting_networks(n, None, departments, seed=3, n_edges=m)
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
    again = _contrasts.contrasting_networks(n, None, departments, seed=3, n_edges=m)
    assert all(sorted(again[k].edges()) == sorted(nets[k].edges()) for k in nets)


def test_contrast_measures_take_what_is_known_and_count_as_network_measures():
    from helpers.analysis.network import network_measures

    nets = st.contrasting_networks(40, None, DEPTS, seed=5, n_edges=300)
    wave = nets["random"].copy()
    for v in list(wave)[:4]:  # four did not answer: the density's denominator counts respondents
        wave.nodes[v]["answered"] = False
        wave.remove_edges_from(list(wave.out_edges(v)))
    graphs = {"wave": wave, **nets}
    table = st.contrast_measures(graphs, fit=lambda g: 0.5, seed=2, known={"wave": {"modularity": -1.0, "fit": 2.0}})
    assert table.loc["wave", "modularity"] == -1.0 and table.loc["wave", "fit"] == 2.0
    for name, g in graphs.items():
        nm = network_measures(g)
        assert (table.loc[name, "members"], table.loc[name, "ties"]) == (nm.n_members, nm.n_ties)
        assert table.loc[name, "density"] == pytest.approx(nm.density)
        if name != "wave":
            assert table.loc[name, "fit"] == 0.5
            assert table.loc[name, "modularity"] == pytest.approx(
                communities.detect_communities(g, method="leiden", seed=2).modularity)


def test_the_structure_step_measures_the_wave_as_its_other_parts_do():
    # Figure 2's row for the wave reuses the groupings' first Leiden run and the core-periphery split:
    # the same figures as computing them again for the wave alone
    from conftest import two_cliques
    from helpers.analysis import coreperiphery
    from helpers.results.structure import Structure

    G = two_cliques(6)
    G.add_edges_from([("a1", "b2"), ("b3", "a4")])
    result = Structure.compute(G, seed=3, n_samples=19, n_networks=19)
    wave = result.contrasts.set_index("network").loc["wave"]
    assert wave["modularity"] == pytest.approx(communities.detect_communities(G, method="leiden", seed=3).modularity)
    assert wave["fit"] == pytest.approx(coreperiphery.partition(G, variant="ignore", seed=3).fit)
