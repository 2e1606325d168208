"""Contrasting structures of the same size as a wave (Figure 2) and their measures.

Four synthetic networks with the wave's members and departments (groupings, a hub,
random, core-periphery; :func:`contrasting_networks`) and the density, modularity and
core-periphery fit of each (:func:`contrast_measures`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence

import networkx as nx
import numpy as np
import pandas as pd

from helpers.analysis.communities import detect_communities
from helpers.analysis.network import respondents

__all__ = [
    "CONTRASTS",
    "groups_for",
    "contrasting_networks",
    "contrast_measures",
]

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
        Separate groupings (a planted partition [1]_): the departments when their
        inside pairs can hold the ties, else as many groups of neighbouring departments'
        members (:func:`groups_for`) as can; ties within a group first, every one
        returned; the rest as returned pairs between groups, drawn at random.
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
    block = groups_for(ids, dept, m)
    if n > _CONTRASTS_BY_INDEX_FROM:
        return _contrasting_networks_by_index(ids, dept, m, rng, block)
    ordered = list(itertools.permutations(ids, 2))  # sorted, since ids are

    def make(edges, extra=None):
        D = nx.DiGraph()
        for v in ids:
            D.add_node(v, department=dept[v], answered=True, **((extra or {}).get(v, {})))
        D.add_edges_from(sorted(edges))
        return D

    # the random draws in this order: groupings, hub, random, core-periphery (same seed, same networks)
    groupings = make(_groupings_edges(ids, block, m, ordered, rng))
    hub_net = make(_hub_edges(ids, m, ordered, rng))
    random_net = make(_sample_pairs(ordered, m, rng))
    core, cp_edges = _core_periphery_edges(ids, m, ordered, rng)
    cp_net = make(cp_edges, {v: {"planted_core": v in core} for v in ids})
    return {"groupings": groupings, "hub": hub_net, "random": random_net, "core_periphery": cp_net}


def groups_for(ids: Sequence[str], dept: Mapping[str, str], m: int) -> dict[str, str]:
    """The separate groups of the ``"groupings"`` network: a group label per member.

    The departments, when the pairs inside them can hold the ``m`` ties as returned
    pairs; else the members, ordered by department, cut into the largest number of
    nearly equal groups (at least two) whose inside pairs can, so that the groups stay
    visibly apart; two groups when none can.

    Parameters
    ----------
    ids : sequence of str
        Member ids.
    dept : mapping
        Member id -> department.
    m : int
        Number of directed ties.

    Returns
    -------
    dict of str to str
        Member id -> group label (the department, or ``"group 1"``, ...).

    Examples
    --------
    >>> ids = [f"m{i}" for i in range(8)]
    >>> sorted(set(groups_for(ids, {v: "AB"[i % 2] for i, v in enumerate(ids)}, 12).values()))
    ['A', 'B']
    >>> sorted(set(groups_for(ids, {v: "ABCD"[i % 4] for i, v in enumerate(ids)}, 20).values()))
    ['group 1', 'group 2']
    """
    need = math.ceil(m / 2)
    sizes = pd.Series([dept[v] for v in ids]).value_counts()
    if int((sizes * (sizes - 1) // 2).sum()) >= need or len(ids) < 4:
        return {v: dept[v] for v in ids}
    ordered = sorted(ids, key=lambda v: (str(dept[v]), v))
    n = len(ordered)
    for g in range(max(2, min(len(sizes), n // 2)), 1, -1):
        chunk = [len(c) for c in np.array_split(np.arange(n), g)]
        if sum(k * (k - 1) // 2 for k in chunk) >= need or g == 2:
            break
    bounds = np.array_split(np.arange(n), g)
    return {ordered[i]: f"group {b + 1}" for b, part in enumerate(bounds) for i in part}


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


def _contrasting_networks_by_index(ids: list, dept: dict, m: int, rng, block: dict) -> dict[str, nx.DiGraph]:
    """:func:`contrasting_networks` for large networks: the same four structures, drawn in O(n + m).

    Pairs are drawn by their number instead of from lists of all ``n (n - 1)`` pairs (a
    list that takes gigabytes at 10,000 members): ``"random"`` and the rest of ``"hub"``
    as uniform samples of pair numbers; ``"groupings"`` from the (short) lists of pairs
    inside each department, then pairs across drawn by rejection; ``"core_periphery"``
    from its core's pairs and the core-periphery pairs (short, the core being small).
    """
    n = len(ids)
    index = np.arange(n)
    depts = np.array([block[v] for v in ids], dtype=object)

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


def _groupings_edges(ids: list[str], dept: Mapping[str, str], m: int, ordered: list, rng: np.random.Generator) -> list:
    """Separate groupings: within-department pairs first (both directions), then returned pairs across."""
    within = [(u, v) for u, v in itertools.combinations(ids, 2) if dept[u] == dept[v]]
    between = [(u, v) for u, v in itertools.combinations(ids, 2) if dept[u] != dept[v]]
    pairs_needed = m // 2
    if pairs_needed <= len(within):
        chosen = _sample_pairs(within, pairs_needed, rng)
        chosen_set = set(chosen)
        rest_pairs = [p for p in within if p not in chosen_set] + between
    else:
        chosen = within + _sample_pairs(between, pairs_needed - len(within), rng)
        chosen_set = set(chosen)
        rest_pairs = [p for p in between if p not in chosen_set]
    edges = [(u, v) for u, v in chosen] + [(v, u) for u, v in chosen]
    if m % 2:
        if rest_pairs:
            u, v = rest_pairs[int(rng.integers(len(rest_pairs)))]
            edges.append((u, v))
        else:  # every pair is taken both ways but one
            taken = set(edges)
            edges.append(next(e for e in ordered if e not in taken))
    return edges


def _hub_edges(ids: list[str], m: int, ordered: list, rng: np.random.Generator) -> list:
    """A hub: a star both ways around the first member, the rest at random."""
    hub = ids[0]
    star = [(hub, v) for v in ids[1:]] + [(v, hub) for v in ids[1:]]
    if m <= len(star):
        return _sample_pairs(star, m, rng)
    others = [e for e in ordered if hub not in e]
    return star + _sample_pairs(others, m - len(star), rng)


def _core_periphery_edges(ids: list[str], m: int, ordered: list, rng: np.random.Generator) -> tuple[set, list]:
    """The smallest core whose core-core and core-periphery pairs hold ``m`` ties, and those ties."""
    n = len(ids)
    c = next(c for c in range(1, n + 1) if c * (c - 1) + 2 * c * (n - c) >= m)
    core = set(ids[:c])
    core_pairs = [(u, v) for u, v in ordered if u in core and v in core]
    mixed = [(u, v) for u, v in ordered if (u in core) != (v in core)]
    if m <= len(core_pairs):
        return core, _sample_pairs(core_pairs, m, rng)
    return core, core_pairs + _sample_pairs(mixed, m - len(core_pairs), rng)


def _size(g: nx.DiGraph) -> tuple[int, int, float]:
    """Members, ties and density as :func:`helpers.analysis.network.network_measures` gives them,
    without its reciprocity (a Python loop over the ties: a second per five networks at 10,000 members)."""
    n, m = g.number_of_nodes(), g.number_of_edges()
    possible = len(respondents(g)) * (n - 1)
    return n, m, m / possible if possible else math.nan


def contrast_measures(
    graphs: Mapping[str, nx.DiGraph],
    *,
    fit: Callable[[nx.DiGraph], float] | None = None,
    method: str = "leiden",
    seed: int = 0,
    known: Mapping[str, Mapping[str, float]] | None = None,
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
    known : mapping of str to mapping, optional
        Measures already computed the same way, by network name: ``{"wave": {"modularity":
        ..., "fit": ...}}`` (the wave's own Leiden run with ``seed`` and its core-periphery
        split come from the structure step's earlier parts); a measure given here is
        taken as it is instead of being computed again.

    Returns
    -------
    pandas.DataFrame
        Index ``network`` (the mapping's keys, in order), columns ``members, ties,
        density, modularity, fit``. Density is over the respondents' possible ties.
    """
    known = known or {}
    rows = []
    for name, g in graphs.items():
        members, ties, density = _size(g)
        given = known.get(name, {})
        modularity = (given["modularity"] if "modularity" in given
                      else detect_communities(g, method=method, seed=seed).modularity)
        if "fit" in given:
            fitted = given["fit"]
        else:
            fitted = fit(g) if fit is not None else math.nan
        rows.append(
            {
                "network": name,
                "members": members,
                "ties": ties,
                "density": density,
                "modularity": float(modularity),
                "fit": float(fitted),
            }
        )
    return pd.DataFrame(rows, columns=["network", "members", "ties", "density", "modularity", "fit"]).set_index("network")
