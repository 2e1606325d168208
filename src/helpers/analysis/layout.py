"""Where Figure 1 places the members: the core inside, the periphery around it, stable between waves.

:func:`spring_positions` is a seeded force-directed layout (members with many ties in
common sit close together). :func:`radial_positions` keeps each member's direction from
the centre (from the spring layout, or from the previous wave for a continuing member)
and sets the distance by the member's place in the core-periphery structure: the core in
an inner disc, the periphery in a ring around it, higher coreness nearer the centre
(a radial layout by centrality [1]_, with the core/periphery split of [2]_).

A continuing member keeps the direction it had in the previous wave and moves only
inwards or outwards with its coreness, so two waves' figures can be read side by side.

References
----------
.. [1] U. Brandes, P. Kenis and D. Wagner, "Communicating centrality in policy network
   drawings", IEEE Transactions on Visualization and Computer Graphics 9(2), 241-253, 2003.
.. [2] S. P. Borgatti and M. G. Everett, "Models of core/periphery structures",
   Social Networks 21(4), 375-395, 2000.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Collection, Mapping

import networkx as nx
import numpy as np
import pandas as pd

from helpers.analysis.network import sorted_unique, union_graph

__all__ = ["LARGE_LAYOUT", "CORE_BAND", "PERIPHERY_BAND", "SPREAD", "tie_pairs", "spring_positions", "radial_positions",
           "positions_table", "positions_from_table"]

#: Above this many members the spring layout runs in igraph (C, grid-accelerated repulsion).
LARGE_LAYOUT = 200

#: Distances from the centre (1 = the rim) of the core's disc and of the periphery's ring.
CORE_BAND = (0.08, 0.42)
PERIPHERY_BAND = (0.58, 1.0)

#: How far (0-1) each group's directions move from the spring layout's towards even spacing.
SPREAD = 0.6


def _simple(G: nx.Graph | nx.DiGraph) -> nx.Graph:
    H = union_graph(G) if G.is_directed() else G
    S = nx.Graph()
    S.add_nodes_from(sorted(H.nodes()))
    S.add_edges_from(sorted((min(u, v), max(u, v)) for u, v in H.edges()))
    return S


def tie_pairs(G: nx.Graph | nx.DiGraph, nodes: list | None = None) -> np.ndarray:
    """The pairs of members with a tie either way, as sorted index pairs: O(m log m) in numpy.

    The edges of the undirected union graph (:func:`helpers.analysis.network.union_graph`)
    without building it: each pair once, as ``(i, j)`` with ``i < j`` indices into
    ``nodes``, in sorted order (so, with ``nodes`` sorted, in the order of the pairs of
    member ids); self-loops left out.

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        The network.
    nodes : list, optional
        Every member of ``G`` once, in the order the indices refer to (default: sorted).

    Returns
    -------
    numpy.ndarray
        Shape ``(pairs, 2)``, int64.

    Examples
    --------
    >>> tie_pairs(nx.DiGraph([("b", "a"), ("a", "b"), ("c", "a"), ("c", "c")])).tolist()
    [[0, 1], [0, 2]]
    >>> tie_pairs(nx.empty_graph(3, create_using=nx.DiGraph)).shape
    (0, 2)
    """
    nodes = sorted(G.nodes()) if nodes is None else list(nodes)
    index = {v: i for i, v in enumerate(nodes)}
    adjacency = G.succ if G.is_directed() else G.adj  # an undirected edge is met from both ends
    degree = np.fromiter(map(len, adjacency.values()), dtype=np.int64, count=len(adjacency))
    first = np.repeat(np.fromiter(map(index.__getitem__, adjacency), dtype=np.int64, count=len(adjacency)), degree)
    second = np.fromiter(map(index.__getitem__, itertools.chain.from_iterable(adjacency.values())), dtype=np.int64,
                         count=int(degree.sum()))
    low, high = np.minimum(first, second), np.maximum(first, second)
    keep = low != high
    width = max(len(nodes), 1)
    code = sorted_unique(low[keep] * width + high[keep])  # each pair once
    return np.column_stack((code // width, code % width)).astype(np.int64)


def spring_positions(G: nx.Graph | nx.DiGraph, *, seed: int) -> dict[str, np.ndarray]:
    """A seeded force-directed layout, the same every run.

    The Fruchterman-Reingold layout [1]_ of the undirected union graph (nodes sorted):
    networkx's up to :data:`LARGE_LAYOUT` members, igraph's (in C, with its grid
    approximation of the repulsion) above.

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        The network.
    seed : int
        Seed of the starting positions.

    Returns
    -------
    dict of str to numpy.ndarray
        Member id -> (x, y), in sorted member order.

    References
    ----------
    .. [1] T. M. J. Fruchterman and E. M. Reingold, "Graph drawing by force-directed
       placement", Software: Practice and Experience 21(11), 1129-1164, 1991.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> a, b = spring_positions(G, seed=1), spring_positions(G, seed=1)
    >>> all((a[v] == b[v]).all() for v in G)
    True
    """
    n = max(G.number_of_nodes(), 1)
    if n > LARGE_LAYOUT:
        return _igraph_layout(G, seed=seed)
    S = _simple(G)
    pos = nx.spring_layout(S, seed=int(seed), k=1.6 / math.sqrt(n), iterations=200)
    return {v: np.asarray(pos[v], dtype=float) for v in sorted(pos)}


def _igraph_layout(G: nx.Graph | nx.DiGraph, *, seed: int) -> dict[str, np.ndarray]:
    """Fruchterman-Reingold in igraph on the union graph: O(n + m) per iteration with the grid, seeded.

    igraph draws from a process-wide random-number hook; it is pointed at a
    ``random.Random(seed)`` for the call and given back afterwards. The edges are the
    sorted pairs of :func:`tie_pairs` (the order of the union graph's edges).
    """
    import igraph

    nodes = sorted(G.nodes())
    g = igraph.Graph(n=len(nodes))
    g.add_edges(tie_pairs(G, nodes))  # from the array: no list of 100,000 pairs
    igraph.set_random_number_generator(random.Random(int(seed)))
    try:
        xy = np.asarray(g.layout_fruchterman_reingold(niter=500, grid="grid").coords, dtype=float)
    finally:
        igraph.set_random_number_generator(random)
    if len(xy):
        xy -= xy.mean(axis=0)
        span = np.abs(xy).max()
        xy /= span if span > 0 else 1.0
    return {v: xy[i] for i, v in enumerate(nodes)}


def _ranks(values: pd.Series) -> pd.Series:
    """Values scaled to 0 .. 1 by rank (ties share their mean rank; one value -> 0.5)."""
    if len(values) <= 1:
        return pd.Series(0.5, index=values.index)
    r = values.rank(method="average")
    return (r - 1) / (len(values) - 1)


def radial_positions(
    G: nx.Graph | nx.DiGraph,
    core: Collection[str],
    coreness: pd.Series | Mapping | None = None,
    *,
    seed: int,
    previous: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Positions with the core inside: direction from a spring layout, distance by coreness.

    Each member's direction from the centre is that of the seeded spring layout
    (:func:`spring_positions`), moved part of the way towards even spacing within its
    group (:data:`SPREAD`, same order around the centre) so that members do not cover
    each other; or, for a member in ``previous``, the direction it had there. The distance from the centre places the core in the disc :data:`CORE_BAND`
    and the periphery in the ring :data:`PERIPHERY_BAND`; within each, the higher the
    coreness (by rank), the nearer the centre (ranks spaced by area, so that the
    middle is not crowded). Without coreness, every member of a
    group sits in the middle of its band.

    A member new since ``previous`` takes the mean direction of its neighbours who
    were there (or its spring direction if it has none), nudged so that it does not
    cover a member at the same distance.

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        The network.
    core : collection of str
        Member ids of the core; everybody else is periphery.
    coreness : pandas.Series or mapping, optional
        Coreness per member (NaN or missing: the middle of its band).
    seed : int
        Seed of the spring layout.
    previous : mapping, optional
        Member id -> (x, y) of the previous wave (as this function made it).

    Returns
    -------
    dict of str to numpy.ndarray
        Member id -> (x, y) within the unit disc, sorted by member id.

    Examples
    --------
    >>> G = nx.Graph([("a", "b"), ("a", "c"), ("a", "d"), ("b", "c")])
    >>> pos = radial_positions(G, {"a", "b"}, {"a": 1.0, "b": 0.8, "c": 0.3, "d": 0.1}, seed=1)
    >>> [round(float(np.hypot(*pos[v])), 2) for v in "abcd"]
    [0.08, 0.42, 0.58, 1.0]
    """
    nodes = sorted(G.nodes())
    if not nodes:
        return {}
    core = set(core)
    spring = spring_positions(G, seed=seed)
    centre = np.mean([spring[v] for v in nodes], axis=0)
    angle = {v: math.atan2(*(spring[v] - centre)[::-1]) for v in nodes}
    for group in ([v for v in nodes if v in core], [v for v in nodes if v not in core]):
        angle.update(_spread(angle, group))
    previous = {str(k): np.asarray(p, dtype=float) for k, p in (previous or {}).items()}
    kept = [v for v in nodes if v in previous and np.hypot(*previous[v]) > 0]
    if kept:
        # the previous wave's directions for continuing members; new members near their neighbours
        for v in kept:
            angle[v] = math.atan2(previous[v][1], previous[v][0])
        for v in nodes:
            if v in previous:
                continue
            near = [angle[u] for u in _neighbours(G, v) if u in previous]
            if near:
                angle[v] = math.atan2(np.mean(np.sin(near)), np.mean(np.cos(near)))
    c = pd.Series(coreness if coreness is not None else {}, dtype=float).reindex(nodes)
    radius = {}
    for members, (inner, outer) in (([v for v in nodes if v in core], CORE_BAND),
                                    ([v for v in nodes if v not in core], PERIPHERY_BAND)):
        values = c.reindex(members)
        known = values.dropna()
        scaled = _ranks(known) if len(known) else pd.Series(dtype=float)
        for v in members:
            share = 0.5 if v not in scaled.index else float(scaled[v])  # 1 = highest coreness
            radius[v] = math.sqrt(outer ** 2 - (outer ** 2 - inner ** 2) * share)  # equal areas per rank
    if kept:
        _separate_new(angle, radius, [v for v in nodes if v not in previous])
    return {v: np.array([radius[v] * math.cos(angle[v]), radius[v] * math.sin(angle[v])]) for v in nodes}


def _neighbours(G: nx.Graph | nx.DiGraph, v) -> list:
    """The members tied to ``v`` either way, sorted (the union graph's neighbours, without building it)."""
    found = set(G.successors(v)) | set(G.predecessors(v)) if G.is_directed() else set(G.neighbors(v))
    found.discard(v)
    return sorted(found)


def _spread(angle: Mapping[str, float], members: list, weight: float = SPREAD) -> dict[str, float]:
    """Members' directions moved part of the way (``weight``) towards even spacing, in the same
    order around the centre, so that members of a group do not cover each other."""
    k = len(members)
    if k < 2:
        return {}
    order = sorted(members, key=lambda v: (angle[v], v))
    observed = np.array([angle[v] for v in order])
    steps = 2 * math.pi * np.arange(k) / k
    offset = math.atan2(np.mean(np.sin(observed - steps)), np.mean(np.cos(observed - steps)))  # best turn
    even = offset + steps
    blended = np.arctan2((1 - weight) * np.sin(observed) + weight * np.sin(even),
                         (1 - weight) * np.cos(observed) + weight * np.cos(even))
    return dict(zip(order, blended.tolist(), strict=True))


def _separate_new(angle: dict, radius: dict, new: list, gap: float = 0.06) -> None:
    """Turn new members a little where they would sit on top of another member (deterministic)."""
    placed = [v for v in angle if v not in set(new)]
    for v in new:
        for _ in range(24):
            xy = radius[v] * np.array([math.cos(angle[v]), math.sin(angle[v])])
            if all(np.hypot(*(xy - radius[u] * np.array([math.cos(angle[u]), math.sin(angle[u])]))) >= gap
                   for u in placed):
                break
            angle[v] += gap / max(radius[v], 0.1)
        placed.append(v)


def positions_table(positions: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Positions as a table ``member_id, x, y`` (sorted by member id), to be saved.

    Examples
    --------
    >>> positions_table({"b": np.array([0.5, 0.0]), "a": np.array([0.0, -1.0])})
      member_id    x    y
    0         a  0.0 -1.0
    1         b  0.5  0.0
    """
    rows = [(str(v), float(p[0]), float(p[1])) for v, p in sorted(positions.items())]
    return pd.DataFrame(rows, columns=["member_id", "x", "y"])


def positions_from_table(table: pd.DataFrame | None) -> dict[str, np.ndarray] | None:
    """The positions of a table made by :func:`positions_table` (None for None).

    Examples
    --------
    >>> positions_from_table(positions_table({"a": np.array([0.25, 1.0])}))
    {'a': array([0.25, 1.  ])}
    """
    if table is None:
        return None
    return {str(m): np.array([float(x), float(y)]) for m, x, y in zip(table["member_id"], table["x"], table["y"],
                                                                       strict=True)}
