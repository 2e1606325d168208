"""The handout's "since last time" section, from ``results/compare.json`` and ``results/compare_*.csv``.

Written only when the wave was compared with a previous one (see
:func:`helpers.pipeline.scheduler.run`); every function here returns ``""`` (or draws nothing)
otherwise, so the handout notebook can call them unconditionally.

What the section shows, in order: who is compared; the density change with its
confidence interval; ties kept, new and dropped; the moves between core and periphery
as a table and a flow figure; the members who moved, described as
:meth:`helpers.handout.context.Context.describe` allows (by role and department only where at
least ``min_group_size`` members share it); the share of cross-department ties and the
change in each department pair's density (a heatmap, rows of departments with fewer
than ``min_group_size`` comparable respondents hidden); the change in the
external-relations table (cells with fewer than ``min_group_size`` answers hidden); and
whether the visit pairs formed ties.

The transition counts carry no attribute of anyone (only "core" or "periphery" then
and now, over the members present in both rounds), so they are shown at every size;
members who joined or left are only counted.
"""

from __future__ import annotations

import pandas as pd

from helpers import lang as fmt
from helpers.handout.context import Context, pipe_table
from helpers.handout.suppression import MARKER
from helpers.results.comparison import Comparison

__all__ = ["HEADING", "GROUPS", "section", "transition_table", "transition_figure", "changes",
           "department_change_figure", "external_table", "closing"]

#: The section's heading in the catalogue.
HEADING = "since.heading"
#: Group labels of the core-periphery split, in table order.
GROUPS = ("core", "periphery")


def _signed(ctx: Context, value: float) -> str:
    text = ctx.n(abs(value) * 100, 1)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def _previous_date(ctx: Context, c) -> str:
    return fmt.date(c.previous["date"], ctx.lang)


def section(ctx: Context) -> str:
    """Markdown of the section's opening: who is compared, density and ties; "" without a comparison.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    c = ctx.comparison
    if c is None:
        return ""
    t, d, s = ctx.t, c.density, c.summary
    return "\n\n".join([
        ctx.heading(HEADING),
        t("since.members", previous=_previous_date(ctx, c), both=ctx.n(s["members_both"]), joined=ctx.n(s["joined"]),
          left=ctx.n(s["left"]), senders=ctx.n(s["senders_both"])),
        t("since.density", a=ctx.pct(d["a"], 1), b=ctx.pct(d["b"], 1), change=_signed(ctx, d["difference"]),
          level=ctx.pct(d["level"]), low=_signed(ctx, d["ci_low"]), high=_signed(ctx, d["ci_high"])) + " "
        + t("since.density_changed" if d["ci_low"] > 0 or d["ci_high"] < 0 else "since.density_same"),
        t("since.ties", kept=ctx.n(s["ties"].get("kept", 0)), new=ctx.n(s["ties"].get("new", 0)),
          dropped=ctx.n(s["ties"].get("dropped", 0)), jaccard=ctx.n(s["jaccard"], 2)),
        t("since.transitions_intro"),
    ])


def _transition_counts(ctx: Context) -> dict[tuple[str, str], int]:
    table = ctx.comparison.compare_transitions.copy()
    return {(f, to): int(n) for f, to, n in zip(table["from"], table["to"], table["n_members"], strict=True)}


def transition_table(ctx: Context) -> str:
    """Pipe table of the moves between core and periphery: earlier wave in rows, this wave in columns, with totals.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    if ctx.comparison is None:
        return ""
    counts = _transition_counts(ctx)
    label = {g: ctx.label(g.capitalize()) for g in GROUPS}
    total = ctx.t("since.total")
    rows = []
    for f in GROUPS:
        rows.append([label[f], *(ctx.n(counts[(f, to)]) for to in GROUPS), ctx.n(sum(counts[(f, to)] for to in GROUPS))])
    rows.append([total, *(ctx.n(sum(counts[(f, to)] for f in GROUPS)) for to in GROUPS), ctx.n(sum(counts.values()))])
    frame = pd.DataFrame(rows, columns=[ctx.t("since.then_now"), label["core"], label["periphery"], total])
    return pipe_table(frame)


def transition_figure(ctx: Context, ax=None):
    """Flow figure of the moves between core and periphery (nothing drawn without a comparison).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if not given.
    """
    c = ctx.comparison
    if c is None:
        return None
    from helpers.handout import plots

    table = ctx.comparison.compare_transitions.copy()
    return plots.core_transitions(table, labels={g: ctx.label(g.capitalize()) for g in GROUPS},
                                  titles=(_previous_date(ctx, c), fmt.date(ctx.meta["date"], ctx.lang)),
                                  count_format=ctx.n, ax=ax)


def _movers(ctx: Context, direction: tuple[str, str]) -> str:
    movers = ctx.comparison.compare_movers.copy()
    found = movers[(movers["from"] == direction[0]) & (movers["to"] == direction[1])]
    if found.empty:
        return ctx.t("since.nobody")
    described = [ctx.describe(m) or ctx.t("since.a_member") for m in found["member_id"]]
    counted = pd.Series(described).value_counts(sort=False)
    return ctx.listing(d if n == 1 else ctx.t("since.times", n=ctx.n(n), who=d) for d, n in counted.items())


def changes(ctx: Context) -> str:
    """Markdown after the transitions: who moved, cross-department ties and the department pairs that changed most.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    c = ctx.comparison
    if c is None:
        return ""
    t = ctx.t
    counts = _transition_counts(ctx)
    moved = counts[("periphery", "core")] + counts[("core", "periphery")]
    crossing = ctx.comparison.compare_crossing.copy().iloc[0]
    parts = [
        t("since.movers", up=_movers(ctx, ("periphery", "core")), down=_movers(ctx, ("core", "periphery")))
        if moved else t("since.no_movers"),
        t("since.crossing", a=ctx.pct(crossing["share_a"]), b=ctx.pct(crossing["share_b"])),
    ]
    blocks = _shown_blocks(ctx)
    between = blocks[(blocks["source_department"] != blocks["target_department"]) & blocks["change"].notna()]
    rise, fall = between[between["change"] > 0], between[between["change"] < 0]
    sentences = []
    for frame, key, pick in ((rise, "since.pair_rose", "idxmax"), (fall, "since.pair_fell", "idxmin")):
        if len(frame):
            row = frame.loc[getattr(frame["change"], pick)()]
            sentences.append(t(key, source=row["source_department"], target=row["target_department"],
                               a=ctx.pct(row["density_a"]), b=ctx.pct(row["density_b"])))
    parts.append(" ".join(sentences) if sentences else t("since.pairs_same"))
    return "\n\n".join(parts)


def _shown_blocks(ctx: Context) -> pd.DataFrame:
    """The department pairs' density changes, with the rows of departments that had fewer
    than ``k`` comparable respondents in either wave blanked (NaN)."""
    blocks = ctx.comparison.compare_blocks.copy()
    hidden = blocks[["senders_a", "senders_b"]].min(axis=1) < ctx.k
    blocks.loc[hidden, ["density_a", "density_b", "change"]] = float("nan")
    return blocks


def department_change_figure(ctx: Context, ax=None):
    """Heatmap of the change in each department pair's density (nothing drawn without a comparison).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if not given.
    """
    if ctx.comparison is None:
        return None
    from helpers.handout import plots

    shown = Comparison(compare_blocks=_shown_blocks(ctx)).density_matrix("change")
    return plots.density_change_heatmap(shown, ax=ax,
                                        xlabel=ctx.t("departments.columns"), ylabel=ctx.t("departments.rows"),
                                        colorbar_label=ctx.t("since.change_colorbar"))


def external_table(ctx: Context) -> str:
    """Pipe table of each group's mean external rating then and now, with the number of answers; "" without.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    if ctx.comparison is None or ctx.comparison.compare_external is None:
        return ""
    ext = ctx.comparison.compare_external.copy()
    partners = {p["id"]: p[ctx.lang] for p in ctx.meta["external"]["partners"]}

    def cell(n: int, mean: float) -> str:
        return MARKER if n < ctx.k or pd.isna(mean) else f"{ctx.mean(mean)} ({ctx.n(n)})"

    cells = {(r.partner, r.group): f"{cell(r.n_answered_a, r.mean_rating_a)} → {cell(r.n_answered_b, r.mean_rating_b)}"
             for r in ext.itertuples(index=False)}
    frame = pd.DataFrame([[label, *(cells.get((p, g), MARKER) for g in GROUPS)] for p, label in partners.items()],
                         columns=[ctx.t("since.partner"), *(ctx.label(g.capitalize()) for g in GROUPS)])
    return pipe_table(frame)


def closing(ctx: Context) -> str:
    """Markdown after the figures: how to read the external table, and whether the visits worked.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    c = ctx.comparison
    if c is None:
        return ""
    t = ctx.t
    parts = [t("since.external") if c.compare_external is not None else ""]
    if c.visits is not None:
        v = c.visits
        parts.append(t("since.visits", rate=ctx.pct(v["rate"]), improved=ctx.n(v["improved"]), pairs=ctx.n(v["n_pairs"]),
                       rate_comparison=ctx.pct(v["rate_comparison"]), p=ctx.p(v["p_value"]))
                     + (" " + t("since.visits_caveat") if v["caveat"] else ""))
    else:
        parts.append(t("since.no_visits"))
    return "\n\n".join(p for p in parts if p)
