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
from collections.abc import Iterable, Mapping, Sequence

import networkx as nx
import numpy as np
import pandas as pd

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

    Raises ``ValueError`` when a member lacks ``attribute`` or ``answered``,
    when a non-respondent has outgoing edges, or when the graph has loops.
    """
    rows = []
    for node, data in G.nodes(data=True):
        if attribute not in data or data[attribute] is None:
            raise ValueError(f"member {node!r} has no {attribute!r} attribute")
        if "answered" not in data:
            raise ValueError(f"member {node!r} has no 'answered' attribute")
        rows.append((str(node), str(data[attribute]), bool(data["answered"])))
    for u, v in G.edges():
        if u == v:
            raise ValueError(f"self-loop on member {u!r}")
        if not G.nodes[u]["answered"]:
            raise ValueError(f"non-respondent {u!r} has an outgoing tie to {v!r}")
    frame = pd.DataFrame(rows, columns=["member_id", "group", "answered"])
    return frame.sort_values("member_id", ignore_index=True)


def _edge_groups(G: nx.DiGraph, attribute: str) -> pd.DataFrame:
    """One row per tie with the groups of both ends, sorted."""
    rows = [
        (str(u), str(v), str(G.nodes[u][attribute]), str(G.nodes[v][attribute]))
        for u, v in G.edges()
    ]
    frame = pd.DataFrame(rows, columns=["source", "target", "source_group", "target_group"])
    return frame.sort_values(["source", "target"], ignore_index=True)


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
    members = _members(G, attribute)
    sizes = (
        members.groupby("group", sort=True)
        .agg(n_members=("member_id", "size"), n_respondents=("answered", "sum"))
        .reset_index()
    )
    sizes.insert(0, "attribute", attribute)
    sizes["n_members"] = sizes["n_members"].astype(int)
    sizes["n_respondents"] = sizes["n_respondents"].astype(int)
    return sizes[["attribute", "group", "n_members", "n_respondents"]]


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
    members = _members(G, attribute)
    n = members.groupby("group").size()
    n_resp = members.groupby("group")["answered"].sum()
    groups = sorted(n.index)
    edges = _edge_groups(G, attribute)
    counts = edges.groupby(["source_group", "target_group"]).size()
    rows = []
    for a in groups:
        for b in groups:
            ties = int(counts.get((a, b), 0))
            possible = int(n_resp[a]) * (int(n[b]) - (1 if a == b else 0))
            rows.append((a, b, ties, possible, _ratio(ties, possible)))
    return pd.DataFrame(
        rows,
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
    _members(G, attribute)
    edges = _edge_groups(G, attribute)
    external = int((edges["source_group"] != edges["target_group"]).sum())
    return _ei(external, len(edges) - external)


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
    sizes = group_sizes(G, attribute)
    edges = _edge_groups(G, attribute)
    rows = []
    for g in sizes["group"]:
        s = edges["source_group"] == g
        t = edges["target_group"] == g
        internal = int((s & t).sum())
        external = int((s ^ t).sum())
        rows.append((g, internal, external, _ei(external, internal)))
    ei = pd.DataFrame(rows, columns=["group", "internal", "external", "ei_index"])
    out = sizes.merge(ei, on="group", how="left", validate="one_to_one")
    return out[
        ["attribute", "group", "n_members", "n_respondents", "internal", "external", "ei_index"]
    ]


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
    members = _members(G, attribute)
    n = members.groupby("group").size()
    total = len(members)
    resp = members[members["answered"]]
    possible_internal = int(sum(int(n[g]) - 1 for g in resp["group"]))
    possible_external = int(sum(total - int(n[g]) for g in resp["group"]))
    m = G.number_of_edges()
    value = ei_index(G, attribute)
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
    members = _members(G, attribute)
    ids = list(members["member_id"])
    index = {m: i for i, m in enumerate(ids)}
    groups = sorted(set(members["group"]))
    codes = np.array([groups.index(g) for g in members["group"]], dtype=np.int16)
    src = np.array([index[str(u)] for u, _ in sorted(G.edges())], dtype=np.intp)
    dst = np.array([index[str(v)] for _, v in sorted(G.edges())], dtype=np.intp)

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

    sizes = members.groupby("group").size().to_dict()
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

    Each group's internal and external tie counts are one ``numpy.bincount`` over
    (labelling, group) codes, whatever the number of groups.
    """
    P = lab.shape[0]
    ls, ld = lab[:, src].astype(np.int64), lab[:, dst].astype(np.int64)
    same = ls == ld
    offset = (np.arange(P, dtype=np.int64) * n_groups)[:, None]
    size = P * n_groups
    internal = np.bincount((ls + offset)[same], minlength=size).reshape(P, n_groups)
    crossing = ~same
    ext = (np.bincount((ls + offset)[crossing], minlength=size)
           + np.bincount((ld + offset)[crossing], minlength=size)).reshape(P, n_groups)
    out = np.empty((P, 1 + n_groups))
    total = src.size
    external = crossing.sum(axis=1)
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
    sizes = group_sizes(G, attribute)
    edges = _edge_groups(G, attribute)
    crossing = edges["source_group"] != edges["target_group"]
    rows = []
    for g in sizes["group"]:
        out = edges["source_group"] == g
        inc = edges["target_group"] == g
        out_ties, out_cross = int(out.sum()), int((out & crossing).sum())
        in_ties, in_cross = int(inc.sum()), int((inc & crossing).sum())
        rows.append(
            (g, out_ties, out_cross, _ratio(out_cross, out_ties), in_ties, in_cross, _ratio(in_cross, in_ties))
        )
    shares = pd.DataFrame(
        rows,
        columns=[
            "group",
            "out_ties",
            "out_crossing",
            "out_crossing_share",
            "in_ties",
            "in_crossing",
            "in_crossing_share",
        ],
    )
    return sizes.merge(shares, on="group", how="left", validate="one_to_one")


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
    members = _members(G, attribute)
    group = dict(zip(members["member_id"], members["group"]))
    rows = []
    for member, g, answered in members.itertuples(index=False):
        out = [str(v) for v in G.successors(member) if group[str(v)] != g]
        inc = [str(u) for u in G.predecessors(member) if group[str(u)] != g]
        partners = set(out) | set(inc)
        rows.append(
            (
                member,
                str(G.nodes[member].get("department", "")),
                str(G.nodes[member].get("role", "")),
                answered,
                len(out),
                len(inc),
                len(out) + len(inc),
                len(partners),
                len({group[p] for p in partners}),
            )
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "member_id",
            "department",
            "role",
            "answered",
            "cross_out",
            "cross_in",
            "cross_ties",
            "cross_partners",
            "groups_reached",
        ],
    )
    frame = frame.sort_values(
        ["cross_partners", "cross_ties", "member_id"], ascending=[False, False, True], ignore_index=True
    )
    key = list(zip(frame["cross_partners"], frame["cross_ties"]))
    frame["rank"] = [key.index(k) + 1 for k in key]
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
    sizes = group_sizes(G, attribute).set_index("group")
    edges = _edge_groups(G, attribute)
    linked = {
        tuple(sorted((a, b)))
        for a, b in zip(edges["source_group"], edges["target_group"])
        if a != b
    }
    groups = list(sizes.index)
    rows = []
    for i, a in enumerate(groups):
        for b in groups[i + 1 :]:
            if (a, b) in linked:
                continue
            na, nb = int(sizes.at[a, "n_members"]), int(sizes.at[b, "n_members"])
            ra, rb = int(sizes.at[a, "n_respondents"]), int(sizes.at[b, "n_respondents"])
            rows.append((a, b, na, nb, ra, rb, ra * nb + rb * na))
    return pd.DataFrame(
        rows,
        columns=["group_a", "group_b", "n_a", "n_b", "respondents_a", "respondents_b", "possible"],
    )
