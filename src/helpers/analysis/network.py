"""The tie graph of a wave and its whole-network figures."""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

__all__ = [
    "build_graph",
    "respondents",
    "reported_density",
    "summary",
    "role_and_department",
    "NetworkMeasures",
    "network_measures",
    "member_measures",
    "union_graph",
    "as_undirected",
    "sorted_unique",
]


def sorted_unique(codes: np.ndarray) -> np.ndarray:
    """The distinct integers of ``codes``, sorted: one sort and one comparison.

    ``numpy.unique`` hashes (numpy 2.4) and is several times slower on the arrays of tie
    codes the analysis makes.

    Examples
    --------
    >>> sorted_unique(np.array([3, 1, 3, 2])).tolist(), sorted_unique(np.array([], dtype=int)).tolist()
    ([1, 2, 3], [])
    """
    codes = np.sort(codes)
    return codes[np.concatenate(([True], codes[1:] != codes[:-1]))] if codes.size else codes


def build_graph(members: pd.DataFrame, relations: pd.DataFrame, threshold: int) -> nx.DiGraph:
    """Build the directed tie graph of a wave.

    Parameters
    ----------
    members : pandas.DataFrame
        Tidy members: ``member_id, gender, role, department, answered``.
    relations : pandas.DataFrame
        Tidy relations: ``source, target, rating``.
    threshold : int
        A rating at or above this makes a tie.

    Returns
    -------
    networkx.DiGraph
        One node per member (attributes ``gender``, ``role``, ``department``,
        ``answered``), added in sorted order; an edge ``u -> v`` with attribute ``rating``
        when respondent ``u`` rated ``v`` at or above ``threshold``. Only respondents have
        outgoing edges: a non-respondent's row is missing, not zero.

    Examples
    --------
    >>> members = pd.DataFrame({"member_id": ["a", "b", "c"], "gender": ["female", "male", "male"],
    ...     "role": ["director", "chief", "chief"], "department": ["X", "X", "Y"],
    ...     "answered": [True, True, False]})
    >>> relations = pd.DataFrame({"source": ["a", "a", "b"], "target": ["b", "c", "a"], "rating": [3, 1, 2]})
    >>> sorted(build_graph(members, relations, 2).edges(data="rating"))
    [('a', 'b', 3), ('b', 'a', 2)]
    """
    G = nx.DiGraph()
    for row in members.sort_values("member_id").itertuples(index=False):
        G.add_node(row.member_id, gender=row.gender, role=row.role, department=row.department,
                   answered=bool(row.answered))
    ties = relations[relations["rating"] >= threshold].sort_values(["source", "target"])
    G.add_edges_from((s, t, {"rating": int(r)}) for s, t, r in ties[["source", "target", "rating"]].itertuples(index=False))
    return G


def respondents(G: nx.DiGraph) -> set:
    """The members who answered (the only ones whose outgoing ties are observed).

    Parameters
    ----------
    G : networkx.DiGraph
        The wave's tie graph.
    """
    return _answered(G)


def _answered(G: nx.DiGraph) -> set:
    return {n for n, answered in G.nodes(data="answered") if answered}


def reported_density(G: nx.DiGraph, respondents: set | None = None) -> float:
    """Share of possible ties that respondents reported.

    Only members who answered could name others, so the denominator is
    respondents x (members - 1).

    Parameters
    ----------
    G : networkx.DiGraph
        One node per member; edge u -> v when u named v.
    respondents : collection, optional
        Members who answered (default: nodes whose ``answered`` attribute is true).

    Returns
    -------
    float
        Between 0 and 1.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b"), ("b", "a"), ("a", "c")])
    >>> reported_density(G, {"a", "b"})
    0.75
    """
    respondents = _answered(G) if respondents is None else respondents
    possible = len(respondents) * (G.number_of_nodes() - 1)
    if possible == 0:
        raise ValueError("no possible ties: the wave has no respondents or a single member")
    return G.number_of_edges() / possible


def summary(G: nx.DiGraph) -> dict:
    """Whole-network figures the handout states together: members, respondents, response rate, ties, density.

    Parameters
    ----------
    G : networkx.DiGraph
        The wave's tie graph.

    Returns
    -------
    dict
        ``members, respondents, response_rate, ties, possible_ties, density``.
    """
    resp = respondents(G)
    n = G.number_of_nodes()
    possible = len(resp) * (n - 1)
    return {
        "members": n,
        "respondents": len(resp),
        "response_rate": len(resp) / n if n else float("nan"),
        "ties": G.number_of_edges(),
        "possible_ties": possible,
        "density": G.number_of_edges() / possible if possible else float("nan"),
    }


def role_and_department(G: nx.DiGraph, member: str) -> dict:
    """A member as outputs may name them: role and department, never the person.

    Parameters
    ----------
    G : networkx.DiGraph
        The wave's tie graph.
    member : str
        A member id (pseudonym).

    Returns
    -------
    dict
    """
    return {"role": G.nodes[member]["role"], "department": G.nodes[member]["department"]}



@dataclass(frozen=True)
class NetworkMeasures:
    """Whole-network figures of one wave.

    Attributes
    ----------
    n_members : int
        Members of the forum (nodes).
    n_respondents : int
        Members who answered.
    response_rate : float
        ``n_respondents / n_members``.
    n_ties : int
        Ties reported (edges).
    possible_ties : int
        ``n_respondents * (n_members - 1)``: every respondent could name every other member.
    density : float
        ``n_ties / possible_ties``.
    mutual_pairs : int
        Pairs of respondents who named each other.
    asymmetric_pairs : int
        Pairs of respondents where exactly one named the other.
    reciprocity : float
        Among ties between two respondents, the share that is returned:
        ``2 * mutual_pairs / (2 * mutual_pairs + asymmetric_pairs)``; NaN without such ties.
        Pairs involving a non-respondent are left out, since their return tie is unobserved.
    mean_in_degree : float
        Mean number of members naming a member (over all members).
    mean_out_degree : float
        Mean number of members a respondent named (over respondents).
    """

    n_members: int
    n_respondents: int
    response_rate: float
    n_ties: int
    possible_ties: int
    density: float
    mutual_pairs: int
    asymmetric_pairs: int
    reciprocity: float
    mean_in_degree: float
    mean_out_degree: float

    def as_dict(self) -> dict:
        """The figures as a plain dict (field order kept)."""
        return dict(self.__dict__)


def network_measures(G: nx.DiGraph) -> NetworkMeasures:
    """Whole-network figures: size, response, density and reciprocity.

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph; nodes carry ``answered``.

    Returns
    -------
    NetworkMeasures

    Notes
    -----
    Density counts only the ties respondents could report, so its denominator is
    respondents x (members - 1) [1]_. Reciprocity is the share of ties that are returned
    [2]_, restricted to pairs in which both members answered.

    References
    ----------
    .. [1] S. Wasserman and K. Faust, *Social Network Analysis: Methods and
       Applications*, Cambridge University Press, 1994, ch. 4.
    .. [2] D. Garlaschelli and M. I. Loffredo, "Patterns of link reciprocity in
       directed networks", Physical Review Letters 93, 268701, 2004.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b"), ("b", "a"), ("a", "c")])
    >>> nx.set_node_attributes(G, {"a": True, "b": True, "c": False}, "answered")
    >>> m = network_measures(G)
    >>> m.density, m.reciprocity, m.response_rate
    (0.75, 1.0, 0.6666666666666666)
    """
    answered = respondents(G)
    n = G.number_of_nodes()
    r = len(answered)
    possible = r * (n - 1)
    mutual = asym = 0
    for u, v in G.edges():
        if u == v or u not in answered or v not in answered:
            continue
        if G.has_edge(v, u):
            mutual += 1  # counted once from each side
        else:
            asym += 1
    mutual //= 2
    returned_base = 2 * mutual + asym
    m = G.number_of_edges()
    return NetworkMeasures(
        n_members=n,
        n_respondents=r,
        response_rate=r / n if n else math.nan,
        n_ties=m,
        possible_ties=possible,
        density=m / possible if possible else math.nan,
        mutual_pairs=mutual,
        asymmetric_pairs=asym,
        reciprocity=2 * mutual / returned_base if returned_base else math.nan,
        mean_in_degree=m / n if n else math.nan,
        mean_out_degree=m / r if r else math.nan,
    )


def member_measures(G: nx.DiGraph, *, exact_up_to: int = 3000, sources: int = 500, seed: int = 0) -> pd.DataFrame:
    """Per-member degrees and betweenness.

    Betweenness is Brandes' algorithm [2]_ in igraph (C). Above ``exact_up_to``
    members it is estimated from ``sources`` randomly chosen (seeded) source members,
    scaled up to all sources (pivot sampling [3]_); ``attrs["betweenness_sources"]``
    then gives their number (None when exact).

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph.
    exact_up_to : int
        Largest network whose betweenness is computed exactly.
    sources : int
        Sampled sources above ``exact_up_to``.
    seed : int
        Seed of the source sample.

    Returns
    -------
    pandas.DataFrame
        Columns ``member_id, department, role, gender, answered, in_degree, out_degree,
        betweenness``; one row per member, sorted by ``member_id``. ``out_degree`` is
        ``<NA>`` for non-respondents (their choices are unobserved, not zero).
        ``betweenness`` is the normalised directed betweenness [1]_ [2]_; paths cannot run
        out of a non-respondent, which lowers their betweenness, so read it for
        respondents.

    References
    ----------
    .. [1] L. C. Freeman, "A set of measures of centrality based on betweenness",
       Sociometry 40(1), 35-41, 1977.
    .. [2] U. Brandes, "A faster algorithm for betweenness centrality", Journal of
       Mathematical Sociology 25(2), 163-177, 2001.
    .. [3] U. Brandes and C. Pich, "Centrality estimation in large networks",
       International Journal of Bifurcation and Chaos 17(7), 2303-2318, 2007.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> nx.set_node_attributes(G, {"a": True, "b": True, "c": False}, "answered")
    >>> df = member_measures(G)
    >>> df["member_id"].tolist(), df["in_degree"].tolist(), df["out_degree"].tolist()
    (['a', 'b', 'c'], [0, 1, 1], [1, 1, <NA>])
    """
    betweenness, sources = _betweenness(G, exact_up_to=exact_up_to, sources=sources, seed=seed)
    rows = []
    for v in sorted(G.nodes()):
        a = G.nodes[v]
        answered = bool(a.get("answered", False))
        rows.append(
            {
                "member_id": v,
                "department": a.get("department"),
                "role": a.get("role"),
                "gender": a.get("gender"),
                "answered": answered,
                "in_degree": G.in_degree(v),
                "out_degree": G.out_degree(v) if answered else pd.NA,
                "betweenness": betweenness[v],
            }
        )
    columns = ["member_id", "department", "role", "gender", "answered", "in_degree", "out_degree", "betweenness"]
    df = pd.DataFrame(rows, columns=columns)
    df["in_degree"] = df["in_degree"].astype("Int64")
    df["out_degree"] = df["out_degree"].astype("Int64")
    df["answered"] = df["answered"].astype(bool)
    df["betweenness"] = df["betweenness"].astype(float)
    df.attrs["betweenness_sources"] = sources
    return df


def _betweenness(G: nx.DiGraph, *, exact_up_to: int, sources: int, seed: int) -> tuple[dict, int | None]:
    """Normalised directed betweenness by igraph (Brandes' algorithm in C); pivots above ``exact_up_to``.

    Returns the values by member and the number of sampled sources (None: exact).
    """
    import igraph

    nodes = sorted(G.nodes())
    n = len(nodes)
    index = {v: i for i, v in enumerate(nodes)}
    g = igraph.Graph(n=n, edges=[(index[u], index[v]) for u, v in G.edges() if u != v], directed=G.is_directed())
    g.simplify()
    used = None
    if n > exact_up_to:
        rng = np.random.default_rng(seed)
        pivots = np.sort(rng.choice(n, size=min(n, sources), replace=False)).tolist()
        raw = np.asarray(g.betweenness(directed=G.is_directed(), sources=pivots)) * (n / len(pivots))
        used = len(pivots)
    else:
        raw = np.asarray(g.betweenness(directed=G.is_directed())) if n else np.zeros(0)
    if n > 2:
        raw = raw / ((n - 1) * (n - 2)) * (1.0 if G.is_directed() else 2.0)
    return {v: float(raw[i]) for i, v in enumerate(nodes)}, used


# --------------------------------------------------------------------------------------
# b. Communities
# --------------------------------------------------------------------------------------


def union_graph(G: nx.DiGraph) -> nx.Graph:
    """The undirected union graph: an edge where either member named the other.

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph.

    Returns
    -------
    networkx.Graph
        Same nodes (sorted, attributes copied); edge attribute ``mutual`` is True where
        both named each other. Self-loops are dropped.

    Examples
    --------
    >>> import networkx as nx
    >>> H = union_graph(nx.DiGraph([("b", "a"), ("a", "b"), ("a", "c")]))
    >>> sorted(H.edges(data="mutual"))
    [('a', 'b', True), ('a', 'c', False)]
    """
    H = nx.Graph()
    for v in sorted(G.nodes()):
        H.add_node(v, **G.nodes[v])
    for u, v in sorted((min(e), max(e)) for e in G.edges() if e[0] != e[1]):
        H.add_edge(u, v, mutual=G.has_edge(u, v) and G.has_edge(v, u))
    return H


def as_undirected(G: nx.Graph | nx.DiGraph) -> nx.Graph:
    """The graph the community and fragmentation measures use: the union graph of a tie
    graph (:func:`union_graph`), or an undirected graph with its nodes and edges sorted.

    Parameters
    ----------
    G : networkx.DiGraph
        The wave's tie graph.

    Examples
    --------
    >>> sorted(as_undirected(nx.Graph([("b", "a")])).edges())
    [('a', 'b')]
    """
    if G.is_directed():
        return union_graph(G)
    S = nx.Graph()
    S.add_nodes_from(sorted(G.nodes(data=True)))
    S.add_edges_from(sorted((min(u, v), max(u, v)) for u, v in G.edges() if u != v))
    return S
