"""Collaboration across departments (or any other member attribute).

Every function takes the forum graph described in :mod:`helpers.analysis.network`
(a ``networkx.DiGraph`` whose nodes are member ids with the attributes
``department``, ``role``, ``gender`` and ``answered``; an edge ``u -> v``
when respondent ``u`` named ``v`` at or above the tie threshold) and returns
a new object: a float or a ``pandas.DataFrame`` with a fixed column order and
sorted rows. Nothing is printed, read or written.

Non-respondents
---------------
Only respondents have outgoing edges. A non-respondent's row is *unobserved*,
not zero, so every denominator here counts the ties that could have been
reported: a respondent in group ``A`` could name each of the ``n(B)`` members
of group ``B`` (each of the ``n(A) - 1`` others when ``B == A``); a
non-respondent could name nobody. Ties that respondents name to
non-respondents are real and are counted.

Three families of measures live here:

* block densities (:func:`block_densities`, :func:`department_densities`,
  :func:`density_matrix`);
* the E-I index of Krackhardt and Stern (:func:`ei_index`,
  :func:`group_ei_index`, :func:`member_ei_index`,
  :func:`expected_ei_index`, :func:`rescaled_ei_index`,
  :func:`ei_permutation_test`, :func:`ei_summary`);
* bridges across groups (:func:`crossing_shares`,
  :func:`bridging_members`, :func:`unlinked_pairs`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from helpers.analysis.network import sorted_unique
from helpers.analysis.permutation import SequentialRule, p_value, sequential_test

__all__ = [
    "ATTRIBUTES",
    "block_densities",
    "bridging_members",
    "crossing_shares",
    "department_densities",
    "density_matrix",
    "ei_index",
    "ei_permutation_test",
    "ei_summary",
    "expected_ei_index",
    "group_ei_index",
    "group_sizes",
    "member_ei_index",
    "rescaled_ei_index",
    "unlinked_pairs",
]

#: Member attributes the forum analysis groups by.
ATTRIBUTES = ("department", "role", "gender")

_ALTERNATIVES = ("two-sided", "less", "greater")


# ---------------------------------------------------------------------------
# internal helpers
# ---------------------------------------------------------------------------


def _members(G: nx.DiGraph, attribute: str) -> pd.DataFrame:
    """Members sorted by id with their group and response status.

    Raises ``ValueError`` as :func:`_coded` does (a member without ``attribute`` or
    ``answered``, a self-loop, a non-respondent with an outgoing tie).
    """
    coded = _coded(G, attribute)
    return pd.DataFrame({"member_id": coded.members, "group": [coded.groups[i] for i in coded.code],
                         "answered": coded.answered})


@dataclass(frozen=True)
class _Coded:
    """A forum graph as arrays: members sorted by id, each with a group code; ties as member indices.

    ``members`` are the ids as text, sorted (``nodes``: the graph's own node objects in the
    same order); ``groups`` the sorted group labels and ``code`` each member's index into
    them; ``src``/``dst`` the ends of every tie in the graph's edge order.
    """

    members: list[str]
    nodes: list
    groups: list[str]
    code: np.ndarray
    answered: np.ndarray
    src: np.ndarray
    dst: np.ndarray

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    def sizes(self) -> tuple[np.ndarray, np.ndarray]:
        """Members and respondents per group (in ``groups`` order)."""
        k = self.n_groups
        return (np.bincount(self.code, minlength=k).astype(np.int64),
                np.bincount(self.code[self.answered], minlength=k).astype(np.int64))


def _coded(G: nx.DiGraph, attribute: str) -> _Coded:
    """The graph coded by ``attribute``: one pass over members and ties, O(n log n + m).

    Raises ``ValueError`` as :func:`_members` does (a member without ``attribute`` or
    ``answered``, a self-loop, a non-respondent with an outgoing tie: the first one met).
    """
    rows = []
    for node, data in G.nodes(data=True):
        if attribute not in data or data[attribute] is None:
            raise ValueError(f"member {node!r} has no {attribute!r} attribute")
        if "answered" not in data:
            raise ValueError(f"member {node!r} has no 'answered' attribute")
        rows.append((str(node), node, str(data[attribute]), bool(data["answered"])))
    rows.sort(key=lambda r: r[0])
    groups = sorted({r[2] for r in rows})
    slot = {g: i for i, g in enumerate(groups)}
    index = {r[1]: i for i, r in enumerate(rows)}
    code = np.fromiter((slot[r[2]] for r in rows), dtype=np.int64, count=len(rows))
    answered = np.fromiter((r[3] for r in rows), dtype=bool, count=len(rows))
    m = G.number_of_edges()
    if G.is_directed():  # the ties in the graph's edge order, read from the successor lists
        succ = G.succ
        degree = np.fromiter((len(nbrs) for nbrs in succ.values()), dtype=np.int64, count=len(succ))
        src = np.repeat(np.fromiter((index[u] for u in succ), dtype=np.int64, count=len(succ)), degree)
        dst = np.fromiter(map(index.__getitem__, itertools.chain.from_iterable(succ.values())), dtype=np.int64,
                          count=m)
    else:
        ends = np.fromiter((index[x] for e in G.edges() for x in e), dtype=np.int64, count=2 * m).reshape(m, 2)
        src, dst = ends[:, 0].copy(), ends[:, 1].copy()
    bad = (src == dst) | ~answered[src]
    if bad.any():
        i = int(np.argmax(bad))
        u, v = rows[src[i]][1], rows[dst[i]][1]
        if src[i] == dst[i]:
            raise ValueError(f"self-loop on member {u!r}")
        raise ValueError(f"non-respondent {u!r} has an outgoing tie to {v!r}")
    return _Coded([r[0] for r in rows], [r[1] for r in rows], groups, code, answered, src, dst)


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


def _ei(external: int, internal: int) -> float:
    return _ratio(external - internal, external + internal)


# ---------------------------------------------------------------------------
# group sizes and block densities
# ---------------------------------------------------------------------------


def group_sizes(G: nx.DiGraph, attribute: str = "department") -> pd.DataFrame:
    """Members and respondents per group.

    Parameters
    ----------
    G : networkx.DiGraph
        Forum graph (see module docstring).
    attribute : str
        Node attribute defining the groups.

    Returns
    -------
    pandas.DataFrame
        Columns ``attribute, group, n_members, n_respondents``, one row per
        group, sorted by group.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_nodes_from([("a", {"department": "X", "answered": True}),
    ...                   ("b", {"department": "X", "answered": False}),
    ...                   ("c", {"department": "Y", "answered": True})])
    >>> group_sizes(G).to_dict("records")[0]
    {'attribute': 'department', 'group': 'X', 'n_members': 2, 'n_respondents': 1}
    """
    return _group_sizes(_coded(G, attribute), attribute)


def _group_sizes(c: _Coded, attribute: str) -> pd.DataFrame:
    n, n_resp = c.sizes()
    return pd.DataFrame({"attribute": attribute, "group": list(c.groups),
                         "n_members": n, "n_respondents": n_resp},
                        columns=["attribute", "group", "n_members", "n_respondents"])


def block_densities(G: nx.DiGraph, attribute: str = "department") -> pd.DataFrame:
    """Directed tie density between every ordered pair of groups.

    A block ``A -> B`` holds the ties that respondents in group ``A`` named to
    members of group ``B``. Only respondents could name anyone, so the
    possible ties are

    * ``n_resp(A) * n(B)`` when ``A != B``;
    * ``n_resp(A) * (n(A) - 1)`` when ``A == B`` (nobody names themself).

    ``density = ties / possible``; it is NaN when ``A`` has no respondent
    (the block is unobserved, not empty). Summed over all blocks, ties and
    possible ties give the forum's density over respondents,
    ``|E| / (n_resp * (n - 1))``.

    Parameters
    ----------
    G : networkx.DiGraph
        Forum graph (see module docstring).
    attribute : str
        Node attribute defining the groups, e.g. ``"department"``,
        ``"role"`` or ``"gender"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``source_<attribute>, target_<attribute>, ties, possible,
        density``; one row per ordered pair of groups (all pairs, also those
        without ties), sorted by source then target.

    See Also
    --------
    department_densities : the same for ``attribute="department"``.
    density_matrix : pivot the result to a source x target matrix.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b"), ("a", "c")])
    >>> nx.set_node_attributes(G, {"a": "X", "b": "X", "c": "Y"}, "department")
    >>> nx.set_node_attributes(G, {"a": True, "b": False, "c": False}, "answered")
    >>> block_densities(G)[["source_department", "target_department", "density"]]
      source_department target_department  density
    0                 X                 X      1.0
    1                 X                 Y      1.0
    2                 Y                 X      NaN
    3                 Y                 Y      NaN
    """
    c = _coded(G, attribute)
    k = c.n_groups
    n, n_resp = c.sizes()
    ties = np.bincount(c.code[c.src] * k + c.code[c.dst], minlength=k * k).astype(np.int64)
    possible = (np.outer(n_resp, n) - np.diag(n_resp)).ravel()  # nobody names themself
    with np.errstate(invalid="ignore", divide="ignore"):
        density = np.where(possible > 0, ties / np.maximum(possible, 1), np.nan)
    labels = np.array(c.groups, dtype=object)
    return pd.DataFrame(
        {f"source_{attribute}": np.repeat(labels, k), f"target_{attribute}": np.tile(labels, k),
         "ties": ties, "possible": possible.astype(np.int64), "density": density.astype(float)},
        columns=[f"source_{attribute}", f"target_{attribute}", "ties", "possible", "density"],
    )


def department_densities(G: nx.DiGraph) -> pd.DataFrame:
    """Directed department x department tie densities.

    Shorthand for ``block_densities(G, "department")``; see
    :func:`block_densities` for the denominators.

    Parameters
    ----------
    G : networkx.DiGraph
        Forum graph (see module docstring).

    Returns
    -------
    pandas.DataFrame
        Columns ``source_department, target_department, ties, possible,
        density``, sorted by source then target department.
    """
    return block_densities(G, "department")


def density_matrix(
    blocks: pd.DataFrame,
    value: str = "density",
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Pivot a block table to a source x target matrix.

    Parameters
    ----------
    blocks : pandas.DataFrame
        Output of :func:`block_densities` (any attribute).
    value : str
        Column to put in the cells: ``"density"``, ``"ties"`` or
        ``"possible"``.
    order : sequence of str, optional
        Group order for rows and columns; sorted labels when omitted. Must
        name exactly the groups in ``blocks``.

    Returns
    -------
    pandas.DataFrame
        Rows: source groups (index named ``source_<attribute>``); columns:
        target groups (named ``target_<attribute>``).

    Examples
    --------
    >>> import pandas as pd
    >>> blocks = pd.DataFrame({"source_role": ["a", "a", "b", "b"],
    ...                        "target_role": ["a", "b", "a", "b"],
    ...                        "ties": [1, 2, 3, 4], "possible": [4] * 4,
    ...                        "density": [0.25, 0.5, 0.75, 1.0]})
    >>> m = density_matrix(blocks, "ties")
    >>> m.index.name, m.columns.name, m.to_numpy().tolist()
    ('source_role', 'target_role', [[1, 2], [3, 4]])
    """
    source = next(c for c in blocks.columns if c.startswith("source_"))
    target = next(c for c in blocks.columns if c.startswith("target_"))
    groups = sorted(set(blocks[source]) | set(blocks[target]))
    if order is None:
        order = groups
    elif sorted(order) != groups:
        raise ValueError(f"order {list(order)} does not name the groups {groups}")
    matrix = blocks.pivot(index=source, columns=target, values=value)
    matrix = matrix.reindex(index=list(order), columns=list(order))
    matrix.index.name = source
    matrix.columns.name = target
    return matrix


# ---------------------------------------------------------------------------
# E-I index
# ---------------------------------------------------------------------------


def ei_index(G: nx.DiGraph, attribute: str = "department") -> float:
    """Krackhardt and Stern's E-I index of the whole forum.

    ``E-I = (E - I) / (E + I)`` where ``E`` counts ties between members of
    different groups and ``I`` ties within a group. Every directed tie counts
    once, so a reciprocated pair counts twice (two reports). The index runs
    from -1 (all ties inside groups) to +1 (all ties across groups); it is
    NaN for a graph without ties.

    Reading it: zero is *not* the no-preference point. Within-department
    pairs are few (a member of a seven-person department has 6 possible
    colleagues inside and 33 outside), so random mixing gives a clearly
    positive index: about +0.7 for six departments of 6-7 members
    (:func:`expected_ei_index`). Most members' daily work is inside their
    own department, so ties concentrate there and the observed index lies
    *below* that expectation; it only turns negative when internal ties
    outnumber external ones in absolute terms, which needs a sparse network
    (in a forum with 42 % density and six departments, even a tie to every
    departmental colleague leaves most ties external, so the index cannot
    fall below about +0.3; see :func:`rescaled_ei_index`). Conversely, a
    negative value does not mean cross-department ties are rare: E-I = -0.2
    still means 40 % of all ties cross departments. For attributes with
    unequal groups the expectation itself can be negative (6 directors and
    34 chiefs: -0.48). So compare the observed value with the expected
    value, the permutation null (:func:`ei_permutation_test`) and the
    feasible range, never with zero.

    Parameters
    ----------
    G : networkx.DiGraph
        Forum graph (see module docstring).
    attribute : str
        Node attribute defining the groups.

    Returns
    -------
    float
        Between -1 and 1, or NaN when ``G`` has no ties.

    References
    ----------
    .. [1] D. Krackhardt and R. N. Stern, "Informal networks and
       organizational crises: an experimental simulation", Social
       Psychology Quarterly 51(2), 123-140, 1988.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b"), ("a", "c"), ("c", "a")])
    >>> nx.set_node_attributes(G, {"a": "X", "b": "X", "c": "Y"}, "department")
    >>> nx.set_node_attributes(G, True, "answered")
    >>> ei_index(G)  # E = 2 (a->c, c->a), I = 1 (a->b)
    0.3333333333333333
    """
    return _whole_ei(_coded(G, attribute))


def _whole_ei(c: _Coded) -> float:
    external = int((c.code[c.src] != c.code[c.dst]).sum())
    return _ei(external, len(c.src) - external)


def group_ei_index(G: nx.DiGraph, attribute: str = "department") -> pd.DataFrame:
    """E-I index of every group.

    For group ``g``, ``I`` counts ties with both ends in ``g`` and ``E``
    counts ties with exactly one end in ``g``, sent or received. Incoming
    external ties come only from respondents of other groups, so a group's
    ``E`` also depends on how many members of the other groups answered.

    Parameters
    ----------
    G : networkx.DiGraph
        Forum graph (see module docstring).
    attribute : str
        Node attribute defining the groups.

    Returns
    -------
    pandas.DataFrame
        Columns ``attribute, group, n_members, n_respondents, internal,
        external, ei_index``; one row per group, sorted by group. ``ei_index``
        is NaN for a group without ties.

    References
    ----------
    .. [1] D. Krackhardt and R. N. Stern, "Informal networks and
       organizational crises: an experimental simulation", Social
       Psychology Quarterly 51(2), 123-140, 1988.
    """
    c = _coded(G, attribute)
    out = _group_sizes(c, attribute)
    k = c.n_groups
    cs, cd = c.code[c.src], c.code[c.dst]
    same = cs == cd
    internal = np.bincount(cs[same], minlength=k).astype(np.int64)
    external = (np.bincount(cs[~same], minlength=k) + np.bincount(cd[~same], minlength=k)).astype(np.int64)
    out["internal"], out["external"] = internal, external
    out["ei_index"] = [_ei(e, i) for e, i in zip(external.tolist(), internal.tolist())]
    return out


def member_ei_index(
    G: nx.DiGraph,
    attribute: str = "department",
    direction: str = "both",
) -> pd.DataFrame:
    """E-I index of every member, over the ties the member takes part in.

    ``direction="both"`` (default) counts the member's outgoing and incoming
    ties; each directed tie is one report, so a reciprocated pair with a
    colleague counts twice (once sent, once received). This keeps the member
    level consistent with :func:`ei_index` and :func:`group_ei_index`,
    which also count directed ties.

    A non-respondent's outgoing ties are unobserved, so their value rests on
    incoming ties only (column ``observed`` says ``"in"``); for respondents
    it says ``"in+out"``. ``"out"`` and ``"in"`` restrict the count to one
    direction; with ``"out"`` non-respondents get NaN.

    Parameters
    ----------
    G : networkx.DiGraph
        Forum graph (see module docstring).
    attribute : str
        Node attribute defining the groups.
    direction : {"both", "out", "in"}
        Which of the member's ties to count.

    Returns
    -------
    pandas.DataFrame
        Columns ``member_id, attribute, group, answered, observed, internal,
        external, ei_index``; one row per member, sorted by ``member_id``.
        ``ei_index`` is NaN for a member without counted ties.

    References
    ----------
    .. [1] D. Krackhardt and R. N. Stern, "Informal networks and
       organizational crises: an experimental simulation", Social
       Psychology Quarterly 51(2), 123-140, 1988.
    """
    if direction not in ("both", "out", "in"):
        raise ValueError(f"direction must be 'both', 'out' or 'in', not {direction!r}")
    members = _members(G, attribute)
    group = dict(zip(members["member_id"], members["group"]))
    rows = []
    for member, g, answered in members.itertuples(index=False):
        alters = []
        if direction in ("both", "out"):
            alters += [str(v) for v in G.successors(member)]
        if direction in ("both", "in"):
            alters += [str(u) for u in G.predecessors(member)]
        internal = sum(group[a] == g for a in alters)
        external = len(alters) - internal
        if direction == "out":
            observed = "out" if answered else "none"
        elif direction == "in":
            observed = "in"
        else:
            observed = "in+out" if answered else "in"
        value = _ei(external, internal)
        if direction == "out" and not answered:
            value = float("nan")
        rows.append((member, attribute, g, answered, observed, internal, external, value))
    return pd.DataFrame(
        rows,
        columns=[
            "member_id",
            "attribute",
            "group",
            "answered",
            "observed",
            "internal",
            "external",
            "ei_index",
        ],
    )


def expected_ei_index(
    sizes: Mapping[str, int] | Iterable[int],
    respondents: Mapping[str, int] | None = None,
) -> float:
    """E-I index expected under random mixing, from group sizes alone.

    With groups of sizes ``n_g`` and ``N = sum(n_g)`` members, the share of
    ordered pairs of distinct members that join two different groups is::

        p_ext = sum_g n_g (N - n_g) / (N (N - 1))

    and the expected index is ``2 * p_ext - 1``. ``p_ext`` is one minus
    Simpson's index for sampling without replacement [2]_ (the chance that
    two distinct members drawn at random share a group). It is the maximum
    share of ties that *can* be external if ties were spread evenly over all
    pairs, i.e. the reference point that the raw E-I index of [1]_ should be
    read against.

    It is also the *exact* mean of the label-permutation null of
    :func:`ei_permutation_test` for the whole forum: each tie joins two
    distinct members, and after a uniformly random relabelling that keeps
    group sizes, those two lie in different groups with probability
    ``p_ext``; the number of ties is fixed, so the mean E-I is
    ``2 p_ext - 1``.

    With non-respondents, only respondents could name anyone. Passing
    ``respondents`` (``r_g`` per group) gives the random-mixing expectation
    over the ties that could have been reported::

        p_ext = sum_g r_g (N - n_g) / (R (N - 1)),   R = sum_g r_g

    which equals the first formula when everyone answered. Note that this is
    not the permutation-null mean (the permutation moves labels over all
    members, respondents or not).

    Parameters
    ----------
    sizes : mapping or iterable of int
        Members per group.
    respondents : mapping, optional
        Respondents per group, keyed like ``sizes`` (a mapping is required
        then).

    Returns
    -------
    float
        Expected E-I index; NaN with fewer than two members.

    References
    ----------
    .. [1] D. Krackhardt and R. N. Stern, "Informal networks and
       organizational crises: an experimental simulation", Social
       Psychology Quarterly 51(2), 123-140, 1988.
    .. [2] E. H. Simpson, "Measurement of diversity", Nature 163, 688, 1949.

    Examples
    --------
    >>> round(expected_ei_index([3, 3]), 10)  # p_ext = 18 / 30
    0.2
    >>> round(expected_ei_index({"d": 6, "c": 34}), 4)  # 6 directors, 34 chiefs
    -0.4769
    """
    if isinstance(sizes, Mapping):
        keys = sorted(sizes)
        n = np.array([int(sizes[k]) for k in keys], dtype=float)
    else:
        keys = None
        n = np.array([int(s) for s in sizes], dtype=float)
    total = n.sum()
    if total < 2:
        return float("nan")
    if respondents is None:
        p_ext = float((n * (total - n)).sum() / (total * (total - 1)))
    else:
        if keys is None:
            raise ValueError("respondents needs sizes given as a mapping")
        r = np.array([int(respondents.get(k, 0)) for k in keys], dtype=float)
        if r.sum() == 0:
            return float("nan")
        p_ext = float((r * (total - n)).sum() / (r.sum() * (total - 1)))
    return 2.0 * p_ext - 1.0


def rescaled_ei_index(G: nx.DiGraph, attribute: str = "department") -> pd.DataFrame:
    """E-I index with its feasible range and a rescaled value.

    Given the number of ties ``m`` and the possible internal and external
    ties (counted from respondents: ``P_I = sum_i (n_g(i) - 1)``,
    ``P_E = sum_i (N - n_g(i))`` over respondents ``i``), the index cannot
    exceed ``max = (2 min(m, P_E) - m) / m`` nor fall below
    ``min = (m - 2 min(m, P_I)) / m``. The rescaled index maps that range
    linearly onto [-1, 1]: ``-1 + 2 (EI - min) / (max - min)``. This follows
    the rescaling in UCINET's E-I routine [2]_, which notes that for a given
    density and group sizes the range of the index [1]_ may be restricted.

    Parameters
    ----------
    G : networkx.DiGraph
        Forum graph (see module docstring).
    attribute : str
        Node attribute defining the groups.

    Returns
    -------
    pandas.DataFrame
        One row; columns ``attribute, ties, possible_internal,
        possible_external, ei_index, ei_min, ei_max, rescaled``.

    References
    ----------
    .. [1] D. Krackhardt and R. N. Stern, "Informal networks and
       organizational crises: an experimental simulation", Social
       Psychology Quarterly 51(2), 123-140, 1988.
    .. [2] S. P. Borgatti, M. G. Everett and L. C. Freeman, UCINET 6 for
       Windows: Software for Social Network Analysis, reference guide,
       NETWORK>COHESION>E-I INDEX. Harvard, MA: Analytic Technologies, 2002.
    """
    c = _coded(G, attribute)
    n, _ = c.sizes()
    total = len(c.members)
    own = n[c.code[c.answered]]  # each respondent's group size
    possible_internal = int((own - 1).sum())
    possible_external = int((total - own).sum())
    m = len(c.src)
    value = _whole_ei(c)
    if m:
        ei_max = (2 * min(m, possible_external) - m) / m
        ei_min = (m - 2 * min(m, possible_internal)) / m
    else:
        ei_max = ei_min = float("nan")
    rescaled = -1.0 + 2.0 * (value - ei_min) / (ei_max - ei_min) if ei_max > ei_min else float("nan")
    return pd.DataFrame(
        [(attribute, m, possible_internal, possible_external, value, ei_min, ei_max, rescaled)],
        columns=[
            "attribute",
            "ties",
            "possible_internal",
            "possible_external",
            "ei_index",
            "ei_min",
            "ei_max",
            "rescaled",
        ],
    )


def ei_permutation_test(
    G: nx.DiGraph,
    attribute: str = "department",
    *,
    n_permutations: int = 5000,
    seed: int = 0,
    alternative: str = "two-sided",
    sequential: bool = True,
) -> pd.DataFrame:
    """Permutation test of the E-I index, for the forum and every group.

    The null hypothesis is that the attribute has nothing to do with who
    works with whom. Each permutation shuffles the attribute labels over all
    members (respondents and non-respondents alike), which keeps fixed:

    * the network itself: who named whom, who answered, every member's
      number of ties;
    * the group sizes.

    Only the link between labels and network positions is broken. The
    whole-forum null mean equals :func:`expected_ei_index` of the group
    sizes exactly (up to Monte Carlo error). Group-level statistics follow
    the label: permutation ``k`` assigns group ``g`` to a random set of
    ``n_g`` members and recomputes that set's E-I.

    p-values are ``(1 + #extreme) / (1 + n)`` over the permutations whose
    statistic is defined (``n_valid``; a group without ties in a
    permutation has no E-I). ``"less"`` counts permuted values <= observed
    (ties concentrated inside groups), ``"greater"`` counts >= observed,
    ``"two-sided"`` doubles the smaller of the two, capped at 1.

    Parameters
    ----------
    G : networkx.DiGraph
        Forum graph (see module docstring).
    attribute : str
        Node attribute defining the groups.
    n_permutations : int
        Most random relabellings.
    seed : int
        Seed of the relabellings (:func:`helpers.analysis.permutation.block_rng`,
        blocks of up to 500); same seed, same result.
    alternative : {"two-sided", "less", "greater"}
        Direction of the test.
    sequential : bool
        Stop relabelling when the whole forum's answer is clear
        (:class:`helpers.analysis.permutation.SequentialRule`: 10 relabellings
        at least as extreme, or a 99 % interval of its p-value wholly below or
        above 0.05); the groups' p-values come from the same relabellings.
        False: always ``n_permutations``.

    Returns
    -------
    pandas.DataFrame
        Columns ``attribute, level, group, observed, expected, null_mean,
        p_value, alternative, n_permutations, n_valid, seed, max_permutations,
        stopped, p_low, p_high`` (``n_permutations`` drawn of at most
        ``max_permutations``; why the test stopped; the 99 % interval of the
        whole forum's p-value, NaN for groups). The first row
        is ``level="whole"`` (``group`` empty string, ``expected`` from
        :func:`expected_ei_index`); then one ``level="group"`` row per group
        in sorted order (``expected`` NaN: the null mean is the reference).

    References
    ----------
    .. [1] D. Krackhardt and R. N. Stern, "Informal networks and
       organizational crises: an experimental simulation", Social
       Psychology Quarterly 51(2), 123-140, 1988.
    .. [2] B. V. North, D. Curtis and P. C. Sham, "A note on the calculation
       of empirical P values from Monte Carlo procedures", American Journal
       of Human Genetics 71(2), 439-441, 2002.
    .. [3] J. Besag and P. Clifford, "Sequential Monte Carlo p-values",
       Biometrika 78(2), 301-304, 1991.
    """
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {_ALTERNATIVES}, not {alternative!r}")
    if n_permutations < 1:
        raise ValueError("n_permutations must be at least 1")
    c = _coded(G, attribute)
    groups = c.groups
    codes = c.code.astype(np.int16 if len(groups) <= np.iinfo(np.int16).max else np.int32)
    src, dst = c.src.astype(np.intp), c.dst.astype(np.intp)  # the statistics are counts: any tie order

    observed = _ei_statistics(codes[np.newaxis, :], src, dst, len(groups))[0]
    rule = (SequentialRule(max_samples=n_permutations) if sequential
            else SequentialRule(max_samples=n_permutations, hits=n_permutations + 1,
                                min_samples=n_permutations + 1))
    block = max(1, min(500, 2_000_000 // max(1, src.size)))
    sample = functools.partial(_ei_block, codes=codes, src=src, dst=dst, n_groups=len(groups))
    test = sequential_test(sample, float(observed[0]), rule=rule, seed=seed, block_size=block,
                           alternative=alternative)
    null = test.samples
    if np.isnan(observed[0]):  # no ties: nothing was drawn, every statistic undefined
        null = np.empty((0, 1 + len(groups)))

    sizes = dict(zip(groups, c.sizes()[0].tolist()))
    rows = []
    for k, (level, group) in enumerate([("whole", "")] + [("group", g) for g in groups]):
        column = null[:, k]
        valid = column[~np.isnan(column)]
        expected = expected_ei_index(sizes) if level == "whole" else float("nan")
        rows.append(
            (
                attribute,
                level,
                group,
                float(observed[k]),
                expected,
                float(valid.mean()) if valid.size else float("nan"),
                p_value(float(observed[k]), valid, alternative),
                alternative,
                int(len(null)),
                int(valid.size),
                seed,
                int(n_permutations),
                test.stopped,
                test.p_low if k == 0 else float("nan"),
                test.p_high if k == 0 else float("nan"),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "attribute",
            "level",
            "group",
            "observed",
            "expected",
            "null_mean",
            "p_value",
            "alternative",
            "n_permutations",
            "n_valid",
            "seed",
            "max_permutations",
            "stopped",
            "p_low",
            "p_high",
        ],
    )


def _ei_statistics(lab: np.ndarray, src: np.ndarray, dst: np.ndarray, n_groups: int) -> np.ndarray:
    """E-I of the whole forum and of every group, one row per labelling: O(labellings x ties).

    Per labelling, one pass over the ties finds those inside a group (``numpy.bincount``
    of their group); a group's ties sent and received are the out- and in-degrees of its
    members summed (O(members)), so its external ties are ``sent + received - 2 internal``,
    whatever the number of groups.
    """
    P, n = lab.shape
    k = n_groups
    out_degree = np.bincount(src, minlength=n).astype(float)
    in_degree = np.bincount(dst, minlength=n).astype(float)
    internal = np.empty((P, k), dtype=np.int64)
    touching = np.empty((P, k), dtype=np.int64)
    for p in range(P):
        ls = lab[p, src]
        internal[p] = np.bincount(ls[ls == lab[p, dst]], minlength=k)
        touching[p] = np.rint(np.bincount(lab[p], weights=out_degree, minlength=k)
                              + np.bincount(lab[p], weights=in_degree, minlength=k)).astype(np.int64)
    ext = touching - 2 * internal
    out = np.empty((P, 1 + k))
    total = src.size
    external = total - internal.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[:, 0] = (2 * external - total) / total if total else np.nan
        tot = internal + ext
        out[:, 1:] = np.where(tot > 0, (ext - internal) / np.maximum(tot, 1), np.nan)
    return out


def _ei_block(rng, size, *, codes, src, dst, n_groups):
    """Statistics of ``size`` random relabellings (a sample block of :func:`ei_permutation_test`)."""
    labels = rng.permuted(np.tile(codes, (size, 1)), axis=1)
    return _ei_statistics(labels, src, dst, n_groups)


def ei_summary(
    G: nx.DiGraph,
    attributes: Sequence[str] = ATTRIBUTES,
    *,
    n_permutations: int = 5000,
    seed: int = 0,
    alternative: str = "two-sided",
    sequential: bool = True,
) -> pd.DataFrame:
    """Permutation tests of the E-I index for several attributes, stacked.

    Runs :func:`ei_permutation_test` once per attribute with the same
    ``seed`` (each attribute's result is therefore the same as a separate
    call) and stacks the results in the order of ``attributes``.

    Parameters
    ----------
    G : networkx.DiGraph
        Forum graph (see module docstring).
    attributes : sequence of str
        Node attributes, default ``("department", "role", "gender")``.
    n_permutations, seed, alternative, sequential
        Passed on to :func:`ei_permutation_test`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`ei_permutation_test`; rows grouped by attribute
        in the given order, then whole before groups, groups sorted.

    References
    ----------
    .. [1] D. Krackhardt and R. N. Stern, "Informal networks and
       organizational crises: an experimental simulation", Social
       Psychology Quarterly 51(2), 123-140, 1988.
    """
    frames = [
        ei_permutation_test(
            G, a, n_permutations=n_permutations, seed=seed, alternative=alternative,
            sequential=sequential,
        )
        for a in attributes
    ]
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------
# bridges across groups
# ---------------------------------------------------------------------------


def crossing_shares(G: nx.DiGraph, attribute: str = "department") -> pd.DataFrame:
    """Share of each group's ties that cross to other groups.

    Outgoing: the ties the group's respondents named, and how many of them
    went to members of other groups. Incoming: the ties the group's members
    received, and how many came from other groups. Incoming ties come only
    from respondents, so a group's incoming share also reflects how many
    members of the other groups answered.

    Parameters
    ----------
    G : networkx.DiGraph
        Forum graph (see module docstring).
    attribute : str
        Node attribute defining the groups.

    Returns
    -------
    pandas.DataFrame
        Columns ``attribute, group, n_members, n_respondents, out_ties,
        out_crossing, out_crossing_share, in_ties, in_crossing,
        in_crossing_share``; one row per group, sorted by group. Shares are
        NaN without ties.
    """
    c = _coded(G, attribute)
    out = _group_sizes(c, attribute)
    k = c.n_groups
    cs, cd = c.code[c.src], c.code[c.dst]
    crossing = cs != cd
    counts = {
        "out_ties": np.bincount(cs, minlength=k),
        "out_crossing": np.bincount(cs[crossing], minlength=k),
        "in_ties": np.bincount(cd, minlength=k),
        "in_crossing": np.bincount(cd[crossing], minlength=k),
    }
    counts = {key: x.astype(np.int64) for key, x in counts.items()}
    out["out_ties"], out["out_crossing"] = counts["out_ties"], counts["out_crossing"]
    out["out_crossing_share"] = [_ratio(a, b) for a, b in zip(counts["out_crossing"].tolist(),
                                                                counts["out_ties"].tolist())]
    out["in_ties"], out["in_crossing"] = counts["in_ties"], counts["in_crossing"]
    out["in_crossing_share"] = [_ratio(a, b) for a, b in zip(counts["in_crossing"].tolist(),
                                                               counts["in_ties"].tolist())]
    return out


def bridging_members(G: nx.DiGraph, attribute: str = "department") -> pd.DataFrame:
    """Members ranked by the cross-group ties they carry.

    For each member: ``cross_out`` (ties named to members of other groups),
    ``cross_in`` (ties received from other groups), ``cross_ties``
    (``cross_out + cross_in``: a reciprocated pair counts twice) and
    ``cross_partners`` (distinct members of other groups linked in either
    direction: a reciprocated pair counts once). Members are ranked by
    ``cross_partners`` first, because a bridge is about how many people in
    other groups one connects to and because it treats respondents and
    non-respondents more alike (a non-respondent's outgoing ties are
    unobserved, so ``cross_ties`` favours respondents, whose reciprocated
    pairs are seen twice); ties on ``cross_partners`` are broken by
    ``cross_ties``. ``rank`` is the competition rank (1, 1, 3, ...) on those
    two keys.

    The output carries ``department`` and ``role`` for the handout, never
    names. Beware that department and role together can single a person
    out (a department has one director); see
    :func:`helpers.handout.suppression.rare_combinations`.

    Parameters
    ----------
    G : networkx.DiGraph
        Forum graph (see module docstring).
    attribute : str
        Node attribute defining the groups ("cross" means across this
        attribute).

    Returns
    -------
    pandas.DataFrame
        Columns ``member_id, department, role, answered, cross_out,
        cross_in, cross_ties, cross_partners, groups_reached, rank``, sorted
        by rank then ``member_id``. ``groups_reached`` counts the other
        groups the member is linked to.
    """
    c = _coded(G, attribute)
    n = len(c.members)
    crossing = c.code[c.src] != c.code[c.dst]
    a, b = c.src[crossing], c.dst[crossing]
    cross_out = np.bincount(a, minlength=n).astype(np.int64)
    cross_in = np.bincount(b, minlength=n).astype(np.int64)
    # distinct partners: each crossing pair once, whichever way (and however often) it was named
    pairs = sorted_unique(np.minimum(a, b) * n + np.maximum(a, b))
    low, high = pairs // n, pairs % n
    partners = (np.bincount(low, minlength=n) + np.bincount(high, minlength=n)).astype(np.int64)
    # distinct groups reached: each (member, partner's group) once
    k = max(c.n_groups, 1)
    reached = sorted_unique(np.concatenate([low * k + c.code[high], high * k + c.code[low]]))
    groups_reached = np.bincount(reached // k, minlength=n).astype(np.int64)
    data = G.nodes
    frame = pd.DataFrame(
        {
            "member_id": list(c.members),
            "department": [str(data[v].get("department", "")) for v in c.nodes],
            "role": [str(data[v].get("role", "")) for v in c.nodes],
            "answered": c.answered,
            "cross_out": cross_out,
            "cross_in": cross_in,
            "cross_ties": cross_out + cross_in,
            "cross_partners": partners,
            "groups_reached": groups_reached,
        }
    )
    frame = frame.sort_values(
        ["cross_partners", "cross_ties", "member_id"], ascending=[False, False, True], ignore_index=True
    )
    # competition rank (1, 1, 3, ...): the position of the first member with the same two keys
    p, t = frame["cross_partners"].to_numpy(), frame["cross_ties"].to_numpy()
    first = np.ones(len(frame), dtype=bool)
    first[1:] = (p[1:] != p[:-1]) | (t[1:] != t[:-1])
    frame["rank"] = np.maximum.accumulate(np.where(first, np.arange(1, len(frame) + 1), 0)).astype(np.int64)
    return frame


def unlinked_pairs(G: nx.DiGraph, attribute: str = "department") -> pd.DataFrame:
    """Pairs of groups with no tie at all, in either direction.

    ``possible`` counts the ties that could have been reported between the
    two groups (``n_resp(A) n(B) + n_resp(B) n(A)``): when it is zero the
    pair is unobserved rather than unlinked; such pairs are listed too,
    so the reader can tell the two apart.

    Parameters
    ----------
    G : networkx.DiGraph
        Forum graph (see module docstring).
    attribute : str
        Node attribute defining the groups.

    Returns
    -------
    pandas.DataFrame
        Columns ``group_a, group_b, n_a, n_b, respondents_a,
        respondents_b, possible``, one row per unordered pair (``group_a <
        group_b``) without ties, sorted.
    """
    c = _coded(G, attribute)
    k = c.n_groups
    n, r = c.sizes()
    cs, cd = c.code[c.src], c.code[c.dst]
    linked = np.zeros((k, k), dtype=bool)
    linked[np.minimum(cs, cd), np.maximum(cs, cd)] = True
    i, j = np.triu_indices(k, 1)  # every pair a < b, sorted
    keep = ~linked[i, j]
    i, j = i[keep], j[keep]
    columns = ["group_a", "group_b", "n_a", "n_b", "respondents_a", "respondents_b", "possible"]
    if not len(i):
        return pd.DataFrame([], columns=columns)
    labels = np.array(c.groups, dtype=object)
    return pd.DataFrame(
        {"group_a": labels[i], "group_b": labels[j], "n_a": n[i], "n_b": n[j],
         "respondents_a": r[i], "respondents_b": r[j], "possible": r[i] * n[j] + r[j] * n[i]},
        columns=columns,
    )
