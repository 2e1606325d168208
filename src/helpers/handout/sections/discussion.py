"""The table discussion: rounds, the seminar's questions and prompts drawn from this wave's findings; the table card's data."""

from __future__ import annotations

from helpers.handout.context import typst_block
from helpers.handout.sections import departments, since, structure
from helpers.escape import markdown_plain

__all__ = ["HEADING", "text", "prompts", "table_card"]

#: The section's heading in the catalogue.
HEADING = "discussion.heading"


def text(ctx) -> str:
    """Table discussion: three rounds with their minutes, the seminar's questions and data-driven prompts.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    config = ctx.discussion
    asked = prompts(ctx) if config.get("data_prompts", True) else []
    parts = []
    for number, round_ in enumerate(config["rounds"], start=1):
        parts.append("### " + ctx.t("discussion.round", number=number, title=round_["title"][ctx.lang],
                                     minutes=ctx.n(round_["minutes"])))
        items = [q[ctx.lang] for q in round_["questions"]]
        if number == 2:  # joint reflection: what the data of this wave invites
            items += asked
        parts.append("\n".join(f"- {q}" for q in items))
    # the three rounds on one page of the PDF; the heading first in the output (Quarto's table of
    # contents lists only such headings), sticking to the rounds
    return ctx.heading(HEADING) + "\n\n" + typst_block("\n\n".join(parts))


def prompts(ctx) -> list[str]:
    """Questions chosen from this wave's findings.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    list of str
    """
    t, found = ctx.t, []
    if ctx.thin or ctx.no_ties:  # no findings to ask about
        return found
    if departments.unlinked(ctx):
        found.append(t("discussion.prompts.unlinked", pairs=ctx.listing(departments.unlinked(ctx))))
    if not ctx.structure.indispensable["nobody_indispensable"] and structure.cut_members(ctx):
        found.append(t("discussion.prompts.indispensable", who=ctx.listing(structure.cut_members(ctx))))
    g = ctx.structure.groupings
    if g["beyond_random"] and not g["cuts_across_departments"]:
        found.append(t("discussion.prompts.groupings"))
    cp = ctx.structure.core_periphery()
    if ctx.has_core:
        found.append(t("discussion.prompts.periphery",
                         share=ctx.pct(len(cp["periphery"]) / (len(cp["core"]) + len(cp["periphery"])))))
    return found


def table_card(ctx, *, thumbnail: bool = True) -> dict:
    """What the table card (:func:`helpers.handout.tablecard.write_table_card`) prints, as plain data.

    The card repeats the discussion's rounds and questions in large type, with this wave's
    prompts (unless ``discussion.yml`` says ``data_prompts: false``); its back page has a
    thumbnail of Figure 1 (drawn by the handout's own Figure 1 function,
    :func:`helpers.handout.sections.network.figure`) and the summary's points
    (:func:`helpers.handout.sections.summary.points`). The data travels to the renderer in
    the executed notebook's metadata (:func:`helpers.handout.sections.publish`).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.
    thumbnail : bool
        Draw Figure 1 for the back page (an SVG text); False leaves it out.

    Returns
    -------
    dict
        ``title, rounds, prompts, lang, subtitle, heading, prompts_label, date``, and for
        the back page ``back_heading``, ``points`` (``heading``, ``body`` each, plain text),
        ``thumbnail`` (SVG text or None) and ``thumbnail_caption``; no points and no
        thumbnail for a build folder without the network's results.
    """
    from helpers.handout.sections import summary

    config = ctx.discussion
    try:
        label = ctx.t("table_card.prompts_label")
    except KeyError:
        label = None
    asked = [markdown_plain(q) for q in prompts(ctx)] if config.get("data_prompts", True) else []
    since_prompt = since.table_card_prompt(ctx)  # None for a wave that was not compared
    if since_prompt:
        asked.append(markdown_plain(since_prompt))
    whole = ctx.summary is not None  # the back page needs the whole wave's results, the prompts do not
    points = summary.points(ctx) if whole else []
    return {"title": ctx.t(HEADING), "rounds": config["rounds"],
            "prompts": asked,
            "lang": ctx.lang,
            "subtitle": str(ctx.wave_text("name") or ""),
            "heading": ctx.t.data_at("discussion.round"),
            "prompts_label": label, "date": ctx.meta.get("date"),
            "back_heading": markdown_plain(ctx.t(summary.heading_key(points))),
            "points": [{"heading": markdown_plain(p.heading), "body": markdown_plain(p.body)} for p in points],
            "thumbnail": _figure1_svg(ctx) if thumbnail and whole else None,
            "thumbnail_caption": markdown_plain(ctx.t("table_card.thumbnail"))}


def _figure1_svg(ctx) -> str:
    """Figure 1 as the handout draws it, as SVG text (for the table card's thumbnail)."""
    import io

    import matplotlib.pyplot as plt

    from helpers.handout.sections import network

    before = set(plt.get_fignums())
    drawn = network.figure(ctx)
    fig = getattr(drawn, "figure", None) or plt.gcf()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    for number in set(plt.get_fignums()) - before:
        plt.close(number)
    return buffer.getvalue()
