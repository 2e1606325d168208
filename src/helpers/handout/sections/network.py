"""Figure 1: the forum's network, the core in the centre (dark red) and the periphery around it (light blue); and its interactive view (HTML)."""

from __future__ import annotations

from helpers.handout.context import typst_block

__all__ = ["HEADING", "heading", "positions", "figure", "interactive", "aggregate_labels"]

#: The section's heading in the catalogue.
HEADING = "figure1.heading"


def heading(ctx) -> str:
    """The section's heading (Markdown); for a wave compared with the previous one, followed
    by a line saying that continuing members keep their places from the previous figure
    (in the PDF a block that sticks to the figure, :func:`helpers.handout.context.typst_block`).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    from helpers.handout import aggregate

    comparison = getattr(ctx, "comparison", None)
    if (ctx.thin or comparison is None or comparison.compare_layout is None
            or ctx.graph.number_of_nodes() >= aggregate.AGGREGATE_FROM):  # departments drawn, not members
        return ctx.heading(HEADING)
    # the line sticks to the figure in the PDF: heading, line and figure share a page
    return ctx.heading(HEADING) + "\n\n" + typst_block(ctx.t("figure1.kept"), "sticky: true, breakable: false")


def positions(ctx) -> dict | None:
    """Figure 1's saved positions (the compared layout when the wave was compared, else the
    wave's own; :func:`helpers.results.layout.shown_positions`); None for results saved
    without a layout, which are then laid out afresh with the same seed.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    dict or None
        Member id -> (x, y).
    """
    from helpers.results.layout import shown_positions

    comparison = getattr(ctx, "comparison", None)
    compared = comparison.compare_layout if comparison is not None else None
    found = shown_positions(getattr(ctx.structure, "layout", None), compared)
    if found is None or set(ctx.graph) - set(found):
        return None
    return found


def figure(ctx, ax=None):
    """Figure 1: the network, core red and periphery blue, node size by coreness; from
    :data:`helpers.handout.aggregate.AGGREGATE_FROM` members on, the network of departments.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if not given.
    """
    from helpers.handout import aggregate, plots

    if ctx.thin:  # the ties drawn would be the few respondents' own answers
        return plots.note(ctx.label("too_few_answers"), ax=ax)
    labels = {k: ctx.label(k) for k in ("core", "periphery", "department", "group")}
    labels.update(core=ctx.label("Core"), periphery=ctx.label("Periphery"))
    if ctx.graph.number_of_nodes() >= aggregate.AGGREGATE_FROM:  # a point per member would be a grey cloud
        return aggregate.network_by_department(ctx.graph, ctx.structure.core, seed=ctx.seed, min_group_size=ctx.k,
                                               ax=ax, labels={**labels, **aggregate_labels(ctx)})
    from helpers.handout.suppression import shown_graph  # no shape of its own for a department of one or two

    return plots.network(shown_graph(ctx.graph, ctx.k, other=ctx.label("other")), ctx.structure.core,
                         ctx.structure.coreness, seed=ctx.seed, ax=ax, labels=labels, positions=positions(ctx))


def aggregate_labels(ctx) -> dict:
    """Texts of the department-level Figure 1 and view (:mod:`helpers.handout.aggregate`)."""
    keys = ("members", "core_members", "ties_within", "ties_across", "size_note")
    out = {k: ctx.t(f"interactive.{k}") for k in keys}
    out["small"] = ctx.t("interactive.small", k="{k}")
    out.update(hint=ctx.t("interactive.departments_hint"), aria=ctx.t("interactive.departments_aria"),
               department=ctx.label("department"), core=ctx.label("Core"), periphery=ctx.label("Periphery"))
    return out


def interactive(ctx, *, replaces: str | None = "fig-network"):
    """The interactive Figure 1 (:func:`helpers.handout.interactive.view`), in the handout's language.

    Texts come from the catalogue: ``labels.*`` (department, group, Core, Periphery,
    director, chief) and ``interactive.*`` (role, coreness, hint, aria).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
    replaces : str, optional
        The figure whose image the view replaces in HTML (default Figure 1's label).

    Returns
    -------
    NetworkView or None
        None when fewer than ``min_group_size`` members answered: the handout then shows no
        network (its ties would be those few people's own answers), and neither does this.
    """
    if ctx.thin:
        return None
    from helpers.handout import aggregate
    from helpers.handout.interactive import NetworkView

    if ctx.graph.number_of_nodes() >= aggregate.AGGREGATE_FROM:  # the departments: kB instead of megabytes
        html_text = aggregate.department_html(ctx.graph, sorted(ctx.structure.core), seed=ctx.seed,
                                              min_group_size=ctx.k, labels=aggregate_labels(ctx), lang=ctx.lang,
                                              replaces=replaces)
        return NetworkView(html_text, ctx.graph.number_of_nodes(),
                           {"seed": int(ctx.seed), "lang": ctx.lang, "min_group_size": int(ctx.k),
                            "replaces": replaces, "by": "department"})
    labels = {
        "department": ctx.t("labels.department"), "group": ctx.t("labels.group"),
        "core": ctx.t("labels.Core"), "periphery": ctx.t("labels.Periphery"),
        "director": ctx.t("labels.director"), "chief": ctx.t("labels.chief"), "other": ctx.t("labels.other"),
        **{k: ctx.t(f"interactive.{k}") for k in ("role", "coreness", "hint", "aria")},
    }
    from helpers.handout import plots
    from helpers.handout.interactive import network_html

    core = sorted(ctx.structure.core)
    placed = positions(ctx)
    if placed is None:
        placed = plots.network_layout(ctx.graph, seed=ctx.seed, core=core, coreness=ctx.structure.coreness)
    html_text = network_html(ctx.graph, core, ctx.structure.coreness, placed, labels=labels, lang=ctx.lang,
                             min_group_size=ctx.k, replaces=replaces)
    return NetworkView(html_text, ctx.graph.number_of_nodes(),
                       {"seed": int(ctx.seed), "lang": ctx.lang, "min_group_size": int(ctx.k), "replaces": replaces})
