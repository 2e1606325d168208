"""Tests of helpers.analysis.contrasts: The contrasting networks of Figure 2 and their measures."""


import networkx as nx
import numpy as np
import pytest

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
