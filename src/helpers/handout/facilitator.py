"""The facilitator's sheet of the job visits: an A4 PDF with the pairs, the visits and the wrap-up groups.

After the seminar the facilitator sends every leader their job-visit partner and wrap-up
group (:mod:`helpers.analysis.visits`, read through :mod:`helpers.results.visits`). This module sets the plan as a PDF in Danish or English:
how the pairs were chosen (the points of each rule, the exclusions, the seed), the plan
in aggregate figures, a table of the visits (pair, March host -> guest, April host ->
guest, wrap-up group, each person's department and role) and a table of the wrap-up
groups. :func:`facilitator_typst` writes the Typst markup (pure); :func:`write_facilitator`
compiles it with the ``typst`` package, as the table card does.

Privacy: people are shown by name only when the caller passes the local key from
pseudonym to name; without it, by pseudonym. The reasons of a single pair (no tie, core
and periphery) are survey answers and analysis results about identifiable people, so the
sheet never prints them next to a pair, only counts over all pairs. Even a count can state
the reason of every pair: the plan seeks pairs without a tie, so "20 of 20 pairs had no
tie" is common, and it says of each named pair that neither named the other. The version
with names therefore leaves out every count about ties or the core, and the total score
(which mixes them), whatever their values, and points to the version without names; a rule
that depended on the values would itself give them away. Core or periphery is never shown
per person.

Texts are passed to Typst as string literals, never as markup, so ``#``, ``*`` or ``$``
in a name or a department print as written. Tables break across pages and repeat their
header row. The same plan gives the same bytes: the PDF's date is the wave's closing date
(or ``SOURCE_DATE_EPOCH``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from helpers import io
from helpers import lang as fmt
from helpers.results import visits as vs
from helpers.results.visits import pair_figures, plan_units
from helpers.handout.context import long_date
from helpers.handout.tablecard import pdf_timestamp, typst_string
from helpers.ingest.wave import wave_text

__all__ = ["SENSITIVE_TERMS", "facilitator_path", "pair_figures", "shown_terms", "facilitator_typst",
           "write_facilitator", "described", "member_statements", "write_member_statements"]

#: Terms whose count describes survey answers or analysis results: the version with names
#: never shows them (see :func:`shown_terms`).
SENSITIVE_TERMS = ("no_tie", "weak_tie", "core_periphery")


def facilitator_path(folder: str | Path, wave: str, lang: str, key_path: str | Path | None = None) -> Path:
    """Where the facilitator PDF goes.

    Without a key it holds pseudonyms only and goes into the build folder; with a key it
    holds names and goes beside the key file, never into the build folder (as the
    named mail merge).

    Parameters
    ----------
    folder : path
        The wave's build folder (``build/<wave>``).
    wave : str
        The wave's id.
    lang : {"da", "en"}
    key_path : path, optional
        The key file (``member_id, name``).

    Returns
    -------
    Path

    Examples
    --------
    >>> facilitator_path("build/2019-02", "2019-02", "da").as_posix()
    'build/2019-02/visits/facilitator-da.pdf'
    >>> facilitator_path("build/2019-02", "2019-02", "en", "private/key.csv").as_posix()
    'private/facilitator-2019-02-en.pdf'
    """
    if key_path is None:
        return Path(folder) / "visits" / f"facilitator-{lang}.pdf"
    return Path(key_path).with_name(f"facilitator-{wave}-{lang}.pdf")


def shown_terms(figures: Mapping, named: bool) -> tuple[str, ...]:
    """The terms whose counts the sheet shows.

    Terms that are not defined for the plan (count None) are left out. With names, the
    counts of :data:`SENSITIVE_TERMS` are left out whatever their values (see the module
    docstring); the count of pairs from different departments stays, as the table shows
    every person's department anyway.

    Examples
    --------
    >>> f = {"different_department": 4, "no_tie": 4, "weak_tie": None, "core_periphery": 2}
    >>> shown_terms(f, named=False), shown_terms(f, named=True)
    (('different_department', 'no_tie', 'core_periphery'), ('different_department',))
    """
    return tuple(t for t in vs.TERMS if figures[t] is not None and not (named and t in SENSITIVE_TERMS))


def _array(items: Sequence[str]) -> str:
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _dict(**fields: str) -> str:
    return "(" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + ")"


def _rules(t: fmt.Text, weights: vs.ScoreWeights, core_given: bool, meta: Mapping, lang: str) -> list[str]:
    """One sentence per score term: its points and when it applies, from :func:`helpers.analysis.visits.score_terms`."""
    out = []
    for row in vs.score_terms(weights).itertuples(index=False):
        label = t(f"facilitator.terms.{row.term}")
        if row.term == "weak_tie" and weights.weak_rating is None:
            out.append(t("facilitator.how.rule_off", label=label, reason=t("facilitator.unused.weak_tie")))
        elif row.term == "core_periphery" and not core_given:
            out.append(t("facilitator.how.rule_off", label=label, reason=t("facilitator.unused.core_periphery")))
        elif row.points == 0:
            out.append(t("facilitator.how.rule_off", label=label, reason=t("facilitator.unused.zero")))
        else:
            if row.term == "weak_tie":
                scale = (meta.get("relations") or {}).get("scale") or {}
                rating = fmt.number(weights.weak_rating, lang)
                word = scale.get(str(weights.weak_rating))
                condition = t("facilitator.conditions.weak_tie",
                              rating=f"{rating} ({str(word).lower()})" if word else rating)
            else:
                condition = t(f"facilitator.conditions.{row.term}")
            out.append(t("facilitator.how.rule", label=label, points=fmt.number(int(row.points), lang),
                         condition=condition))
    return out


def _figure_lines(t: fmt.Text, figures: Mapping, named: bool, lang: str) -> list[str]:
    return [t(f"facilitator.figures.{term}", count=fmt.number(figures[term], lang),
              total=fmt.number(figures["partnerships"], lang)) for term in shown_terms(figures, named)]


def facilitator_typst(plan: vs.VisitPlan, G: nx.Graph, *, meta: Mapping, lang: str = "da",
                      names: Mapping[str, str] | None = None, core: Any = None) -> str:
    """Typst markup of the facilitator's sheet (A4; tables break across pages).

    Parameters
    ----------
    plan : VisitPlan
        From :func:`helpers.analysis.visits.propose_visits`.
    G : networkx.DiGraph
        The graph the plan was made from (departments, roles, ties).
    meta : mapping
        The wave's description (``build/<wave>/tidy/wave.json``): ``name``, ``date``
        and, for the weak-tie rule, ``relations.scale``.
    lang : {"da", "en"}
    names : mapping of str to str, optional
        Member id -> name, from the local key. Without it people are shown by pseudonym.
    core : collection of str or CorePeriphery, optional
        The core the plan was made with (for the count of core-periphery pairs).

    Returns
    -------
    str
        A complete Typst document.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_nodes_from([("a", {"department": "X#", "role": "chief"}),
    ...                   ("b", {"department": "Y", "role": "director"})])
    >>> src = facilitator_typst(vs.propose_visits(G), G, meta={"name": "W", "date": "2019-02-22"}, lang="en")
    >>> 'paper: "a4"' in src and '"X#, chief"' in src
    True
    """
    from helpers.handout.catalogue import text

    fmt.check_lang(lang)
    t = text(lang)
    named = names is not None
    if named:
        missing = sorted(set(plan.members()) - set(names))
        if missing:
            raise ValueError(f"the key has no name for {missing}")
    figures = pair_figures(plan, G, core)

    def shown(member: str) -> str:
        return str(names[member]) if named else member

    def person(member: str) -> str:
        attrs = G.nodes[member]
        role = attrs.get("role")
        info = [str(attrs.get("department", ""))]
        if role in ("director", "chief"):
            info.append(t(f"labels.{role}"))
        return _dict(name=typst_string(shown(member)), info=typst_string(", ".join(i for i in info if i)))

    rows = _visit_rows(plan, person)
    group_rows = _group_rows(plan, person, shown)
    header = _header_lines(t, plan, meta, named, lang)
    how, closing = _how_lines(t, plan, figures, lang)
    intro, withheld, groups_line = _figure_texts(t, figures, named, lang)
    strings = lambda items: _array([typst_string(s) for s in items])  # noqa: E731
    notice = t("facilitator.named") if named else t("facilitator.pseudonymous")
    return f"""// Facilitator's sheet of the job visits, written by helpers.handout.facilitator.
#set document(title: {typst_string(t("facilitator.title"))})
#set text(font: "Libertinus Serif", size: 10pt, lang: {typst_string(lang)}, hyphenate: false)
#set par(justify: false, leading: 0.55em)
#let notice = {typst_string(notice)}
#let page-label = {typst_string(t("facilitator.page", page="{page}", pages="{pages}"))}
#set page(paper: "a4", margin: (x: 2cm, top: 2cm, bottom: 2.2cm), footer: context {{
  set text(size: 8pt, fill: luma(80))
  notice
  h(1fr)
  let here = str(counter(page).get().first())
  let total = str(counter(page).final().first())
  page-label.replace("{{page}}", here).replace("{{pages}}", total)
}})

#let title = {typst_string(t("facilitator.title"))}
#let header-lines = {strings(header)}
#let how-heading = {typst_string(t("facilitator.how.heading"))}
#let how = {strings(how)}
#let rules = {strings(_rules(t, plan.weights, figures["core_periphery"] is not None, meta, lang))}
#let closing = {strings(closing)}
#let figures-heading = {typst_string(t("facilitator.figures.heading"))}
#let figures-intro = {typst_string(intro)}
#let figures = {strings(_figure_lines(t, figures, named, lang))}
#let withheld = {strings(withheld)}
#let groups-line = {typst_string(groups_line)}
#let visits-heading = {typst_string(t("facilitator.visits.heading"))}
#let visits-header = {strings([t(f"facilitator.visits.{k}") for k in ("pair", "march", "april", "group")])}
#let visit-rows = {_array(rows)}
#let groups-heading = {typst_string(t("facilitator.groups.heading"))}
#let groups-header = {strings([t(f"facilitator.groups.{k}") for k in ("group", "pairs", "members")])}
#let group-rows = {_array(group_rows)}

#let section(title) = block(above: 1.2em, below: 0.6em, sticky: true, text(size: 13pt, weight: "bold", title))
#let person(p) = block(breakable: false, {{
  p.name
  linebreak()
  text(size: 0.82em, fill: luma(70), hyphenate: true, p.info)
}})
#let visit(v) = grid(columns: (auto, 1fr), column-gutter: 0.4em, row-gutter: 0.3em,
  [], person(v.host), sym.arrow.r, person(v.guest))
#let visits-cell(vs) = block(breakable: false, stack(spacing: 0.9em, ..vs.map(visit)))
#let members-cell(ms) = block(breakable: false, stack(spacing: 0.6em, ..ms.map(person)))
#let head(cells) = table.header(..cells.map(c => text(weight: "bold", c)))
#let stripes(x, y) = if y > 0 and calc.even(y) {{ luma(244) }}

#text(size: 17pt, weight: "bold", title)
#v(0.1em)
#for line in header-lines [#text(fill: luma(60), line) \\ ]

#section(how-heading)
#for p in how [#par(p)]
#list(..rules.map(r => [#r]))
#for p in closing [#par(p)]

#section(figures-heading)
#par(figures-intro)
#list(..figures.map(f => [#f]))
#for p in withheld [#par(p)]
#par(groups-line)

#section(visits-heading)
#table(
  columns: (auto, 1fr, 1fr, auto),
  stroke: none,
  inset: (x: 4pt, y: 5pt),
  fill: stripes,
  head(visits-header),
  table.hline(stroke: 0.6pt),
  ..visit-rows.map(r => (r.id, visits-cell(r.march), visits-cell(r.april), r.group)).flatten(),
)

#section(groups-heading)
#table(
  columns: (auto, auto, 1fr),
  stroke: none,
  inset: (x: 4pt, y: 5pt),
  fill: stripes,
  head(groups-header),
  table.hline(stroke: 0.6pt),
  ..group-rows.map(r => (r.id, r.pairs, members-cell(r.members))).flatten(),
)
"""


def _visit_rows(plan: vs.VisitPlan, person) -> list[str]:
    """One Typst dict per visit unit: its id, the March and April visits, its wrap-up group."""
    rows = []
    group_of = dict(zip(plan.visits["pair_id"], plan.visits["wrap_up_group"]))
    for pid, _ in plan_units(plan):
        visits = plan.visits[plan.visits["pair_id"] == pid]
        months = {}
        for month in vs.MONTHS:
            part = visits[visits["month"] == month]
            months[month] = _array([_dict(host=person(h), guest=person(g))
                                    for h, g in zip(part["host"], part["guest"])])
        rows.append(_dict(id=typst_string(pid), march=months["march"], april=months["april"],
                          group=typst_string(str(group_of[pid]))))
    return rows


def _group_rows(plan: vs.VisitPlan, person, shown) -> list[str]:
    """One Typst dict per wrap-up group: its id, its pairs and its members (sorted as shown)."""
    group_rows = []
    units = dict(plan_units(plan))
    for g in plan.groups.itertuples(index=False):
        pids = [p.strip() for p in str(g.pair_ids).split(",")]
        members = sorted((m for p in pids for m in units[p]), key=lambda m: (shown(m), m))
        group_rows.append(_dict(id=typst_string(str(g.group_id)), pairs=typst_string(", ".join(pids)),
                                members=_array([person(m) for m in members])))
    return group_rows


def _header_lines(t: fmt.Text, plan: vs.VisitPlan, meta: Mapping, named: bool, lang: str) -> list[str]:
    """The lines under the title: the wave and its date; the seed and the plan's total score (withheld with names)."""
    name = str(wave_text(meta, lang, "name") or "")
    total = t("facilitator.total_withheld") if named else t("facilitator.total", total=fmt.number(plan.total_score, lang))
    return [t("facilitator.wave", wave=name, date=long_date(meta["date"], lang)) if meta.get("date") else name,
            t("facilitator.seed", seed=str(plan.seed)) + " · " + total]


def _how_lines(t: fmt.Text, plan: vs.VisitPlan, figures: Mapping, lang: str) -> tuple[list[str], list[str]]:
    """How the pairs were chosen: the paragraphs before the rules, and those after (exclusions, seed, groups)."""
    how = [t("facilitator.how.body")]
    if figures["trios"]:
        how.append(t("facilitator.how.trio"))
    exclusions = []
    forbidden = int(plan.params.get("forbidden_pairs", 0))
    source = str(plan.params.get("exclusions") or "")
    if source or forbidden:
        exclusions.append(t("facilitator.how.exclusions", source=source or "-", forbidden=fmt.number(forbidden, lang)))
        ignored = len(plan.params.get("ignored_exclusion_ids") or ())
        if ignored:
            exclusions.append(t("facilitator.how.exclusions_ignored", ignored=fmt.number(ignored, lang)))
    else:
        exclusions.append(t("facilitator.how.no_exclusions"))
    return how, [*exclusions, t("facilitator.how.tie_break", seed=str(plan.seed)), t("facilitator.how.groups")]


def _figure_texts(t: fmt.Text, figures: Mapping, named: bool, lang: str) -> tuple[str, list[str], str]:
    """The figures section's opening, the note that figures are withheld (with names), and the groups' line."""
    n = lambda value: fmt.number(value, lang)  # noqa: E731
    intro = (t("facilitator.figures.intro", partnerships=n(figures["partnerships"]), members=n(figures["members"]))
             if figures["partnerships"] != 1 else t("facilitator.figures.intro_one", members=n(figures["members"])))
    withheld = [t("facilitator.figures.withheld")] if named else []
    groups_line = (t("facilitator.figures.groups", groups=n(figures["groups"]), group_score=n(figures["group_score"]))
                   if figures["groups"] != 1 else t("facilitator.figures.groups_one",
                                                    group_score=n(figures["group_score"])))
    return intro, withheld, groups_line


def write_facilitator(plan: vs.VisitPlan, G: nx.Graph, out_path: str | Path, *, meta: Mapping, lang: str = "da",
                      key: pd.DataFrame | None = None, core: Any = None) -> Path:
    """Write the facilitator's sheet as an A4 PDF (atomically).

    Parameters
    ----------
    plan : VisitPlan
        From :func:`helpers.analysis.visits.propose_visits`.
    G : networkx.DiGraph
        The graph the plan was made from.
    out_path : path
        The PDF to write (see :func:`facilitator_path`); its folder is created if missing.
    meta : mapping
        The wave's description (``build/<wave>/tidy/wave.json``).
    lang : {"da", "en"}
    key : pandas.DataFrame, optional
        ``member_id, name``: the local key. Only with it do names appear.
    core : collection of str or CorePeriphery, optional
        The core the plan was made with.

    Returns
    -------
    Path
        ``out_path``. The same plan, graph, key and wave give the same bytes.

    Raises
    ------
    ValueError
        The key lacks a member of the plan, or the graph or core is not the plan's.
    typst.TypstError
        Typst could not compile the sheet.
    """
    import typst

    names = vs.key_names(key, plan.members()) if key is not None else None
    source = facilitator_typst(plan, G, meta=meta, lang=lang, names=names, core=core)
    pdf = typst.compile(source.encode("utf-8"), format="pdf", ignore_system_fonts=True, timestamp=pdf_timestamp(meta))
    out_path = Path(out_path)
    with io.atomic_file(out_path, "wb") as fh:
        fh.write(pdf)
    return out_path


# -- statements about single members: facilitator material, never the participant handout -------------------------


def described(ctx, member: str) -> str | None:
    """A member as the description rule allows (:func:`helpers.handout.suppression.describe_member`):
    "a chief in X", "a member from X", or None.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
    member : str
        A member id.

    Returns
    -------
    str or None
    """
    from helpers.handout.suppression import describe_member

    found = describe_member(ctx.graph, member, ctx.k)
    if found is None:
        return None
    kind, values = found
    if kind == "role_in":
        return ctx.t("labels.role_in", role=ctx.label(values["role"]), department=values["department"])
    return ctx.t("labels.member_of", department=values["department"])


def member_statements(ctx) -> list[str]:
    """Statements about single members that the participant handout leaves out, for the facilitator.

    Who bridges the departments most (the three members with the most partners in other
    departments), who holds the network together (cut vertices) and, for a compared
    wave, who moved between core and periphery: each by pseudonym, with the description
    the rule allows (or none). The participant handout gives only counts of these.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    list of str
        Markdown lines (``- ...``).
    """
    t = ctx.t

    from helpers.escape import Markdown, as_markdown

    def who(members) -> str:
        shown = [Markdown(f"{as_markdown(str(m))} ({described(ctx, m)})") if described(ctx, m) else str(m)
                 for m in members]
        return ctx.listing(shown) if shown else t("facilitator.statements.nobody")

    lines = []
    if ctx.departments.bridging_members is not None:  # the departments step has run
        bridges = ctx.departments.bridging_members.copy().sort_values("rank")
        bridges = bridges[bridges["cross_ties"] > 0].head(3)
        lines.append(t("facilitator.statements.bridges", who=who(bridges["member_id"])))
    if ctx.structure.key_players is not None:
        players = ctx.structure.key_players.copy()
        cut = sorted(players[players["articulation_point"].astype(bool)]["member_id"])
        lines.append(t("facilitator.statements.cut", who=who(cut)))
    if ctx.comparison is not None:
        movers = ctx.comparison.compare_movers.copy()
        for (a, b), key in ((("periphery", "core"), "up"), (("core", "periphery"), "down")):
            found = sorted(movers[(movers["from"] == a) & (movers["to"] == b)]["member_id"])
            lines.append(t(f"facilitator.statements.{key}", who=who(found)))
    return [f"- {line}" for line in lines]


def write_member_statements(ctx, path: str | Path) -> Path:
    """Write :func:`member_statements` as a Markdown file for the facilitator (pseudonyms only).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
    path : str or Path
        The file to write (in the wave's build folder, beside the facilitator's sheet).

    Returns
    -------
    Path
    """
    text = "\n".join([f"# {ctx.t('facilitator.statements.heading')}", "", ctx.t("facilitator.statements.intro"), "",
                      *member_statements(ctx)]) + "\n"
    path = Path(path)
    with io.atomic_file(path, "w") as fh:
        fh.write(text)
    return path
