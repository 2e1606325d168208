"""Compare two survey waves of the same forum, and ask whether the job visits worked.

The survey is repeated: the programme follows the forum over time. Member ids are
pseudonyms that stay the same across waves (same person, same id), so two waves are
compared member by member. ``G_a`` is the earlier wave, ``G_b`` the later one; both follow
the graph contract of :mod:`helpers.analysis.network` (a ``networkx.DiGraph`` whose nodes carry
``gender``, ``role``, ``department`` and ``answered``; an edge ``u -> v`` with attribute
``rating`` when respondent ``u`` named ``v`` at or above the wave's tie threshold).

What is compared
----------------
Members
    Every member is present in both waves (``"both"``), only in the later one
    (``"joined"``) or only in the earlier one (``"left"``). Every comparison below runs
    over the members present in both waves.
Comparable ties
    A respondent's row is observed, a non-respondent's row is missing (not zero). A tie
    ``u -> v`` can only be compared when ``u``'s row is observed in both waves, so the
    tie-level comparisons (kept, new and dropped ties, Jaccard similarity, the density
    change, block densities and cross-department shares) run over the *comparable
    ordered pairs*: ``u != v``, both present in both waves, and ``u`` answered in both
    waves (a *sender*). A member who answered in one wave only still counts as a
    receiver of ties. :func:`comparable_graphs` gives the two waves restricted this way.
    Ties to or from members who joined or left are outside the comparison.
Attributes
    Department, role and gender are read from each wave for that wave's figures (a
    member may have moved department); lists of members (movers) show the later wave's
    attributes.

Functions
---------
* :func:`membership`, :func:`comparable_graphs` -- who is compared;
* :func:`density_change` -- density change with a node-bootstrap confidence interval
  (Snijders and Borgatti 1999);
* :func:`tie_changes`, :func:`jaccard` -- ties kept, new and dropped;
* :func:`core_transitions` -- moves between core and periphery;
* :func:`crossing_change`, :func:`block_density_change` -- collaboration across
  departments;
* :func:`external_change` -- change in the external-relations means;
* :func:`compare_waves` -- all of the above in one :class:`WaveComparison`.

Whether the job visits between the waves formed or strengthened ties is
:mod:`helpers.analysis.visit_effect`. Every function is pure (no printing, no file IO).
Tables have a fixed column order and sorted rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from helpers.analysis import departments, network

__all__ = [
    "GROUPS",
    "DensityChange",
    "WaveComparison",
    "block_density_change",
    "comparable_graphs",
    "comparable_members",
    "compare_waves",
    "core_transitions",
    "crossing_change",
    "density_change",
    "external_change",
    "jaccard",
    "membership",
    "newcombe_interval",
    "tie_changes",
    "with_ratings",
]

#: Group labels of the core-periphery split, in table order.
GROUPS = ("core", "periphery")
_TIE_COLUMNS = ["source", "target", "rating_a", "rating_b", "change"]


# ---------------------------------------------------------------------------
# who is compared
# ---------------------------------------------------------------------------


def _check(G: nx.DiGraph, name: str) -> None:
    if not isinstance(G, nx.DiGraph):
        raise TypeError(f"{name} must be a networkx.DiGraph (see helpers.analysis.network), not {type(G).__name__}")
    for node, data in G.nodes(data=True):
        if "answered" not in data:
            raise ValueError(f"{name}: member {node!r} has no 'answered' attribute")


def comparable_members(G_a: nx.DiGraph, G_b: nx.DiGraph) -> tuple[list[str], list[str]]:
    """Members in both waves (sorted) and those of them who answered in both (senders).

    Parameters
    ----------
    G_a, G_b : networkx.DiGraph
        The earlier and the later wave's tie graphs.

    Returns
    -------
    common : list of str
        Members present in both waves, sorted.
    senders : list of str
        Those of ``common`` who answered in both waves.

    Raises
    ------
    TypeError, ValueError
        A graph is not a tie graph of :mod:`helpers.analysis.network`.
    """
    _check(G_a, "G_a")
    _check(G_b, "G_b")
    common = sorted(set(G_a) & set(G_b))
    senders = [m for m in common if G_a.nodes[m]["answered"] and G_b.nodes[m]["answered"]]
    return common, senders


def membership(G_a: nx.DiGraph, G_b: nx.DiGraph) -> pd.DataFrame:
    """Who is in which wave, and whose ties can be compared.

    Parameters
    ----------
    G_a, G_b : networkx.DiGraph
        The earlier and the later wave (graph contract of :mod:`helpers.analysis.network`).

    Returns
    -------
    pandas.DataFrame
        Columns ``member_id, status, answered_a, answered_b, sender``; one row per member
        of either wave, sorted by ``member_id``. ``status`` is ``"both"``, ``"joined"``
        (later wave only) or ``"left"`` (earlier wave only); ``answered_*`` is False for
        a wave the member is not in; ``sender`` is True when the member is in both waves
        and answered in both (their named ties are compared).

    Examples
    --------
    >>> G_a = nx.DiGraph(); G_a.add_nodes_from([("x", {"answered": True}), ("y", {"answered": True})])
    >>> G_b = nx.DiGraph(); G_b.add_nodes_from([("y", {"answered": True}), ("z", {"answered": False})])
    >>> membership(G_a, G_b)[["member_id", "status", "sender"]].to_dict("list")
    {'member_id': ['x', 'y', 'z'], 'status': ['left', 'both', 'joined'], 'sender': [False, True, False]}
    """
    common, senders = comparable_members(G_a, G_b)
    common_set, sender_set = set(common), set(senders)
    rows = []
    for m in sorted(set(G_a) | set(G_b)):
        status = "both" if m in common_set else ("left" if m in G_a else "joined")
        rows.append(
            (
                m,
                status,
                bool(G_a.nodes[m]["answered"]) if m in G_a else False,
                bool(G_b.nodes[m]["answered"]) if m in G_b else False,
                m in sender_set,
            )
        )
    return pd.DataFrame(rows, columns=["member_id", "status", "answered_a", "answered_b", "sender"])


def _restrict(G: nx.DiGraph, common: list[str], senders: set[str]) -> nx.DiGraph:
    H = nx.DiGraph()
    for m in common:
        data = dict(G.nodes[m])
        data["answered"] = m in senders
        H.add_node(m, **data)
    common_set = set(common)
    H.add_edges_from(
        (u, v, dict(G.edges[u, v]))
        for u, v in sorted(G.edges())
        if u in senders and v in common_set and u != v
    )
    return H


def comparable_graphs(G_a: nx.DiGraph, G_b: nx.DiGraph) -> tuple[nx.DiGraph, nx.DiGraph]:
    """Both waves restricted to what can be compared.

    Each returned graph has the members present in both waves (added in sorted order,
    with that wave's attributes) and only the ties named by members who answered in both
    waves (the senders). Its ``answered`` attribute is redefined as "answered in both
    waves", so functions that count possible ties from ``answered`` (for example
    :func:`helpers.analysis.departments.block_densities`) count exactly the comparable pairs.

    Parameters
    ----------
    G_a, G_b : networkx.DiGraph
        The earlier and the later wave.

    Returns
    -------
    (networkx.DiGraph, networkx.DiGraph)
        New graphs; the inputs are not changed.
    """
    common, senders = comparable_members(G_a, G_b)
    sender_set = set(senders)
    return _restrict(G_a, common, sender_set), _restrict(G_b, common, sender_set)


# ---------------------------------------------------------------------------
# density change with a node bootstrap
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DensityChange:
    """Density of both waves over the comparable pairs, and its change.

    Attributes
    ----------
    density_a, density_b : float
        Ties over comparable ordered pairs (see the module docstring) in each wave.
    difference : float
        ``density_b - density_a``.
    ci_low, ci_high : float
        Percentile bootstrap confidence interval of ``difference``.
    level : float
        Confidence level of the interval, e.g. 0.95.
    se : float
        Bootstrap standard error of ``difference`` (standard deviation of the bootstrap
        differences, ``ddof=1``).
    share_opposite : float
        Smaller of the shares of bootstrap differences ``<= 0`` and ``>= 0``: how much of
        the bootstrap distribution lies on the far side of "no change".
    p_value : float
        ``min(1, 2 * share_opposite)``. A rough two-sided figure, *not* an exact test: it
        is the smallest level at which the percentile interval would just exclude 0,
        and it inherits the bootstrap's optimism for small forums.
    n_members : int
        Members present in both waves (the resampled units).
    n_senders : int
        Of these, members who answered in both waves.
    ties_a, ties_b : int
        Ties over the comparable pairs.
    possible : int
        Comparable ordered pairs, ``n_senders * (n_members - 1)``.
    n_boot : int
        Bootstrap samples drawn.
    n_valid : int
        Samples with at least one comparable pair (the others, which drew no sender or a
        single member only, are left out).
    seed : int
        Seed of ``numpy.random.default_rng``.
    method : str
        ``"node-bootstrap-paired"``.
    differences : numpy.ndarray
        The valid bootstrap differences (read-only), for plots.
    """

    density_a: float
    density_b: float
    difference: float
    ci_low: float
    ci_high: float
    level: float
    se: float
    share_opposite: float
    p_value: float
    n_members: int
    n_senders: int
    ties_a: int
    ties_b: int
    possible: int
    n_boot: int
    n_valid: int
    seed: int
    method: str = "node-bootstrap-paired"
    differences: np.ndarray = field(default_factory=lambda: np.empty(0), compare=False, repr=False)

    def as_dict(self) -> dict:
        """All fields except the bootstrap differences, for a results table or JSON."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "differences"}


def _adjacency(G: nx.DiGraph, nodes: list[str], senders: set[str]) -> np.ndarray:
    index = {m: i for i, m in enumerate(nodes)}
    X = np.zeros((len(nodes), len(nodes)), dtype=np.float64)
    for u, v in G.edges():
        if u in senders and u in index and v in index and u != v:
            X[index[u], index[v]] = 1.0
    return X


def _bootstrap_counts(
    X_a: np.ndarray, X_b: np.ndarray, r: np.ndarray, W: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ties of both waves and possible ties among drawn members, one row of ``W`` per sample.

    ``W[k, u]`` is how often member ``u`` was drawn in sample ``k``; ``r`` marks the
    senders; ``X_*`` are 0/1 adjacency matrices with a zero diagonal. A drawn pair of
    different draws ``(i, j)`` of members ``u != v`` counts ``x_uv`` ties out of one
    possible tie when ``u`` is a sender; two draws of the same member count nothing.
    """
    W = np.asarray(W, dtype=np.float64)
    Wr = W * r
    # ties: sum over u != v of w_u r_u x_uv w_v (the diagonal of X is zero)
    T_a = ((Wr @ X_a) * W).sum(axis=1)
    T_b = ((Wr @ X_b) * W).sum(axis=1)
    # possible: sum over u != v of w_u r_u w_v = (sum_u w_u r_u)(sum_v w_v) - sum_u w_u^2 r_u
    P = Wr.sum(axis=1) * W.sum(axis=1) - (Wr * W).sum(axis=1)
    return T_a, T_b, P


def density_change(
    G_a: nx.DiGraph,
    G_b: nx.DiGraph,
    *,
    seed: int = 0,
    n_boot: int = 2000,
    level: float = 0.95,
) -> DensityChange:
    """Change in density between two waves, with a paired node-bootstrap interval.

    The density of each wave is taken over the comparable ordered pairs (senders who
    answered in both waves, receivers present in both waves; see the module docstring),
    so that both waves are measured on the same pairs and a change in who answered does
    not show as a change in density.

    The interval follows the node (vertex) bootstrap of Snijders and Borgatti [1]_ for
    paired networks (the same members at two time points): draw ``n`` members with
    replacement from the ``n`` members present in both waves, take the *same* draw in
    both waves, compute each wave's density on the drawn node set and keep the
    difference. A pair of draws of different members ``i != j`` carries the observed
    value of ``i -> j``; it is a possible tie when ``i`` is a sender. A pair of two draws
    of the same member has no observed value (there are no self-ties) and is left out of
    ties and possible ties alike. Non-respondents are drawn too, as receivers. The
    interval is the percentile interval of the bootstrap differences [2]_. Because both
    waves use the same draw, the interval reflects the pairing: identical waves give a
    difference of exactly 0 in every sample and the interval ``[0, 0]``.

    Parameters
    ----------
    G_a, G_b : networkx.DiGraph
        The earlier and the later wave.
    seed : int
        Seed of ``numpy.random.default_rng``; same seed, same result.
    n_boot : int
        Bootstrap samples.
    level : float
        Confidence level of the interval, between 0 and 1.

    Returns
    -------
    DensityChange

    Raises
    ------
    ValueError
        No member answered in both waves, or fewer than two members are in both.

    References
    ----------
    .. [1] T. A. B. Snijders and S. P. Borgatti, "Non-parametric standard errors and
       tests for network statistics", Connections 22(2), 161-170, 1999.
    .. [2] B. Efron and R. J. Tibshirani, "An Introduction to the Bootstrap", Chapman
       and Hall, 1993, chapter 13.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> nx.set_node_attributes(G, True, "answered")
    >>> d = density_change(G, G, n_boot=100)
    >>> d.difference, d.ci_low, d.ci_high
    (0.0, 0.0, 0.0)
    """
    if n_boot < 1:
        raise ValueError("n_boot must be at least 1")
    if not 0 < level < 1:
        raise ValueError("level must lie strictly between 0 and 1")
    common, senders = comparable_members(G_a, G_b)
    n, s = len(common), len(senders)
    if n < 2 or s == 0:
        raise ValueError(
            f"cannot compare densities: {n} member(s) in both waves, {s} of whom answered in both"
        )
    sender_set = set(senders)
    X_a = _adjacency(G_a, common, sender_set)
    X_b = _adjacency(G_b, common, sender_set)
    r = np.array([m in sender_set for m in common], dtype=np.float64)
    possible = s * (n - 1)
    ties_a, ties_b = int(X_a.sum()), int(X_b.sum())

    rng = np.random.default_rng(seed)
    W = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot)
    T_a, T_b, P = _bootstrap_counts(X_a, X_b, r, W)
    valid = P > 0
    diffs = (T_b[valid] - T_a[valid]) / P[valid]
    diffs.setflags(write=False)

    difference = (ties_b - ties_a) / possible
    if diffs.size:
        low, high = np.quantile(diffs, [(1 - level) / 2, (1 + level) / 2])
        se = float(diffs.std(ddof=1)) if diffs.size > 1 else float("nan")
        share = float(min((diffs <= 0).mean(), (diffs >= 0).mean()))
    else:
        low = high = se = share = float("nan")
    return DensityChange(
        density_a=ties_a / possible,
        density_b=ties_b / possible,
        difference=float(difference),
        ci_low=float(low),
        ci_high=float(high),
        level=float(level),
        se=se,
        share_opposite=share,
        p_value=min(1.0, 2.0 * share) if diffs.size else float("nan"),
        n_members=n,
        n_senders=s,
        ties_a=ties_a,
        ties_b=ties_b,
        possible=possible,
        n_boot=int(n_boot),
        n_valid=int(diffs.size),
        seed=seed,
        differences=diffs,
    )


# ---------------------------------------------------------------------------
# ties kept, new and dropped
# ---------------------------------------------------------------------------


def _rating(G: nx.DiGraph, u: str, v: str) -> Any:
    value = G.edges[u, v].get("rating")
    return pd.NA if value is None else int(value)


def tie_changes(G_a: nx.DiGraph, G_b: nx.DiGraph) -> pd.DataFrame:
    """Every comparable tie of either wave, marked kept, new or dropped.

    Only comparable ordered pairs count (sender answered in both waves, receiver present
    in both; see the module docstring).

    Parameters
    ----------
    G_a, G_b : networkx.DiGraph
        The earlier and the later wave.

    Returns
    -------
    pandas.DataFrame
        Columns ``source, target, rating_a, rating_b, change``; one row per comparable
        pair tied in at least one wave, sorted by ``source`` then ``target``.
        ``rating_*`` is the tie's rating (nullable integer, ``<NA>`` when there is no tie
        in that wave, or the edge has no rating); ``change`` is ``"kept"`` (tied in both),
        ``"new"`` (later wave only) or ``"dropped"`` (earlier wave only).

    Examples
    --------
    >>> G_a = nx.DiGraph([("x", "y"), ("y", "x")]); G_b = nx.DiGraph([("x", "y"), ("x", "z")])
    >>> for G in (G_a, G_b):
    ...     G.add_nodes_from("xyz"); nx.set_node_attributes(G, True, "answered")
    >>> tie_changes(G_a, G_b)[["source", "target", "change"]].values.tolist()
    [['x', 'y', 'kept'], ['x', 'z', 'new'], ['y', 'x', 'dropped']]
    """
    H_a, H_b = comparable_graphs(G_a, G_b)
    rows = []
    for u, v in sorted(set(H_a.edges()) | set(H_b.edges())):
        in_a, in_b = H_a.has_edge(u, v), H_b.has_edge(u, v)
        change = "kept" if in_a and in_b else ("new" if in_b else "dropped")
        rows.append(
            (u, v, _rating(H_a, u, v) if in_a else pd.NA, _rating(H_b, u, v) if in_b else pd.NA, change)
        )
    frame = pd.DataFrame(rows, columns=_TIE_COLUMNS)
    frame["source"] = frame["source"].astype(str)
    frame["target"] = frame["target"].astype(str)
    frame["rating_a"] = frame["rating_a"].astype("Int64")
    frame["rating_b"] = frame["rating_b"].astype("Int64")
    frame["change"] = frame["change"].astype(str)
    return frame


def with_ratings(ties: pd.DataFrame, relations_a: pd.DataFrame | None, relations_b: pd.DataFrame | None) -> pd.DataFrame:
    """The tie changes with every rating the respondents gave, also below the tie threshold.

    :func:`tie_changes` reads the tie graphs, which hold only ratings at or above the
    threshold: a new tie's earlier rating (say "rarely", below the threshold) would be
    blank although the respondent gave it. This fills ``rating_a`` and ``rating_b`` from
    the waves' tidy relations tables wherever a rating exists; ``<NA>`` remains only
    where the respondent gave none.

    Parameters
    ----------
    ties : pandas.DataFrame
        From :func:`tie_changes`.
    relations_a, relations_b : pandas.DataFrame or None
        Each wave's ``source, target, rating`` (every rating given); None leaves that
        wave's column as it is.

    Returns
    -------
    pandas.DataFrame
        A copy of ``ties`` with the ratings filled in.

    Examples
    --------
    >>> ties = pd.DataFrame({"source": ["x"], "target": ["y"], "rating_a": pd.array([pd.NA], "Int64"),
    ...                      "rating_b": pd.array([3], "Int64"), "change": ["new"]})
    >>> rel = pd.DataFrame({"source": ["x"], "target": ["y"], "rating": [1]})
    >>> with_ratings(ties, rel, None)["rating_a"].tolist()
    [1]
    """
    out = ties.copy()
    for column, relations in (("rating_a", relations_a), ("rating_b", relations_b)):
        if relations is None or not len(out):
            continue
        given = relations.dropna(subset=["rating"])
        lookup = {(str(u), str(v)): int(r) for u, v, r in zip(given["source"], given["target"], given["rating"])}
        found = [lookup.get((u, v)) for u, v in zip(out["source"], out["target"])]
        filled = pd.array([f if f is not None else pd.NA for f in found], dtype="Int64")
        out[column] = out[column].astype("Int64").fillna(pd.Series(filled, index=out.index))
    return out


def jaccard(ties: pd.DataFrame) -> float:
    """Jaccard similarity of the two waves' tie sets: kept / (kept + new + dropped).

    Parameters
    ----------
    ties : pandas.DataFrame
        Output of :func:`tie_changes` (comparable pairs only).

    Returns
    -------
    float
        Between 0 and 1; NaN when neither wave has a comparable tie.

    Examples
    --------
    >>> jaccard(pd.DataFrame({"change": ["kept", "new", "dropped", "kept"]}))
    0.5
    """
    if len(ties) == 0:
        return float("nan")
    return float((ties["change"] == "kept").sum()) / float(len(ties))


# ---------------------------------------------------------------------------
# core and periphery
# ---------------------------------------------------------------------------


def _core_set(core: Any, G: nx.DiGraph, name: str) -> set[str]:
    members = core.core if hasattr(core, "core") else core
    if isinstance(members, str):
        raise TypeError(f"{name} must be a collection of member ids or a CorePeriphery, not a string")
    result = {str(m) for m in members}
    unknown = sorted(result - set(G))
    if unknown:
        raise ValueError(f"{name} names members who are not in that wave: {unknown}")
    return result


def core_transitions(
    G_a: nx.DiGraph, G_b: nx.DiGraph, core_a: Any, core_b: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Moves between core and periphery of the members present in both waves.

    A member of a wave is in that wave's core when listed in its core set, otherwise in
    its periphery. Members who joined or left are not counted.

    Parameters
    ----------
    G_a, G_b : networkx.DiGraph
        The earlier and the later wave.
    core_a, core_b : collection of str or CorePeriphery
        Core members of each wave (a :class:`helpers.analysis.coreperiphery.CorePeriphery` is
        read through its ``core``). Every id must be a member of that wave.

    Returns
    -------
    transitions : pandas.DataFrame
        Columns ``from, to, n_members``; four rows in the order core -> core,
        core -> periphery, periphery -> core, periphery -> periphery.
    movers : pandas.DataFrame
        Columns ``member_id, department, role, from, to``; one row per member whose group
        changed, sorted by ``from``, ``to`` and ``member_id``. Department and role are
        the later wave's.

    Examples
    --------
    >>> G = nx.DiGraph(); G.add_nodes_from("wxyz", answered=True, department="A", role="chief")
    >>> t, m = core_transitions(G, G, {"w", "x"}, {"x", "y"})
    >>> t["n_members"].tolist(), m["member_id"].tolist()
    ([1, 1, 1, 1], ['w', 'y'])
    """
    common, _ = comparable_members(G_a, G_b)
    in_a = _core_set(core_a, G_a, "core_a")
    in_b = _core_set(core_b, G_b, "core_b")

    def group(m: str, core: set[str]) -> str:
        return GROUPS[0] if m in core else GROUPS[1]

    moves = [(m, group(m, in_a), group(m, in_b)) for m in common]
    counts = {(f, t): 0 for f in GROUPS for t in GROUPS}
    for _, f, t in moves:
        counts[(f, t)] += 1
    transitions = pd.DataFrame(
        [(f, t, counts[(f, t)]) for f in GROUPS for t in GROUPS], columns=["from", "to", "n_members"]
    )
    movers = pd.DataFrame(
        [
            (m, str(G_b.nodes[m].get("department", "")), str(G_b.nodes[m].get("role", "")), f, t)
            for m, f, t in moves
            if f != t
        ],
        columns=["member_id", "department", "role", "from", "to"],
    )
    order = {g: i for i, g in enumerate(GROUPS)}
    movers = movers.sort_values(
        ["from", "to", "member_id"], key=lambda c: c.map(order) if c.name in ("from", "to") else c, ignore_index=True
    )
    return transitions, movers


# ---------------------------------------------------------------------------
# departments
# ---------------------------------------------------------------------------


def crossing_change(G_a: nx.DiGraph, G_b: nx.DiGraph, attribute: str = "department") -> pd.DataFrame:
    """Change in the share of ties that cross groups (departments), forum-wide and per group.

    Counted over the comparable ties (see the module docstring). A group's figures are
    the ties its senders named (outgoing); each wave uses its own attribute values.

    Parameters
    ----------
    G_a, G_b : networkx.DiGraph
        The earlier and the later wave.
    attribute : str
        Node attribute defining the groups.

    Returns
    -------
    pandas.DataFrame
        Columns ``attribute, level, group, ties_a, crossing_a, share_a, ties_b,
        crossing_b, share_b, change``. The first row is ``level="whole"`` (``group``
        empty), then one ``level="group"`` row per group of either wave, sorted.
        ``share_* = crossing_* / ties_*`` (NaN without ties); ``change = share_b -
        share_a``.

    See Also
    --------
    helpers.analysis.departments.crossing_shares : the per-wave figures.
    """
    H_a, H_b = comparable_graphs(G_a, G_b)

    def counts(H: nx.DiGraph) -> dict[str, tuple[int, int]]:
        out: dict[str, list[int]] = {}
        for u, v in H.edges():
            g = str(H.nodes[u][attribute])
            entry = out.setdefault(g, [0, 0])
            entry[0] += 1
            entry[1] += int(g != str(H.nodes[v][attribute]))
        for m in H:  # groups whose senders named nobody still get a row
            out.setdefault(str(H.nodes[m][attribute]), [0, 0])
        return {g: (t, c) for g, (t, c) in out.items()}

    c_a, c_b = counts(H_a), counts(H_b)

    def ratio(x: int, y: int) -> float:
        return x / y if y else float("nan")

    def row(level: str, group: str, a: tuple[int, int], b: tuple[int, int]) -> tuple:
        share_a, share_b = ratio(a[1], a[0]), ratio(b[1], b[0])
        return (attribute, level, group, a[0], a[1], share_a, b[0], b[1], share_b, share_b - share_a)

    whole_a = tuple(int(sum(x[i] for x in c_a.values())) for i in (0, 1))
    whole_b = tuple(int(sum(x[i] for x in c_b.values())) for i in (0, 1))
    rows = [row("whole", "", whole_a, whole_b)]
    for g in sorted(set(c_a) | set(c_b)):
        rows.append(row("group", g, c_a.get(g, (0, 0)), c_b.get(g, (0, 0))))
    return pd.DataFrame(
        rows,
        columns=[
            "attribute", "level", "group", "ties_a", "crossing_a", "share_a",
            "ties_b", "crossing_b", "share_b", "change",
        ],
    )  # fmt: skip


def block_density_change(G_a: nx.DiGraph, G_b: nx.DiGraph, attribute: str = "department") -> pd.DataFrame:
    """Change in the tie density between every ordered pair of groups (departments).

    Each wave's block densities are those of
    :func:`helpers.analysis.departments.block_densities` on the comparable graphs
    (:func:`comparable_graphs`): possible ties in block ``A -> B`` are the senders of
    ``A`` times the members of ``B`` (minus one when ``A == B``), all present in both
    waves.

    Parameters
    ----------
    G_a, G_b : networkx.DiGraph
        The earlier and the later wave.
    attribute : str
        Node attribute defining the groups.

    Returns
    -------
    pandas.DataFrame
        Columns ``source_<attribute>, target_<attribute>, density_a, density_b, change,
        ties_a, ties_b, possible_a, possible_b, senders_a, senders_b``; one row per
        ordered pair of groups of either wave, sorted by source then target. ``change =
        density_b - density_a``; a block absent from a wave has NaN density and 0 ties
        there. ``senders_*`` counts the source group's senders (members who answered in
        both waves) in each wave: the people a row describes. ``ci_low, ci_high``: 95 %
        interval of the change (:func:`newcombe_interval`; NaN where a wave has no possible
        tie in the block).
    """
    H_a, H_b = comparable_graphs(G_a, G_b)
    src, dst = f"source_{attribute}", f"target_{attribute}"
    keys = [src, dst]
    a = departments.block_densities(H_a, attribute)[keys + ["ties", "possible", "density"]]
    b = departments.block_densities(H_b, attribute)[keys + ["ties", "possible", "density"]]
    merged = a.merge(b, on=keys, how="outer", suffixes=("_a", "_b"), sort=True)
    for col in ("ties_a", "ties_b", "possible_a", "possible_b"):
        merged[col] = merged[col].fillna(0).astype(int)
    merged["change"] = merged["density_b"] - merged["density_a"]
    bounds = [newcombe_interval(ta, pa, tb, pb) for ta, pa, tb, pb in
              zip(merged["ties_a"], merged["possible_a"], merged["ties_b"], merged["possible_b"])]
    merged["ci_low"] = [b[0] for b in bounds]
    merged["ci_high"] = [b[1] for b in bounds]
    for suffix, H in (("a", H_a), ("b", H_b)):
        senders = pd.Series([str(g) for m, g in H.nodes(data=attribute) if H.nodes[m]["answered"]]).value_counts()
        merged[f"senders_{suffix}"] = merged[src].map(senders).fillna(0).astype(int)
    columns = keys + ["density_a", "density_b", "change", "ties_a", "ties_b", "possible_a", "possible_b",
                      "senders_a", "senders_b", "ci_low", "ci_high"]
    return merged[columns].sort_values(keys, ignore_index=True)


def _wilson(x: int, n: int, z: float) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def newcombe_interval(x_a: int, n_a: int, x_b: int, n_b: int, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval of the difference of two proportions ``x_b / n_b - x_a / n_a``.

    Newcombe's hybrid score interval (his method 10): Wilson score intervals of each
    proportion combined by the square-and-add rule. It keeps its level for small counts,
    where the Wald interval does not. A block's ties in two waves are paired (the same
    comparable pairs), and the pairing, positive in practice, makes the true interval
    narrower: this one is on the safe side.

    Parameters
    ----------
    x_a, n_a : int
        Ties and possible ties in the earlier wave.
    x_b, n_b : int
        The same in the later wave.
    level : float
        Confidence level.

    Returns
    -------
    tuple of float
        ``(low, high)``; NaN when ``n_a`` or ``n_b`` is 0.

    References
    ----------
    .. [1] R. G. Newcombe, "Interval estimation for the difference between independent
       proportions: comparison of eleven methods", Statistics in Medicine 17(8),
       873-890, 1998.

    Examples
    --------
    Newcombe's example (56/70 against 48/80), here as the later minus the earlier:

    >>> [round(x, 4) for x in newcombe_interval(48, 80, 56, 70)]
    [0.0524, 0.3339]
    """
    if not n_a or not n_b:
        return float("nan"), float("nan")
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + level / 2))
    pa, pb = x_a / n_a, x_b / n_b
    la, ua = _wilson(x_a, n_a, z)
    lb, ub = _wilson(x_b, n_b, z)
    d = pb - pa
    return float(d - np.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)), float(d + np.sqrt((ub - pb) ** 2 + (pa - la) ** 2))


# ---------------------------------------------------------------------------
# external relations
# ---------------------------------------------------------------------------


def external_change(means_a: pd.DataFrame, means_b: pd.DataFrame) -> pd.DataFrame:
    """Difference between two waves' external-relations means.

    Compares groups, not persons: each wave's ``core`` and ``periphery`` are that wave's
    own split, so part of a change can come from members moving between the groups.

    Parameters
    ----------
    means_a, means_b : pandas.DataFrame
        Tables with at least ``partner, group, n_answered, mean_rating`` (the layout of
        :func:`helpers.analysis.external.external_means`) for the earlier and the later wave.

    Returns
    -------
    pandas.DataFrame
        Columns ``partner, group, n_answered_a, mean_rating_a, n_answered_b,
        mean_rating_b, change`` with ``change = mean_rating_b - mean_rating_a``; one row
        per partner and group of either table, in the order of ``means_a`` (partners and
        groups only in ``means_b`` follow, in its order). Counts are 0 and means NaN
        where a table lacks the row.

    Examples
    --------
    >>> a = pd.DataFrame({"partner": ["regions"], "group": ["core"], "n_answered": [4], "mean_rating": [2.5]})
    >>> b = pd.DataFrame({"partner": ["regions"], "group": ["core"], "n_answered": [5], "mean_rating": [3.0]})
    >>> external_change(a, b)["change"].tolist()
    [0.5]
    """
    required = ["partner", "group", "n_answered", "mean_rating"]
    for name, frame in (("means_a", means_a), ("means_b", means_b)):
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks columns {missing}")
        if frame.duplicated(["partner", "group"]).any():
            raise ValueError(f"{name} has more than one row for a partner and group")
    partners = list(dict.fromkeys(list(means_a["partner"]) + list(means_b["partner"])))
    groups = list(dict.fromkeys(list(means_a["group"]) + list(means_b["group"])))
    a = means_a[required].set_index(["partner", "group"])
    b = means_b[required].set_index(["partner", "group"])
    present = set(a.index) | set(b.index)
    rows = []
    for p in partners:
        for g in groups:
            if (p, g) not in present:
                continue
            n_a = int(a.at[(p, g), "n_answered"]) if (p, g) in a.index else 0
            m_a = float(a.at[(p, g), "mean_rating"]) if (p, g) in a.index else float("nan")
            n_b = int(b.at[(p, g), "n_answered"]) if (p, g) in b.index else 0
            m_b = float(b.at[(p, g), "mean_rating"]) if (p, g) in b.index else float("nan")
            rows.append((p, g, n_a, m_a, n_b, m_b, m_b - m_a))
    return pd.DataFrame(
        rows,
        columns=["partner", "group", "n_answered_a", "mean_rating_a", "n_answered_b", "mean_rating_b", "change"],
    )


# ---------------------------------------------------------------------------
# everything together
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class WaveComparison:
    """Two waves of the same forum compared (see :func:`compare_waves`).

    Attributes
    ----------
    members : pandas.DataFrame
        :func:`membership`.
    whole : pandas.DataFrame
        Each whole wave's own figures (:func:`helpers.analysis.network.summary`, all members and
        respondents of that wave), for context: columns ``wave, members, respondents,
        response_rate, ties, possible_ties, density``, rows ``a`` then ``b``. The change
        is measured by ``density``, over the comparable pairs only.
    density : DensityChange
        :func:`density_change`.
    ties : pandas.DataFrame
        :func:`tie_changes` (kept, new and dropped comparable ties).
    jaccard : float
        Jaccard similarity of the comparable tie sets.
    n_comparable_pairs : int
        Comparable ordered pairs (senders x (members in both waves - 1)).
    transitions : pandas.DataFrame
        :func:`core_transitions`, first table.
    movers : pandas.DataFrame
        :func:`core_transitions`, second table.
    crossing : pandas.DataFrame
        :func:`crossing_change`.
    blocks : pandas.DataFrame
        :func:`block_density_change`.
    external : pandas.DataFrame or None
        :func:`external_change` when both means tables were given.
    params : dict
        ``seed``, ``n_boot``, ``level``, ``attribute``, and the rule of comparison.
    """

    members: pd.DataFrame
    whole: pd.DataFrame
    density: DensityChange
    ties: pd.DataFrame
    jaccard: float
    n_comparable_pairs: int
    transitions: pd.DataFrame
    movers: pd.DataFrame
    crossing: pd.DataFrame
    blocks: pd.DataFrame
    external: pd.DataFrame | None
    params: dict

    def _ids(self, status: str) -> tuple[str, ...]:
        return tuple(self.members.loc[self.members["status"] == status, "member_id"])

    @property
    def common(self) -> tuple[str, ...]:
        """Members present in both waves, sorted."""
        return self._ids("both")

    @property
    def joined(self) -> tuple[str, ...]:
        """Members of the later wave only, sorted."""
        return self._ids("joined")

    @property
    def left(self) -> tuple[str, ...]:
        """Members of the earlier wave only, sorted."""
        return self._ids("left")

    def _ties(self, change: str) -> pd.DataFrame:
        return self.ties.loc[self.ties["change"] == change, _TIE_COLUMNS[:4]].reset_index(drop=True)

    @property
    def kept(self) -> pd.DataFrame:
        """Comparable ties in both waves: ``source, target, rating_a, rating_b``."""
        return self._ties("kept")

    @property
    def new(self) -> pd.DataFrame:
        """Comparable ties in the later wave only: ``source, target, rating_a, rating_b``."""
        return self._ties("new")

    @property
    def dropped(self) -> pd.DataFrame:
        """Comparable ties in the earlier wave only: ``source, target, rating_a, rating_b``."""
        return self._ties("dropped")

    @property
    def tie_counts(self) -> dict[str, int]:
        """Counts of ``kept``, ``new`` and ``dropped`` comparable ties."""
        return {c: int((self.ties["change"] == c).sum()) for c in ("kept", "new", "dropped")}

    def transition_matrix(self) -> pd.DataFrame:
        """The transitions as a 2 x 2 table: rows the earlier group, columns the later one."""
        table = self.transitions.pivot(index="from", columns="to", values="n_members")
        return table.reindex(index=list(GROUPS), columns=list(GROUPS))


def compare_waves(
    G_a: nx.DiGraph,
    G_b: nx.DiGraph,
    *,
    core_a: Any,
    core_b: Any,
    seed: int = 0,
    n_boot: int = 2000,
    level: float = 0.95,
    attribute: str = "department",
    external_a: pd.DataFrame | None = None,
    external_b: pd.DataFrame | None = None,
) -> WaveComparison:
    """Compare two waves of the same forum.

    Runs :func:`membership`, :func:`density_change`, :func:`tie_changes`,
    :func:`core_transitions`, :func:`crossing_change`, :func:`block_density_change` and,
    when both external-means tables are given, :func:`external_change`. All comparisons
    run over the members present in both waves; tie-level comparisons over the ordered
    pairs whose sender answered in both waves (see the module docstring).

    Parameters
    ----------
    G_a, G_b : networkx.DiGraph
        The earlier and the later wave.
    core_a, core_b : collection of str or CorePeriphery
        Core members of each wave.
    seed : int
        Seed of the density bootstrap.
    n_boot : int
        Bootstrap samples.
    level : float
        Confidence level of the bootstrap interval.
    attribute : str
        Node attribute for the cross-group comparisons (default ``"department"``).
    external_a, external_b : pandas.DataFrame, optional
        :func:`helpers.analysis.external.external_means` of each wave.

    Returns
    -------
    WaveComparison

    References
    ----------
    .. [1] T. A. B. Snijders and S. P. Borgatti, "Non-parametric standard errors and
       tests for network statistics", Connections 22(2), 161-170, 1999.
    """
    if (external_a is None) != (external_b is None):
        raise ValueError("give both external_a and external_b, or neither")
    ties = tie_changes(G_a, G_b)
    transitions, movers = core_transitions(G_a, G_b, core_a, core_b)
    density = density_change(G_a, G_b, seed=seed, n_boot=n_boot, level=level)
    whole = pd.DataFrame([{"wave": "a", **network.summary(G_a)}, {"wave": "b", **network.summary(G_b)}])
    return WaveComparison(
        members=membership(G_a, G_b),
        whole=whole[["wave", "members", "respondents", "response_rate", "ties", "possible_ties", "density"]],
        density=density,
        ties=ties,
        jaccard=jaccard(ties),
        n_comparable_pairs=density.possible,
        transitions=transitions,
        movers=movers,
        crossing=crossing_change(G_a, G_b, attribute),
        blocks=block_density_change(G_a, G_b, attribute),
        external=None if external_a is None else external_change(external_a, external_b),
        params={
            "seed": seed,
            "n_boot": int(n_boot),
            "level": float(level),
            "attribute": attribute,
            "basis": "members in both waves; ties named by members who answered in both waves",
        },
    )
