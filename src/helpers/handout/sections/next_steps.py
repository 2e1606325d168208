"""After the seminar: the job visits as a timeline (invitation, two visits, the joint wrap-up).

The dates come from the optional ``seminar.visits`` block of ``wave.yml`` (each stage a
date or a month); a stage it does not give falls back on :func:`default_visits`, counted
from the survey's closing date as the seminar programme has it: the visits in the two
months after the survey, the wrap-up in the third.
"""

from __future__ import annotations

import datetime as dt
import html

from helpers.escape import Markdown, markdown_plain
from helpers.handout.context import long_date, month

__all__ = ["HEADING", "STAGES", "default_visits", "visits", "timeline", "text"]

#: The section's heading in the catalogue.
HEADING = "next_steps.heading"
#: The timeline's stages, in order (as ``seminar.visits`` in ``wave.yml``).
STAGES = ("invitation", "first", "second", "wrap_up")


def _add_months(day: dt.date, months: int) -> str:
    """The month ``months`` after ``day``'s, as ``YYYY-MM``.

    Examples
    --------
    >>> _add_months(dt.date(2019, 11, 30), 3)
    '2020-02'
    """
    index = day.year * 12 + day.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def default_visits(closed: dt.date | str, seminar: dt.date | str | None = None) -> dict[str, str]:
    """The timeline when ``wave.yml`` gives no dates: the invitation on the seminar's day
    (or two weeks after the survey closed), the visits in the first and second month after
    the survey, the wrap-up in the third.

    Parameters
    ----------
    closed : datetime.date or str
        The survey's closing date.
    seminar : datetime.date or str, optional
        The seminar's date.

    Returns
    -------
    dict
        Stage -> ISO date (invitation) or month (``YYYY-MM``).

    Examples
    --------
    >>> default_visits("2019-02-22")
    {'invitation': '2019-03-08', 'first': '2019-03', 'second': '2019-04', 'wrap_up': '2019-05'}
    >>> default_visits("2020-02-21", "2020-03-05")["invitation"]
    '2020-03-05'
    """
    closed = dt.date.fromisoformat(str(closed))
    invitation = dt.date.fromisoformat(str(seminar)) if seminar else closed + dt.timedelta(days=14)
    return {"invitation": invitation.isoformat(), "first": _add_months(closed, 1),
            "second": _add_months(closed, 2), "wrap_up": _add_months(closed, 3)}


def visits(ctx) -> dict[str, str]:
    """The timeline's dates: ``wave.yml``'s ``seminar.visits`` where given, else the defaults.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    dict
        Stage -> ISO date or month, in :data:`STAGES` order.
    """
    seminar = ctx.meta.get("seminar") or {}
    given = seminar.get("visits") or {}
    default = default_visits(ctx.meta["date"], seminar.get("date"))
    return {stage: given.get(stage, default[stage]) for stage in STAGES}


def _when(value: str, lang: str) -> str:
    text = long_date(value, lang) if len(value) == 10 else month(value, lang)
    return text[:1].upper() + text[1:]


def timeline(ctx) -> str:
    """The job visits as a timeline: in the PDF a line with one mark per stage (date above its
    label), in the HTML a list of class ``timeline`` drawn as a vertical line (``handout.css``).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown: a raw HTML block and a raw Typst block (each format keeps its own).
    """
    from helpers.handout.tablecard import ACCENT, typst_string

    stages = [(_when(when, ctx.lang), markdown_plain(ctx.t("timeline." + stage))) for stage, when in visits(ctx).items()]
    items = "".join(f"<li><strong>{html.escape(when)}</strong> – {html.escape(what)}</li>" for when, what in stages)
    marks = ", ".join(f"({typst_string(when)}, {typst_string(what)})" for when, what in stages)
    typst = (f"#block(breakable: false, width: 100%, above: 1.2em, below: 1.2em)[\n"
             f"  #place(top + left, dy: 5pt, line(length: 100%, stroke: 1.5pt + rgb(\"{ACCENT}\")))\n"
             f"  #grid(columns: (1fr,) * {len(stages)}, column-gutter: 8pt,\n"
             f"    ..({marks},).map(s => stack(spacing: 6pt,\n"
             f"      circle(radius: 5pt, fill: white, stroke: 2pt + rgb(\"{ACCENT}\")),\n"
             f"      text(weight: \"bold\", s.at(0)), text(size: 0.9em, s.at(1)))))\n]")
    return Markdown(f'```{{=html}}\n<ul class="timeline">{items}</ul>\n```\n\n```{{=typst}}\n{typst}\n```')


def text(ctx) -> str:
    """The section's heading, the job visits' purpose, the timeline and the repeat survey.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    return Markdown("\n\n".join([ctx.heading(HEADING), ctx.t("next_steps.body"), timeline(ctx),
                                 ctx.t("next_steps.repeat")]))
