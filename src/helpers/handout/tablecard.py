"""The table card: an A4 sheet with the table discussion's rounds and questions in large type, and on
its back page a thumbnail of Figure 1 and the summary's points.

Each table at the seminar gets the card beside the handout: the three rounds of
``report/discussion.yml`` (title, minutes, questions) in the handout's language, with the
questions the handout draws from the wave's findings
(:func:`helpers.handout.sections.discussion.prompts`) added to the round of joint reflection, as
in the handout. :func:`table_card_typst` writes the Typst markup (pure);
:func:`write_table_card` compiles it with the ``typst`` package into a PDF.

The front always fits one page: the markup measures the text and sets it in the largest
size, from 26 pt down to 9 pt, that fits the page. The back page (when the card's data has
points or a thumbnail) repeats the handout's summary (:func:`helpers.handout.sections.summary.points`)
under Figure 1 as the handout draws it. The text is set in :data:`FONT`, the handout's
family (matplotlib's own copy, so the card looks the same on every machine). Texts are passed to Typst as string
literals, never as markup, so ``#``, ``*``, ``$`` or ``@`` in a question print as written.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path


from helpers import io
from helpers import lang as fmt

__all__ = ["FONT", "FONT_SIZES", "typst_string", "pdf_timestamp", "table_card_typst", "card_rounds", "write_table_card",
           "font_paths"]

#: Text sizes tried, largest first; the card uses the largest that fits one page.
FONT_SIZES = tuple(range(26, 8, -1))
#: The handout's typeface family (text and figures).
FONT = "DejaVu Sans"
#: Accent colour of the round headings' rules (Tol vibrant blue, as the periphery in the figures).
ACCENT = "#0077BB"


def typst_string(text: str) -> str:
    """A Typst string literal holding ``text`` exactly.

    Examples
    --------
    >>> print(typst_string('Er "kernen" #1?'))
    "Er \\"kernen\\" #1?"
    >>> typst_string("a\\\\b\\nc")
    '"a\\\\\\\\b\\\\nc"'
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "").replace("\t", " ")
    return '"' + re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", escaped) + '"'


def _array(items: Sequence[str]) -> str:
    # a one-element Typst array needs its trailing comma
    return "(" + ", ".join(typst_string(s) for s in items) + ("," if len(items) == 1 else "") + ")"


def card_rounds(rounds: Sequence[Mapping], lang: str, *, heading: str = "{number}. {title} ({minutes} min)",
                prompts: Sequence[str] = (), prompt_round: int = 2) -> list[dict]:
    """The rounds of ``discussion.yml`` in one language, ready for the card.

    Parameters
    ----------
    rounds : sequence of mapping
        As in ``report/discussion.yml``: ``minutes``, ``title`` (language -> text) and
        ``questions`` (each language -> text).
    lang : {"da", "en"}
    heading : str
        Template of a round's heading with ``{number}``, ``{title}`` and ``{minutes}``
        (the handout's ``discussion.round``).
    prompts : sequence of str
        Questions drawn from the wave's findings.
    prompt_round : int
        The round (counted from 1) that the prompts join.

    Returns
    -------
    list of dict
        ``{"heading": str, "questions": [str], "prompts": [str]}`` per round, in order.

    Examples
    --------
    >>> r = [{"minutes": 5, "title": {"da": "Data", "en": "Data"}, "questions": [{"da": "Hvad?", "en": "What?"}]}]
    >>> card_rounds(r, "en", prompts=["Why?"], prompt_round=1)
    [{'heading': '1. Data (5 min)', 'questions': ['What?'], 'prompts': ['Why?']}]
    """
    out = []
    for number, round_ in enumerate(rounds, start=1):
        out.append({
            "heading": heading.format(number=number, title=round_["title"][lang],
                                      minutes=fmt.number(round_["minutes"], lang)),
            "questions": [q[lang] for q in round_["questions"]],
            "prompts": list(prompts) if number == prompt_round else [],
        })
    return out


def font_paths() -> list[str]:
    """Folders with the handout's font files (:data:`FONT`): matplotlib's bundled fonts."""
    import matplotlib

    return [str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")]


def _back_page(back_heading: str, points: Sequence[Mapping], thumbnail: str | None, caption: str) -> str:
    """Typst markup of the card's back page: Figure 1 small, then the summary's points."""
    items = ",\n".join(f"  (heading: {typst_string(p['heading'])}, body: {typst_string(p['body'])})" for p in points)
    image = (f"#align(center, image(bytes({typst_string(thumbnail)}), format: \"svg\", height: 9.5cm))\n"
             f"#align(center, text(size: 9pt, fill: luma(90), {typst_string(caption)}))\n") if thumbnail else ""
    return f"""
#pagebreak()
#set text(size: 12pt)
#set par(justify: false, leading: 0.6em)
#text(size: 1.6em, weight: "bold", {typst_string(back_heading)})
#v(0.4em)
{image}#v(0.6em)
#let points = (
{items}{"," if len(points) == 1 else ""}
)
#enum(spacing: 0.9em, ..points.map(p => [#strong(p.heading + ".") #p.body]))
"""


def table_card_typst(title: str, rounds: Sequence[Mapping], prompts: Sequence[str], lang: str, *,
                     subtitle: str = "", heading: str = "{number}. {title} ({minutes} min)",
                     prompts_label: str | None = None, prompt_round: int = 2,
                     back_heading: str = "", points: Sequence[Mapping] = (), thumbnail: str | None = None,
                     thumbnail_caption: str = "") -> str:
    """Typst markup of the table card: A4, one page, the largest type that fits.

    Parameters
    ----------
    title : str
        The card's title (the handout's "table discussion" heading).
    rounds : sequence of mapping
        The rounds as in ``report/discussion.yml`` (see :func:`card_rounds`).
    prompts : sequence of str
        Questions from the wave's findings, added to round ``prompt_round``.
    lang : {"da", "en"}
        Language of the rounds and of the document (hyphenation).
    subtitle : str
        A line above the title, e.g. the wave's name.
    heading : str
        Template of a round's heading (see :func:`card_rounds`).
    prompts_label : str, optional
        A short lead-in printed before the prompts (none by default).
    prompt_round : int
        The round the prompts join (the joint reflection, the second, as in the handout).
    back_heading, points, thumbnail, thumbnail_caption
        The back page: its heading, the summary's points (``heading`` and ``body``, plain
        text), Figure 1 as SVG text and its caption. No back page without points or thumbnail.

    Returns
    -------
    str
        A complete Typst document. The size it settles on is queryable as the
        metadata labelled ``<card-size>``.

    Examples
    --------
    >>> r = [{"minutes": 5, "title": {"da": "Data", "en": "Data"}, "questions": [{"da": "Hvad #1?", "en": "What?"}]}]
    >>> src = table_card_typst("Ved bordene", r, [], "da")
    >>> '"Hvad #1?"' in src and 'paper: "a4"' in src
    True
    """
    items = card_rounds(rounds, lang, heading=heading, prompts=prompts, prompt_round=prompt_round)
    data = ",\n".join(f"  (heading: {typst_string(r['heading'])}, questions: {_array(r['questions'])}, "
                      f"prompts: {_array(r['prompts'])})" for r in items)
    label = "none" if not prompts_label else typst_string(prompts_label)
    sizes = ", ".join(f"{s}pt" for s in FONT_SIZES)
    return f"""// Table card, written by helpers.handout.tablecard: one A4 page, the largest type that fits.
#set document(title: {typst_string(title)})
#set page(paper: "a4", margin: (x: 2cm, y: 1.8cm))
#set text(font: {typst_string(FONT)}, lang: {typst_string(lang)}, hyphenate: false)

#let card-title = {typst_string(title)}
#let card-subtitle = {typst_string(subtitle)}
#let prompts-label = {label}
#let rounds = (
{data}{"," if len(items) == 1 else ""}
)

#let card(size) = {{
  set text(size: size)
  set par(leading: 0.6em, justify: false)
  set list(spacing: 0.75em, indent: 0.2em, body-indent: 0.6em, marker: [•])
  if card-subtitle != "" {{
    text(size: 0.7em, fill: luma(90), card-subtitle)
    v(0.1em)
  }}
  text(size: 1.55em, weight: "bold", card-title)
  v(0.3em)
  for r in rounds {{
    block(above: 1.3em, below: 0.5em, sticky: true, {{
      text(size: 1.15em, weight: "bold", r.heading)
      v(-0.45em)
      line(length: 100%, stroke: 1.2pt + rgb("{ACCENT}"))
    }})
    list(..r.questions.map(q => [#q]))
    if r.prompts.len() > 0 {{
      if prompts-label != none {{
        block(above: 1.6em, below: 0.5em, text(weight: "bold", prompts-label))
      }}
      list(marker: [▸], ..r.prompts.map(q => emph(q)))
    }}
  }}
}}

#layout(space => {{
  let sizes = ({sizes})
  let chosen = sizes.last()
  for s in sizes {{
    if measure(block(width: space.width, card(s))).height <= space.height {{
      chosen = s
      break
    }}
  }}
  [#metadata(chosen) <card-size>]
  card(chosen)
}})
""" + (_back_page(back_heading, points, thumbnail, thumbnail_caption) if points or thumbnail else "")


def pdf_timestamp(meta: Mapping) -> int | None:
    """Creation time of the PDF: ``SOURCE_DATE_EPOCH`` if set, else the wave's closing date (UTC midnight).

    Parameters
    ----------
    meta : mapping
        The wave's description (its ``date``).

    Returns
    -------
    int or None
        Seconds since the epoch; None without either.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return int(epoch)
    date = meta.get("date")
    if not date:
        return None
    day = dt.date.fromisoformat(str(date))
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def write_table_card(card: Mapping, out_path: str | Path) -> Path:
    """Write a wave's table card as a one-page A4 PDF (atomically).

    Parameters
    ----------
    card : mapping
        What the card prints, as the handout publishes it
        (:func:`helpers.handout.sections.discussion.table_card`): ``title``, ``rounds``,
        ``prompts``, ``lang``, ``subtitle``, ``heading``, ``prompts_label`` and the wave's
        closing ``date``.
    out_path : path
        The PDF to write; its folder is created if missing.

    Returns
    -------
    Path
        ``out_path``. The PDF's creation date is the wave's closing date (or
        ``SOURCE_DATE_EPOCH``), so the same wave gives the same file.

    Raises
    ------
    RuntimeError
        Typst could not compile the card.
    """
    import typst

    source = table_card_typst(card["title"], card["rounds"], card["prompts"], card["lang"],
                              subtitle=card.get("subtitle", ""), heading=card["heading"],
                              prompts_label=card.get("prompts_label"), back_heading=card.get("back_heading", ""),
                              points=card.get("points", ()), thumbnail=card.get("thumbnail"),
                              thumbnail_caption=card.get("thumbnail_caption", ""))
    pdf = typst.compile(source.encode("utf-8"), format="pdf", ignore_system_fonts=True, font_paths=font_paths(),
                        timestamp=pdf_timestamp({"date": card.get("date")}))
    out_path = Path(out_path)
    with io.atomic_file(out_path, "wb") as fh:
        fh.write(pdf)
    return out_path
