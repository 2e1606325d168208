"""The method appendix's paragraphs on the rules that protect the individual, and on how the groupings were found.

The rules are stated where a reader of the handout can check them: the description rule
(:func:`helpers.handout.suppression.may_describe`), small groups merged into "other" or
hidden, statements about single members kept for the facilitator, what the interactive
view shows, what the exports hold, the minimum for highlighting a department pair since
last time, and the Leiden seeds with the stability of the groupings.
"""

from __future__ import annotations

from helpers.handout.context import undefined

__all__ = ["HEADING", "text"]

#: The paragraphs' heading in the catalogue.
HEADING = "rules.heading"


def text(ctx) -> str:
    """The rules as Markdown paragraphs under a level-3 heading.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown.
    """
    from helpers.handout.sections import since
    from helpers.handout.sections.structure import shown_departments

    t, k = ctx.t, ctx.n(ctx.k)
    other = ctx.label("other")
    merged = sum(1 for d, label in shown_departments(ctx).items() if label != d)
    parts = [f"### {t(HEADING)}", t("rules.description", k=k),
             t("rules.small_groups", k=k, other=other) + " "
             + (t("rules.small_groups_merged_one") if merged == 1 else t("rules.small_groups_merged", n=ctx.n(merged))
                if merged else t("rules.small_groups_none", k=k)),
             t("rules.members"), t("rules.interactive", k=k), t("rules.exports")]
    if ctx.comparison is not None:
        parts.append(t("rules.highlight", senders=ctx.n(max(since.MIN_SENDERS, ctx.k)),
                       possible=ctx.n(since.MIN_POSSIBLE)))
    g = ctx.structure.groupings if not ctx.thin else {}
    if g.get("n_seeds", 1) > 1 and not undefined(g.get("stability")):
        parts.append(t("rules.leiden", seeds=ctx.n(g["n_seeds"]), stability=ctx.n(g["stability"], 2),
                       share=ctx.pct(g["best_share"]), reproduced=ctx.n(g.get("reproduced_ari"), 2)))
    return "\n\n".join(parts)
