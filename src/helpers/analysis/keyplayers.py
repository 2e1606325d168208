"""Whether anybody is indispensable: articulation points, node connectivity and fragmentation.

How much removing each member fragments the network (:func:`key_players`,
:func:`indispensable_finding`), measured on the undirected union graph
(:func:`helpers.analysis.network.union_graph`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from helpers.analysis.communities import union_igraph
from helpers.analysis.network import as_undirected

__all__ = [
    "fragmentation",
    "distance_fragmentation",
    "key_players",
    "IndispensableFinding",
    "indispensable_finding",
]

def fragmentation(H: nx.Graph) -> float:
    """Borgatti's fragmentation F: share of pairs that cannot reach each other.

    Parameters
    ----------
    H : networkx.Graph
        Undirected graph.

    Returns
    -------
    float
        F = 1 - sum_k s_k (s_k - 1) / (n (n - 1)) over components of size s_k [1]_;
        0 for a connected graph, 1 when nobody is connected; NaN for fewer than 2 nodes.

    References
    ----------
    .. [1] S. P. Borgatti, "Identifying sets of key players in a social network",
       Computational and Mathematical Organization Theory 12, 21-34, 2006.

    Examples
    --------
    >>> import networkx as nx
    >>> fragmentation(nx.Graph([(1, 2), (3, 4)]))
    0.6666666666666667
    """
    n = H.number_of_nodes()
    if n < 2:
        return math.nan
    reach = sum(len(c) * (len(c) - 1) for c in nx.connected_components(H))
    return 1 - reach / (n * (n - 1))


def _distance_summary(H: nx.Graph) -> tuple[float, float]:
    """(distance-weighted fragmentation, mean distance over reachable pairs)."""
    n = H.number_of_nodes()
    if n < 2:
        return math.nan, math.nan
    inv = 0.0
    total = 0
    pairs = 0
    for _, lengths in nx.all_pairs_shortest_path_length(H):
        for d in lengths.values():
            if d > 0:
                inv += 1 / d
                total += d
                pairs += 1
    return 1 - inv / (n * (n - 1)), (total / pairs if pairs else math.nan)


def distance_fragmentation(H: nx.Graph) -> float:
    """Borgatti's distance-weighted fragmentation (KPP-Neg).

    Parameters
    ----------
    H : networkx.Graph
        Undirected graph.

    Returns
    -------
    float
        DF = 1 - sum_{i != j} (1 / d_ij) / (n (n - 1)), with 1/d = 0 for unreachable
        pairs [1]_: 0 for a complete graph, 1 without edges; NaN for fewer than 2 nodes.

    References
    ----------
    .. [1] S. P. Borgatti, "Identifying sets of key players in a social network",
       Computational and Mathematical Organization Theory 12, 21-34, 2006.

    Examples
    --------
    >>> import networkx as nx
    >>> round(distance_fragmentation(nx.path_graph(3)), 4)
    0.1667
    """
    return _distance_summary(H)[0]


def key_players(G: nx.Graph | nx.DiGraph, *, exact_up_to: int = 200, sources: int = 100,
                candidates: int = 20, seed: int = 0) -> pd.DataFrame:
    """How much removing each member fragments the network and lengthens its paths.

    Works on the undirected union graph. For each member the graph without them is
    compared with the whole graph: Borgatti's fragmentation F and distance-weighted
    fragmentation DF (KPP-Neg) [1]_, and the mean distance between members who can
    still reach each other.

    F, the components after removal and the articulation points come for every member
    from one depth-first search (the pieces each member's removal leaves, from
    Hopcroft and Tarjan's low points [2]_): O(n + m). The distances need a
    breadth-first search from every member of the graph without the removed one
    (igraph, in C): up to ``exact_up_to`` members that is done for every member. Larger
    networks get it for ``candidates`` members only (the articulation points that cut
    off the most, then the highest betweenness), from ``sources`` randomly chosen
    members (seeded), the sums scaled up to all members as in pivot sampling [3]_; the
    others' distance columns are NaN. ``attrs["distance_sources"]`` then gives the
    number of sources and ``attrs["distance_se"]`` the largest standard error of a
    DF change (None and NaN when exact); ``attrs["components"]`` the number of components
    of the union graph.

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        A wave's tie graph (its union graph is used) or an undirected graph.
    exact_up_to : int
        Largest network whose distances are computed exactly for every member.
    sources, candidates : int
        Sampled sources and members looked at above ``exact_up_to``.
    seed : int
        Seed of the source sample.

    Returns
    -------
    pandas.DataFrame
        Columns ``member_id, department, role, articulation_point, components_after,
        fragmentation_after, fragmentation_change, distance_fragmentation_after,
        distance_fragmentation_change, mean_distance_after, mean_distance_change``,
        sorted by ``member_id``. Changes are "after removal minus before"; a positive
        ``fragmentation_change`` means the member holds the network together
        (``articulation_point`` is then True, unless they are a leaf of a component).

    References
    ----------
    .. [1] S. P. Borgatti, "Identifying sets of key players in a social network",
       Computational and Mathematical Organization Theory 12, 21-34, 2006.
    .. [2] J. Hopcroft and R. Tarjan, "Algorithm 447: efficient algorithms for graph
       manipulation", Communications of the ACM 16(6), 372-378, 1973.
    .. [3] U. Brandes and C. Pich, "Centrality estimation in large networks",
       International Journal of Bifurcation and Chaos 17(7), 2303-2318, 2007.

    Examples
    --------
    >>> import networkx as nx
    >>> df = key_players(nx.Graph([("a", "b"), ("b", "c")]))
    >>> df[["member_id", "articulation_point", "fragmentation_change"]].values.tolist()
    [['a', False, 0.0], ['b', True, 1.0], ['c', False, 0.0]]
    """
    # the union graph straight into igraph (no networkx copy: most of the time at 10,000 members)
    nodes = sorted(G.nodes())
    n = len(nodes)
    g = union_igraph(G, nodes)
    pieces = _removal_pieces(g)
    components = g.connected_components()
    size_of = {v: len(c) for c in components for v in c}
    base_reach = sum(len(c) * (len(c) - 1) for c in components)
    base_f = 1 - base_reach / (n * (n - 1)) if n >= 2 else math.nan  # fragmentation(union graph)
    distance = _distance_changes(g, pieces, exact_up_to=exact_up_to, sources=sources,
                                 candidates=candidates, seed=seed)
    rows = []
    for i, v in enumerate(nodes):
        reach = base_reach - size_of[i] * (size_of[i] - 1) + sum(p * (p - 1) for p in pieces[i])
        f = 1 - reach / ((n - 1) * (n - 2)) if n > 2 else math.nan
        df_, md, df_change, md_change = distance.get(i, (math.nan,) * 4)
        a = G.nodes[v]
        rows.append(
            {
                "member_id": v,
                "department": a.get("department"),
                "role": a.get("role"),
                "articulation_point": len(pieces[i]) > 1,
                "components_after": len(components) - 1 + len(pieces[i]),
                "fragmentation_after": f,
                "fragmentation_change": f - base_f,
                "distance_fragmentation_after": df_,
                "distance_fragmentation_change": df_change,
                "mean_distance_after": md,
                "mean_distance_change": md_change,
            }
        )
    columns = [
        "member_id", "department", "role", "articulation_point", "components_after",
        "fragmentation_after", "fragmentation_change", "distance_fragmentation_after",
        "distance_fragmentation_change", "mean_distance_after", "mean_distance_change",
    ]
    out = pd.DataFrame(rows, columns=columns)
    out.attrs["components"] = len(components)
    out.attrs["distance_sources"] = distance.sources
    out.attrs["distance_se"] = distance.se
    return out


def _removal_pieces(g) -> list[list[int]]:
    """For every vertex, the sizes of the pieces its component falls into without it.

    One depth-first search with Hopcroft and Tarjan's low points, O(n + m): a child
    ``c`` of ``v`` in the search tree with ``low[c] >= disc[v]`` is cut off with its
    subtree; what else remains of the component (if anything) stays one piece. The
    root's children are all cut off from each other. A vertex with two or more pieces
    is an articulation point.
    """
    n = g.vcount()
    adj = g.get_adjlist()
    disc = [-1] * n
    low = [0] * n
    size = [1] * n
    pieces: list[list[int]] = [[] for _ in range(n)]
    counter = 0
    for root in range(n):
        if disc[root] >= 0:
            continue
        disc[root] = low[root] = counter
        counter += 1
        members = [root]
        stack = [(root, -1, iter(adj[root]))]
        while stack:
            v, parent, it = stack[-1]
            advanced = False
            for w in it:
                if disc[w] < 0:
                    disc[w] = low[w] = counter
                    counter += 1
                    members.append(w)
                    stack.append((w, v, iter(adj[w])))
                    advanced = True
                    break
                if w != parent and disc[w] < low[v]:
                    low[v] = disc[w]
            if advanced:
                continue
            stack.pop()
            if parent >= 0:
                size[parent] += size[v]
                if low[v] < low[parent]:
                    low[parent] = low[v]
                if low[v] >= disc[parent]:
                    pieces[parent].append(size[v])
        component = len(members)
        for v in members:
            if v != root:
                rest = component - 1 - sum(pieces[v])
                if rest > 0:
                    pieces[v].append(rest)
    return pieces


class _Distances(dict):
    """Member index -> (DF after, mean distance after, DF change, mean distance change)."""

    sources: int | None = None
    se: float = math.nan


def _distance_sums(g, sources) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per source: sum of 1/d, sum of d and reachable others (igraph breadth-first search in C)."""
    if g.vcount() == 0 or not len(sources):
        return np.zeros(0), np.zeros(0), np.zeros(0)
    D = np.array(g.distances(source=list(sources)), dtype=float)
    reach = np.isfinite(D) & (D > 0)
    Dr = np.where(reach, D, 1.0)
    return (np.where(reach, 1.0 / Dr, 0.0).sum(1), np.where(reach, Dr, 0.0).sum(1),
            reach.sum(1).astype(float))


def _distance_changes(g, pieces, *, exact_up_to: int, sources: int, candidates: int, seed: int) -> _Distances:
    """Distance-weighted fragmentation and mean distance after removing members.

    Up to ``exact_up_to`` members: every member, all pairs. Above: the ``candidates``
    members most likely to lengthen paths (articulation points cutting off the most,
    then the highest betweenness estimated from the same sources), from ``sources``
    breadth-first searches out of a seeded random sample of members; the sums over
    sources are scaled to all members (Brandes and Pich's pivot sampling).
    """
    n = g.vcount()
    out = _Distances()
    if n < 2:
        return out
    rng = np.random.default_rng(seed)
    if n <= exact_up_to:
        sample = np.arange(n)
        chosen = list(range(n))
    else:
        sample = np.sort(rng.choice(n, size=min(n, sources), replace=False))
        out.sources = len(sample)
        between = np.asarray(g.betweenness(directed=False, sources=sample.tolist()))
        cut_off = [(-(sum(p) - max(p)), i) for i, p in enumerate(pieces) if len(p) > 1]
        chosen = [i for _, i in sorted(cut_off)][:candidates]
        for i in np.argsort(-between, kind="stable"):
            if len(chosen) >= candidates:
                break
            if int(i) not in chosen:
                chosen.append(int(i))
    inv, tot, cnt = _distance_sums(g, sample)
    base_df = 1 - inv.mean() / (n - 1)
    base_md = tot.sum() / cnt.sum() if cnt.sum() else math.nan
    ses = []
    m = n - 1
    for v in chosen:
        R = g.copy()
        R.delete_vertices([v])
        kept = sample != v
        keep = sample[kept]
        if m < 2 or not len(keep):
            out[v] = (math.nan,) * 4
            continue
        r_inv, r_tot, r_cnt = _distance_sums(R, keep - (keep > v))
        df_ = 1 - r_inv.mean() / (m - 1)
        md = r_tot.sum() / r_cnt.sum() if r_cnt.sum() else math.nan
        if out.sources is None:  # every member a source: exact
            out[v] = (df_, md, df_ - base_df, md - base_md)
            continue
        out[v] = (df_, md, df_ - base_df, md - base_md)
        # sampled: standard error from the spread of the paired per-source changes
        per_source = inv[kept] / (n - 1) - r_inv / (m - 1)
        if len(keep) > 1:
            fpc = max(0.0, 1 - len(keep) / m)  # finite population: sources drawn without replacement
            ses.append(float(per_source.std(ddof=1) / math.sqrt(len(keep)) * math.sqrt(fpc)))
    out.se = max(ses) if ses else math.nan
    return out
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class IndispensableFinding:
    """The "nobody is indispensable" finding and the figures behind it.

    Attributes
    ----------
    nobody_indispensable : bool
        No member's removal disconnects the union graph's component they are in (no
        articulation point) and, if ``max_fragmentation_change`` is set, no member's
        removal raises the distance-weighted fragmentation by more than that.
    articulation_points : tuple of str
        Members whose removal disconnects the network (ids; report their role and
        department from ``players``, never the person).
    node_connectivity : int
        Fewest members whose removal disconnects the union graph (0 if already
        disconnected).
    components : int
        Connected components of the union graph (isolated members count).
    max_fragmentation_change, max_distance_fragmentation_change : float
        Largest increases over members.
    threshold : float or None
        The ``max_fragmentation_change`` used (None: articulation points only).
    players : pandas.DataFrame
        :func:`key_players`.
    reasons : tuple of str
        Plain-English sentences saying why.
    connectivity_exact : bool
        False when ``node_connectivity`` is only a lower bound (2, for a large network
        without articulation points).
    distance_sources : int or None
        Members whose breadth-first searches estimated the distance measures (None:
        all, exact); see :func:`key_players`.
    distance_se : float
        Largest standard error of an estimated change in distance-weighted
        fragmentation (NaN when exact).
    """

    nobody_indispensable: bool
    articulation_points: tuple[str, ...]
    node_connectivity: int
    components: int
    max_fragmentation_change: float
    max_distance_fragmentation_change: float
    threshold: float | None
    players: pd.DataFrame
    reasons: tuple[str, ...]
    connectivity_exact: bool = True
    distance_sources: int | None = None
    distance_se: float = math.nan


def indispensable_finding(G: nx.Graph | nx.DiGraph, *, max_fragmentation_change: float | None = None,
                          exact_connectivity_up_to: int = 200, seed: int = 0) -> IndispensableFinding:
    """Is anyone indispensable for holding the forum's network together?

    A member is indispensable when removing them cuts the network into pieces (an
    articulation point of the undirected union graph [2]_). Node connectivity [3]_ says
    how many members must go before that happens. Optionally, a member also counts as
    indispensable when their removal raises Borgatti's distance-weighted fragmentation
    [1]_ by more than ``max_fragmentation_change``; by default no such threshold applies.

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        A wave's tie graph (its union graph is used) or an undirected graph.
    max_fragmentation_change : float, optional
        Threshold on the rise of distance-weighted fragmentation.
    exact_connectivity_up_to : int
        Largest network whose node connectivity is computed exactly when it has no
        articulation point (above: the lower bound 2).
    seed : int
        Seed of :func:`key_players`' source sample on large networks.

    Returns
    -------
    IndispensableFinding

    References
    ----------
    .. [1] S. P. Borgatti, "Identifying sets of key players in a social network",
       Computational and Mathematical Organization Theory 12, 21-34, 2006.
    .. [2] J. Hopcroft and R. Tarjan, "Algorithm 447: efficient algorithms for graph
       manipulation", Communications of the ACM 16(6), 372-378, 1973.
    .. [3] S. Even, *Graph Algorithms*, Computer Science Press, 1979, ch. 6.

    Examples
    --------
    >>> import networkx as nx
    >>> indispensable_finding(nx.cycle_graph(5)).nobody_indispensable
    True
    >>> indispensable_finding(nx.path_graph(3)).articulation_points
    (1,)
    """
    players = key_players(G, seed=seed)
    cut = tuple(sorted(players.loc[players["articulation_point"], "member_id"]))
    components = int(players.attrs["components"])
    n = G.number_of_nodes()
    # the union graph in networkx only where networkx's exact node connectivity needs it
    H = as_undirected(G) if n <= exact_connectivity_up_to and components == 1 and not cut else None
    connectivity, exact = _node_connectivity(H, components, cut, exact_up_to=exact_connectivity_up_to, n=n)
    max_f = float(players["fragmentation_change"].max()) if len(players) else math.nan
    max_df = float(players["distance_fragmentation_change"].max()) if len(players) else math.nan
    over = max_fragmentation_change is not None and max_df > max_fragmentation_change
    reasons = []
    if cut:
        reasons.append(f"{len(cut)} member(s) hold the network together: removing one cuts it into pieces.")
    else:
        reasons.append("No single member's removal cuts the network into pieces (no articulation point).")
    reasons.append(
        f"Node connectivity {connectivity}: at least {connectivity} member(s) must go before the network falls apart."
        if components == 1
        else f"The network already has {components} separate parts (e.g. members nobody named)."
    )
    reasons.append(f"Largest rise in distance-weighted fragmentation when one member is removed: {max_df:.3f}.")
    if max_fragmentation_change is not None:
        reasons.append(
            f"Threshold {max_fragmentation_change:.3f}: " + ("exceeded." if over else "not exceeded.")
        )
    return IndispensableFinding(
        nobody_indispensable=not cut and not over,
        articulation_points=cut,
        node_connectivity=connectivity,
        components=components,
        max_fragmentation_change=max_f,
        max_distance_fragmentation_change=max_df,
        threshold=max_fragmentation_change,
        players=players,
        reasons=tuple(reasons),
        connectivity_exact=exact,
        distance_sources=players.attrs.get("distance_sources"),
        distance_se=players.attrs.get("distance_se", math.nan),
    )


def _node_connectivity(H: nx.Graph | None, components: int, cut: tuple, *, exact_up_to: int,
                       n: int | None = None) -> tuple[int, bool]:
    """Node connectivity and whether it is exact.

    Disconnected: 0; an articulation point: 1; otherwise at least 2, and the exact
    value (networkx's max-flow algorithm, O(n + d^2) flow problems) only up to
    ``exact_up_to`` members: above, 2 is returned as a lower bound. ``H`` (the union
    graph) is read only for the exact value; ``n`` is its number of members (default:
    ``H``'s).
    """
    n = H.number_of_nodes() if n is None else n
    if n < 2 or components > 1:
        return 0, True
    if cut:
        return 1, True
    if n > exact_up_to:
        return 2, False
    return int(nx.node_connectivity(H)), True
