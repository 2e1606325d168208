"""Figure 1: the forum's network, core red and periphery blue; and its interactive view (HTML)."""

from __future__ import annotations

__all__ = ["HEADING", "heading", "figure", "interactive", "aggregate_labels"]

#: The section's heading in the catalogue.
HEADING = "figure1.heading"


def heading(ctx) -> str:
    """The section's heading (Markdown).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    return ctx.heading(HEADING)


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
                         ctx.structure.coreness, seed=ctx.seed, ax=ax, labels=labels)


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
    from helpers.handout.interactive import view

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
    return view(ctx.graph, sorted(ctx.structure.core), ctx.structure.coreness, seed=ctx.seed, labels=labels,
                lang=ctx.lang, min_group_size=ctx.k, replaces=replaces)
