"""Figure 2: the wave beside contrasting structures of the same size, with their measures.

The contrasting networks are made and measured once, in the analysis
(:meth:`helpers.results.structure.Structure.compute`), saved, and drawn here from what was saved,
so the figure and its measures cannot drift apart.
"""

from __future__ import annotations

__all__ = ["HEADING", "text", "figure", "nothing_to_contrast"]

#: The section's heading in the catalogue.
HEADING = "figure2.heading"


def text(ctx) -> str:
    """The section's heading and what Figure 2 shows, or why there is nothing to show.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    return ctx.heading(HEADING) + "\n\n" + _body(ctx)


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
    """Figure 2: contrasting structures of the same size, with their measures beneath.

    Nothing is drawn (None) when there is nothing to contrast: :func:`text`
    then says why, and the handout has neither an empty figure nor its caption.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.
    """
    from helpers.handout import plots

    if nothing_to_contrast(ctx):
        return None
    graphs = {"wave": ctx.graph, **ctx.structure.contrast_graphs()}  # as the analysis made and measured them
    measures = ctx.structure.contrasts.copy().set_index("network").loc[list(graphs)]
    titles = {name: ctx.t(f"figure2.titles.{name}") for name in graphs}
    measure_labels = {m: ctx.t(f"figure2.measures.{m}") for m in ("density", "modularity", "fit")}

    def formatter(measure: str, value: float) -> str:
        return ctx.pct(value) if measure == "density" else ctx.n(value, 2)

    return plots.contrasts(graphs, measures, seed=ctx.seed, titles=titles, measure_labels=measure_labels,
                           formatter=formatter, ncols=3)


def _complete(ctx) -> bool:
    """Every member answered and named every other: no other structure has as many relations."""
    return ctx.summary["ties"] == ctx.summary["members"] * (ctx.summary["members"] - 1)
