"""The one-page summary ("Fem pointer"): the handout's findings as five statements with their key numbers.

Every point is read from the same results and decided by the same conditions as the
section that states it in full: the core's verdict (:func:`core_verdict`, the rule of
``structure``), the network's resilience (:func:`resilience`), the density band
(:func:`helpers.handout.context.density_word`), the departments' mixing
(:func:`departments_verdict`, the rule of ``departments``) and the external comparison
(:func:`helpers.handout.sections.external.findings`). Numbers are formatted by the
context, so a share prints the same here as in its section. The summary names nobody:
counts of members go through :meth:`helpers.handout.context.Context.count` (fewer than
``k`` becomes "fewer than k"), departments and partner types are named as their sections
name them.

:func:`headline` (:func:`helpers.handout.sections.structure.headline`) gives the heading
that states the structure's finding ("Forummet har en tydelig kerne – men ingen er
uundværlig"); the structure and departments sections head themselves with the same
verdicts, so a heading never says more than its section and the summary.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpers.escape import Markdown
from helpers.handout.context import density_word
from helpers.handout.sections import external
from helpers.handout.sections.departments import verdict as departments_verdict
from helpers.handout.sections.structure import core_verdict, headline, resilience

__all__ = ["HEADING", "MAX_LISTED", "Point", "core_verdict", "resilience", "departments_verdict", "points", "core_point",
           "resilience_point", "density_point", "departments_point", "external_point", "headline", "heading_key", "text",
           "PAGE_BREAK"]

#: The section's heading in the catalogue.
HEADING = "summary.heading"
#: A page break in the PDF (Typst; the HTML drops it): the summary keeps its own page.
PAGE_BREAK = "```{=typst}\n#pagebreak(weak: true)\n```"


@dataclass(frozen=True)
class Point:
    """One point of the summary: a statement (heading-like) and a sentence with its key number."""

    heading: str
    body: str


def points(ctx) -> list[Point]:
    """The summary's points, in the handout's order: core, resilience, density, departments, external.

    Five for a forum with relations and a core; fewer when there is less to say (one
    department: no departments point; too few answers or no relations: one point saying so).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    list of Point
    """
    t, s = ctx.t, ctx.summary
    if ctx.thin:
        return [Point(t("summary.thin_heading"), t("summary.thin", k=ctx.n(ctx.k)))]
    if ctx.no_ties:
        return [Point(t("summary.no_ties_heading"), t("summary.no_ties"))]
    found = [point(ctx) for point in (core_point, resilience_point, density_point, departments_point,
                                      external_point)]
    return [p for p in found if p is not None]


def core_point(ctx) -> Point:
    """The core: its verdict (:func:`core_verdict`), its size and the periphery's share of the members.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language (with relations and enough answers).

    Returns
    -------
    Point
    """
    t, verdict = ctx.t, core_verdict(ctx)
    if verdict is None:
        return Point(t("summary.core.none"), t(f"structure.no_core.{ctx.structure.no_core_reason}"))
    cp = ctx.structure.core_periphery()
    members = len(cp["core"]) + len(cp["periphery"])
    return Point(t(f"summary.core.{verdict}"),
                 t("summary.core.body", core=ctx.count(int(cp["core_size"])), members=ctx.n(members),
                   share=ctx.pct(len(cp["periphery"]) / members)))


def resilience_point(ctx) -> Point:
    """Whether anyone is indispensable (:func:`resilience`); a number of members below ``k`` is not printed.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language (with relations and enough answers).

    Returns
    -------
    Point
    """
    t, ind, kind = ctx.t, ctx.structure.indispensable, resilience(ctx)
    body = {"nobody": lambda: t("summary.resilience.nobody_body", k=ctx.n(max(ind["node_connectivity"], 1))),
            "some": lambda: t("summary.resilience.some_body", n=ctx.count(len(ind["articulation_points"]))),
            "disconnected": lambda: t("summary.resilience.disconnected_body", n=ctx.n(ind["components"]))}[kind]()
    return Point(t(f"summary.resilience.{kind}"), body)


def density_point(ctx) -> Point:
    """The density band and the density, as the structure section prints it (one decimal).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language (with relations and enough answers).

    Returns
    -------
    Point
    """
    t, s = ctx.t, ctx.summary
    return Point(t(f"summary.density.{density_word(s['density'])}"),
                 t("summary.density.body", density=ctx.pct(s["density"], 1), ties=ctx.n(s["ties"]),
                   possible=ctx.n(s["possible_ties"])))


#: The summary names at most this many department pairs without ties; more are counted.
MAX_LISTED = 6


def departments_point(ctx) -> Point | None:
    """How the departments mix (:func:`departments_verdict`); None with one department.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language (with relations and enough answers).

    Returns
    -------
    Point or None
    """
    t, dept = ctx.t, departments_verdict(ctx)
    if dept is None:
        return None
    body = t(f"summary.departments.body.{dept['verdict'] if dept['tested'] else 'untested'}",
             share=ctx.pct(dept["share"]))
    if len(dept["unlinked"]) > MAX_LISTED:  # a list of hundreds of pairs (a large organisation) is no point
        body += " " + t("summary.departments.unlinked_many", n=ctx.n(len(dept["unlinked"])))
    elif dept["unlinked"]:
        body += " " + t("summary.departments.unlinked", pairs=ctx.listing(dept["unlinked"]))
    elif dept["all_linked"]:  # (pairs with a small department are neither named nor denied)
        body += " " + t("summary.departments.all_linked")
    return Point(t(f"summary.departments.{dept['heading']}"), body)


def external_point(ctx) -> Point:
    """How core and periphery rate the external partners (:func:`helpers.handout.sections.external.findings`).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language (with relations and enough answers).

    Returns
    -------
    Point
    """
    t, ext = ctx.t, external.findings(ctx)
    if not ctx.has_core:
        return Point(t("summary.external.no_core"), t("summary.external.no_core_body"))
    if not ext["compared"]:
        return Point(t("summary.external.too_few"), t("external.too_few_to_compare", k=ctx.n(ctx.k)))
    body = t("summary.external.higher_core", n=ctx.n(len(ext["higher_core"])), total=ctx.n(len(ext["partners"])))
    if ext["significant"]:
        return Point(t("summary.external.significant", partners=external.partner_names(ctx, ext["significant"])),
                     body + " " + t("external.significant", partners=external.partner_names(ctx, ext["significant"])))
    return Point(t("summary.external.none"), body + " " + t("external.none_significant"))


def heading_key(found: list[Point]) -> str:
    """The summary's heading in the catalogue: "Fem pointer" for five points, else "Hovedpointer".

    Examples
    --------
    >>> heading_key([Point("a", "b")] * 5), heading_key([Point("a", "b")])
    ('summary.heading', 'summary.heading_other')
    """
    return HEADING if len(found) == 5 else "summary.heading_other"


def text(ctx) -> str:
    """The summary page: heading, what it is based on, the numbered points; a page break after it in the PDF.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown.
    """
    found = points(ctx)
    s = ctx.summary
    heading = ctx.heading(heading_key(found))
    basis = ctx.t("summary.basis", respondents=ctx.n(s["respondents"]), members=ctx.n(s["members"]),
                  response_rate=ctx.pct(s["response_rate"]))
    items = "\n\n".join(f"{i}. **{p.heading}.** {p.body}" for i, p in enumerate(found, start=1))
    return Markdown("\n\n".join([heading, basis, items, PAGE_BREAK]))
