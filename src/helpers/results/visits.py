"""The job-visit plan (``forum-network pairs``) and the figures the facilitator's sheet states about it.

The plan is made by :func:`helpers.analysis.visits.propose_visits`; the facilitator's
sheet (:mod:`helpers.handout.facilitator`) reads it through this module, which also
recounts what the pairs have in common (:func:`pair_figures`).
"""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx

from helpers.analysis import visits as vs
from helpers.analysis.visits import (MONTHS, TERMS, ScoreWeights, VisitPlan, key_names, propose_visits, score_pair,
                                     score_terms)

__all__ = ["MONTHS", "TERMS", "ScoreWeights", "VisitPlan", "key_names", "propose_visits", "score_pair", "score_terms",
           "plan_units", "pair_figures"]


def plan_units(plan: vs.VisitPlan) -> list[tuple[str, tuple[str, ...]]]:
    """The plan's visit units: each pair or trio with its members.

    Parameters
    ----------
    plan : VisitPlan
        From :func:`helpers.analysis.visits.propose_visits`.

    Returns
    -------
    list of (str, tuple of str)
        ``(pair_id, sorted members)`` in pair-id order.
    """
    out = []
    for pid, rows in plan.visits.groupby("pair_id", sort=True):
        out.append((str(pid), tuple(sorted(set(rows["host"]) | set(rows["guest"])))))
    return out


def pair_figures(plan: vs.VisitPlan, G: nx.Graph, core: Any = None) -> dict:
    """Counts over the pairs of members who visit each other.

    A pair visits each other; in a trio all three pairs do, so a trio counts as three.
    The terms are those of :func:`helpers.analysis.visits.score_pair`, counted whether or not they
    earn points.

    Parameters
    ----------
    plan : VisitPlan
        From :func:`helpers.analysis.visits.propose_visits`.
    G : networkx.DiGraph
        The graph the plan was made from.
    core : collection of str or CorePeriphery, optional
        The core the plan was made with (required when the plan used one).

    Returns
    -------
    dict
        ``members``, ``units`` (pairs and trios), ``trios``, ``partnerships`` (pairs of
        members who visit each other), ``different_department``, ``no_tie``,
        ``weak_tie`` (None when ``plan.weights.weak_rating`` is None),
        ``core_periphery`` (None without a core), ``groups``, ``group_score``,
        ``total_score``.

    Raises
    ------
    ValueError
        The plan used a core and none is given, or the scores of the pairs recomputed
        from ``G`` and ``core`` do not add up to ``plan.total_score`` (the graph or core
        is not the plan's).

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_nodes_from([("a", {"department": "X"}), ("b", {"department": "X"}),
    ...                   ("c", {"department": "Y"}), ("d", {"department": "Y"})])
    >>> G.add_edges_from([("a", "c"), ("a", "d")])  # a is tied to both of Y: one pair keeps a tie
    >>> f = pair_figures(vs.propose_visits(G), G)
    >>> f["partnerships"], f["different_department"], f["no_tie"], f["core_periphery"]
    (2, 2, 1, None)
    """
    if core is None and plan.params.get("core_given"):
        raise ValueError("the plan was made with a core; pass the same core")
    units = plan_units(plan)
    every = vs.ScoreWeights(different_department=1, no_tie=1, weak_tie=1,
                            weak_rating=plan.weights.weak_rating, core_periphery=1)
    counts = dict.fromkeys(vs.TERMS, 0)
    total = 0
    partnerships = 0
    for _, members in units:
        for u, v in itertools.combinations(members, 2):
            partnerships += 1
            for name, _ in vs.score_pair(G, u, v, core=core, weights=every).terms:
                counts[name] += 1
            total += vs.score_pair(G, u, v, core=core, weights=plan.weights).total
    if total != plan.total_score:
        raise ValueError(f"the pairs score {total} on this graph and core, the plan {plan.total_score}: "
                         "pass the graph and core the plan was made from")
    return {
        "members": len(plan.members()),
        "units": len(units),
        "trios": sum(len(m) == 3 for _, m in units),
        "partnerships": partnerships,
        "different_department": counts["different_department"],
        "no_tie": counts["no_tie"],
        "weak_tie": counts["weak_tie"] if plan.weights.weak_rating is not None else None,
        "core_periphery": counts["core_periphery"] if core is not None else None,
        "groups": len(plan.groups),
        "group_score": int(plan.group_score),
        "total_score": int(plan.total_score),
    }
