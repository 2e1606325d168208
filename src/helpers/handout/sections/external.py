"""External relations: how core and periphery rate seven kinds of external partners (table, figure, findings)."""

from __future__ import annotations

import pandas as pd

from helpers.handout.context import ALPHA, pipe_table
from helpers.handout.suppression import MARKER, suppress

__all__ = ["HEADING", "intro", "table", "figure", "text"]

#: The section's heading in the catalogue.
HEADING = "external.heading"


def _external(ctx) -> tuple[pd.DataFrame, dict]:
    means = ctx.external.external_means.copy()
    partners = {p["id"]: p[ctx.lang] for p in ctx.meta["external"]["partners"]}
    return means, partners


def intro(ctx) -> str:
    """The section's heading and the question the members answered, with its scale.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    scale = ctx.wave_text("external", "scale")
    low, top = min(scale, key=int), max(scale, key=int)
    return ctx.heading(HEADING) + "\n\n" + ctx.t("external.intro", question=ctx.wave_text("external", "question"), low=scale[low].lower(), top=top,
                  high=scale[top].lower())


def table(ctx) -> str:
    """The seminar's table: mean rating per partner type, core and periphery, with the number of answers.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    means, partners = _external(ctx)
    if not ctx.has_core:  # no core told apart: one row, for all respondents
        means = _all_respondents(means)
    shown = suppress(means, {"n_answered": "mean_rating"}, k=ctx.k, suppress_zero=True).table
    cells = {}
    for row, raw in zip(shown.itertuples(), means.itertuples()):
        hidden = row.mean_rating == MARKER  # the number of answers describes the same few people: hidden too
        cells.setdefault(row.group, {})[row.partner] = (
            MARKER if hidden else f"{ctx.mean(raw.mean_rating)} ({ctx.n(raw.n_answered)})")
    frame = pd.DataFrame([[_group_label(ctx, g), *[cells[g][p] for p in partners]] for g in cells],
                         columns=[ctx.t("external.group"), *partners.values()])
    return pipe_table(frame)


def _group_label(ctx, group: str) -> str:
    return ctx.label(group.capitalize()) if ctx.has_core else ctx.label("everyone")


def figure(ctx, ax=None):
    """Individual ratings by group and partner type, means marked.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if not given.
    """
    from helpers.handout import plots

    ratings = ctx.external.external_ratings.copy()
    if not ctx.has_core:  # no core told apart: everyone in one group
        ratings["group"] = "periphery"
    partners = dict(_external(ctx)[1])
    ratings["partner_label"] = ratings["partner"].map(partners)
    counts = ratings.groupby(["partner", "group"])["rating"].transform("count")
    ratings = ratings[counts >= ctx.k]
    if ratings["rating"].notna().sum() == 0:
        return plots.note(ctx.label("too_few_answers"), ax=ax)
    scale = {int(k): v for k, v in ctx.wave_text("external", "scale").items()}
    groups = ("core", "periphery") if ctx.has_core else ("periphery",)
    labels = {g: _group_label(ctx, g) for g in groups} | {"mean": ctx.label("mean")}
    return plots.external_ratings(ratings, groups=groups, labels=labels, scale=scale,
                                  ylabel=ctx.t("external.ylabel"), mean_format=ctx.mean,
                                  ax=ax)


def text(ctx) -> str:
    """Which partner types the core rates higher, and whether any difference is more than chance.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    t = ctx.t
    tests = ctx.external.external_tests.copy()
    _, partners = _external(ctx)
    tests = tests[(tests["n_core"] >= ctx.k) & (tests["n_periphery"] >= ctx.k)]
    name = lambda ids: ctx.listing(partners[p].lower() if ctx.lang == "da" else partners[p] for p in ids)
    higher_core = tests[tests["difference"] > 0]["partner"]
    higher_periphery = tests[tests["difference"] < 0]["partner"]
    significant = tests[tests["p_permutation"] <= ALPHA]["partner"]
    lines = []
    if not ctx.has_core:
        lines.append(t("external.no_core"))
    elif tests.empty:  # no partner type with enough answers in both groups: nothing was compared
        lines.append(t("external.too_few_to_compare", k=ctx.n(ctx.k)))
    else:
        if len(higher_core):
            lines.append(t("external.higher_core", partners=name(higher_core)))
        if len(higher_periphery):
            lines.append(t("external.higher_periphery", partners=name(higher_periphery)))
        lines.append(t("external.significant", partners=name(significant)) if len(significant)
                     else t("external.none_significant"))
    means, _ = _external(ctx)
    lines.append(t("external.excluded", dont_know=ctx.n(int(means["n_dont_know"].sum())),
                   blank=ctx.n(int(means["n_blank"].sum()))))
    return " ".join(lines)


def _all_respondents(means: pd.DataFrame) -> pd.DataFrame:
    """``external_means`` with core and periphery merged into one group (labelled "periphery").

    Examples
    --------
    >>> means = pd.DataFrame({"partner": ["p", "p"], "group": ["core", "periphery"], "n_answered": [1, 3],
    ...                       "mean_rating": [4.0, 2.0], "n_dont_know": [0, 1], "n_blank": [1, 0]})
    >>> _all_respondents(means).to_dict("records")
    [{'partner': 'p', 'group': 'periphery', 'n_answered': 4, 'mean_rating': 2.5, 'n_dont_know': 1, 'n_blank': 1}]
    """
    rows = []
    for partner, part in means.groupby("partner", sort=False):
        n = int(part["n_answered"].sum())
        total = (part["mean_rating"].fillna(0) * part["n_answered"]).sum()
        rows.append({"partner": partner, "group": "periphery", "n_answered": n,
                     "mean_rating": total / n if n else float("nan"),
                     "n_dont_know": int(part["n_dont_know"].sum()), "n_blank": int(part["n_blank"].sum())})
    return pd.DataFrame(rows, columns=means.columns)
