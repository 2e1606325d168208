"""External relations: how core and periphery rate seven kinds of external partners (table, figure, findings)."""

from __future__ import annotations

import pandas as pd

from helpers.escape import as_markdown
from helpers.handout.context import ALPHA, pipe_table, typst_block
from helpers.handout.suppression import MARKER, suppress

__all__ = ["HEADING", "intro", "table", "figure", "text", "findings", "partner_names"]

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
    question = ctx.t("external.intro", question=ctx.wave_text("external", "question"), low=scale[low].lower(),
                     top=top, high=scale[top].lower())
    # the heading and the question stay on the table's page in the PDF
    return ctx.heading(HEADING) + "\n\n" + typst_block(question, "sticky: true, breakable: false")


def table(ctx) -> str:
    """The seminar's table, one row per partner type: mean rating of core and periphery and the answers behind them.

    Columns: partner type, core, periphery (each the mean rating) and the number of
    answers (core / periphery); without a core, one column for all respondents. A mean
    and its count that describe fewer than ``k`` people are replaced by the marker.

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
    if not ctx.has_core:  # no core told apart: one column, for all respondents
        means = _all_respondents(means)
    shown = suppress(means, {"n_answered": "mean_rating"}, k=ctx.k, suppress_zero=True).table
    cells: dict = {}
    for row, raw in zip(shown.itertuples(), means.itertuples()):
        hidden = row.mean_rating == MARKER  # the number of answers describes the same few people: hidden too
        cells.setdefault(row.partner, {})[row.group] = (MARKER, MARKER) if hidden else (
            ctx.mean(raw.mean_rating), ctx.n(raw.n_answered))
    groups = ("core", "periphery") if ctx.has_core else ("periphery",)
    rows = []
    for partner, label in partners.items():
        found = cells.get(partner, {})
        values = [found.get(g, (MARKER, MARKER)) for g in groups]
        rows.append([as_markdown(label), *[v[0] for v in values], " / ".join(v[1] for v in values)])
    frame = pd.DataFrame(rows, columns=[ctx.t("external.partner"), *[_group_label(ctx, g) for g in groups],
                                        ctx.label("n")])
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


def findings(ctx) -> dict:
    """What the external comparison found, as the section and the summary state it.

    Only partner types with at least ``k`` answers in both groups are compared.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    dict
        ``partners`` (every partner type's id), ``compared`` (ids compared),
        ``higher_core`` and ``higher_periphery`` (ids whose mean is higher in that
        group), ``significant`` (ids with a permutation p <= :data:`ALPHA`).
    """
    tests = ctx.external.external_tests.copy()
    tests = tests[(tests["n_core"] >= ctx.k) & (tests["n_periphery"] >= ctx.k)]
    return {"partners": list(_external(ctx)[1]), "compared": list(tests["partner"]),
            "higher_core": list(tests[tests["difference"] > 0]["partner"]),
            "higher_periphery": list(tests[tests["difference"] < 0]["partner"]),
            "significant": list(tests[tests["p_permutation"] <= ALPHA]["partner"])}


def partner_names(ctx, ids) -> str:
    """Partner types as a phrase in the running text ("andre kommuner og regioner"): lower case in Danish.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.
    ids : iterable of str
        Partner ids.

    Returns
    -------
    str
    """
    partners = _external(ctx)[1]
    return ctx.listing(_running(partners[p], ctx.lang) for p in ids)


def _running(label: str, lang: str) -> str:
    """A label as it reads mid-sentence: Danish labels in lower case; English ones too,
    unless a word is an acronym.

    Examples
    --------
    >>> _running("Andre kommuner", "da"), _running("Other municipalities", "en"), _running("NGOs", "en")
    ('andre kommuner', 'other municipalities', 'NGOs')
    """
    first, _, rest = label.partition(" ")
    if len(first) > 1 and first[1:].lower() != first[1:]:
        return label
    return (first[:1].lower() + first[1:] + (" " + rest if rest else ""))


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
    found = findings(ctx)
    lines = []
    if not ctx.has_core:
        lines.append(t("external.no_core"))
    elif not found["compared"]:  # no partner type with enough answers in both groups: nothing was compared
        lines.append(t("external.too_few_to_compare", k=ctx.n(ctx.k)))
    else:
        if found["higher_core"]:
            lines.append(t("external.higher_core", partners=partner_names(ctx, found["higher_core"])))
        if found["higher_periphery"]:
            lines.append(t("external.higher_periphery", partners=partner_names(ctx, found["higher_periphery"])))
        lines.append(t("external.significant", partners=partner_names(ctx, found["significant"]))
                     if found["significant"] else t("external.none_significant"))
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
