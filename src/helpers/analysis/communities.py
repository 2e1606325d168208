"""Communities in the forum's network, and whether they are more than chance ("no separate groupings").

Communities are found by Leiden, Louvain or greedy modularity on the undirected union
graph (:func:`helpers.analysis.network.union_graph`), their modularity is compared with
degree-preserving random networks, and their agreement with the departments is measured
(:func:`detect_communities`, :func:`modularity_test`, :func:`groupings_finding`).

Leiden is run from several seeds and the split of highest modularity is kept
(:func:`best_of_seeds`); how much the runs agree (mean adjusted Rand index between
every two runs) is kept beside it as the split's stability, so the finding does not
depend on one seed. The random networks of the modularity test get the same treatment,
so the test compares like with like; they are the wave's union graph after
:func:`swaps_for_size` double edge swaps per edge (numbers checked by
``benchmarks/bench_rewiring.py``). Louvain and greedy modularity are reported beside
Leiden for comparison only (:func:`comparison_methods`: greedy modularity is not run
above 5,000 members); above 200 members every method runs in igraph, straight from the
tie graph (:func:`union_igraph`).
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from helpers.analysis.network import as_undirected
from helpers.analysis.permutation import SequentialRule, default_workers, sequential_test

__all__ = [
    "COMMUNITY_METHODS",
    "COMPARISON_UP_TO",
    "comparison_methods",
    "Communities",
    "modularity",
    "detect_communities",
    "SeedRuns",
    "best_of_seeds",
    "N_SEEDS",
    "seeds_for_size",
    "degree_preserving_rewire",
    "union_igraph",
    "SWAPS_PER_EDGE",
    "SWAPS_PER_EDGE_SMALL",
    "swaps_for_size",
    "ModularityTest",
    "modularity_test",
    "normalized_mutual_information",
    "adjusted_rand_index",
    "community_departments",
    "GroupingsFinding",
    "groupings_finding",
]

COMMUNITY_METHODS = ("leiden", "louvain", "greedy")
#: Leiden runs (seeds) whose best split is kept (:func:`best_of_seeds`), up to :data:`SEEDS_FULL_UP_TO` members.
N_SEEDS = 10
#: Above this many members, fewer runs (:func:`seeds_for_size`): each run and each random network costs more.
SEEDS_FULL_UP_TO = 200


#: Double edge swaps per edge for each random network of the groupings test
#: (:func:`modularity_test`) above :data:`SEEDS_FULL_UP_TO` members (:func:`swaps_for_size`).
#: ``benchmarks/bench_rewiring.py`` measures how the modularity Leiden finds in the random
#: networks and the share of the wave's edges gone from them settle with the number of
#: swaps: on a strongly modular planted partition (1,000 members) and on synthetic
#: organisations of 400 to 10,000 members both are at their plateau (the value with 30
#: swaps per edge, within its standard error) from 5 swaps per edge on; 3 are not always
#: enough. Ten (the value before) cost twice the time for the same distribution.
SWAPS_PER_EDGE = 5
#: Swaps per edge up to :data:`SEEDS_FULL_UP_TO` members: a forum's network is dense, so
#: more swaps are refused (they would duplicate a tie); on the example wave the share of
#: edges changed reaches its plateau at 10 swaps per edge, not at 5 (its modularity at 3),
#: and a forum's swaps cost milliseconds.
SWAPS_PER_EDGE_SMALL = 10


def swaps_for_size(n_members: int) -> int:
    """Double edge swaps per edge for the random networks of a network of ``n_members``:
    :data:`SWAPS_PER_EDGE_SMALL` up to :data:`SEEDS_FULL_UP_TO` members, else :data:`SWAPS_PER_EDGE`.

    Examples
    --------
    >>> swaps_for_size(40), swaps_for_size(10_000)
    (10, 5)
    """
    return SWAPS_PER_EDGE_SMALL if n_members <= SEEDS_FULL_UP_TO else SWAPS_PER_EDGE


def seeds_for_size(n_members: int) -> int:
    """Leiden runs per split for a network of ``n_members``: :data:`N_SEEDS` up to
    :data:`SEEDS_FULL_UP_TO` members, then ``2000 // n_members`` (at least 1).

    The test repeats the runs for every random network, and a run's time grows with the
    network, so the runs are cut to keep the step's time near what one run per network
    took: from 2,000 members on one run is kept (as before the best-of-seeds split); the
    split's agreement with a run from another seed is still reported. On a forum (tens
    of members) ten runs cost seconds.

    Examples
    --------
    >>> seeds_for_size(40), seeds_for_size(400), seeds_for_size(1000), seeds_for_size(5000)
    (10, 5, 2, 1)
    """
    return N_SEEDS if n_members <= SEEDS_FULL_UP_TO else max(1, 2000 // n_members)

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

    @functools.cached_property
    def membership(self) -> dict[str, int]:
        """Member id -> community number (0 = largest community); built once (read it per
        member in a loop: building it per member took 20 s at 10,000 members)."""
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
        nodes = sorted(H.nodes())
        membership = _leiden(_to_igraph(H, nodes), seed)
        groups: dict[int, list] = {}
        for v, c in zip(nodes, membership):
            groups.setdefault(c, []).append(v)
        return list(groups.values()), {"resolution_parameter": 1.0, "seed": int(seed), "n_iterations": 2}
    if method == "louvain":
        # cdlib's louvain passes `randomize` to python-louvain, where an integer only
        # switches randomisation on (seeded from numpy's global state) and False fixes
        # the seed at 0; neither takes our seed. networkx's implementation does.
        if H.number_of_nodes() > _IGRAPH_FROM:
            nodes = sorted(H.nodes())
            return _groups(nodes, _multilevel(_to_igraph(H, nodes), seed)), _louvain_params(seed)
        found = nx.community.louvain_communities(H, resolution=1.0, seed=int(seed))
        return found, {"resolution": 1.0, "seed": int(seed)}
    if method == "greedy":
        if H.number_of_nodes() > _IGRAPH_FROM:
            return _fastgreedy(H), {"implementation": "igraph"}
        algorithms = _import_cdlib_algorithms()
        found = algorithms.greedy_modularity(H)
        return found.communities, {}
    raise ValueError(f"method must be one of {COMMUNITY_METHODS}, not {method!r}")


def _leiden(g, seed: int) -> list[int]:
    """Leiden (modularity) on an igraph graph, two iterations; membership per vertex.

    igraph's own ``Graph.community_leiden(objective_function="modularity")`` (C code; the
    algorithm of leidenalg, which the project used before): the best of ten seeds reaches the
    same modularity on the example wave and up to 0.007 more on synthetic organisations of 40
    to 5,000 members (0.002 less on a random graph), with a ninth to a twentieth of
    leidenalg's CPU time (``benchmarks/bench_groupings.py --compare``). igraph draws from a process-wide
    random-number hook; it is pointed at a ``random.Random(seed)`` for the call and given
    back afterwards, so the same seed gives the same split.
    """
    import random

    import igraph

    igraph.set_random_number_generator(random.Random(int(seed)))
    try:
        found = g.community_leiden(objective_function="modularity", resolution=1.0, n_iterations=2)
    finally:
        igraph.set_random_number_generator(random)
    return list(found.membership)


def _best_leiden(g, seeds) -> tuple[float, list[int], list[list[int]], list[float]]:
    """Leiden from each seed on an igraph graph: the best modularity and membership, and every run's."""
    runs = [_leiden(g, s) for s in seeds]
    values = [float(g.modularity(m)) for m in runs]
    best = max(range(len(runs)), key=lambda i: (values[i], -i))
    return values[best], runs[best], runs, values


#: Above this many members, Louvain and greedy modularity run in igraph (C) instead of networkx.
_IGRAPH_FROM = 200
#: The methods reported beside Leiden for comparison (untested, used by no finding), and the
#: most members each is run for (:func:`comparison_methods`): greedy modularity's merges cost
#: O(m d log n), 1.3 s at 4,000 members and 10-12 s at 10,000 (igraph, one core), for a figure
#: the handout only lists.
COMPARISON_UP_TO = {"louvain": None, "greedy": 5000}


def comparison_methods(n_members: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The comparison methods run for a network of ``n_members``, and those left out.

    Louvain at every size; greedy modularity (Clauset-Newman-Moore) up to
    ``COMPARISON_UP_TO["greedy"]`` (5,000) members, left out above: its time grows with
    n^2.2 and the handout only lists its modularity beside Leiden's.

    Examples
    --------
    >>> comparison_methods(40)
    (('louvain', 'greedy'), ())
    >>> comparison_methods(10_000)
    (('louvain',), ('greedy',))
    """
    run = tuple(m for m, most in COMPARISON_UP_TO.items() if most is None or n_members <= most)
    return run, tuple(m for m in COMPARISON_UP_TO if m not in run)


def _groups(nodes: list, membership) -> list[list]:
    """Community lists from a membership vector over ``nodes``."""
    groups: dict[int, list] = {}
    for v, c in zip(nodes, membership):
        groups.setdefault(c, []).append(v)
    return list(groups.values())


def _louvain_params(seed: int) -> dict:
    """The parameters stated for a Louvain run in igraph."""
    return {"resolution": 1.0, "seed": int(seed), "implementation": "igraph"}


def _multilevel(g, seed: int) -> list[int]:
    """Louvain (igraph's ``community_multilevel``, C) on an igraph graph, seeded as :func:`_leiden`;
    the membership of the last level (the split of highest modularity)."""
    import random

    import igraph

    igraph.set_random_number_generator(random.Random(int(seed)))
    try:
        found = g.community_multilevel(resolution=1.0)
    finally:
        igraph.set_random_number_generator(random)
    return list(found.membership)


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
        ``"leiden"``: the Leiden algorithm [1]_ maximising modularity (igraph's
        ``community_leiden``, seeded). ``"louvain"``: the Louvain algorithm
        [2]_ through ``networkx.community.louvain_communities`` because cdlib's louvain
        cannot be given a seed; above 200 members igraph's ``community_multilevel``, the
        same algorithm in C (seeded as Leiden). ``"greedy"``: Clauset-Newman-Moore greedy modularity [3]_
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
    big = G.number_of_nodes() > _IGRAPH_FROM
    if (method == "leiden" or (method in ("louvain", "greedy") and big)) and (
            G.is_directed() or nx.number_of_selfloops(G) == 0):
        # straight from the tie graph to igraph, modularity by igraph: the union graph in
        # networkx and networkx's modularity were most of the time at 100,000 ties
        nodes = sorted(G.nodes())
        g = _to_igraph(G, nodes)
        if g.ecount():
            if method == "leiden":
                membership = _leiden(g, seed)
                params = {"resolution_parameter": 1.0, "seed": int(seed), "n_iterations": 2}
            elif method == "louvain":
                membership, params = _multilevel(g, seed), _louvain_params(seed)
            else:
                membership, params = g.community_fastgreedy().as_clustering().membership, {"implementation": "igraph"}
            return Communities(_order_communities(_groups(nodes, membership)), float(g.modularity(membership)),
                               method, params)
    H = as_undirected(G)
    found, params = _find(H, method, seed)
    communities = _order_communities(found)
    return Communities(communities, modularity(H, communities), method, params)


@dataclass(frozen=True)
class SeedRuns:
    """The best of several Leiden runs, and how much the runs agree.

    Attributes
    ----------
    best : Communities
        The split of highest modularity (the first seed on a tie).
    seeds : tuple of int
        The seeds run.
    modularities : tuple of float
        Modularity of each run's split, in seed order.
    stability : float
        Mean adjusted Rand index between every two runs' splits (1: every seed finds
        the same split; NaN with one run).
    best_share : float
        Share of runs whose split is the best split (adjusted Rand index 1 with it).
    """

    best: Communities
    seeds: tuple[int, ...]
    modularities: tuple[float, ...]
    stability: float
    best_share: float


def best_of_seeds(G: nx.Graph | nx.DiGraph, *, n_seeds: int = N_SEEDS, seed: int = 0) -> SeedRuns:
    """Leiden from ``n_seeds`` seeds (``seed``, ``seed + 1``, ...): the split of highest modularity, and its stability.

    One Leiden run is a local optimum that depends on the seed; keeping the best of
    several runs makes the split (and the finding read from it) much less dependent on
    the seed, and the agreement between the runs says how much it still depends on it.

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        A wave's tie graph (its union graph is used) or an undirected graph.
    n_seeds : int
        Runs.
    seed : int
        First seed.

    Returns
    -------
    SeedRuns

    References
    ----------
    .. [1] V. A. Traag, L. Waltman and N. J. van Eck, "From Louvain to Leiden:
       guaranteeing well-connected communities", Scientific Reports 9, 5233, 2019.
    .. [2] L. Hubert and P. Arabie, "Comparing partitions", Journal of Classification
       2, 193-218, 1985.

    Examples
    --------
    >>> import networkx as nx
    >>> H = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("d", "e"), ("e", "f"),
    ...               ("d", "f"), ("c", "d")])
    >>> runs = best_of_seeds(H, n_seeds=3)
    >>> runs.best.communities, runs.stability
    ((('a', 'b', 'c'), ('d', 'e', 'f')), 1.0)
    """
    if n_seeds < 1:
        raise ValueError("n_seeds must be at least 1")
    seeds = tuple(int(seed) + i for i in range(n_seeds))
    nodes = sorted(G.nodes())
    return _seed_runs(G, _to_igraph(G, nodes), nodes, seeds)  # the union graph of a tie graph, without networkx's copy


def _seed_runs(G: nx.Graph | nx.DiGraph, g, nodes: list, seeds: tuple[int, ...]) -> SeedRuns:
    """:func:`best_of_seeds` on ``g``, ``G``'s union graph in igraph (vertex i is ``nodes[i]``)."""
    n_seeds = len(seeds)
    if g.ecount() == 0:
        single = Communities(_order_communities([v] for v in nodes), math.nan, "leiden", {"seed": seeds[0]})
        return SeedRuns(single, seeds, tuple(math.nan for _ in seeds), 1.0 if n_seeds > 1 else math.nan, 1.0)
    best_value, best_membership, runs, values = _best_leiden(g, seeds)
    best_index = runs.index(best_membership)
    communities = _order_communities(_groups(nodes, best_membership))
    if not G.is_directed() and nx.number_of_selfloops(G):  # networkx counts a self-loop, igraph's copy has none
        best_value = modularity(G, communities)
    best = Communities(communities, float(best_value), "leiden",
                       {"resolution_parameter": 1.0, "seed": seeds[best_index], "seeds": list(seeds),
                        "n_iterations": 2})
    pairs = [adjusted_rand_index(runs[i], runs[j]) for i in range(len(runs)) for j in range(i + 1, len(runs))]
    stability = float(np.mean(pairs)) if pairs else math.nan
    share = float(np.mean([adjusted_rand_index(r, best_membership) == 1.0 for r in runs]))
    return SeedRuns(best, seeds, tuple(values), stability, share)


def degree_preserving_rewire(H: nx.Graph, *, swaps_per_edge: float | None = None, seed: int = 0) -> nx.Graph:
    """A random graph with the same degrees, by double edge swaps.

    Repeatedly picks two edges a-b and c-d at random and replaces them by a-d and c-b
    (or a-c and b-d) when that creates no self-loop and no second edge between the same
    pair [1]_, ``swaps_per_edge`` x edges times (igraph's ``Graph.rewire`` in C, simple
    graphs only). Every member keeps their number of ties.

    Parameters
    ----------
    H : networkx.Graph
        Undirected simple graph.
    swaps_per_edge : float, optional
        Swaps to attempt per edge (rounded to a whole number of swaps); default
        :func:`swaps_for_size`.
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
    if swaps_per_edge is None:
        swaps_per_edge = swaps_for_size(len(nodes))
    R = nx.Graph()
    R.add_nodes_from((v, H.nodes[v]) for v in nodes)
    rewired = _rewired(_to_igraph(H, nodes), swaps_per_edge=swaps_per_edge, seed=seed)
    R.add_edges_from(sorted(tuple(sorted((nodes[a], nodes[b]))) for a, b in rewired.get_edgelist()))
    return R


def union_igraph(H: nx.Graph | nx.DiGraph, nodes: list):
    """The undirected simple graph of ``H`` in igraph: vertex i is ``nodes[i]``, edges sorted,
    self-loops dropped, a pair tied both ways once (for a tie graph: its union graph,
    :func:`helpers.analysis.network.union_graph`, without building it in networkx).

    Examples
    --------
    >>> import networkx as nx
    >>> union_igraph(nx.DiGraph([("b", "a"), ("a", "b"), ("c", "a"), ("c", "c")]), ["a", "b", "c"]).get_edgelist()
    [(0, 1), (0, 2)]
    """
    import igraph

    index = {v: i for i, v in enumerate(nodes)}
    n, m = len(nodes), H.number_of_edges()
    ends = np.fromiter((index[x] for e in H.edges() for x in e[:2]), dtype=np.int64, count=2 * m).reshape(m, 2)
    lo, hi = ends.min(axis=1), ends.max(axis=1)
    keep = lo != hi
    pairs = np.unique(lo[keep] * max(n, 1) + hi[keep])  # one number per pair: sorted as (lo, hi)
    # two flat lists zipped: a quarter of the time of the (m, 2) array's tolist at 180,000 ties
    return igraph.Graph(n=n, edges=list(zip((pairs // max(n, 1)).tolist(), (pairs % max(n, 1)).tolist())))


_to_igraph = union_igraph


def _rewired(g, *, swaps_per_edge: float, seed: int):
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
            out.rewire(n=int(round(swaps_per_edge * out.ecount())), allowed_edge_types="simple")
        finally:
            igraph.set_random_number_generator(random)
    return out


def _null_modularity(g, nodes: list, method: str, seed: int, n_seeds: int = 1) -> float:
    """Modularity that ``method`` finds in a rewired igraph graph (Leiden through igraph as in
    :func:`_leiden`, the best of ``n_seeds`` runs as in the wave)."""
    if method == "leiden" and g.ecount():
        return _best_leiden(g, [int(seed) + i for i in range(n_seeds)])[0]
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
    swaps_per_edge: float | None = None,
    seed: int = 0,
    sequential: bool = True,
    workers: int | None = None,
    progress=None,
    n_seeds: int = 1,
) -> ModularityTest:
    """Is the modularity found beyond what random networks of the same degrees give?

    Even random networks have splits of sizeable modularity [1]_, so the modularity
    found in the wave is compared with the modularity the same method finds in random
    networks with the same degrees: the union graph rewired by degree-preserving double
    edge swaps [2]_ (:func:`degree_preserving_rewire`, ``swaps_per_edge`` x edges swaps;
    :func:`swaps_for_size`: 10 on a forum, 5 above 200 members, where the random
    networks' modularity and share of edges changed reach their plateau in
    ``benchmarks/bench_rewiring.py``; the swaps are a Markov chain that samples every
    graph with the degrees alike once it has mixed [5]_).

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        A wave's tie graph (its union graph is used) or an undirected graph.
    method : str
        Community method, see :func:`detect_communities`.
    n_samples : int
        Most random networks to draw.
    swaps_per_edge : float, optional
        Double edge swaps (attempted) per edge when rewiring; default :func:`swaps_for_size`.
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
    n_seeds : int
        Leiden only: the wave's split and every random network's are the best of this
        many runs (:func:`best_of_seeds`), so both sides of the test are found alike.

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
    .. [5] B. K. Fosdick, D. B. Larremore, J. Nishimura and J. Ugander, "Configuring
       random graph models with fixed degree sequences", SIAM Review 60(2), 315-355, 2018.
    """
    H = G if method == "leiden" else as_undirected(G)  # Leiden reads a tie graph as its union graph itself
    if method == "leiden" and n_seeds > 1:
        observed = best_of_seeds(H, n_seeds=n_seeds, seed=seed).best.modularity
    else:
        observed = detect_communities(H, method=method, seed=seed).modularity
    nodes = sorted(H.nodes())
    if swaps_per_edge is None:
        swaps_per_edge = swaps_for_size(len(nodes))
    return _modularity_test(_to_igraph(H, nodes), observed, method=method, n_samples=n_samples,
                            swaps_per_edge=swaps_per_edge, seed=seed, sequential=sequential, workers=workers,
                            progress=progress, n_seeds=n_seeds)


def _modularity_test(base, observed: float, *, method: str, n_samples: int, swaps_per_edge: float, seed: int,
                     sequential: bool, workers: int | None, progress, n_seeds: int) -> ModularityTest:
    """:func:`modularity_test` of the igraph graph ``base`` (the union graph) whose modularity, found
    by ``method`` as in the test's random networks, is ``observed``."""
    nodes = list(range(base.vcount()))
    if n_samples < 1:
        return ModularityTest(float(observed), (), math.nan, math.nan, math.nan, math.nan, method, 0, seed)
    rule = (SequentialRule(max_samples=n_samples) if sequential
            else SequentialRule(max_samples=n_samples, hits=n_samples + 1, min_samples=n_samples + 1))
    if workers is None:
        workers = default_workers() if len(nodes) > 200 else 1
    sample = functools.partial(_null_modularities, n=len(nodes), edges=base.get_edgelist(), method=method,
                               swaps_per_edge=swaps_per_edge, n_seeds=n_seeds)
    test = sequential_test(sample, observed, rule=rule, seed=seed, block_size=10, workers=workers,
                           progress=progress)
    null_arr = test.null
    mean = float(null_arr.mean()) if len(null_arr) else math.nan  # none drawn: a forum without ties
    sd = float(null_arr.std(ddof=1)) if len(null_arr) > 1 else math.nan
    z = (observed - mean) / sd if sd and sd > 0 else math.nan
    return ModularityTest(float(observed), tuple(float(x) for x in null_arr), test.p_value, mean, sd, z, method,
                          test.n_samples, seed, n_samples, test.stopped, test.p_low, test.p_high)


def _null_modularities(rng, size, *, n, edges, method, swaps_per_edge, n_seeds=1):
    """Modularity ``method`` finds in ``size`` rewired copies of the graph ``(n, edges)`` (a sample block)."""
    import igraph

    base = igraph.Graph(n=n, edges=edges)
    nodes = list(range(n))
    out = []
    for _ in range(size):
        swap_seed, detect_seed = (int(x) for x in rng.integers(0, 2**31 - 1, size=2))
        rewired = _rewired(base, swaps_per_edge=swaps_per_edge, seed=swap_seed)
        out.append(_null_modularity(rewired, nodes, method, detect_seed, n_seeds))
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
        counts: dict = {}
        for v in members:  # once per member, not once per member and department
            counts[dept[v]] = counts.get(dept[v], 0) + 1
        for d in departments:
            count = counts.get(d, 0)
            rows.append({"community": i, "size": len(members), "department": d, "count": count, "share": count / len(members)})
    return pd.DataFrame(rows, columns=["community", "size", "department", "count", "share"])


@dataclass(frozen=True)
class GroupingsFinding:
    """Whether the forum splits into groupings beyond chance, and the figures behind it.

    Attributes
    ----------
    no_separate_groupings : bool
        True only when the modularity found is not beyond what random networks give
        (``p_value > alpha``). Groupings beyond chance that cut across departments are
        still groupings: ``cuts_across_departments`` says how they lie.
    beyond_random : bool
        ``p_value <= alpha`` (a Monte Carlo test with n samples has level alpha when
        alpha (n + 1) is a whole number, e.g. 0.05 with 19, 99 or 199 samples).
    cuts_across_departments : bool
        ``nmi < max_nmi``: the groupings do not follow the departments.
    communities : Communities
        The communities found in the wave (the best of ``n_seeds`` Leiden runs).
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
    stability : float
        Mean adjusted Rand index between the Leiden runs' splits (NaN for other methods).
    best_share : float
        Share of the runs that found the kept split.
    n_seeds : int
        Leiden runs.
    largest_share : float
        Mean over communities (weighted by size) of the share of the community's
        largest department: 1 when every grouping is one department.
    reproduced_ari : float
        Adjusted Rand index between the split kept and the best split of ``n_seeds``
        further runs (the next seeds): 1 when the finding does not depend on the seeds.
    run_modularities : tuple of float
        Leiden: the modularity of each run, in seed order (the first is the run with
        ``seed`` alone, :func:`detect_communities`); empty for the other methods.
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
    stability: float = math.nan
    best_share: float = math.nan
    n_seeds: int = 1
    largest_share: float = math.nan
    reproduced_ari: float = math.nan
    run_modularities: tuple[float, ...] = ()


def groupings_finding(
    G: nx.DiGraph,
    *,
    method: str = "leiden",
    n_samples: int = 199,
    alpha: float = 0.05,
    max_nmi: float = 0.5,
    seed: int = 0,
    progress=None,
    n_seeds: int | None = None,
    swaps_per_edge: float | None = None,
) -> GroupingsFinding:
    """Does the forum split into groupings beyond chance, and do they follow the departments?

    Communities are found on the union graph (Leiden: the best of ``n_seeds`` runs,
    :func:`best_of_seeds`), their modularity is compared with degree-preserving random
    networks treated alike (:func:`modularity_test`), and their agreement with the
    departments is measured by normalised mutual information, the adjusted Rand index
    and the share of each community's largest department.

    "No separate groupings" holds only when the modularity is not beyond what random
    networks give (``p > alpha``). Beyond it, the groupings are there; NMI with the
    departments below ``max_nmi`` says they cut across the departments, else they follow
    them. Their sizes and department make-up are in ``makeup``.

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
    n_seeds : int, optional
        Leiden runs (default :func:`seeds_for_size`; ignored by the other methods).
    swaps_per_edge : float, optional
        Double edge swaps per edge for each random network (default :func:`swaps_for_size`).

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
    if n_seeds is None:
        n_seeds = seeds_for_size(G.number_of_nodes())
    if swaps_per_edge is None:
        swaps_per_edge = swaps_for_size(G.number_of_nodes())
    reproduced = math.nan
    nodes = sorted(G.nodes())
    if method == "leiden":
        # the union graph in igraph once, for the wave's runs, the repeat and the test's random networks
        g = _to_igraph(G, nodes)
        runs = _seed_runs(G, g, nodes, tuple(seed + i for i in range(n_seeds)))
        found, stability, best_share, run_modularities = runs.best, runs.stability, runs.best_share, runs.modularities
        again = _seed_runs(G, g, nodes, tuple(seed + n_seeds + i for i in range(n_seeds))).best.membership
        kept = found.membership
        reproduced = adjusted_rand_index([kept[v] for v in nodes], [again[v] for v in nodes])
        test = _modularity_test(g, found.modularity, method=method, n_samples=n_samples,
                                swaps_per_edge=swaps_per_edge, seed=seed, sequential=True, workers=None,
                                progress=progress, n_seeds=n_seeds)
    else:
        found, stability, best_share, n_seeds = detect_communities(G, method=method, seed=seed), math.nan, math.nan, 1
        run_modularities = ()
        test = modularity_test(G, method=method, n_samples=n_samples, swaps_per_edge=swaps_per_edge, seed=seed,
                               progress=progress)
    membership = found.membership
    comm = [membership[v] for v in nodes]
    dept = [G.nodes[v].get("department") for v in nodes]
    nmi = normalized_mutual_information(comm, dept)
    ari = adjusted_rand_index(comm, dept)
    beyond = test.p_value <= alpha
    across = nmi < max_nmi
    makeup = community_departments(G, found)
    largest = makeup.groupby("community")["count"].max().sum() / max(len(nodes), 1) if len(makeup) else math.nan
    reasons = [
        f"{len(found)} communities ({method}) with modularity {found.modularity:.3f}; "
        f"random networks with the same degrees give {test.null_mean:.3f} on average "
        f"(p = {test.p_value:.3f}, {test.n_samples} networks): "
        + ("beyond random." if beyond else "not beyond random."),
        f"Agreement with departments: NMI {nmi:.2f}, ARI {ari:.2f}: "
        + ("the communities cut across departments." if across else "the communities follow departments."),
    ]
    return GroupingsFinding(
        no_separate_groupings=not beyond,
        beyond_random=beyond,
        cuts_across_departments=across,
        communities=found,
        test=test,
        nmi=nmi,
        ari=ari,
        makeup=makeup,
        alpha=alpha,
        max_nmi=max_nmi,
        reasons=tuple(reasons),
        stability=stability,
        best_share=best_share,
        n_seeds=n_seeds,
        largest_share=float(largest),
        reproduced_ari=float(reproduced),
        run_modularities=tuple(float(x) for x in run_modularities),
    )
