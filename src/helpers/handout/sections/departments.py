"""Collaboration across departments: the density heatmap, crossing shares, E-I index, unlinked pairs.

Departments with fewer than ``min_group_size`` members (or whose complement would be)
are merged into "other" in the heatmap's rows and columns, or hidden
(:func:`helpers.handout.suppression.group_labels`), and are left out of the sentences.
Who bridges the departments is a statement about single members: it is in the
facilitator's material (:func:`helpers.handout.facilitator.member_statements`).
"""

from __future__ import annotations

from helpers.results.departments import Departments
from helpers.handout.context import ALPHA, undefined
from helpers.handout.sections.structure import department_sizes, shown_departments
from helpers.handout.suppression import merge_blocks, suppress

__all__ = ["HEADING", "heading", "verdict", "text", "figure", "unlinked", "all_linked", "shown_blocks", "caption_note"]

#: The section's heading in the catalogue.
HEADING = "departments.heading"


def heading(ctx) -> str:
    """The section's heading: the departments' finding (:func:`verdict`).

    "Relationerne samler sig inden for afdelingerne" as the summary states it; the
    catalogue's topic (:data:`HEADING`) when there is no finding to state (one
    department, too few answers, no relations, an E-I index that is not defined).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    if ctx.summary is None or ctx.thin or ctx.no_ties:
        return ctx.heading(HEADING)
    found = verdict(ctx)
    if found is None or not found["tested"]:
        return ctx.heading(HEADING)
    return ctx.heading(f"summary.departments.{found['heading']}")


def verdict(ctx) -> dict | None:
    """The departments' mixing: the share of ties across departments and the E-I verdict.

    The rule of this section's E-I sentence, its heading and the summary's fourth point.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    dict or None
        ``share`` (ties across departments / all ties, the departments section's
        figure), ``verdict`` (``"inside"``: the E-I index is below chance's at p <=
        :data:`ALPHA`; ``"across"``: above it; ``"chance"``: otherwise) and
        ``unlinked`` (department pairs without ties that may be named,
        :func:`unlinked`) and
        ``all_linked`` (every pair of departments has ties) and ``tested`` (the E-I
        index and chance's are defined: without them ``verdict`` is ``"chance"`` only by
        default, and the departments section's heading states no finding); None with
        one department. ``heading`` is the key of the statement under
        ``summary.departments``: the verdict, but ``"inside_most"`` when ties cluster inside
        the departments while most of them still cross (80 % across, fewer than chance
        gives: "cluster within" alone would mislead), and ``"untested"`` when the E-I
        index is undefined (no statement about chance).
    """
    if ctx.n_departments < 2:
        return None
    crossing = ctx.departments.crossing_shares.copy()
    crossing = crossing[crossing["attribute"] == "department"]
    share = crossing["out_crossing"].sum() / crossing["out_ties"].sum()
    ei = ctx.departments.ei_tests.copy()
    whole = ei[(ei["attribute"] == "department") & (ei["level"] == "whole")].iloc[0]
    verdict = "chance"
    tested = not (undefined(whole["observed"]) or undefined(whole["expected"]))
    if tested and not undefined(whole["p_value"]):
        if whole["p_value"] <= ALPHA and round(whole["observed"], 2) != round(whole["expected"], 2):
            verdict = "inside" if whole["observed"] < whole["expected"] else "across"
    heading = "inside_most" if verdict == "inside" and share > 0.5 else verdict if tested else "untested"
    return {"share": share, "verdict": verdict, "heading": heading, "unlinked": unlinked(ctx),
            "all_linked": all_linked(ctx), "tested": tested}


def text(ctx) -> str:
    """Collaboration across departments: crossing share, E-I index, unlinked pairs.

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
        # (the p-value is in the method appendix: :func:`helpers.handout.sections.method.appendix_parts`)
        values = dict(ei=ctx.n(whole["observed"], 2), expected=ctx.n(whole["expected"], 2))
        if round(whole["observed"], 2) == round(whole["expected"], 2):
            paragraphs.append(t("departments.ei_as_chance", **values))
        elif undefined(whole["p_value"]) or whole["p_value"] > ALPHA:
            paragraphs.append(t("departments.ei_no_tendency", **values))
        else:
            paragraphs.append(t("departments.ei_beyond", direction=t(
                "departments.ei_more" if whole["observed"] < whole["expected"] else "departments.ei_less"), **values))
    paragraphs.append(_unlinked_sentence(ctx))
    return "\n\n".join(p for p in [caption_note(ctx), *paragraphs] if p)


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
    shown = shown_departments(ctx)  # a pair with a small department would tell of its few members' ties
    return [f"{a} – {b}" for a, b in zip(pairs["group_a"], pairs["group_b"]) if shown.get(a) == a and shown.get(b) == b]


def all_linked(ctx) -> bool:
    """Whether every pair of departments that could have ties has some (small departments included).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    bool
        False also when the only unlinked pairs involve a department too small to name
        (:func:`unlinked` leaves those out): the handout then says nothing rather than
        something untrue.
    """
    pairs = ctx.departments.unlinked_pairs
    return pairs is None or not (pairs["possible"] > 0).any()


def _unlinked_sentence(ctx) -> str:
    pairs = unlinked(ctx)
    if pairs:
        return ctx.t("departments.unlinked", pairs=ctx.listing(pairs))
    return ctx.t("departments.all_linked") if all_linked(ctx) else ""


def shown_blocks(ctx, labels: dict | None = None):
    """The department heatmap's blocks as the handout may show them.

    Departments that fail the description rule are merged into "other" (rows and
    columns), or dropped when the merged group fails it too
    (:func:`helpers.handout.suppression.group_labels`); a row whose (merged) department
    has fewer than ``k`` respondents is blanked (NaN), since it would show those few
    people's answers.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
    labels : dict, optional
        Department -> label shown (None: hidden); :func:`shown_departments` by default
        (the figure of a large organisation passes its own, :func:`_heatmap_labels`).

    Returns
    -------
    pandas.DataFrame
        ``source_department, target_department, ties, possible, density, respondents``.
    """
    labels = shown_departments(ctx) if labels is None else labels
    blocks = merge_blocks(ctx.departments.department_densities.copy(), labels)
    sizes = ctx.departments.crossing_shares.copy().query("attribute == 'department'")
    respondents: dict[str, int] = {}
    for group, n in zip(sizes["group"], sizes["n_respondents"]):
        label = labels.get(group)
        if label is not None:
            respondents[label] = respondents.get(label, 0) + int(n)
    blocks["respondents"] = blocks["source_department"].map(respondents).fillna(0).astype(int)
    hidden = suppress(blocks, {"respondents": ["density", "ties"]}, k=ctx.k).mask
    blocks.loc[hidden["density"], ["density", "ties"]] = float("nan")
    return blocks


def caption_note(ctx) -> str:
    """A sentence for the heatmap's caption when small departments were merged into "other" ("" otherwise).

    Parameters
    ----------
    ctx : helpers.handout.context.Context

    Returns
    -------
    str
    """
    labels = shown_departments(ctx)
    if all(label == d for d, label in labels.items()):
        return ""
    if any(label is None for label in labels.values()):
        return ctx.t("departments.caption_hidden", k=ctx.n(ctx.k))
    return ctx.t("departments.caption_other", k=ctx.n(ctx.k), other=ctx.label("other"))


#: The heatmap shows at most this many departments by name; above it the largest are kept
#: and the rest merged into "other" (:func:`_heatmap_labels`): a 200 x 200 grid is unreadable
#: and made most of a 5,000-member handout's time and size.
HEATMAP_DEPARTMENTS = 20


def _heatmap_labels(ctx) -> tuple[dict[str, str | None], int, int]:
    """The heatmap's department labels: :func:`shown_departments`, then, with more than
    :data:`HEATMAP_DEPARTMENTS` named departments, only the largest of them (by members,
    then name) keep their names and the others join "other".

    Merging more (and only large) departments into "other" keeps it a group of at least
    ``k`` members; a department hidden by the privacy rule stays hidden.

    Returns
    -------
    labels : dict
        Department -> label shown or None.
    named : int
        Departments that would have been shown by name.
    merged : int
        Of those, how many were merged into "other" here (0 when all fit).
    """
    labels = shown_departments(ctx)
    own = [d for d, label in labels.items() if label == d]
    if len(own) <= HEATMAP_DEPARTMENTS:
        return labels, len(own), 0
    sizes = department_sizes(ctx) or {}
    largest = set(sorted(own, key=lambda d: (-int(sizes.get(d, 0)), str(d)))[:HEATMAP_DEPARTMENTS])
    other = ctx.label("other")
    merged = {d: (label if label is None or d in largest else other) for d, label in labels.items()}
    return merged, len(own), len(own) - HEATMAP_DEPARTMENTS


def figure(ctx, ax=None):
    """Department x department densities; small departments merged into "other" in rows and
    columns, rows of departments with fewer than ``k`` respondents blanked.

    With more than :data:`HEATMAP_DEPARTMENTS` departments to name, the largest of them are
    shown and the others merged into "other" as well; the figure's title says how many
    (:func:`_heatmap_labels`), and the cells are coloured without figures.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if not given.
    """
    from helpers.escape import markdown_plain, mathtext
    from helpers.handout import plots

    labels, named, merged = _heatmap_labels(ctx)
    blocks = shown_blocks(ctx, labels if merged else None)
    other = ctx.label("other")
    order = list(dict.fromkeys(blocks["source_department"]))
    order = [g for g in order if g != other] + [g for g in order if g == other]
    result = Departments(department_densities=blocks)
    ax = plots.department_heatmap(result.density_matrix().reindex(index=order, columns=order),
                                  counts=result.density_matrix("ties").reindex(index=order, columns=order), ax=ax,
                                  xlabel=ctx.t("departments.columns"), ylabel=ctx.t("departments.rows"),
                                  colorbar_label=ctx.t("departments.colorbar"))
    if merged:
        title = ctx.t("departments_at_scale.largest", shown=ctx.n(HEATMAP_DEPARTMENTS), total=ctx.n(named),
                      rest=ctx.n(merged), other=other)
        ax.set_title(mathtext(markdown_plain(title)),
                     fontsize=plots.FONT_SIZE["small"], loc="left")
    return ax
