"""Collaboration across departments: the density heatmap, crossing shares, E-I index, bridges, unlinked pairs."""

from __future__ import annotations

from helpers.results.departments import Departments
from helpers.handout.context import ALPHA, undefined
from helpers.handout.suppression import suppress

__all__ = ["HEADING", "heading", "text", "figure", "unlinked"]

#: The section's heading in the catalogue.
HEADING = "departments.heading"


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


def text(ctx) -> str:
    """Collaboration across departments: crossing share, E-I index, bridges, unlinked pairs.

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
    if ctx.n_departments < 2:
        return t("departments.one_department")
    if ctx.thin:
        return t("departments.thin", k=ctx.n(ctx.k))
    if ctx.no_ties:
        return t("departments.no_ties")
    crossing = ctx.departments.crossing_shares.copy()
    crossing = crossing[crossing["attribute"] == "department"]
    total_share = crossing["out_crossing"].sum() / crossing["out_ties"].sum()
    shown = crossing[crossing["n_respondents"] >= ctx.k]["out_crossing_share"].dropna()
    if len(shown) > 1 and round(shown.min(), 2) < round(shown.max(), 2):
        paragraphs = [t("departments.crossing", share=ctx.pct(total_share), low=ctx.pct(shown.min()),
                        high=ctx.pct(shown.max()))]
    else:  # no range to give: fewer than two departments with enough respondents, or all alike
        paragraphs = [t("departments.crossing_total", share=ctx.pct(total_share))]
    ei = ctx.departments.ei_tests.copy()
    whole = ei[(ei["attribute"] == "department") & (ei["level"] == "whole")].iloc[0]
    if not (undefined(whole["observed"]) or undefined(whole["expected"])):
        significance = t("departments.ei_significant" if whole["p_value"] <= ALPHA
                         else "departments.ei_not_significant", p=ctx.p(whole["p_value"]))
        if round(whole["observed"], 2) == round(whole["expected"], 2):
            paragraphs.append(t("departments.ei_as_chance", ei=ctx.n(whole["observed"], 2)))
        else:
            paragraphs.append(t(
                "departments.ei", ei=ctx.n(whole["observed"], 2), expected=ctx.n(whole["expected"], 2),
                direction=t("departments.ei_more" if whole["observed"] < whole["expected"] else "departments.ei_less"),
                significance=significance))
    bridges = ctx.departments.bridging_members.copy().sort_values("rank")
    bridges = bridges[bridges["cross_ties"] > 0]  # a member without ties across bridges nothing
    who = []
    for member in bridges["member_id"]:
        described = ctx.describe(member)
        if described and described not in who:
            who.append(described)
        if len(who) == 3:
            break
    if who:
        paragraphs.append(t("departments.bridges", who=ctx.listing(who)))
    paragraphs.append(_unlinked_sentence(ctx))
    return "\n\n".join(paragraphs)


def unlinked(ctx) -> list[str]:
    """Department pairs with no tie in either direction (that could have had one), as "A – B".

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    list of str
    """
    pairs = ctx.departments.unlinked_pairs.copy()
    pairs = pairs[pairs["possible"] > 0]
    return [f"{a} – {b}" for a, b in zip(pairs["group_a"], pairs["group_b"])]


def _unlinked_sentence(ctx) -> str:
    pairs = unlinked(ctx)
    return ctx.t("departments.unlinked", pairs=ctx.listing(pairs)) if pairs else ctx.t("departments.all_linked")


def figure(ctx, ax=None):
    """Department x department densities; rows of departments with fewer than ``k`` respondents suppressed.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if not given.
    """
    from helpers.handout import plots

    blocks = ctx.departments.department_densities.copy()
    sizes = ctx.departments.crossing_shares.copy().query("attribute == 'department'").set_index("group")["n_respondents"]
    blocks["respondents"] = blocks["source_department"].map(sizes)
    hidden = suppress(blocks, {"respondents": ["density", "ties"]}, k=ctx.k).mask
    blocks.loc[hidden["density"], ["density", "ties"]] = float("nan")
    return plots.department_heatmap(Departments(department_densities=blocks).density_matrix(), counts=Departments(department_densities=blocks).density_matrix("ties"), ax=ax,
                                    xlabel=ctx.t("departments.columns"), ylabel=ctx.t("departments.rows"),
                                    colorbar_label=ctx.t("departments.colorbar"))
