"""The cover: title, subtitle, the seminar's name and date, when the survey closed, and the sender.

The renderer sets them as document metadata, so they stand in the title block of both
the HTML and the PDF; they travel from the handout notebook to the renderer in the
executed notebook's metadata (:func:`helpers.handout.sections.publish`). The seminar's
name, date and sender come from the optional ``seminar`` block of ``wave.yml``
(translated under ``translations.<lang>.seminar``); without it the cover shows the title,
the wave and the survey's closing date.
"""

from __future__ import annotations

from helpers.escape import as_markdown
from helpers.handout.context import long_date

__all__ = ["block", "seminar_line"]


def seminar_line(ctx) -> str | None:
    """"Seminar for Strategisk Ledelsesforum, 7. marts 2019" (name and/or date); None without either.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str or None
    """
    seminar = ctx.meta.get("seminar") or {}
    name = ctx.wave_text("seminar", "name")
    date = long_date(seminar["date"], ctx.lang) if seminar.get("date") else None
    if not (name or date):
        return None
    if name and date:
        return ctx.t("cover.seminar", seminar=name, date=date)
    return as_markdown(name) if name else ctx.t("cover.seminar", seminar=ctx.t("timeline.seminar"), date=date)


def block(ctx) -> dict[str, str]:
    """Title, subtitle (the wave), date line (the seminar and when the survey closed) and author (the sender).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    dict of str to str
        ``title``, ``subtitle``, ``date`` and, when ``wave.yml`` names a sender, ``author``.
    """
    closed = ctx.t("date_line", date=long_date(ctx.meta["date"], ctx.lang))
    seminar = seminar_line(ctx)
    found = {"title": ctx.t("title"), "subtitle": ctx.t("subtitle", wave=ctx.wave_text("name")),
             "date": f"{seminar}. {closed}" if seminar else closed}
    sender = ctx.wave_text("seminar", "sender")
    if sender:
        found["author"] = ctx.t("cover.sender", sender=sender)
    return found
