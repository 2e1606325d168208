"""Purpose and data: what a network analysis is, the analysis model, who answered, the method in brief."""

from __future__ import annotations

from helpers.handout.sections import method

__all__ = ["HEADING", "text"]

#: The section's heading in the catalogue.
HEADING = "purpose.heading"


def text(ctx) -> str:
    """Purpose and data: what a network analysis is, the analysis model, who answered.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    s = ctx.summary
    return "\n\n".join([
        ctx.heading(HEADING), ctx.t("purpose.body"), ctx.t("purpose.model"),
        ctx.t("purpose.response", respondents=ctx.n(s["respondents"]), members=ctx.n(s["members"]),
               response_rate=ctx.pct(s["response_rate"])),
        ctx.t("purpose.question", question=ctx.wave_text("relations", "question"), threshold=ctx.threshold()),
        *([ctx.t("purpose.thin", respondents=ctx.n(s["respondents"]), k=ctx.n(ctx.k))] if ctx.thin else []),
        method.box(ctx),
    ])
