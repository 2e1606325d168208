"""Small-group suppression for the handout.

A table cell or figure element that describes fewer than ``k`` people is not
shown (``k = 3`` by default, the wave's ``privacy.min_group_size``): a mean
of two people's ratings, or a density of a block whose sending group has two
members, lets forum members guess who said what.

* :func:`suppress` replaces such cells by a marker and records what it did
  (:class:`Suppression`); with ``totals`` it also suppresses a second cell
  in a row where a visible total would let a reader recompute the first
  (secondary suppression, rows only).
* :func:`any_suppressed` and :func:`suppression_note` let the handout add
  one explanatory note when something was suppressed.
* :func:`drop_small_groups` removes the points of small groups from a tidy
  table before a strip or dot plot.
* :func:`rare_combinations` lists attribute combinations (e.g. department
  and role) shared by fewer than ``k`` members, which would single a person
  out in a member-level table.
* :func:`may_describe` is the description rule, the one test every description
  of a set of members passes before the handout prints it (a sentence, a
  heatmap label, a legend, a tooltip, an export's attribute): at least ``k``
  members fit it, and its complement within the same frame is empty or has at
  least ``k`` members. :func:`describe_member` applies it to one member (role
  and department, else department, else nothing), :func:`group_labels` to a
  grouping of the forum (small groups merged into "other", or hidden), and
  :func:`merge_blocks` to a block table (the department heatmap: rows and
  columns).

Inputs are never changed; every function returns new objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.privacy import OTHER, group_labels, may_describe

__all__ = [
    "MARKER",
    "Suppression",
    "OTHER",
    "any_suppressed",
    "describe_member",
    "drop_small_groups",
    "group_labels",
    "may_describe",
    "merge_blocks",
    "shown_graph",
    "rare_combinations",
    "suppress",
    "suppression_note",
]

#: Default marker for a suppressed cell (an en dash).
MARKER = "\u2013"


@dataclass(frozen=True)
class Suppression:
    """A table after suppression, with a record of what was hidden.

    Attributes
    ----------
    table : pandas.DataFrame
        Copy of the input with suppressed cells replaced by ``marker``
        (affected columns become ``object`` dtype).
    mask : pandas.DataFrame
        Booleans, same index and columns as ``table``; True where a cell was
        suppressed.
    cells : pandas.DataFrame
        One row per suppressed cell: ``position`` (row number), ``row``
        (index label), ``column``, ``count`` (the smallest governing count,
        NaN if none), ``reason`` (``"primary"`` or ``"secondary"``); sorted
        by position and column order.
    k : int
        Minimum number of people a shown cell must describe.
    marker : str
        Text put in suppressed cells.
    params : dict
        The column mapping and totals used, for the report.
    """

    table: pd.DataFrame
    mask: pd.DataFrame
    cells: pd.DataFrame
    k: int
    marker: str
    params: dict = field(default_factory=dict)

    @property
    def any(self) -> bool:
        """True when at least one cell was suppressed."""
        return bool(len(self.cells))


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def suppress(
    table: pd.DataFrame,
    columns: Mapping[str, str | Sequence[str]],
    *,
    k: int = 3,
    marker: str = MARKER,
    totals: Mapping[str, Sequence[str]] | None = None,
    suppress_zero: bool = False,
) -> Suppression:
    """Hide cells that describe fewer than ``k`` people.

    Primary suppression: for every ``count column -> value column(s)`` pair
    in ``columns``, a value cell is suppressed when the count in the same
    row is below ``k``. A count column may map to itself (to hide the count
    too, e.g. "2 answered 'don't know'"); several count columns may govern
    the same value column (the cell is hidden if any of them is small).
    A count of 0 describes nobody and is not suppressed unless
    ``suppress_zero`` (a mean over nobody is NaN anyway); missing counts
    are left alone.

    Secondary suppression (optional, rows only): ``totals`` maps a total
    column to the component columns it sums. In a row where exactly one
    component is suppressed and the total is still shown, the reader could
    recompute the hidden cell as total minus the others. Then the smallest
    other visible component is suppressed as well (first in the given order
    on ties); if no other component is visible, the total is suppressed.
    Column totals (sums over rows) are not checked.

    Parameters
    ----------
    table : pandas.DataFrame
        Table as it will be shown (not changed).
    columns : mapping
        ``count column -> value column or list of value columns``.
    k : int
        Minimum number of people behind a shown cell (wave.yml
        ``privacy.min_group_size``).
    marker : str
        Replacement text, default an en dash.
    totals : mapping, optional
        ``total column -> component columns`` for secondary suppression.
    suppress_zero : bool
        Also hide cells whose count is 0.

    Returns
    -------
    Suppression
        The new table, the mask, the list of suppressed cells and the
        parameters.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"group": ["core", "periphery"], "n": [2, 3],
    ...                   "mean": [2.5, 2.0]})
    >>> result = suppress(t, {"n": "mean"})
    >>> result.table["mean"].tolist()
    ['–', 2.0]
    >>> result.any
    True
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    mapping = {count: _as_list(values) for count, values in columns.items()}
    totals = {total: list(parts) for total, parts in (totals or {}).items()}
    referenced = set(mapping) | {v for vs in mapping.values() for v in vs}
    referenced |= set(totals) | {p for ps in totals.values() for p in ps}
    unknown = sorted(referenced - set(table.columns))
    if unknown:
        raise ValueError(f"columns not in table: {unknown}")

    mask, reason, governing = _primary(table, mapping, k, suppress_zero)
    _secondary(table, totals, mask, reason)
    out = _masked(table, mask, marker)
    mask_frame = pd.DataFrame(mask, index=table.index, columns=table.columns)
    positions, cols = np.nonzero(mask)
    cells = pd.DataFrame(
        {
            "position": positions.astype(int),
            "row": [table.index[i] for i in positions],
            "column": [table.columns[j] for j in cols],
            "count": [governing[i, j] for i, j in zip(positions, cols)],
            "reason": [reason[i, j] for i, j in zip(positions, cols)],
        },
        columns=["position", "row", "column", "count", "reason"],
    )
    return Suppression(
        table=out,
        mask=mask_frame,
        cells=cells,
        k=int(k),
        marker=marker,
        params={"columns": mapping, "totals": totals, "suppress_zero": suppress_zero},
    )


def _primary(table: pd.DataFrame, mapping: dict, k: int, suppress_zero: bool):
    """Primary suppression: cells whose count is below ``k``. Returns the mask, the reason per
    cell and the count that governs each cell (the smallest, NaN where none)."""
    mask = np.zeros(table.shape, dtype=bool)
    reason = np.full(mask.shape, "", dtype=object)
    governing = np.full(mask.shape, np.nan)
    col_pos = {c: i for i, c in enumerate(table.columns)}
    for count_col, value_cols in mapping.items():
        counts = pd.to_numeric(table[count_col], errors="coerce").to_numpy(float)
        small = counts < k
        if not suppress_zero:
            small &= counts != 0
        small &= ~np.isnan(counts)
        for value_col in value_cols:
            j = col_pos[value_col]
            governing[:, j] = np.fmin(governing[:, j], np.where(np.isnan(counts), np.nan, counts))
            mask[small, j] = True
            reason[small, j] = "primary"
    return mask, reason, governing


def _secondary(table: pd.DataFrame, totals: dict, mask: np.ndarray, reason: np.ndarray) -> None:
    """Secondary suppression (in place): where exactly one part of a total is hidden, hide the
    smallest visible part too (or the total), so the hidden part cannot be recovered by subtraction."""
    col_pos = {c: i for i, c in enumerate(table.columns)}
    for total_col, parts in totals.items():
        t = col_pos[total_col]
        for i in range(len(table)):
            hidden = [p for p in parts if mask[i, col_pos[p]]]
            if len(hidden) != 1 or mask[i, t]:
                continue
            visible = []
            for order, p in enumerate(parts):
                if mask[i, col_pos[p]]:
                    continue
                value = pd.to_numeric(pd.Series([table.iat[i, col_pos[p]]]), errors="coerce").iloc[0]
                if not pd.isna(value):
                    visible.append((float(value), order, p))
            target = col_pos[min(visible)[2]] if visible else t
            mask[i, target] = True
            reason[i, target] = "secondary"


def _masked(table: pd.DataFrame, mask: np.ndarray, marker: str) -> pd.DataFrame:
    """A copy of ``table`` with the masked cells replaced by the marker."""
    out = table.copy()
    for j, column in enumerate(table.columns):
        if mask[:, j].any():
            values = out[column].astype(object).to_numpy(copy=True)
            values[mask[:, j]] = marker
            out[column] = pd.Series(values, index=out.index, dtype=object)
    return out


def any_suppressed(*results: Suppression | pd.DataFrame) -> bool:
    """Whether any of the given results hid something.

    Parameters
    ----------
    *results : Suppression or pandas.DataFrame
        :class:`Suppression` objects, boolean masks, or the ``dropped``
        frames of :func:`drop_small_groups`.

    Returns
    -------
    bool
        True if at least one cell, point or group was suppressed; the
        handout then adds one note (:func:`suppression_note`).

    Examples
    --------
    >>> import pandas as pd
    >>> any_suppressed(pd.DataFrame({"a": [False, False]}))
    False
    """
    for result in results:
        if isinstance(result, Suppression):
            if result.any:
                return True
        elif result.dtypes.eq(bool).all() and len(result.columns):
            if bool(result.to_numpy().any()):
                return True
        elif len(result):
            return True
    return False


def suppression_note(k: int = 3, marker: str = MARKER, language: str = "da") -> str:
    """The handout's one-line explanation of suppressed cells.

    Parameters
    ----------
    k : int
        Minimum group size.
    marker : str
        Marker used in tables.
    language : {"da", "en"}
        Language of the note.

    Returns
    -------
    str

    Examples
    --------
    >>> suppression_note(3, language="en")
    '– : not shown because it would describe fewer than 3 people.'
    """
    notes = {
        "da": f"{marker} : ikke vist, fordi tallet ville beskrive færre end {k} personer.",
        "en": f"{marker} : not shown because it would describe fewer than {k} people.",
    }
    if language not in notes:
        raise ValueError(f"language must be one of {sorted(notes)}")
    return notes[language]


def drop_small_groups(
    frame: pd.DataFrame,
    by: str | Sequence[str],
    *,
    k: int = 3,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove rows of groups with fewer than ``k`` rows (e.g. points in a plot).

    Use on a tidy table of individual values (one row per person) before
    drawing a strip or dot plot: a group with one or two points shows those
    people's answers.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per person and item, e.g. :func:`helpers.analysis.external.ratings_long`.
    by : str or sequence of str
        Columns defining a plotted group, e.g. ``["partner", "group"]``.
    k : int
        Minimum number of rows a shown group needs.

    Returns
    -------
    kept : pandas.DataFrame
        Rows of groups with at least ``k`` rows, in the input order.
    dropped : pandas.DataFrame
        Columns ``by... , n``: the groups removed and their sizes, sorted.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"g": ["a", "a", "a", "b", "b"], "x": [1, 2, 3, 4, 5]})
    >>> kept, dropped = drop_small_groups(f, "g")
    >>> kept["g"].unique().tolist(), dropped.to_dict("records")
    (['a'], [{'g': 'b', 'n': 2}])
    """
    by = _as_list(by)
    sizes = frame.groupby(by, observed=True, sort=True).size().rename("n").reset_index()
    small = sizes[sizes["n"] < k].reset_index(drop=True)
    key = pd.MultiIndex.from_frame(frame[by].astype(object))
    small_key = pd.MultiIndex.from_frame(small[by].astype(object))
    kept = frame[~key.isin(small_key)].copy()
    small = small.copy()
    small["n"] = small["n"].astype(int)
    return kept, small


def rare_combinations(
    people: pd.DataFrame,
    columns: Sequence[str],
    *,
    k: int = 3,
) -> pd.DataFrame:
    """Attribute combinations shared by fewer than ``k`` members.

    A member-level table that shows, say, department and role next to a
    value identifies the person whenever the combination is rare (each
    department has one director). Check the forum's people table before
    showing such columns together.

    Parameters
    ----------
    people : pandas.DataFrame
        One row per member.
    columns : sequence of str
        Attributes shown together, e.g. ``["department", "role"]``.
    k : int
        Minimum number of members a shown combination needs.

    Returns
    -------
    pandas.DataFrame
        Columns ``columns..., n``: combinations with ``n < k``, sorted.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"department": ["A", "A", "A", "A"],
    ...                   "role": ["director", "chief", "chief", "chief"]})
    >>> rare_combinations(p, ["department", "role"]).to_dict("records")
    [{'department': 'A', 'role': 'director', 'n': 1}]
    """
    columns = list(columns)
    sizes = people.groupby(columns, sort=True).size().rename("n").reset_index()
    out = sizes[sizes["n"] < k].reset_index(drop=True)
    out["n"] = out["n"].astype(int)
    return out



def _attributes(G, member) -> Mapping:
    if isinstance(G, pd.DataFrame):
        return G.set_index("member_id").loc[member].to_dict()
    return G.nodes[member]


def _rows(G) -> list[Mapping]:
    if isinstance(G, pd.DataFrame):
        return G.to_dict("records")
    return [a for _, a in G.nodes(data=True)]


def describe_member(G, member: str, k: int) -> tuple[str, dict] | None:
    """How the handout may describe one member, by :func:`may_describe`.

    By role in the department ("a chief in X") when the members of that role in X pass
    the rule within X and X passes it within the forum; else by department ("a member from
    X") when X passes it within the forum; else not at all. In a forum where every
    department has one director, no one is described by role: "the chiefs of X" would
    single out X's director by complement, and "a member from X" would then read as "the
    director".

    Parameters
    ----------
    G : networkx.Graph or pandas.DataFrame
        Members with ``role`` and ``department`` (nodes, or rows with ``member_id``).
    member : str
        A member id.
    k : int
        Smallest group the handout may describe.

    Returns
    -------
    tuple or None
        ``("role_in", {"role": ..., "department": ...})``, ``("member_of", {"department":
        ...})`` or None.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph()
    >>> G.add_nodes_from([(i, {"department": "X", "role": "chief"}) for i in range(3)])
    >>> G.add_nodes_from([(i, {"department": "Y", "role": "chief"}) for i in range(3, 6)])
    >>> describe_member(G, 0, 3)
    ('role_in', {'role': 'chief', 'department': 'X'})
    >>> G.add_node(6, department="X", role="director")
    >>> describe_member(G, 0, 3)
    ('member_of', {'department': 'X'})
    """
    rows = _rows(G)
    a = _attributes(G, member)
    role, dept = a.get("role"), a.get("department")
    in_dept = [r for r in rows if r.get("department") == dept]
    if not may_describe(len(in_dept), len(rows), k):
        return None
    same_role = sum(1 for r in in_dept if r.get("role") == role)
    if role is not None and may_describe(same_role, len(in_dept), k):
        return "role_in", {"role": role, "department": dept}
    return "member_of", {"department": dept}


def merge_blocks(blocks: pd.DataFrame, labels: Mapping[str, str | None], *, source: str = "source_department",
                 target: str = "target_department", sums: Sequence[str] = ("ties", "possible")) -> pd.DataFrame:
    """A block table (one row per source and target group) with groups relabelled and summed.

    Rows and columns of a hidden group (label None) are dropped; groups given the same
    label (the small groups merged into "other") are added up, and ``density`` is
    recomputed as ``ties / possible``. Use it with :func:`group_labels` so that a small
    group shows neither as a row nor as a column of a heatmap.

    Parameters
    ----------
    blocks : pandas.DataFrame
        Columns ``source``, ``target`` and ``sums`` (e.g. ``ties, possible``).
    labels : mapping
        Group -> label shown or None (:func:`group_labels`).
    source, target : str
        The group columns.
    sums : sequence of str
        Columns added up over merged groups.

    Returns
    -------
    pandas.DataFrame
        Columns ``source, target, *sums, density`` (density only when ``ties`` and
        ``possible`` are among ``sums``), in the order groups first appear.

    Examples
    --------
    >>> b = pd.DataFrame({"source_department": ["A", "A", "C", "C"], "target_department": ["A", "C", "A", "C"],
    ...                   "ties": [6, 1, 1, 0], "possible": [6, 3, 3, 0]})
    >>> merge_blocks(b, {"A": "A", "C": None})[["source_department", "target_department", "density"]].values.tolist()
    [['A', 'A', 1.0]]
    """
    frame = blocks.copy()
    frame[source] = frame[source].map(lambda g: labels.get(g, g))
    frame[target] = frame[target].map(lambda g: labels.get(g, g))
    frame = frame.dropna(subset=[source, target])
    order = list(dict.fromkeys([*frame[source], *frame[target]]))
    out = frame.groupby([source, target], sort=False)[list(sums)].sum().reset_index()
    if {"ties", "possible"} <= set(sums):
        out["density"] = [t / p if p else float("nan") for t, p in zip(out["ties"], out["possible"])]
    rank = {g: i for i, g in enumerate(order)}
    out = out.sort_values([source, target], key=lambda s: s.map(rank)).reset_index(drop=True)
    return out


def shown_graph(G, k: int, *, other: str = OTHER, attribute: str = "department"):
    """A copy of a tie graph whose small groups carry the label ``other`` (for a figure's shapes and legend).

    Every member of a group that fails the description rule gets ``other`` as its
    ``attribute`` (:func:`group_labels`; a group hidden there is also labelled ``other``
    here, since a drawn member needs some shape), so no figure gives a department of one
    or two a shape of its own.

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
    k : int
        Smallest group the handout may describe.
    other : str
        Label of the merged group.
    attribute : str
        The grouping attribute.

    Returns
    -------
    networkx.Graph or networkx.DiGraph
        A copy; ``G`` is not changed.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_nodes_from([(i, {"department": "A" if i < 4 else "C"}) for i in range(8)] + [(9, {"department": "B"})])
    >>> sorted(set(nx.get_node_attributes(shown_graph(G, 3, other="other"), "department").values()))
    ['A', 'C', 'other']
    """
    sizes: dict = {}
    for _, value in G.nodes(data=attribute):
        sizes[value] = sizes.get(value, 0) + 1
    labels = group_labels(sizes, k, other=other)
    H = G.copy()
    for v, value in G.nodes(data=attribute):
        H.nodes[v][attribute] = labels[value] if labels[value] is not None else other
    return H
