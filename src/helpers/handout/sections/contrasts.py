"""Figure 2: the forum beside constructed networks with the same members and ties, and their statistics.

The constructed networks are made and measured once, in the analysis
(:meth:`helpers.results.structure.Structure.compute`), saved, and drawn here from what was
saved, so the figure and the statistics cannot drift apart. The figure carries no
statistics: :func:`statistics` gives them as Markdown for the method appendix.
"""

from __future__ import annotations

import pandas as pd

from helpers.handout.context import typst_block

__all__ = ["HEADING", "text", "figure", "statistics", "nothing_to_contrast"]

#: The section's heading in the catalogue.
HEADING = "figure2.heading"


def text(ctx) -> str:
    """The section's heading and what Figure 2 shows, or why there is nothing to show.

    In the PDF the lead-in is a block that is not broken and sticks to the figure after it
    (:func:`helpers.handout.context.typst_block`), so heading, lead-in and figure share a
    page.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    return ctx.heading(HEADING) + "\n\n" + typst_block(_body(ctx), "sticky: true, breakable: false")


def _body(ctx) -> str:
    if ctx.thin:
        return ctx.t("figure2.thin")
    if ctx.no_ties:
        return ctx.t("figure2.no_ties")
    if _complete(ctx):
        return ctx.t("figure2.all_ties")
    return ctx.t("figure2.body", members=ctx.n(ctx.summary["members"]), ties=ctx.n(ctx.summary["ties"]))


def nothing_to_contrast(ctx) -> bool:
    """Whether Figure 2 has nothing to show: too few answers, no ties, or every tie.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    bool
    """
    return ctx.thin or ctx.no_ties or _complete(ctx)


def figure(ctx):
    """Figure 2: the forum (as in Figure 1) beside four constructed networks, each with a one-line note.

    Nothing is drawn (None) when there is nothing to contrast: :func:`text`
    then says why, and the handout has neither an empty figure nor its caption.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.
    """
    from helpers.handout import plots
    from helpers.handout.sections import network

    if nothing_to_contrast(ctx):
        return None
    graphs = {"wave": ctx.graph, **ctx.structure.contrast_graphs()}  # as the analysis made and measured them
    titles = {name: ctx.t(f"figure2.titles.{name}") for name in graphs}
    notes = {name: ctx.t(f"figure2.notes.{name}") for name in graphs}
    placed = network.positions(ctx)
    return plots.contrasts(graphs, seed=ctx.seed, titles=titles, notes=notes, cores={"wave": ctx.structure.core},
                           positions={"wave": placed} if placed is not None else None)


def statistics(ctx) -> str:
    """Figure 2's statistics for the method appendix: a Markdown table and a note on the density.

    One row per network (the forum and the four constructed ones): ties, density,
    modularity (how clearly it splits into groups) and how closely it matches an ideal
    core-periphery structure (0-1). Every density has the same denominator: the
    possible ties among the forum's respondents (each respondent could name every
    other member), so the same number of ties gives the same density.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown; empty when Figure 2 is not drawn.
    """
    from helpers.handout.context import pipe_table

    if nothing_to_contrast(ctx):
        return ""
    measures = ctx.structure.contrasts.set_index("network")
    possible = int(ctx.summary["respondents"]) * (int(ctx.summary["members"]) - 1)
    columns = {k: ctx.t(f"figures.statistics.{k}") for k in ("network", "ties", "density", "modularity", "fit")}
    rows = []
    for name, row in measures.iterrows():
        rows.append({columns["network"]: ctx.t(f"figure2.titles.{name}"), columns["ties"]: ctx.n(int(row["ties"])),
                     columns["density"]: ctx.pct(row["ties"] / possible if possible else None),
                     columns["modularity"]: ctx.n(row["modularity"], 2), columns["fit"]: ctx.n(row["fit"], 2)})
    note = ctx.t("figures.statistics.note", respondents=ctx.n(int(ctx.summary["respondents"])),
                 others=ctx.n(int(ctx.summary["members"]) - 1), possible=ctx.n(possible))
    return pipe_table(pd.DataFrame(rows), align="l" + "r" * 4) + "\n\n" + note


def _complete(ctx) -> bool:
    """Every member answered and named every other: no other structure has as many relations."""
    return ctx.summary["ties"] == ctx.summary["members"] * (ctx.summary["members"] - 1)
