"""Whether anybody is indispensable: articulation points, node connectivity and fragmentation.

How much removing each member fragments the network (:func:`key_players`,
:func:`indispensable_finding`), measured on the undirected union graph
(:func:`helpers.analysis.network.union_graph`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import pandas as pd

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


def key_players(G: nx.Graph | nx.DiGraph) -> pd.DataFrame:
    """How much removing each member fragments the network and lengthens its paths.

    Works on the undirected union graph. For each member the graph without them is
    compared with the whole graph: Borgatti's fragmentation F and distance-weighted
    fragmentation DF (KPP-Neg) [1]_, and the mean distance between members who can
    still reach each other.

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        A wave's tie graph (its union graph is used) or an undirected graph.

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

    Examples
    --------
    >>> import networkx as nx
    >>> df = key_players(nx.Graph([("a", "b"), ("b", "c")]))
    >>> df[["member_id", "articulation_point", "fragmentation_change"]].values.tolist()
    [['a', False, 0.0], ['b', True, 1.0], ['c', False, 0.0]]
    """
    H = as_undirected(G)
    cut = set(nx.articulation_points(H))
    base_f = fragmentation(H)
    base_df, base_md = _distance_summary(H)
    rows = []
    for v in sorted(H.nodes()):
        R = H.copy()
        R.remove_node(v)
        f = fragmentation(R)
        df_, md = _distance_summary(R)
        a = H.nodes[v]
        rows.append(
            {
                "member_id": v,
                "department": a.get("department"),
                "role": a.get("role"),
                "articulation_point": v in cut,
                "components_after": nx.number_connected_components(R),
                "fragmentation_after": f,
                "fragmentation_change": f - base_f,
                "distance_fragmentation_after": df_,
                "distance_fragmentation_change": df_ - base_df,
                "mean_distance_after": md,
                "mean_distance_change": md - base_md,
            }
        )
    columns = [
        "member_id", "department", "role", "articulation_point", "components_after",
        "fragmentation_after", "fragmentation_change", "distance_fragmentation_after",
        "distance_fragmentation_change", "mean_distance_after", "mean_distance_change",
    ]
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


def indispensable_finding(G: nx.Graph | nx.DiGraph, *, max_fragmentation_change: float | None = None) -> IndispensableFinding:
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
    H = as_undirected(G)
    players = key_players(H)
    cut = tuple(sorted(nx.articulation_points(H)))
    connectivity = int(nx.node_connectivity(H)) if H.number_of_nodes() > 1 else 0
    components = nx.number_connected_components(H)
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
    )
