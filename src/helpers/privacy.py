"""The description rule: which sets of members a participant's output may describe.

One rule for every output a forum member may read (the handout's sentences, figures,
tooltips and data attributes, and the network exports): a description of a set of
members may appear only when at least ``k`` members fit it (``k`` is the wave's
``privacy.min_group_size``) and its complement within the same frame is empty or not
smaller than ``k`` (:func:`may_describe`); groups that fail it are merged into "other" or
hidden (:func:`group_labels`). It lives in the base room so that both the handout
(:mod:`helpers.handout.suppression`, which applies it to members, tables and figures) and
the exports (:mod:`helpers.analysis.exports`) use the same code.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["OTHER", "may_describe", "group_labels"]

#: Default label of the merged small groups; the handout passes its own word ("Andre", "Other").
OTHER = "other"


def may_describe(fit: int, frame: int, k: int) -> bool:
    """The description rule: may a description that ``fit`` of ``frame`` members match appear?

    A description of a set of members ("a chief in X", "a member from X", "the women
    directors") may appear only when at least ``k`` members fit it *and* its complement
    within the same frame (the members of the frame it does not describe) is not smaller
    than ``k``. The complement matters because a reader who knows the frame subtracts: in a
    department of one director and five chiefs, "the chiefs of X" tells what the director
    did. An empty complement singles nobody out (the description is the whole frame), so
    it passes.

    Parameters
    ----------
    fit : int
        Members the description matches.
    frame : int
        Members of the frame it is read in (the department for a role in a department,
        the forum for a department).
    k : int
        Smallest group the handout may describe (``min_group_size``).

    Returns
    -------
    bool

    Examples
    --------
    >>> may_describe(5, 6, 3)   # five chiefs beside one director: the director by complement
    False
    >>> may_describe(6, 6, 3), may_describe(3, 9, 3), may_describe(2, 40, 3)
    (True, True, False)
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    fit, frame = int(fit), int(frame)
    rest = frame - fit
    return fit >= k and (rest == 0 or rest >= k)


def group_labels(sizes: Mapping[str, int], k: int, *, other: str = OTHER) -> dict[str, str | None]:
    """How each group of a grouping of the forum (department, role, gender) may be shown.

    A group that passes :func:`may_describe` within the forum keeps its label; the others
    are merged into one group ``other``, shown only when the merged group passes the rule
    too; otherwise they are hidden (None). Merging keeps a figure whole (every member is
    still counted somewhere) without naming a group of one or two.

    Parameters
    ----------
    sizes : mapping of str to int
        Members per group (the whole forum).
    k : int
        Smallest group the handout may describe.
    other : str
        Label of the merged group.

    Returns
    -------
    dict
        Group -> label shown (its own, ``other``) or None (hidden).

    Examples
    --------
    >>> group_labels({"A": 10, "B": 12, "C": 1, "D": 2}, 3, other="other")
    {'A': 'A', 'B': 'B', 'C': 'other', 'D': 'other'}
    >>> group_labels({"A": 10, "B": 12, "C": 1}, 3, other="other")
    {'A': 'A', 'B': 'B', 'C': None}
    """
    total = sum(int(n) for n in sizes.values())
    kept = {g for g, n in sizes.items() if may_describe(n, total, k)}
    small = [g for g in sizes if g not in kept]
    merged = sum(int(sizes[g]) for g in small)
    target = other if small and may_describe(merged, total, k) else None
    return {g: (g if g in kept else target) for g in sizes}
