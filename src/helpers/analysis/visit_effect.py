"""Did the job visits between two waves form or strengthen ties?

Visit pairs (read by :func:`helpers.ingest.visit_pairs.read_visit_pairs`) are compared
with comparable pairs that did not visit each other, over the members and senders both
waves share (:func:`helpers.analysis.compare.comparable_members`).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
from scipy import stats

from helpers.analysis.compare import comparable_members
from helpers.ingest.visit_pairs import VISIT_PAIR_COLUMNS

__all__ = ["BASELINES", "VisitEffect", "visit_effect", "visit_groups"]

#: Comparison pairs :func:`visit_effect` can use (see there).
BASELINES = ("all", "cross_department")

_ALTERNATIVES = ("greater", "less", "two-sided")
_SMALL_VISITS = 10


def visit_groups(pairs: pd.DataFrame | Iterable[Collection[str]]) -> list[tuple[str, ...]]:
    """The visit groups as sorted tuples of member ids.

    Parameters
    ----------
    pairs : pandas.DataFrame or iterable of collections
        A table with ``pair_id, member_id`` (:func:`read_visit_pairs`) or groups such as
        ``[("a", "b"), ("c", "d", "e")]`` (host and guest in either order).

    Returns
    -------
    list of tuple of str
        One sorted tuple per group, the list sorted.

    Examples
    --------
    >>> visit_groups([("b", "a"), ("e", "c", "d")])
    [('a', 'b'), ('c', 'd', 'e')]
    """
    if isinstance(pairs, pd.DataFrame):
        missing = [c for c in VISIT_PAIR_COLUMNS if c not in pairs.columns]
        if missing:
            raise ValueError(f"pairs lacks columns {missing}")
        grouped = pairs.groupby("pair_id", sort=True)["member_id"]
        groups = [tuple(str(m) for m in members) for _, members in grouped]
    else:
        groups = [tuple(str(m) for m in group) for group in pairs]
    seen: set[str] = set()
    for group in groups:
        if len(group) < 2 or len(set(group)) != len(group):
            raise ValueError(f"a visit group needs two or more different members, not {group}")
        repeated = seen & set(group)
        if repeated:
            raise ValueError(f"members in more than one visit group: {sorted(repeated)}")
        seen |= set(group)
    return sorted(tuple(sorted(g)) for g in groups)


# ---------------------------------------------------------------------------
# job visits: did they work?
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitEffect:
    """How often visit partners formed or strengthened a tie, against comparable pairs.

    Attributes
    ----------
    n_visit_pairs : int
        Visit pairs compared (unordered; a trio gives three).
    n_comparison_pairs : int
        Comparable unordered pairs that were not visit pairs.
    improved_visit, improved_comparison : int
        Pairs whose tie formed or strengthened.
    rate_visit, rate_comparison : float
        ``improved / n`` for each set.
    difference : float
        ``rate_visit - rate_comparison``.
    p_value : float
        Monte Carlo permutation p-value ``(1 + #extreme) / (1 + n_permutations)``.
    p_exact : float
        The same test computed exactly: relabelling ``n_visit_pairs`` pairs at random
        among all compared pairs makes the number of improved visit pairs
        hypergeometric (a one- or two-sided Fisher exact test).
    alternative : str
        ``"greater"`` (visits help), ``"less"`` or ``"two-sided"``.
    n_permutations : int
        Random relabellings.
    seed : int
        Seed of ``numpy.random.default_rng``.
    baseline : str
        Which pairs were compared (see :func:`visit_effect`).
    caveat : bool
        True when fewer than 10 visit pairs were compared: rates and p-values then rest
        on too few pairs to say much.
    n_not_compared : int
        Visit pairs left out: a member not in both waves, neither member answered in both
        waves, or (``baseline="cross_department"``) members of the same department.
    table : pandas.DataFrame
        Columns ``set, n_pairs, tied_a, formed, strengthened, improved, rate,
        formed_rate, strengthened_rate``; rows ``visit`` then ``comparison``.
        ``formed_rate = formed / (n_pairs - tied_a)`` (among pairs without a tie in the
        earlier wave), ``strengthened_rate = strengthened / tied_a``.
    pairs : pandas.DataFrame
        Columns ``member_1, member_2, strength_a, strength_b, outcome``; one row per
        compared visit pair, sorted. ``outcome`` is ``formed``, ``strengthened``,
        ``unchanged``, ``weakened``, ``dropped`` or ``untied`` (no tie in either wave).
    """

    n_visit_pairs: int
    n_comparison_pairs: int
    improved_visit: int
    improved_comparison: int
    rate_visit: float
    rate_comparison: float
    difference: float
    p_value: float
    p_exact: float
    alternative: str
    n_permutations: int
    seed: int
    baseline: str
    caveat: bool
    n_not_compared: int
    table: pd.DataFrame = field(repr=False, compare=False)
    pairs: pd.DataFrame = field(repr=False, compare=False)

    @property
    def n(self) -> int:
        """Visit pairs compared (same as ``n_visit_pairs``)."""
        return self.n_visit_pairs


def _strength(G: nx.DiGraph, u: str, v: str, senders: set[str]) -> int:
    total = 0
    for s, t in ((u, v), (v, u)):
        if s in senders and G.has_edge(s, t):
            rating = G.edges[s, t].get("rating")
            total += 1 if rating is None else int(rating)
    return total


def _outcome(a: int, b: int) -> str:
    if a == 0:
        return "formed" if b > 0 else "untied"
    if b > a:
        return "strengthened"
    if b == a:
        return "unchanged"
    return "dropped" if b == 0 else "weakened"


def _compared_pairs(G_a: nx.DiGraph, common: list[str], sender_set: set[str], pairs, baseline: str):
    """The visit pairs that can be compared, the other comparable pairs, and how many visit pairs could not.

    A pair is comparable when both members are in both waves and at least one answered
    in both (a sender); with ``baseline="cross_department"`` also only across departments.
    """
    common_set = set(common)

    def eligible(u: str, v: str) -> bool:
        if u not in common_set or v not in common_set:
            return False
        if u not in sender_set and v not in sender_set:
            return False
        if baseline == "cross_department":
            return str(G_a.nodes[u].get("department")) != str(G_a.nodes[v].get("department"))
        return True

    visit_pairs = sorted(
        {tuple(sorted(p)) for group in visit_groups(pairs) for p in itertools.combinations(group, 2)}
    )
    compared_visits = [p for p in visit_pairs if eligible(*p)]
    if not compared_visits:
        raise ValueError("no visit pair can be compared: check that the members are in both waves and answered")
    visit_set = set(compared_visits)
    others = [p for p in itertools.combinations(common, 2) if eligible(*p) and p not in visit_set]
    if not others:
        raise ValueError("no comparison pair: every comparable pair was a visit pair")
    return compared_visits, others, len(visit_pairs) - len(compared_visits)


def _strengths(G_a: nx.DiGraph, G_b: nx.DiGraph, ps: list[tuple[str, str]], sender_set: set[str]):
    """Each pair's tie strength in the earlier and in the later wave."""
    a = np.array([_strength(G_a, u, v, sender_set) for u, v in ps], dtype=np.int64)
    b = np.array([_strength(G_b, u, v, sender_set) for u, v in ps], dtype=np.int64)
    return a, b


def _summary(label: str, a: np.ndarray, b: np.ndarray) -> tuple:
    """One row of the effect's table: pairs, tied before, formed, strengthened, improved and the rates."""
    n = int(a.size)
    tied = int((a > 0).sum())
    formed = int(((a == 0) & (b > 0)).sum())
    strengthened = int(((a > 0) & (b > a)).sum())
    improved = formed + strengthened
    return (
        label, n, tied, formed, strengthened, improved,
        improved / n if n else float("nan"),
        formed / (n - tied) if n - tied else float("nan"),
        strengthened / tied if tied else float("nan"),
    )  # fmt: skip


def _label_test(improved_all: np.ndarray, k: int, improved_v: int, n_permutations: int, seed, alternative: str):
    """Permutation p-value (the ``k`` visit labels re-drawn at random among all compared pairs)
    and the exact hypergeometric p-value of ``improved_v`` improved visit pairs."""
    N = improved_all.size
    rng = np.random.default_rng(seed)
    null = np.empty(n_permutations, dtype=np.int64)
    chunk = max(1, min(n_permutations, 2_000_000 // max(N, 1)))
    for start in range(0, n_permutations, chunk):
        size = min(chunk, n_permutations - start)
        order = rng.permuted(np.tile(np.arange(N), (size, 1)), axis=1)
        null[start : start + size] = improved_all[order[:, :k]].sum(axis=1)
    p_greater = (1 + int((null >= improved_v).sum())) / (1 + n_permutations)
    p_less = (1 + int((null <= improved_v).sum())) / (1 + n_permutations)
    hyper = stats.hypergeom(N, int(improved_all.sum()), k)
    e_greater, e_less = float(hyper.sf(improved_v - 1)), float(hyper.cdf(improved_v))
    if alternative == "greater":
        return p_greater, e_greater
    if alternative == "less":
        return p_less, e_less
    return min(1.0, 2 * min(p_greater, p_less)), min(1.0, 2 * min(e_greater, e_less))


def visit_effect(
    G_a: nx.DiGraph,
    G_b: nx.DiGraph,
    pairs: pd.DataFrame | Iterable[Collection[str]],
    *,
    seed: int = 0,
    n_permutations: int = 5000,
    baseline: str = "all",
    alternative: str = "greater",
) -> VisitEffect:
    """Did the job visits between two waves form or strengthen ties?

    Pairs are unordered: a visit pair ``{u, v}`` (host and guest in either order; a trio
    gives its three pairs) is compared in both directions. Only directions whose sender
    answered in both waves are used, as in the rest of this module, and a pair is
    compared when both members are present in both waves and at least one of them
    answered in both.

    Tie strength of a pair in a wave is the sum of the ratings of its observed ties
    (edge attribute ``rating``; a tie without a rating counts 1; no tie counts 0). The
    graph holds only ratings at or above the wave's tie threshold: a rating below it is
    not in the graph and counts 0. Hence

    * *formed*: strength 0 in the earlier wave, above 0 in the later one (a tie at or
      above the threshold appeared);
    * *strengthened*: tied in the earlier wave and stronger in the later one (a rating
      rose, or the tie became mutual) -- measured among pairs already tied, because a
      rise below the threshold is invisible;
    * *improved*: formed or strengthened (strength rose).

    The rate of improved visit pairs is compared with the rate among the comparison
    pairs, chosen by ``baseline``:

    * ``"all"``: every other comparable unordered pair of members present in both waves;
    * ``"cross_department"``: only pairs whose members were in different departments in
      the earlier wave, like most visit pairs; visit pairs within a department are left
      out (``n_not_compared``).

    Visit pairs were chosen for being in different departments and untied, which also
    changes how likely a tie is to form, so read ``table`` (formed among untied pairs,
    strengthened among tied pairs) besides the overall rates.

    The test permutes the "visited" label among all compared pairs (visit and
    comparison): each permutation draws ``n_visit_pairs`` pairs at random as the
    "visited" ones and counts the improved among them. This ignores that real visit pairs
    form a matching (each member in one pair); for a forum of ~40 members the effect of
    that is small. The statistic is the number of improved visit pairs (equivalent to the
    difference in rates, as the totals are fixed). The exact distribution of that count
    is hypergeometric, reported as ``p_exact`` (Fisher's exact test) to check the Monte
    Carlo value.

    Parameters
    ----------
    G_a, G_b : networkx.DiGraph
        The wave before and the wave after the visits.
    pairs : pandas.DataFrame or iterable of collections
        Visit groups (see :func:`visit_groups` and :func:`read_visit_pairs`).
    seed : int
        Seed of ``numpy.random.default_rng``.
    n_permutations : int
        Random relabellings.
    baseline : {"all", "cross_department"}
        Comparison pairs.
    alternative : {"greater", "less", "two-sided"}
        ``"greater"``: visit pairs improved more often than comparison pairs.

    Returns
    -------
    VisitEffect

    Raises
    ------
    ValueError
        No visit pair or no comparison pair can be compared.

    References
    ----------
    .. [1] R. A. Fisher, "The Design of Experiments", Oliver and Boyd, 1935 (the
       randomisation test).
    .. [2] B. V. North, D. Curtis and P. C. Sham, "A note on the calculation of
       empirical P values from Monte Carlo procedures", American Journal of Human
       Genetics 71(2), 439-441, 2002.
    """
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be one of {BASELINES}, not {baseline!r}")
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {_ALTERNATIVES}, not {alternative!r}")
    if n_permutations < 1:
        raise ValueError("n_permutations must be at least 1")
    common, senders = comparable_members(G_a, G_b)
    sender_set = set(senders)
    compared_visits, others, n_not_compared = _compared_pairs(G_a, common, sender_set, pairs, baseline)
    va, vb = _strengths(G_a, G_b, compared_visits, sender_set)
    oa, ob = _strengths(G_a, G_b, others, sender_set)
    table = pd.DataFrame(
        [_summary("visit", va, vb), _summary("comparison", oa, ob)],
        columns=[
            "set", "n_pairs", "tied_a", "formed", "strengthened", "improved",
            "rate", "formed_rate", "strengthened_rate",
        ],
    )  # fmt: skip
    k, n_other = len(compared_visits), len(others)
    improved_v = int((vb > va).sum())
    improved_o = int((ob > oa).sum())
    p_value, p_exact = _label_test(np.concatenate([vb > va, ob > oa]), k, improved_v, n_permutations, seed,
                                   alternative)
    pair_table = pd.DataFrame(
        [(u, v, int(a), int(b), _outcome(int(a), int(b))) for (u, v), a, b in zip(compared_visits, va, vb)],
        columns=["member_1", "member_2", "strength_a", "strength_b", "outcome"],
    )
    rate_v, rate_o = improved_v / k, improved_o / n_other
    return VisitEffect(
        n_visit_pairs=k,
        n_comparison_pairs=n_other,
        improved_visit=improved_v,
        improved_comparison=improved_o,
        rate_visit=rate_v,
        rate_comparison=rate_o,
        difference=rate_v - rate_o,
        p_value=float(p_value),
        p_exact=float(p_exact),
        alternative=alternative,
        n_permutations=int(n_permutations),
        seed=seed,
        baseline=baseline,
        caveat=k < _SMALL_VISITS,
        n_not_compared=n_not_compared,
        table=table,
        pairs=pair_table,
    )
