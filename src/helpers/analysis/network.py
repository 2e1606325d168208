"""The tie graph of a wave and its whole-network figures."""

from __future__ import annotations

import networkx as nx
import pandas as pd


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
    """The members who answered (the only ones whose outgoing ties are observed)."""
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
    """A member as outputs may name them: role and department, never the person."""
    return {"role": G.nodes[member]["role"], "department": G.nodes[member]["department"]}
