"""What characterises the forum's network, apart from its core and periphery.

Four findings of the seminar are computed here from a wave's tie graph (the graph
contract of :mod:`helpers.analysis.network`):

* the network's figures: members, respondents, ties, density over the respondents'
  possible ties, reciprocity, degrees and betweenness (:func:`network_measures`,
  :func:`member_measures`; department x department densities are in
  :mod:`helpers.analysis.departments`);
* "no separate groupings": communities found by Leiden, Louvain or greedy modularity,
  their modularity compared with degree-preserving random networks, and their agreement
  with the departments (:func:`detect_communities`, :func:`modularity_test`,
  :func:`groupings_finding`);
* "nobody is indispensable": articulation points, node connectivity and how much
  removing each member fragments the network (:func:`key_players`,
  :func:`indispensable_finding`);
* "the core cuts across gender, role and department": the core's make-up against the
  whole forum with an exact test (:func:`core_composition`, :func:`composition_finding`).

Where a core-periphery split is needed, functions take the core as a set of member ids,
so they do not depend on how the split was found.

Community and fragmentation measures use the *undirected union graph*
(:func:`union_graph`): an edge joins two members when either named the other. Only
respondents could name anyone, so a non-respondent's outgoing ties are unobserved rather
than absent; in the union graph a non-respondent is still joined to every respondent who
named them, and directions, which the missing rows make lopsided, play no part.
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import math
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
from scipy import stats

from helpers.analysis.permutation import SequentialRule, default_workers, sequential_test

__all__ = [
    "NetworkMeasures",
    "network_measures",
    "member_measures",
    "union_graph",
    "Communities",
    "detect_communities",
    "modularity",
    "degree_preserving_rewire",
    "ModularityTest",
    "modularity_test",
    "normalized_mutual_information",
    "adjusted_rand_index",
    "community_departments",
    "GroupingsFinding",
    "groupings_finding",
    "fragmentation",
    "distance_fragmentation",
    "key_players",
    "IndispensableFinding",
    "indispensable_finding",
    "core_composition",
    "exact_composition_test",
    "CompositionFinding",
    "composition_finding",
    "contrasting_networks",
    "contrast_measures",
]

ATTRIBUTES = ("gender", "role", "department")
COMMUNITY_METHODS = ("leiden", "louvain", "greedy")


def _respondents(G: nx.DiGraph) -> set:
    return {n for n, a in G.nodes(data="answered") if a}


# --------------------------------------------------------------------------------------
# a. Network measures
# --------------------------------------------------------------------------------------


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
    respondents = _respondents(G)
    n = G.number_of_nodes()
    r = len(respondents)
    possible = r * (n - 1)
    mutual = asym = 0
    for u, v in G.edges():
        if u == v or u not in respondents or v not in respondents:
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


@dataclass(frozen=True)
class Communities:
    """Communities found in a network, and how they were found.

    Attributes
    ----------
    communities : tuple of tuple of str
        Member ids per community, each sorted; communities ordered by size (largest
        first), then by their first member id.
    modularity : float
        Newman's modularity of the split on the undirected union graph.
    method : str
        ``"leiden"``, ``"louvain"`` or ``"greedy"``.
    params : dict
        Parameters passed to the algorithm (including the seed).
    """

    communities: tuple[tuple[str, ...], ...]
    modularity: float
    method: str
    params: dict = field(default_factory=dict)

    @property
    def membership(self) -> dict[str, int]:
        """Member id -> community number (0 = largest community)."""
        return {v: i for i, c in enumerate(self.communities) for v in c}

    def __len__(self) -> int:
        return len(self.communities)


def _order_communities(communities: Iterable[Iterable[Hashable]]) -> tuple[tuple, ...]:
    cs = [tuple(sorted(c)) for c in communities if len(c)]
    return tuple(sorted(cs, key=lambda c: (-len(c), c[0])))


def modularity(H: nx.Graph, communities: Iterable[Iterable[Hashable]]) -> float:
    """Newman's modularity of a split of an undirected graph.

    Parameters
    ----------
    H : networkx.Graph
        Undirected graph (use :func:`union_graph` for a tie graph).
    communities : iterable of iterables of node ids
        A partition of the nodes.

    Returns
    -------
    float
        Q = sum over communities of (e_c / m - (d_c / 2m)^2); NaN without edges.

    References
    ----------
    .. [1] M. E. J. Newman, "Modularity and community structure in networks", PNAS
       103(23), 8577-8582, 2006.

    Examples
    --------
    >>> import networkx as nx
    >>> H = nx.Graph([(1, 2), (3, 4)])
    >>> modularity(H, [{1, 2}, {3, 4}])
    0.5
    """
    if H.number_of_edges() == 0:
        return math.nan
    return float(nx.community.modularity(H, [set(c) for c in communities]))


def _import_cdlib_algorithms():
    # cdlib prints notes about optional packages on stdout when first imported; keep them
    # out of notebooks and handouts.
    with contextlib.redirect_stdout(io.StringIO()):
        from cdlib import algorithms
    return algorithms


def _find(H: nx.Graph, method: str, seed: int) -> tuple[list, dict]:
    if H.number_of_edges() == 0:
        return [[v] for v in H.nodes()], {}
    if method == "leiden":
        algorithms = _import_cdlib_algorithms()
        # cdlib's own networkx -> igraph conversion fails on bipartite graphs with string
        # node names (it parses names as integers), so it is given an igraph graph.
        g = _to_igraph(H, sorted(H.nodes()))
        g.vs["name"] = sorted(H.nodes())
        found = algorithms.leiden(g, seed=int(seed))
        return found.communities, {"resolution_parameter": 1.0, "seed": int(seed)}
    if method == "louvain":
        # cdlib's louvain passes `randomize` to python-louvain, where an integer only
        # switches randomisation on (seeded from numpy's global state) and False fixes
        # the seed at 0; neither takes our seed. networkx's implementation does.
        found = nx.community.louvain_communities(H, resolution=1.0, seed=int(seed))
        return found, {"resolution": 1.0, "seed": int(seed)}
    if method == "greedy":
        if H.number_of_nodes() > _GREEDY_IGRAPH_FROM:
            return _fastgreedy(H), {"implementation": "igraph"}
        algorithms = _import_cdlib_algorithms()
        found = algorithms.greedy_modularity(H)
        return found.communities, {}
    raise ValueError(f"method must be one of {COMMUNITY_METHODS}, not {method!r}")


#: From this many members on, greedy modularity runs in igraph (C) instead of networkx.
_GREEDY_IGRAPH_FROM = 200


def _fastgreedy(H: nx.Graph) -> list:
    """Clauset-Newman-Moore in igraph, cut at the merge of highest modularity."""
    nodes = sorted(H.nodes())
    g = _to_igraph(H, nodes)
    clustering = g.community_fastgreedy().as_clustering()
    return [[nodes[i] for i in c] for c in clustering]


def detect_communities(G: nx.Graph | nx.DiGraph, *, method: str = "leiden", seed: int = 0) -> Communities:
    """Find communities on the undirected union graph.

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        A wave's tie graph (turned into its :func:`union_graph`) or an undirected graph.
    method : {"leiden", "louvain", "greedy"}
        ``"leiden"``: the Leiden algorithm [1]_ maximising modularity (cdlib's
        ``algorithms.leiden`` on leidenalg, seeded). ``"louvain"``: the Louvain algorithm
        [2]_ through ``networkx.community.louvain_communities`` because cdlib's louvain
        cannot be given a seed. ``"greedy"``: Clauset-Newman-Moore greedy modularity [3]_
        (cdlib's ``algorithms.greedy_modularity``; above 200 members igraph's
        ``community_fastgreedy``, the same algorithm in C; deterministic, the seed is
        unused).
    seed : int
        Seed of the algorithm's random steps.

    Returns
    -------
    Communities
        With modularity [4]_ on the union graph.

    References
    ----------
    .. [1] V. A. Traag, L. Waltman and N. J. van Eck, "From Louvain to Leiden:
       guaranteeing well-connected communities", Scientific Reports 9, 5233, 2019.
    .. [2] V. D. Blondel, J.-L. Guillaume, R. Lambiotte and E. Lefebvre, "Fast unfolding
       of communities in large networks", J. Stat. Mech. P10008, 2008.
    .. [3] A. Clauset, M. E. J. Newman and C. Moore, "Finding community structure in very
       large networks", Physical Review E 70, 066111, 2004.
    .. [4] M. E. J. Newman, "Modularity and community structure in networks", PNAS
       103(23), 8577-8582, 2006.

    Examples
    --------
    >>> import networkx as nx
    >>> H = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("d", "e"), ("e", "f"),
    ...               ("d", "f"), ("c", "d")])
    >>> detect_communities(H, method="louvain", seed=1).communities
    (('a', 'b', 'c'), ('d', 'e', 'f'))
    """
    H = union_graph(G) if G.is_directed() else _sorted_graph(G)
    found, params = _find(H, method, seed)
    communities = _order_communities(found)
    return Communities(communities, modularity(H, communities), method, params)


def _sorted_graph(H: nx.Graph) -> nx.Graph:
    S = nx.Graph()
    S.add_nodes_from(sorted(H.nodes(data=True)))
    S.add_edges_from(sorted((min(u, v), max(u, v)) for u, v in H.edges() if u != v))
    return S


def degree_preserving_rewire(H: nx.Graph, *, swaps_per_edge: int = 10, seed: int = 0) -> nx.Graph:
    """A random graph with the same degrees, by double edge swaps.

    Repeatedly picks two edges a-b and c-d at random and replaces them by a-d and c-b
    (or a-c and b-d) when that creates no self-loop and no second edge between the same
    pair [1]_, ``swaps_per_edge`` x edges times (igraph's ``Graph.rewire`` in C, simple
    graphs only). Every member keeps their number of ties.

    Parameters
    ----------
    H : networkx.Graph
        Undirected simple graph.
    swaps_per_edge : int
        Swaps to make per edge.
    seed : int
        Seed of the ``random.Random`` that igraph draws from for this call.

    Returns
    -------
    networkx.Graph
        A new graph: same nodes (sorted, attributes copied), edges sorted.

    References
    ----------
    .. [1] S. Maslov and K. Sneppen, "Specificity and stability in topology of protein
       networks", Science 296, 910-913, 2002.

    Examples
    --------
    >>> import networkx as nx
    >>> H = nx.cycle_graph(8)
    >>> R = degree_preserving_rewire(H, seed=1)
    >>> sorted(d for _, d in R.degree()) == sorted(d for _, d in H.degree())
    True
    """
    nodes = sorted(H.nodes())
    R = nx.Graph()
    R.add_nodes_from((v, H.nodes[v]) for v in nodes)
    rewired = _rewired(_to_igraph(H, nodes), swaps_per_edge=swaps_per_edge, seed=seed)
    R.add_edges_from(sorted(tuple(sorted((nodes[a], nodes[b]))) for a, b in rewired.get_edgelist()))
    return R


def _to_igraph(H: nx.Graph, nodes: list):
    import igraph

    index = {v: i for i, v in enumerate(nodes)}
    return igraph.Graph(n=len(nodes), edges=sorted(tuple(sorted((index[u], index[v]))) for u, v in H.edges() if u != v))


def _rewired(g, *, swaps_per_edge: int, seed: int):
    """igraph's degree-preserving rewiring (C code, simple graphs), seeded.

    igraph draws from a process-wide random-number hook; it is pointed at a
    ``random.Random(seed)`` for the call and given back afterwards.
    """
    import random

    import igraph

    out = g.copy()
    if out.ecount() >= 2:
        igraph.set_random_number_generator(random.Random(seed))
        try:
            out.rewire(n=swaps_per_edge * out.ecount(), allowed_edge_types="simple")
        finally:
            igraph.set_random_number_generator(random)
    return out


def _null_modularity(g, nodes: list, method: str, seed: int) -> float:
    """Modularity that ``method`` finds in a rewired igraph graph (Leiden straight through leidenalg)."""
    if method == "leiden" and g.ecount():
        import leidenalg

        return float(leidenalg.find_partition(g, leidenalg.ModularityVertexPartition, seed=int(seed)).modularity)
    R = nx.Graph()
    R.add_nodes_from(nodes)
    R.add_edges_from((nodes[a], nodes[b]) for a, b in g.get_edgelist())
    return detect_communities(R, method=method, seed=seed).modularity


@dataclass(frozen=True)
class ModularityTest:
    """Observed modularity against the modularity found in random networks.

    Attributes
    ----------
    observed : float
        Modularity of the communities found in the wave.
    null : tuple of float
        Modularity found by the same method in each degree-preserving random network.
    p_value : float
        ``(1 + #{null >= observed}) / (1 + n_samples)``.
    null_mean, null_sd : float
        Mean and standard deviation of ``null``.
    z : float
        ``(observed - null_mean) / null_sd`` (NaN when the sd is 0).
    method : str
        Community method.
    n_samples : int
        Random networks drawn.
    seed : int
        Seed of the whole test.
    max_samples : int
        Most random networks the test would have drawn.
    stopped : str
        Why it stopped, see :data:`helpers.analysis.permutation.STOPS`.
    p_low, p_high : float
        Clopper-Pearson interval (99 %) of the p-value that infinitely many random
        networks would give.
    """

    observed: float
    null: tuple[float, ...]
    p_value: float
    null_mean: float
    null_sd: float
    z: float
    method: str
    n_samples: int
    seed: int
    max_samples: int = 0
    stopped: str = "max"
    p_low: float = math.nan
    p_high: float = math.nan


def modularity_test(
    G: nx.Graph | nx.DiGraph,
    *,
    method: str = "leiden",
    n_samples: int = 199,
    swaps_per_edge: int = 10,
    seed: int = 0,
    sequential: bool = True,
    workers: int | None = None,
    progress=None,
) -> ModularityTest:
    """Is the modularity found beyond what random networks of the same degrees give?

    Even random networks have splits of sizeable modularity [1]_, so the modularity
    found in the wave is compared with the modularity the same method finds in random
    networks with the same degrees: the union graph rewired by degree-preserving double
    edge swaps [2]_ (:func:`degree_preserving_rewire`, ``swaps_per_edge`` x edges swaps).

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        A wave's tie graph (its union graph is used) or an undirected graph.
    method : str
        Community method, see :func:`detect_communities`.
    n_samples : int
        Most random networks to draw.
    swaps_per_edge : int
        Double edge swaps per edge when rewiring.
    seed : int
        Seeds the wave's community detection and, through
        :func:`helpers.analysis.permutation.block_rng`, every random network and its
        detection (blocks of 10 networks).
    sequential : bool
        Stop when the answer is clear (:class:`helpers.analysis.permutation.SequentialRule`:
        10 random networks at least as modular, or a 99 % interval of the p-value
        wholly below or above 0.05); False: always ``n_samples``.
    workers : int, optional
        Processes drawing random networks (default: the available cores above 200
        members, else 1); the result does not depend on it.
    progress : callable, optional
        ``progress(drawn, n_samples)`` after each block of networks.

    Returns
    -------
    ModularityTest

    References
    ----------
    .. [1] R. Guimera, M. Sales-Pardo and L. A. N. Amaral, "Modularity from fluctuations
       in random graphs and complex networks", Physical Review E 70, 025101, 2004.
    .. [2] S. Maslov and K. Sneppen, "Specificity and stability in topology of protein
       networks", Science 296, 910-913, 2002.
    .. [3] M. E. J. Newman, "Modularity and community structure in networks", PNAS
       103(23), 8577-8582, 2006.
    .. [4] J. Besag and P. Clifford, "Sequential Monte Carlo p-values", Biometrika
       78(2), 301-304, 1991.
    """
    H = union_graph(G) if G.is_directed() else _sorted_graph(G)
    observed = detect_communities(H, method=method, seed=seed).modularity
    nodes = sorted(H.nodes())
    base = _to_igraph(H, nodes)
    if n_samples < 1:
        return ModularityTest(float(observed), (), math.nan, math.nan, math.nan, math.nan, method, 0, seed)
    rule = (SequentialRule(max_samples=n_samples) if sequential
            else SequentialRule(max_samples=n_samples, hits=n_samples + 1, min_samples=n_samples + 1))
    if workers is None:
        workers = default_workers() if len(nodes) > 200 else 1
    sample = functools.partial(_null_modularities, n=len(nodes), edges=base.get_edgelist(), method=method,
                               swaps_per_edge=swaps_per_edge)
    test = sequential_test(sample, observed, rule=rule, seed=seed, block_size=10, workers=workers,
                           progress=progress)
    null_arr = test.null
    mean = float(null_arr.mean())
    sd = float(null_arr.std(ddof=1)) if len(null_arr) > 1 else math.nan
    z = (observed - mean) / sd if sd and sd > 0 else math.nan
    return ModularityTest(float(observed), tuple(float(x) for x in null_arr), test.p_value, mean, sd, z, method,
                          test.n_samples, seed, n_samples, test.stopped, test.p_low, test.p_high)


def _null_modularities(rng, size, *, n, edges, method, swaps_per_edge):
    """Modularity ``method`` finds in ``size`` rewired copies of the graph ``(n, edges)`` (a sample block)."""
    import igraph

    base = igraph.Graph(n=n, edges=edges)
    nodes = list(range(n))
    out = []
    for _ in range(size):
        swap_seed, detect_seed = (int(x) for x in rng.integers(0, 2**31 - 1, size=2))
        rewired = _rewired(base, swaps_per_edge=swaps_per_edge, seed=swap_seed)
        out.append(_null_modularity(rewired, nodes, method, detect_seed))
    return np.asarray(out, dtype=float)


def _contingency(a: Sequence[Hashable], b: Sequence[Hashable]) -> np.ndarray:
    if len(a) != len(b):
        raise ValueError("the two labelings must have the same length")
    _, ai = np.unique(np.asarray(a, dtype=object).astype(str), return_inverse=True)
    _, bi = np.unique(np.asarray(b, dtype=object).astype(str), return_inverse=True)
    table = np.zeros((ai.max(initial=-1) + 1, bi.max(initial=-1) + 1), dtype=np.int64)
    np.add.at(table, (ai, bi), 1)
    return table


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def normalized_mutual_information(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Normalised mutual information between two labelings of the same members.

    Parameters
    ----------
    a, b : sequence
        Labels per member, in the same member order.

    Returns
    -------
    float
        I(a; b) / ((H(a) + H(b)) / 2), between 0 (independent) and 1 (same split up to
        renaming) [1]_; 1 when both put everybody in one group.

    References
    ----------
    .. [1] L. Danon, A. Diaz-Guilera, J. Duch and A. Arenas, "Comparing community
       structure identification", J. Stat. Mech. P09008, 2005.

    Examples
    --------
    >>> normalized_mutual_information([0, 0, 1, 1], ["x", "x", "y", "y"])
    1.0
    >>> normalized_mutual_information([0, 0, 1, 1], [0, 1, 0, 1])
    0.0
    """
    table = _contingency(a, b)
    n = table.sum()
    ha, hb = _entropy(table.sum(axis=1)), _entropy(table.sum(axis=0))
    if ha == 0 and hb == 0:
        return 1.0
    pij = table / n
    outer = np.outer(table.sum(axis=1), table.sum(axis=0)) / n**2
    nz = pij > 0
    mi = float((pij[nz] * np.log(pij[nz] / outer[nz])).sum())
    return max(0.0, mi / ((ha + hb) / 2))


def adjusted_rand_index(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Adjusted Rand index between two labelings of the same members.

    Parameters
    ----------
    a, b : sequence
        Labels per member, in the same member order.

    Returns
    -------
    float
        1 for the same split, about 0 for chance agreement (can be negative) [1]_.

    References
    ----------
    .. [1] L. Hubert and P. Arabie, "Comparing partitions", Journal of Classification
       2, 193-218, 1985.

    Examples
    --------
    >>> adjusted_rand_index([0, 0, 1, 1], ["x", "x", "y", "y"])
    1.0
    >>> round(adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]), 6)
    -0.5
    """
    table = _contingency(a, b)
    n = int(table.sum())

    def pairs(x):
        x = np.asarray(x, dtype=float)
        return float((x * (x - 1) / 2).sum())

    index = pairs(table)
    sa, sb = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    total = n * (n - 1) / 2
    expected = sa * sb / total if total else 0.0
    maximum = (sa + sb) / 2
    if maximum == expected:
        return 1.0
    return float((index - expected) / (maximum - expected))


def community_departments(G: nx.Graph | nx.DiGraph, communities: Communities) -> pd.DataFrame:
    """The department make-up of each community.

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        Nodes carry ``department``.
    communities : Communities
        From :func:`detect_communities`.

    Returns
    -------
    pandas.DataFrame
        Columns ``community, size, department, count, share`` (share of the community),
        one row per community and department (zeros included), sorted by community and
        department.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph([("a", "b"), ("c", "d")])
    >>> nx.set_node_attributes(G, {"a": "X", "b": "X", "c": "X", "d": "Y"}, "department")
    >>> c = Communities((("a", "b"), ("c", "d")), 0.5, "given")
    >>> community_departments(G, c)[["community", "department", "count"]].values.tolist()
    [[0, 'X', 2], [0, 'Y', 0], [1, 'X', 1], [1, 'Y', 1]]
    """
    dept = dict(G.nodes(data="department"))
    departments = sorted(set(dept.values()))
    rows = []
    for i, members in enumerate(communities.communities):
        for d in departments:
            count = sum(1 for v in members if dept[v] == d)
            rows.append({"community": i, "size": len(members), "department": d, "count": count, "share": count / len(members)})
    return pd.DataFrame(rows, columns=["community", "size", "department", "count", "share"])


@dataclass(frozen=True)
class GroupingsFinding:
    """The "no separate groupings" finding and the figures behind it.

    Attributes
    ----------
    no_separate_groupings : bool
        True when the modularity found is not beyond what random networks give
        (``p_value > alpha``) or the communities cut across departments
        (``nmi < max_nmi``).
    beyond_random : bool
        ``p_value <= alpha`` (a Monte Carlo test with n samples has level alpha when
        alpha (n + 1) is a whole number, e.g. 0.05 with 19, 99 or 199 samples).
    cuts_across_departments : bool
        ``nmi < max_nmi``.
    communities : Communities
        The communities found in the wave.
    test : ModularityTest
        Modularity against random networks.
    nmi, ari : float
        Agreement between communities and departments.
    makeup : pandas.DataFrame
        :func:`community_departments` of the communities.
    alpha, max_nmi : float
        Thresholds used.
    reasons : tuple of str
        Plain-English sentences saying why.
    """

    no_separate_groupings: bool
    beyond_random: bool
    cuts_across_departments: bool
    communities: Communities
    test: ModularityTest
    nmi: float
    ari: float
    makeup: pd.DataFrame
    alpha: float
    max_nmi: float
    reasons: tuple[str, ...]


def groupings_finding(
    G: nx.DiGraph,
    *,
    method: str = "leiden",
    n_samples: int = 199,
    alpha: float = 0.05,
    max_nmi: float = 0.5,
    seed: int = 0,
    progress=None,
) -> GroupingsFinding:
    """Does the forum split into separate groupings?

    Communities are found on the union graph (:func:`detect_communities`), their
    modularity is compared with degree-preserving random networks
    (:func:`modularity_test`), and their agreement with the departments is measured by
    normalised mutual information and the adjusted Rand index.

    The finding "no separate groupings" holds when the modularity is not beyond what
    random networks give (``p > alpha``), or when the communities cut across
    departments (NMI with the departments below ``max_nmi``). Otherwise the groupings
    are described by their department make-up (``makeup``).

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph; nodes carry ``department``.
    method : str
        Community method, see :func:`detect_communities`.
    n_samples : int
        Random networks for the modularity test.
    alpha : float
        Level of the modularity test.
    max_nmi : float
        Below this NMI with the departments, communities count as cutting across them.
    seed : int
        Seed of detection and random networks.
    progress : callable, optional
        Passed to :func:`modularity_test`.

    Returns
    -------
    GroupingsFinding

    References
    ----------
    .. [1] M. E. J. Newman, "Modularity and community structure in networks", PNAS
       103(23), 8577-8582, 2006.
    .. [2] R. Guimera, M. Sales-Pardo and L. A. N. Amaral, "Modularity from fluctuations
       in random graphs and complex networks", Physical Review E 70, 025101, 2004.
    .. [3] L. Danon, A. Diaz-Guilera, J. Duch and A. Arenas, "Comparing community
       structure identification", J. Stat. Mech. P09008, 2005.
    """
    found = detect_communities(G, method=method, seed=seed)
    test = modularity_test(G, method=method, n_samples=n_samples, seed=seed, progress=progress)
    nodes = sorted(G.nodes())
    membership = found.membership
    comm = [membership[v] for v in nodes]
    dept = [G.nodes[v].get("department") for v in nodes]
    nmi = normalized_mutual_information(comm, dept)
    ari = adjusted_rand_index(comm, dept)
    beyond = test.p_value <= alpha
    across = nmi < max_nmi
    reasons = [
        f"{len(found)} communities ({method}) with modularity {found.modularity:.3f}; "
        f"random networks with the same degrees give {test.null_mean:.3f} on average "
        f"(p = {test.p_value:.3f}, {test.n_samples} networks): "
        + ("beyond random." if beyond else "not beyond random."),
        f"Agreement with departments: NMI {nmi:.2f}, ARI {ari:.2f}: "
        + ("the communities cut across departments." if across else "the communities follow departments."),
    ]
    return GroupingsFinding(
        no_separate_groupings=(not beyond) or across,
        beyond_random=beyond,
        cuts_across_departments=across,
        communities=found,
        test=test,
        nmi=nmi,
        ari=ari,
        makeup=community_departments(G, found),
        alpha=alpha,
        max_nmi=max_nmi,
        reasons=tuple(reasons),
    )


# --------------------------------------------------------------------------------------
# c. Nobody indispensable
# --------------------------------------------------------------------------------------


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
    DF change (None and NaN when exact).

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
    H = union_graph(G) if G.is_directed() else _sorted_graph(G)
    nodes = sorted(H.nodes())
    n = len(nodes)
    g = _to_igraph(H, nodes)
    pieces = _removal_pieces(g)
    components = g.connected_components()
    size_of = {v: len(c) for c in components for v in c}
    base_reach = sum(len(c) * (len(c) - 1) for c in components)
    base_f = fragmentation(H)
    distance = _distance_changes(g, pieces, exact_up_to=exact_up_to, sources=sources,
                                 candidates=candidates, seed=seed)
    rows = []
    for i, v in enumerate(nodes):
        reach = base_reach - size_of[i] * (size_of[i] - 1) + sum(p * (p - 1) for p in pieces[i])
        f = 1 - reach / ((n - 1) * (n - 2)) if n > 2 else math.nan
        df_, md, df_change, md_change = distance.get(i, (math.nan,) * 4)
        a = H.nodes[v]
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
    H = union_graph(G) if G.is_directed() else _sorted_graph(G)
    players = key_players(H, seed=seed)
    cut = tuple(sorted(players.loc[players["articulation_point"], "member_id"]))
    components = nx.number_connected_components(H)
    connectivity, exact = _node_connectivity(H, components, cut, exact_up_to=exact_connectivity_up_to)
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


def _node_connectivity(H: nx.Graph, components: int, cut: tuple, *, exact_up_to: int) -> tuple[int, bool]:
    """Node connectivity and whether it is exact.

    Disconnected: 0; an articulation point: 1; otherwise at least 2, and the exact
    value (networkx's max-flow algorithm, O(n + d^2) flow problems) only up to
    ``exact_up_to`` members: above, 2 is returned as a lower bound.
    """
    n = H.number_of_nodes()
    if n < 2 or components > 1:
        return 0, True
    if cut:
        return 1, True
    if n > exact_up_to:
        return 2, False
    return int(nx.node_connectivity(H)), True


# --------------------------------------------------------------------------------------
# d. Who is in the core
# --------------------------------------------------------------------------------------


def _compositions(total: int, caps: Sequence[int]):
    """All vectors x with 0 <= x_i <= caps_i and sum x = total."""
    if len(caps) == 1:
        if total <= caps[0]:
            yield (total,)
        return
    rest = sum(caps[1:])
    for x in range(max(0, total - rest), min(caps[0], total) + 1):
        for tail in _compositions(total - x, caps[1:]):
            yield (x, *tail)


def _n_compositions(total: int, caps: Sequence[int], limit: int) -> int:
    """How many vectors :func:`_compositions` would give, counted up to ``limit + 1``.

    A dynamic programme over the categories, ``ways[t]`` = make-ups of the first
    categories that sum to ``t``, each count capped at ``limit + 1``: O(len(caps) x total).
    """
    cap = limit + 1
    ways = np.zeros(total + 1, dtype=np.int64)
    ways[0] = 1
    for c in caps:
        # new[t] = sum of ways[t - x] for x = 0..c: a running window sum
        csum = np.concatenate([[0], np.cumsum(ways)])
        t = np.arange(total + 1)
        ways = np.minimum(csum[t + 1] - csum[np.maximum(t - c, 0)], cap)
    return int(min(ways[total], cap))


def exact_composition_test(
    core_counts: Sequence[int],
    forum_counts: Sequence[int],
    *,
    max_tables: int = 2_000_000,
    n_permutations: int = 100_000,
    seed: int = 0,
) -> tuple[float, str]:
    """Does a group's make-up differ from what a random draw from the forum gives?

    Under the null hypothesis the core is a random set of its size drawn from the forum,
    so its counts per category follow the multivariate hypergeometric distribution.
    The p-value sums the probability of every make-up no more likely than the observed
    one: Fisher's exact test for two categories [1]_ and its Freeman-Halton extension
    for more [2]_. When more than ``max_tables`` make-ups are possible (counted by a
    dynamic programme), the p-value is estimated from at most ``n_permutations`` random
    draws instead (seeded; a sequential test [3]_ that stops when the answer is clear,
    see :class:`helpers.analysis.permutation.SequentialRule`).

    Parameters
    ----------
    core_counts : sequence of int
        Members of the core per category.
    forum_counts : sequence of int
        Members of the forum per category (same order; the core included).
    max_tables : int
        Largest number of make-ups to enumerate exactly.
    n_permutations : int
        Random draws when not enumerating.
    seed : int
        Seed of the random draws.

    Returns
    -------
    (float, str)
        The p-value and the method (``"exact"`` or ``"monte carlo"``).

    References
    ----------
    .. [1] R. A. Fisher, *Statistical Methods for Research Workers*, Oliver & Boyd, 1925.
    .. [2] G. H. Freeman and J. H. Halton, "Note on an exact treatment of contingency,
       goodness of fit and other problems of significance", Biometrika 38, 141-149, 1951.
    .. [3] J. Besag and P. Clifford, "Sequential Monte Carlo p-values", Biometrika
       78(2), 301-304, 1991.

    Examples
    --------
    >>> p, how = exact_composition_test([3, 0], [3, 3])
    >>> round(p, 4), how
    (0.1, 'exact')
    """
    core = np.asarray(core_counts, dtype=np.int64)
    forum = np.asarray(forum_counts, dtype=np.int64)
    if core.shape != forum.shape or np.any(core > forum) or np.any(core < 0):
        raise ValueError("core counts must be between 0 and the forum's counts, per category")
    k = int(core.sum())
    N = int(forum.sum())
    keep = forum > 0
    core, forum = core[keep], forum[keep]
    if len(forum) <= 1 or k == 0 or k == N:
        return 1.0, "exact"
    dist = stats.multivariate_hypergeom(m=forum, n=k)
    observed = dist.logpmf(core)
    if _n_compositions(k, list(forum), max_tables) <= max_tables:
        tables = np.array(list(_compositions(k, list(forum))), dtype=np.int64)
        logp = dist.logpmf(tables)
        p = float(np.exp(logp[logp <= observed + 1e-7]).sum())
        return min(1.0, p), "exact"
    sample = functools.partial(_makeup_logpmf, forum=forum, k=k)
    test = sequential_test(sample, float(observed + 1e-7), rule=SequentialRule(max_samples=n_permutations),
                           seed=seed, block_size=10_000, alternative="less")
    return test.p_value, "monte carlo"


def _makeup_logpmf(rng, size, *, forum, k):
    """Log-probabilities of ``size`` random make-ups of ``k`` members drawn from ``forum``."""
    draws = rng.multivariate_hypergeometric(forum, k, size=size)
    return stats.multivariate_hypergeom(m=forum, n=k).logpmf(draws)


def core_composition(G: nx.Graph | nx.DiGraph, core: Collection[str], attribute: str) -> pd.DataFrame:
    """The core's make-up on one attribute against the whole forum's.

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        Nodes carry ``attribute``.
    core : collection of str
        Member ids in the core.
    attribute : str
        Node attribute, e.g. ``"gender"``, ``"role"`` or ``"department"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``attribute, value, core_count, core_share, forum_count, forum_share``,
        one row per value found in the forum, sorted by value. Shares are of the core's
        and the forum's sizes.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph()
    >>> G.add_nodes_from([("a", {"gender": "female"}), ("b", {"gender": "male"}),
    ...                   ("c", {"gender": "male"}), ("d", {"gender": "male"})])
    >>> core_composition(G, {"a", "b"}, "gender")[["value", "core_count", "forum_count"]].values.tolist()
    [['female', 1, 1], ['male', 1, 3]]
    """
    core = set(core)
    unknown = core - set(G.nodes())
    if unknown:
        raise ValueError(f"core members not in the graph: {sorted(unknown)}")
    values = dict(G.nodes(data=attribute))
    rows = []
    n_core, n = len(core), G.number_of_nodes()
    for value in sorted({v for v in values.values()}, key=str):
        forum_count = sum(1 for x in values.values() if x == value)
        core_count = sum(1 for v in core if values[v] == value)
        rows.append(
            {
                "attribute": attribute,
                "value": value,
                "core_count": core_count,
                "core_share": core_count / n_core if n_core else math.nan,
                "forum_count": forum_count,
                "forum_share": forum_count / n,
            }
        )
    return pd.DataFrame(rows, columns=["attribute", "value", "core_count", "core_share", "forum_count", "forum_share"])


@dataclass(frozen=True)
class CompositionFinding:
    """Whether the core cuts across an attribute, and whether it differs from the forum.

    Attributes
    ----------
    attribute : str
        The attribute.
    cuts_across : bool
        The core holds at least two of the attribute's values.
    p_value : float
        Exact test of the core's make-up against a random draw from the forum
        (:func:`exact_composition_test`).
    differs : bool
        ``p_value <= alpha``.
    method : str
        ``"exact"`` or ``"monte carlo"``.
    table : pandas.DataFrame
        :func:`core_composition`.
    alpha : float
        Level of the test.
    """

    attribute: str
    cuts_across: bool
    p_value: float
    differs: bool
    method: str
    table: pd.DataFrame
    alpha: float


def composition_finding(
    G: nx.Graph | nx.DiGraph,
    core: Collection[str],
    *,
    attributes: Sequence[str] = ATTRIBUTES,
    alpha: float = 0.05,
    seed: int = 0,
) -> dict[str, CompositionFinding]:
    """Does the core cut across gender, role and department?

    For each attribute the core "cuts across" it when it contains at least two of its
    values; whether its make-up differs from the forum's is tested exactly
    (:func:`exact_composition_test`: Fisher's exact test for two values, Freeman-Halton
    for more).

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        Nodes carry the attributes.
    core : collection of str
        Member ids in the core.
    attributes : sequence of str
        Attributes to examine.
    alpha : float
        Level of the tests.
    seed : int
        Seed of the Monte Carlo fallback (used only for very large forums).

    Returns
    -------
    dict of str to CompositionFinding
        Keyed by attribute, in the order given.

    References
    ----------
    .. [1] R. A. Fisher, *Statistical Methods for Research Workers*, Oliver & Boyd, 1925.
    .. [2] G. H. Freeman and J. H. Halton, "Note on an exact treatment of contingency,
       goodness of fit and other problems of significance", Biometrika 38, 141-149, 1951.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph()
    >>> G.add_nodes_from([("a", {"role": "chief"}), ("b", {"role": "director"}),
    ...                   ("c", {"role": "chief"})])
    >>> composition_finding(G, {"a", "b"}, attributes=["role"])["role"].cuts_across
    True
    """
    out = {}
    for attribute in attributes:
        table = core_composition(G, core, attribute)
        p, method = exact_composition_test(table["core_count"].tolist(), table["forum_count"].tolist(), seed=seed)
        out[attribute] = CompositionFinding(
            attribute=attribute,
            cuts_across=int((table["core_count"] > 0).sum()) >= 2,
            p_value=p,
            differs=p <= alpha,
            method=method,
            table=table,
            alpha=alpha,
        )
    return out


# --------------------------------------------------------------------------------------
# Contrasting structures (Figure 2)
# --------------------------------------------------------------------------------------

CONTRASTS = ("groupings", "hub", "random", "core_periphery")


def _sample_pairs(pairs: list, k: int, rng: np.random.Generator) -> list:
    if k <= 0:
        return []
    idx = rng.choice(len(pairs), size=k, replace=False)
    return [pairs[i] for i in sorted(idx)]


def _node_ids(n: int) -> list[str]:
    width = len(str(n))
    return [f"m{i + 1:0{width}d}" for i in range(n)]


def contrasting_networks(
    n: int,
    density: float | None,
    departments: Sequence[str],
    *,
    seed: int = 0,
    n_edges: int | None = None,
) -> dict[str, nx.DiGraph]:
    """Four networks of the same size and number of ties, with different structures.

    Each network has ``n`` members (ids ``m01``, ``m02``, ..., attribute
    ``department`` from ``departments``, all ``answered``) and the same number of
    directed ties, ``n_edges`` or else ``round(density * n * (n - 1))``:

    ``"groupings"``
        Separate groupings by department (a planted partition [1]_): ties within a
        department first, every one returned; the rest as returned pairs between
        departments, drawn at random.
    ``"hub"``
        One central member (``m01``) tied both ways to everybody (a star), the rest
        drawn at random.
    ``"random"``
        Ties drawn uniformly at random (G(n, m) [2]_).
    ``"core_periphery"``
        An idealised core-periphery structure [3]_: the smallest core that can hold the
        ties, complete inside, the rest drawn among core-periphery pairs; no ties among
        the periphery. Nodes carry ``planted_core`` (bool).

    To give every network the wave's number of ties, pass
    ``n_edges=G.number_of_edges()``; its density then is ``n_edges / (n (n - 1))``
    since everybody "answered".

    Parameters
    ----------
    n : int
        Members.
    density : float or None
        Share of the n (n - 1) possible ties; ignored when ``n_edges`` is given.
    departments : sequence of str
        Department of each member, length ``n`` (e.g. the wave's members' departments
        in member order).
    seed : int
        Seed of every random draw (``numpy.random.default_rng``).
    n_edges : int, optional
        Number of ties; overrides ``density``.

    Returns
    -------
    dict of str to networkx.DiGraph
        Keyed ``"groupings", "hub", "random", "core_periphery"`` in that order; nodes
        sorted.

    References
    ----------
    .. [1] A. Condon and R. M. Karp, "Algorithms for graph partitioning on the planted
       partition model", Random Structures & Algorithms 18(2), 116-140, 2001.
    .. [2] P. Erdos and A. Renyi, "On random graphs I", Publicationes Mathematicae 6,
       290-297, 1959.
    .. [3] S. P. Borgatti and M. G. Everett, "Models of core/periphery structures",
       Social Networks 21(4), 375-395, 2000.

    Examples
    --------
    >>> nets = contrasting_networks(6, 0.4, ["A", "A", "A", "B", "B", "B"], seed=1)
    >>> sorted(nets), {k: g.number_of_edges() for k, g in nets.items()}["hub"]
    (['core_periphery', 'groupings', 'hub', 'random'], 12)
    """
    if len(departments) != n:
        raise ValueError(f"departments has {len(departments)} entries for {n} members")
    possible = n * (n - 1)
    m = int(n_edges) if n_edges is not None else int(round(float(density) * possible))
    if not 0 <= m <= possible:
        raise ValueError(f"{m} ties do not fit among {n} members (at most {possible})")
    rng = np.random.default_rng(seed)
    ids = _node_ids(n)
    dept = dict(zip(ids, departments, strict=True))
    if n > _CONTRASTS_BY_INDEX_FROM:
        return _contrasting_networks_by_index(ids, dept, m, rng)
    ordered = list(itertools.permutations(ids, 2))  # sorted, since ids are

    def make(edges, extra=None):
        D = nx.DiGraph()
        for v in ids:
            D.add_node(v, department=dept[v], answered=True, **((extra or {}).get(v, {})))
        D.add_edges_from(sorted(edges))
        return D

    # groupings: within-department pairs first (both directions), then returned pairs across
    within = [(u, v) for u, v in itertools.combinations(ids, 2) if dept[u] == dept[v]]
    between = [(u, v) for u, v in itertools.combinations(ids, 2) if dept[u] != dept[v]]
    pairs_needed = m // 2
    odd = m % 2
    if pairs_needed <= len(within):
        chosen = _sample_pairs(within, pairs_needed, rng)
        chosen_set = set(chosen)
        rest_pairs = [p for p in within if p not in chosen_set] + between
    else:
        chosen = within + _sample_pairs(between, pairs_needed - len(within), rng)
        chosen_set = set(chosen)
        rest_pairs = [p for p in between if p not in chosen_set]
    edges = [(u, v) for u, v in chosen] + [(v, u) for u, v in chosen]
    if odd:
        if rest_pairs:
            u, v = rest_pairs[int(rng.integers(len(rest_pairs)))]
            edges.append((u, v))
        else:  # every pair is taken both ways but one
            taken = set(edges)
            edges.append(next(e for e in ordered if e not in taken))
    groupings = make(edges)

    # hub: a star both ways, the rest at random
    hub = ids[0]
    star = [(hub, v) for v in ids[1:]] + [(v, hub) for v in ids[1:]]
    if m <= len(star):
        hub_edges = _sample_pairs(star, m, rng)
    else:
        others = [e for e in ordered if hub not in e]
        hub_edges = star + _sample_pairs(others, m - len(star), rng)
    hub_net = make(hub_edges)

    random_net = make(_sample_pairs(ordered, m, rng))

    # core-periphery: smallest core whose core-core and core-periphery pairs hold m ties
    c = next(c for c in range(1, n + 1) if c * (c - 1) + 2 * c * (n - c) >= m)
    core = set(ids[:c])
    core_pairs = [(u, v) for u, v in ordered if u in core and v in core]
    mixed = [(u, v) for u, v in ordered if (u in core) != (v in core)]
    if m <= len(core_pairs):
        cp_edges = _sample_pairs(core_pairs, m, rng)
    else:
        cp_edges = core_pairs + _sample_pairs(mixed, m - len(core_pairs), rng)
    cp_net = make(cp_edges, {v: {"planted_core": v in core} for v in ids})

    return {"groupings": groupings, "hub": hub_net, "random": random_net, "core_periphery": cp_net}


#: Above this many members the contrasting networks are drawn by pair index, without listing all pairs.
_CONTRASTS_BY_INDEX_FROM = 1000


def _decode_ordered(index: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Ordered pair number ``k`` in ``0 .. n (n - 1) - 1`` -> ``(i, j)``, ``i != j``, row-major."""
    i = index // (n - 1)
    j = index % (n - 1)
    return i, j + (j >= i)


def _ordered_sample(n: int, k: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """``k`` distinct ordered pairs of ``n`` members, uniformly, in O(k)."""
    if k <= 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return _decode_ordered(np.sort(rng.choice(n * (n - 1), size=k, replace=False)), n)


def _contrasting_networks_by_index(ids: list, dept: dict, m: int, rng) -> dict[str, nx.DiGraph]:
    """:func:`contrasting_networks` for large networks: the same four structures, drawn in O(n + m).

    Pairs are drawn by their number instead of from lists of all ``n (n - 1)`` pairs (a
    list that takes gigabytes at 10,000 members): ``"random"`` and the rest of ``"hub"``
    as uniform samples of pair numbers; ``"groupings"`` from the (short) lists of pairs
    inside each department, then pairs across drawn by rejection; ``"core_periphery"``
    from its core's pairs and the core-periphery pairs (short, the core being small).
    """
    n = len(ids)
    index = np.arange(n)
    depts = np.array([dept[v] for v in ids], dtype=object)

    def make(edges, extra=None):
        D = nx.DiGraph()
        for v in ids:
            D.add_node(v, department=dept[v], answered=True, **((extra or {}).get(v, {})))
        D.add_edges_from(sorted((ids[int(u)], ids[int(v)]) for u, v in edges))
        return D

    # groupings: returned pairs inside departments first, then returned pairs across
    within = [(int(a), int(b)) for d in sorted(set(depts)) for a, b in
              itertools.combinations(index[depts == d], 2)]
    pairs_needed, odd = m // 2, m % 2
    take = rng.choice(len(within), size=min(pairs_needed, len(within)), replace=False) if within else []
    chosen = [within[i] for i in sorted(take)]
    taken = set(chosen)
    while len(chosen) < pairs_needed:  # across departments, by rejection (most pairs are across)
        a, b = sorted(int(x) for x in rng.choice(n, size=2, replace=False))
        if depts[a] != depts[b] and (a, b) not in taken:
            taken.add((a, b))
            chosen.append((a, b))
    edges = [(a, b) for a, b in chosen] + [(b, a) for a, b in chosen]
    if odd:
        while True:
            a, b = (int(x) for x in rng.choice(n, size=2, replace=False))
            if (min(a, b), max(a, b)) not in taken:
                edges.append((a, b))
                break
    groupings = make(edges)

    # hub: member 0 tied both ways to everybody, the rest uniformly among the others' pairs
    star = [(0, v) for v in range(1, n)] + [(v, 0) for v in range(1, n)]
    if m <= len(star):
        hub_edges = [star[i] for i in sorted(rng.choice(len(star), size=m, replace=False))]
    else:
        i, j = _ordered_sample(n - 1, m - len(star), rng)
        hub_edges = star + list(zip((i + 1).tolist(), (j + 1).tolist()))
    hub_net = make(hub_edges)

    i, j = _ordered_sample(n, m, rng)
    random_net = make(zip(i.tolist(), j.tolist()))

    c = next(c for c in range(1, n + 1) if c * (c - 1) + 2 * c * (n - c) >= m)
    core_pairs = list(itertools.permutations(range(c), 2))
    mixed = sorted([(u, v) for u in range(c) for v in range(c, n)] + [(v, u) for u in range(c) for v in range(c, n)])
    if m <= len(core_pairs):
        cp_edges = [core_pairs[k] for k in sorted(rng.choice(len(core_pairs), size=m, replace=False))]
    else:
        extra = rng.choice(len(mixed), size=m - len(core_pairs), replace=False)
        cp_edges = core_pairs + [mixed[k] for k in sorted(extra)]
    cp_net = make(cp_edges, {v: {"planted_core": k < c} for k, v in enumerate(ids)})
    return {"groupings": groupings, "hub": hub_net, "random": random_net, "core_periphery": cp_net}


def contrast_measures(
    graphs: Mapping[str, nx.DiGraph],
    *,
    fit: Callable[[nx.DiGraph], float] | None = None,
    method: str = "leiden",
    seed: int = 0,
) -> pd.DataFrame:
    """Density, modularity and core-periphery fit of each network, for Figure 2.

    Parameters
    ----------
    graphs : mapping of str to networkx.DiGraph
        E.g. the wave and :func:`contrasting_networks`.
    fit : callable, optional
        Graph -> core-periphery fit, e.g.
        ``lambda g: coreperiphery.partition(g, seed=seed).fit``; NaN when not given.
    method : str
        Community method for the modularity (:func:`detect_communities`).
    seed : int
        Seed of community detection.

    Returns
    -------
    pandas.DataFrame
        Index ``network`` (the mapping's keys, in order), columns ``members, ties,
        density, modularity, fit``. Density is over the respondents' possible ties.
    """
    rows = []
    for name, g in graphs.items():
        nm = network_measures(g)
        rows.append(
            {
                "network": name,
                "members": nm.n_members,
                "ties": nm.n_ties,
                "density": nm.density,
                "modularity": detect_communities(g, method=method, seed=seed).modularity,
                "fit": float(fit(g)) if fit is not None else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=["network", "members", "ties", "density", "modularity", "fit"]).set_index("network")
