"""Who is in the core: the core's make-up by gender, role and department against the whole forum.

An exact test of the core's composition (:func:`core_composition`,
:func:`composition_finding`). Functions take the core as a set of member ids, so they do
not depend on how the split was found.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from scipy import stats

from helpers.analysis.permutation import SequentialRule, sequential_test

__all__ = [
    "ATTRIBUTES",
    "exact_composition_test",
    "core_composition",
    "CompositionFinding",
    "composition_finding",
]

ATTRIBUTES = ("gender", "role", "department")


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
    see :class:`helpers.analysis.permutation.SequentialRule`, drawn in blocks of 1,000, each
    draw's log-probability a sum of looked-up log binomial coefficients).

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
    table, offset = _log_choose_table(forum, k)
    observed = float(table[offset + core].sum())  # the draws' log-probabilities are computed alike
    sample = functools.partial(_makeup_logpmf, forum=forum, k=k, table=table, offset=offset)
    test = sequential_test(sample, observed + 1e-7, rule=SequentialRule(max_samples=n_permutations),
                           seed=seed, block_size=1_000, alternative="less")
    return test.p_value, "monte carlo"


def _log_choose_table(forum: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """log C(m_i, x) for every category i and every x = 0..min(m_i, k), as one flat table.

    The multivariate hypergeometric log-probability of a make-up ``x`` is then
    ``table[offset + x].sum() - log C(N, k)``; the constant is left out (it does not change
    which make-ups are less likely than another).
    """
    from scipy.special import gammaln

    top = np.minimum(forum, k)
    offset = np.concatenate([[0], np.cumsum(top + 1)[:-1]]).astype(np.int64)
    m = np.repeat(forum, top + 1).astype(float)
    x = (np.arange(int((top + 1).sum())) - np.repeat(offset, top + 1)).astype(float)
    return gammaln(m + 1) - gammaln(x + 1) - gammaln(m - x + 1), offset


def _makeup_logpmf(rng, size, *, forum, k, table, offset):
    """Log-probabilities (up to a constant) of ``size`` random make-ups of ``k`` members drawn from ``forum``."""
    draws = rng.multivariate_hypergeometric(forum, k, size=size)
    return table[offset + draws].sum(axis=1)


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
    forum_counts = Counter(values.values())
    core_counts = Counter(values[v] for v in core)
    for value in sorted(forum_counts, key=str):
        forum_count = forum_counts[value]
        core_count = core_counts.get(value, 0)
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
