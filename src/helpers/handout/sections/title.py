"""The title block: title, subtitle and date line.

The renderer sets them as document metadata, so they stand above the table of contents
in both HTML and PDF; they travel from the handout notebook to the renderer in the
executed notebook's metadata (:func:`helpers.handout.sections.publish`).
"""

from __future__ import annotations

from helpers import lang as fmt

__all__ = ["block"]


def block(ctx) -> dict[str, str]:
    """Title, subtitle (what the handout covers) and date line (when the survey closed).

    The renderer sets them as document metadata, so they stand in the title block of
    both the HTML and the PDF, above the table of contents.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    dict of str to str
    """
    return {"title": ctx.t("title"), "subtitle": ctx.t("subtitle", wave=ctx.wave_text("name")),
            "date": ctx.t("date_line", date=fmt.date(ctx.meta["date"], ctx.lang))}
