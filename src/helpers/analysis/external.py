"""External relations: how core and periphery rate their partners outside the municipality.

Input is the tidy ``external`` table of a wave, one row per member and
partner type:

==========  ================================================================
member_id   member pseudonym (str)
partner     partner type id, e.g. ``"municipalities"`` (see wave.yml)
rating      the answer on the wave's scale as a float; NaN unless answered
status      ``"answered"``, ``"dont_know"`` or ``"blank"``
==========  ================================================================

plus a mapping ``member_id -> group`` (``"core"`` / ``"periphery"``) from the
core-periphery split. "Don't know" and blank answers are excluded from means
and tests and counted separately, so every mean carries the number of
answers behind it.

All functions are pure: they return new DataFrames with fixed column order,
rows sorted by the given partner order and then group order.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.analysis.permutation import SequentialRule, sequential_test
from helpers.lang import round_half_up
from scipy import stats

__all__ = [
    "STATUSES",
    "external_means",
    "external_tests",
    "means_table",
    "ratings_long",
    "round_half_up",
]

#: Allowed values of the ``status`` column.
STATUSES = ("answered", "dont_know", "blank")

_GROUPS = ("core", "periphery")
_ALTERNATIVES = ("two-sided", "less", "greater")


def _prepare(
    external: pd.DataFrame,
    groups: Mapping[str, str],
    partners: Sequence[str] | None,
    group_order: Sequence[str],
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Validate the inputs and attach the group of every row."""
    required = ["member_id", "partner", "rating", "status"]
    missing = [c for c in required if c not in external.columns]
    if missing:
        raise ValueError(f"external lacks columns {missing}")
    frame = external[required].copy()
    frame["member_id"] = frame["member_id"].astype(str)
    frame["partner"] = frame["partner"].astype(str)
    frame["rating"] = pd.to_numeric(frame["rating"], errors="coerce").astype(float)
    bad = sorted(set(frame["status"].unique()) - set(STATUSES))  # unique(): no Python loop over the rows
    if bad:
        raise ValueError(f"unknown status values {bad}; allowed {list(STATUSES)}")
    answered = frame["status"] == "answered"
    if frame.loc[answered, "rating"].isna().any():
        raise ValueError("rows with status 'answered' need a numeric rating")
    if frame.loc[~answered, "rating"].notna().any():
        raise ValueError("rows with status 'dont_know' or 'blank' must have rating NaN")
    if frame.duplicated(["member_id", "partner"]).any():
        raise ValueError("more than one row for a member and partner")
    group_of = {str(k): str(v) for k, v in groups.items()}
    unknown = sorted(set(frame["member_id"].unique()) - set(group_of))
    if unknown:
        raise ValueError(f"members without a group: {unknown}")
    frame["group"] = frame["member_id"].map(group_of)
    group_order = list(group_order)
    stray = sorted(set(frame["group"].unique()) - set(group_order))
    if stray:
        raise ValueError(f"groups {stray} are not in group_order {group_order}")
    if partners is None:
        partners = sorted(set(frame["partner"].unique()))
    else:
        partners = [str(p) for p in partners]
        extra = sorted(set(frame["partner"].unique()) - set(partners))
        if extra:
            raise ValueError(f"partners {extra} are not in the partner order")
    return frame, list(partners), group_order


def external_means(
    external: pd.DataFrame,
    groups: Mapping[str, str],
    *,
    partners: Sequence[str] | None = None,
    group_order: Sequence[str] = _GROUPS,
) -> pd.DataFrame:
    """Mean rating per partner type and group, with the counts behind it.

    Parameters
    ----------
    external : pandas.DataFrame
        Tidy external-relations table (see module docstring).
    groups : mapping
        ``member_id -> group``; every member in ``external`` needs one.
    partners : sequence of str, optional
        Partner order (the wave's order); sorted ids when omitted. Partners
        listed but absent from the data get rows with zero counts.
    group_order : sequence of str
        Group order, default ``("core", "periphery")``.

    Returns
    -------
    pandas.DataFrame
        Columns ``partner, group, n_answered, mean_rating, n_dont_know,
        n_blank``; one row per partner and group, in partner order then
        group order. ``mean_rating`` is the unrounded mean of the answered
        ratings (NaN without answers); round for display with
        :func:`round_half_up`.

    Examples
    --------
    >>> import pandas as pd
    >>> ext = pd.DataFrame({"member_id": ["a", "b", "c"], "partner": "regions",
    ...                     "rating": [3.0, 4.0, float("nan")],
    ...                     "status": ["answered", "answered", "dont_know"]})
    >>> external_means(ext, {"a": "core", "b": "core", "c": "periphery"}).to_dict("records")[0]
    {'partner': 'regions', 'group': 'core', 'n_answered': 2, 'mean_rating': 3.5, 'n_dont_know': 0, 'n_blank': 0}
    """
    frame, partners, group_order = _prepare(external, groups, partners, group_order)
    rows = []
    for partner in partners:
        for group in group_order:
            cell = frame[(frame["partner"] == partner) & (frame["group"] == group)]
            ratings = cell.loc[cell["status"] == "answered", "rating"]
            rows.append(
                (
                    partner,
                    group,
                    int(ratings.size),
                    float(ratings.mean()) if ratings.size else float("nan"),
                    int((cell["status"] == "dont_know").sum()),
                    int((cell["status"] == "blank").sum()),
                )
            )
    return pd.DataFrame(
        rows,
        columns=["partner", "group", "n_answered", "mean_rating", "n_dont_know", "n_blank"],
    )


def means_table(
    means: pd.DataFrame,
    value: str = "mean_rating",
    decimals: int | None = None,
) -> pd.DataFrame:
    """Pivot :func:`external_means` to the seminar's layout.

    Parameters
    ----------
    means : pandas.DataFrame
        Output of :func:`external_means`.
    value : str
        Column for the cells, e.g. ``"mean_rating"`` or ``"n_answered"``.
    decimals : int, optional
        Round the cells with :func:`round_half_up` (display only).

    Returns
    -------
    pandas.DataFrame
        One row per group (index ``group``), one column per partner, both in
        the order they appear in ``means``.
    """
    partners = list(dict.fromkeys(means["partner"]))
    group_order = list(dict.fromkeys(means["group"]))
    table = means.pivot(index="group", columns="partner", values=value)
    table = table.reindex(index=group_order, columns=partners)
    table.columns.name = "partner"
    if decimals is not None:
        table = table.apply(lambda col: col.map(lambda x: round_half_up(x, decimals)))
    return table


def external_tests(
    external: pd.DataFrame,
    groups: Mapping[str, str],
    *,
    partners: Sequence[str] | None = None,
    group_order: Sequence[str] = _GROUPS,
    n_permutations: int = 10000,
    seed: int = 0,
    alternative: str = "two-sided",
    method: str = "auto",
    sequential: bool = True,
) -> pd.DataFrame:
    """Compare two groups' ratings per partner type.

    For every partner type, among the members who answered that item
    ("don't know" and blank excluded):

    * a permutation test of the difference in means (first group minus
      second): the group labels are shuffled among those members, keeping
      both group sizes; the generator is rebuilt from ``seed`` for every
      partner type, so a partner's result does not depend on which other
      partners are in the table. p-values are ``(1 + #extreme) / (1 + n)``;
      ``"greater"`` counts permuted differences >= observed, ``"less"``
      <= observed, ``"two-sided"`` doubles the smaller tail, capped at 1;
    * the Mann-Whitney U test (``scipy.stats.mannwhitneyu``, U of the first
      group; ``method="auto"`` is exact for small samples without ties,
      otherwise the normal approximation with tie and continuity
      correction);
    * Cliff's delta, ``P(X > Y) - P(X < Y)`` for a rating ``X`` from the
      first group and ``Y`` from the second. It equals the rank-biserial
      correlation ``2 U / (n1 n2) - 1``. Positive means the first group
      (core, by default) rates higher.

    Ratings are ordinal (a four-point scale), so U and delta are the
    primary evidence; the mean difference matches the seminar's table.
    With 40 members, most p-values will be large: a table discussion aid,
    not a finding.

    Parameters
    ----------
    external : pandas.DataFrame
        Tidy external-relations table (see module docstring).
    groups : mapping
        ``member_id -> group``.
    partners : sequence of str, optional
        Partner order; sorted ids when omitted.
    group_order : sequence of two str
        The two groups compared, first minus second; default
        ``("core", "periphery")``.
    n_permutations : int
        Most random relabellings per partner type.
    seed : int
        Seed of the relabellings (:func:`helpers.analysis.permutation.block_rng`,
        blocks of 1,000 up to 200 answers, of ``200,000 / answers`` above).
    alternative : {"two-sided", "less", "greater"}
        Direction for both tests (``"greater"``: first group rates higher).
    method : str
        Passed to ``scipy.stats.mannwhitneyu``.
    sequential : bool
        Stop relabelling when the answer is clear
        (:class:`helpers.analysis.permutation.SequentialRule`: 10 relabellings
        at least as extreme, or a 99 % interval of the p-value wholly below or
        above 0.05); False: always ``n_permutations``.

    Returns
    -------
    pandas.DataFrame
        Columns ``partner, n_<g1>, n_<g2>, mean_<g1>, mean_<g2>,
        difference, p_permutation, u_statistic, p_mannwhitney,
        cliffs_delta, alternative, n_permutations, seed, max_permutations,
        stopped, p_low, p_high`` (``<g1>``, ``<g2>`` from ``group_order``;
        ``n_permutations`` drawn, why they stopped and the 99 % interval of
        the permutation p-value), one row per partner in order.
        Statistics are NaN when a group has no answers.

    References
    ----------
    .. [1] H. B. Mann and D. R. Whitney, "On a test of whether one of two
       random variables is stochastically larger than the other", Annals of
       Mathematical Statistics 18(1), 50-60, 1947.
    .. [2] N. Cliff, "Dominance statistics: ordinal analyses to answer
       ordinal questions", Psychological Bulletin 114(3), 494-509, 1993.
    .. [3] D. S. Kerby, "The simple difference formula: an approach to
       teaching nonparametric correlation", Comprehensive Psychology 3,
       11.IT.3.1, 2014.
    .. [4] B. V. North, D. Curtis and P. C. Sham, "A note on the calculation
       of empirical P values from Monte Carlo procedures", American Journal
       of Human Genetics 71(2), 439-441, 2002.
    .. [5] J. Besag and P. Clifford, "Sequential Monte Carlo p-values",
       Biometrika 78(2), 301-304, 1991.
    """
    if len(group_order) != 2:
        raise ValueError("group_order must name exactly two groups")
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {_ALTERNATIVES}, not {alternative!r}")
    if n_permutations < 1:
        raise ValueError("n_permutations must be at least 1")
    frame, partners, group_order = _prepare(external, groups, partners, group_order)
    rule = (SequentialRule(max_samples=n_permutations) if sequential
            else SequentialRule(max_samples=n_permutations, hits=n_permutations + 1,
                                min_samples=n_permutations + 1))
    first, second = group_order
    answered = frame[frame["status"] == "answered"].sort_values(["member_id"])
    nan = float("nan")
    rows = []
    for partner in partners:
        item = answered[answered["partner"] == partner]
        x = item.loc[item["group"] == first, "rating"].to_numpy(float)
        y = item.loc[item["group"] == second, "rating"].to_numpy(float)
        n1, n2 = x.size, y.size
        mean1 = float(x.mean()) if n1 else nan
        mean2 = float(y.mean()) if n2 else nan
        if n1 and n2:
            difference = mean1 - mean2
            values = np.concatenate([x, y])
            is_first = np.concatenate([np.ones(n1, bool), np.zeros(n2, bool)])
            block = max(1, min(1000, 200_000 // values.size))  # a test that stops early draws little more
            sample = functools.partial(_difference_block, values=values, is_first=is_first)
            perm = sequential_test(sample, difference, rule=rule, seed=seed, block_size=block,
                                   alternative=alternative)
            p_perm, drawn, stopped = perm.p_value, perm.n_samples, perm.stopped
            p_low, p_high = perm.p_low, perm.p_high
            test = stats.mannwhitneyu(x, y, alternative=alternative, method=method)
            u = float(test.statistic)
            p_mw = float(test.pvalue)
            delta = 2.0 * u / (n1 * n2) - 1.0
        else:
            difference = p_perm = u = p_mw = delta = p_low = p_high = nan
            drawn, stopped = 0, "max"
        rows.append(
            (
                partner,
                int(n1),
                int(n2),
                mean1,
                mean2,
                difference,
                p_perm,
                u,
                p_mw,
                delta,
                alternative,
                int(drawn),
                seed,
                int(n_permutations),
                stopped,
                p_low,
                p_high,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "partner",
            f"n_{first}",
            f"n_{second}",
            f"mean_{first}",
            f"mean_{second}",
            "difference",
            "p_permutation",
            "u_statistic",
            "p_mannwhitney",
            "cliffs_delta",
            "alternative",
            "n_permutations",
            "seed",
            "max_permutations",
            "stopped",
            "p_low",
            "p_high",
        ],
    )


def _difference_block(rng, size, *, values, is_first):
    """Mean differences (first minus second group) after ``size`` random relabellings."""
    shuffled = rng.permuted(np.tile(is_first, (size, 1)), axis=1)
    n1 = int(is_first.sum())
    n2 = is_first.size - n1
    first_sums = shuffled.astype(float) @ values
    return first_sums / n1 - (values.sum() - first_sums) / n2


def ratings_long(
    external: pd.DataFrame,
    groups: Mapping[str, str],
    *,
    partners: Sequence[str] | None = None,
    group_order: Sequence[str] = _GROUPS,
) -> pd.DataFrame:
    """Individual answered ratings by partner and group, for a strip plot.

    Parameters
    ----------
    external : pandas.DataFrame
        Tidy external-relations table (see module docstring).
    groups : mapping
        ``member_id -> group``.
    partners : sequence of str, optional
        Partner order; sorted ids when omitted.
    group_order : sequence of str
        Group order, default ``("core", "periphery")``.

    Returns
    -------
    pandas.DataFrame
        Columns ``partner, group, member_id, rating``; answered rows only,
        sorted by partner order, group order, rating, member id. ``partner``
        and ``group`` are ordered categoricals so plots keep the order.
        Before showing points, drop groups with fewer than ``k`` answers
        (:func:`helpers.handout.suppression.drop_small_groups`).
    """
    frame, partners, group_order = _prepare(external, groups, partners, group_order)
    out = frame.loc[frame["status"] == "answered", ["partner", "group", "member_id", "rating"]].copy()
    out["partner"] = pd.Categorical(out["partner"], categories=partners, ordered=True)
    out["group"] = pd.Categorical(out["group"], categories=group_order, ordered=True)
    return out.sort_values(["partner", "group", "rating", "member_id"], ignore_index=True)
