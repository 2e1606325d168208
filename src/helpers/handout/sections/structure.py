"""What characterises the structure: core-periphery, groupings, indispensability, density, reciprocity, core make-up.

Every description of a set of members passes the description rule
(:func:`helpers.handout.suppression.may_describe`); statements about single members (who
holds the network together) are not made here but in the facilitator's material
(:func:`helpers.handout.facilitator.member_statements`).
"""

from __future__ import annotations

import numpy as np

from helpers.errors import SurveyError
from helpers.escape import Markdown
from helpers.handout.context import ALPHA, density_sentence, undefined
from helpers.handout.suppression import group_labels, may_describe

__all__ = ["HEADING", "heading", "headline", "core_verdict", "resilience", "text", "cut_members", "shown_departments", "department_sizes", "number_word"]

#: The section's heading in the catalogue.
HEADING = "structure.heading"
#: From this reciprocity on, the handout reads it as "usually returned" ...
RECIPROCITY_HIGH = 0.6
#: ... from this on as "about half the time"; below it as "mostly one-sided".
RECIPROCITY_HALF = 0.4


def text(ctx) -> str:
    """What characterises the structure: core-periphery, groupings, indispensability, density, reciprocity, core make-up.

    Without relations, or with fewer than ``k`` respondents, it says so instead; when no
    core can be told apart (every possible relation, or too few answers) it says why.

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
    note = t("structure.density_note", respondents=ctx.n(ctx.summary["respondents"]),
             others=ctx.n(ctx.summary["members"] - 1))
    if ctx.thin:
        bullets = [t("structure.thin", respondents=ctx.n(ctx.summary["respondents"]), k=ctx.n(ctx.k))]
        note = ""
    elif ctx.no_ties:
        bullets = [t("structure.no_ties", threshold=ctx.threshold()), density_sentence(ctx.summary, ctx.lang)]
    else:
        first = _core_periphery(ctx) if ctx.has_core else t(f"structure.no_core.{ctx.structure.no_core_reason}")
        bullets = [first, _groupings(ctx), _indispensable(ctx), density_sentence(ctx.summary, ctx.lang)]
        reciprocity = _reciprocity(ctx)
        if reciprocity:
            bullets.append(reciprocity)
        composition = _composition(ctx) if ctx.has_core else ""
        if composition:
            bullets.append(composition)
    parts = [heading(ctx), "\n".join(f"- {b}" for b in bullets), note]
    return "\n\n".join(part for part in parts if part)


def heading(ctx) -> str:
    """The section's heading: the structure's finding (:func:`headline`).

    "Forummet har en tydelig kerne – men ingen er uundværlig"; the summary's single
    statement with too few answers or no relations. The catalogue's question
    (:data:`HEADING`) only when there are no results to state a finding from.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        A level-2 Markdown heading.
    """
    if ctx.summary is None:
        return ctx.heading(HEADING)
    return Markdown(f"## {headline(ctx)}")


def core_verdict(ctx) -> str | None:
    """``"clear"``, ``"weak"`` or None (no core could be told apart).

    Clear: the core-periphery fit is beyond the degree-preserving random networks
    (p <= :data:`ALPHA`) and the core's internal density is at least twice the
    periphery's; otherwise weak. The same rule decides "Tydelig" or "Svag
    kerne-periferi-struktur" in this section and the summary's first point.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str or None
    """
    if not ctx.has_core or ctx.no_ties:
        return None
    cp, sig = ctx.structure.core_periphery(), ctx.structure.significance["degree"]
    blocks = cp["block_densities"]
    clear = (sig["p_value"] is not None and sig["p_value"] <= ALPHA
             and (blocks["core->core"] or 0) >= 2 * (blocks["periphery->periphery"] or 0))
    return "clear" if clear else "weak"


def resilience(ctx) -> str:
    """``"disconnected"`` (several parts), ``"nobody"`` (no member's loss splits it) or ``"some"``.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
    """
    ind = ctx.structure.indispensable
    if ind["components"] > 1:
        return "disconnected"
    return "nobody" if ind["nobody_indispensable"] else "some"


def headline(ctx) -> str:
    """A heading that states the structure's finding: the core's verdict and the network's resilience.

    E.g. "Forummet har en tydelig kerne – men ingen er uundværlig"; with too few answers or
    no relations, the summary's single statement.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
    """
    if ctx.thin or ctx.no_ties:  # the summary's single statement
        return ctx.t("summary.thin_heading" if ctx.thin else "summary.no_ties_heading")
    core = ctx.t(f"summary.core.{core_verdict(ctx) or 'none'}")
    return Markdown(f"{core} – {ctx.t('summary.headline.' + resilience(ctx))}")


def number_word(ctx, n: int) -> str:
    """A small whole number as a word ("seks", "six"); digits from 13 on.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
    n : int

    Returns
    -------
    str
    """
    words = ctx.t.data_at("structure.number_words").split()
    return Markdown(words[n]) if 0 <= n < len(words) else ctx.n(n)


def shown_departments(ctx) -> dict[str, str | None]:
    """Each department as the handout may show it: its own name, "other" (merged) or None (hidden).

    :func:`helpers.handout.suppression.group_labels` over the forum's departments.

    Parameters
    ----------
    ctx : helpers.handout.context.Context

    Returns
    -------
    dict
    """
    sizes = department_sizes(ctx)
    if sizes is None:  # results without the departments' sizes (a table card made from a partial build)
        pairs = ctx.departments.unlinked_pairs
        return {g: g for g in (set(pairs["group_a"]) | set(pairs["group_b"]))} if pairs is not None else {}
    return group_labels(sizes, ctx.k, other=ctx.label("other"))


def department_sizes(ctx) -> dict[str, int]:
    """Members per department, from the departments step's result (the tie graph is not
    needed, so the table card's prompts can be made from the results alone).

    Parameters
    ----------
    ctx : helpers.handout.context.Context

    Returns
    -------
    dict or None
        Department -> members, sorted by department; None when neither the departments
        step's result nor the tidy tables are there.
    """
    shares = ctx.departments.crossing_shares
    if shares is not None:
        shares = shares[shares["attribute"] == "department"]
        return {str(g): int(n) for g, n in sorted(zip(shares["group"], shares["n_members"]))}
    try:
        graph = ctx.graph
    except (OSError, SurveyError):  # no tidy tables either
        return None
    sizes: dict[str, int] = {}
    for _, d in graph.nodes(data="department"):
        sizes[str(d)] = sizes.get(str(d), 0) + 1
    return dict(sorted(sizes.items()))


def _core_periphery(ctx) -> str:
    """The core-periphery finding; clear or weak as :func:`core_verdict` decides (the summary's rule too)."""
    t, st = ctx.t, ctx.structure
    cp = st.core_periphery()
    blocks = cp["block_densities"]
    first = t(f"structure.cp_{core_verdict(ctx)}", core_size=ctx.n(cp["core_size"]),
              core_density=ctx.pct(blocks["core->core"]), periphery_density=ctx.pct(blocks["periphery->periphery"]))
    return first + " " + (t("structure.cp_unambiguous") if cp["unambiguous"]
                          else t("structure.cp_ambiguous", n=ctx.n(cp["n_optimal"])))


def _groupings(ctx) -> str:
    """The groupings: none beyond chance, or how many, their sizes and make-up, and whether
    they follow the departments. A community smaller than ``k`` is only counted; a
    department is named in a community's make-up only when its members there pass the
    description rule within the department."""
    g = ctx.structure.groupings
    if not g["beyond_random"]:  # (the modularity and its test are in the method appendix)
        return ctx.t("structure.groupings_none")
    makeup = ctx.structure.community_departments.copy()
    dept_sizes = department_sizes(ctx) or {}
    shown = shown_departments(ctx)
    parts, small = [], 0
    for _, rows in makeup.groupby("community", sort=True):
        size = int(rows["size"].iloc[0])
        if size < ctx.k:
            small += 1
            continue
        nameable = [may_describe(c, dept_sizes.get(d, 0), ctx.k) and shown.get(d) == d
                    for d, c in zip(rows["department"], rows["count"])]
        named = rows[(rows["share"] >= 0.25).to_numpy() & np.array(nameable, dtype=bool)]
        named = named.sort_values(["share", "department"], ascending=[False, True])
        if len(named):
            parts.append(ctx.t("structure.grouping_makeup", size=ctx.n(size), departments=ctx.listing(named["department"])))
        else:
            parts.append(ctx.t("structure.grouping_size", size=ctx.n(size)))
    if small:
        parts.append(ctx.t("structure.groupings_small_one", k=ctx.n(ctx.k)) if small == 1
                     else ctx.t("structure.groupings_small", n=number_word(ctx, small), k=ctx.n(ctx.k)))
    key = "structure.groupings_across" if g["cuts_across_departments"] else "structure.groupings_follow"
    return ctx.t(key, n=number_word(ctx, int(g["n_communities"])), makeup=Markdown("; ".join(parts)))


def cut_members(ctx) -> list[str]:
    """The cut vertices as the description rule allows them to be described, sorted.

    Not used in the participant handout (a statement about single members); kept for the
    facilitator's material.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    list of str
    """
    from helpers.handout.facilitator import described

    players = ctx.structure.key_players.copy()
    cut = players[players["articulation_point"].astype(bool)]["member_id"]
    return sorted({d for d in (described(ctx, m) for m in cut) if d})


def _indispensable(ctx) -> str:
    ind = ctx.structure.indispensable
    if ind["components"] > 1:
        return ctx.t("structure.disconnected", n=ctx.n(ind["components"]))
    if ind["nobody_indispensable"]:
        return ctx.t("structure.nobody_indispensable", k=ctx.n(max(ind["node_connectivity"], 1)))
    players = ctx.structure.key_players.copy()
    n = int(players["articulation_point"].astype(bool).sum())
    if n == 1:
        return ctx.t("structure.indispensable_one")
    return ctx.t("structure.indispensable", n=ctx.n(n))


def _reciprocity(ctx) -> str:
    """The share of returned relations, read plainly, against what random relations would give (the density)."""
    r = ctx.summary.get("reciprocity")
    if r is None or undefined(r):
        return ""
    level = "high" if r >= RECIPROCITY_HIGH else "half" if r >= RECIPROCITY_HALF else "low"
    reading = ctx.t(f"structure.reciprocity_{level}")
    return ctx.t("structure.reciprocity", reciprocity=ctx.pct(r), reading=reading,
                 expected=ctx.pct(ctx.summary["density"]))


_PLURAL = {"gender": {"female": "females", "male": "males"}, "role": {"director": "directors", "chief": "chiefs"}}


def _group_name(ctx, attribute: str, value: str) -> str:
    if attribute == "department":
        return ctx.t("structure.department_members", department=value)
    return ctx.label(_PLURAL.get(attribute, {}).get(value, value))


def _composition(ctx) -> str:
    """The core's make-up by gender, position and department, from the composition test.

    When the test says the core's make-up differs from the forum's (``differs``), the
    over-represented group is named ("the core is dominated by ..."), if the description
    rule allows it. Attributes on which the core is like the forum are summarised; an
    attribute on which the whole forum is alike is left out. Counts are given only when
    every count of the attribute in the core passes the rule (else the small one could be
    read off by subtraction from the core's size).
    """
    comp = ctx.structure.core_composition.copy()
    found = ctx.structure.composition
    varies = [a for a in ("gender", "role", "department") if a in found and found[a]["values_in_forum"] > 1]
    if not varies:
        return ""
    forum_size = ctx.graph.number_of_nodes()
    core_size = len(ctx.structure.core)
    sentences = []
    for attribute in varies:
        if not found[attribute].get("differs"):
            continue
        rows = comp[comp["attribute"] == attribute].copy()
        rows["excess"] = rows["core_share"] - rows["forum_share"]
        top = rows.sort_values(["excess", "value"], ascending=[False, True]).iloc[0]
        if (may_describe(int(top["forum_count"]), forum_size, ctx.k)
                and may_describe(int(top["core_count"]), core_size, ctx.k)):
            sentences.append(ctx.t("structure.composition_dominated", group=_group_name(ctx, attribute, top["value"]),
                                   core_share=ctx.pct(top["core_share"]), forum_share=ctx.pct(top["forum_share"])))
    alike = [a for a in varies if not found[a].get("differs")]
    details = {}
    for attribute in alike:
        rows = comp[comp["attribute"] == attribute]
        if attribute == "department":
            details[attribute] = _departments_in_core(ctx, rows)
            continue
        counts = [int(c) for c in rows["core_count"] if c > 0]
        if counts and all(may_describe(c, core_size, ctx.k) for c in counts):
            details[attribute] = ctx.listing(
                Markdown(f"{ctx.n(int(r.core_count))} {ctx.label(_PLURAL[attribute].get(r.value, r.value))}")
                for r in rows.itertuples() if r.core_count > 0)
    names = {a: ctx.t(f"structure.attribute_names.{a}") for a in found}
    across = [a for a in alike if found[a]["cuts_across"]]
    not_across = [a for a in alike if not found[a]["cuts_across"]]
    if across:
        shown = [details[a] for a in across if details.get(a)]
        sentences.append(ctx.t("structure.composition_across", attributes=ctx.listing(names[a] for a in across),
                               details=Markdown("; ".join(shown))).replace(" ()", ""))
    if not_across:
        shown = [details[a] for a in not_across if details.get(a)]
        if shown:
            sentences.append(ctx.t("structure.composition_not", attributes=ctx.listing(names[a] for a in not_across),
                                   details=Markdown("; ".join(shown))))
    return Markdown(" ".join(sentences))


def _departments_in_core(ctx, rows) -> str:
    """"Members from all six departments" over the departments the handout may name (at least ``k`` members)."""
    shown = shown_departments(ctx)
    own = rows[[shown.get(d) == d for d in rows["value"]]]
    total = len(own)
    if not total:
        return ""
    n = int((own["core_count"] > 0).sum())
    if n == total == 2:
        out = ctx.t("structure.departments_both_in_core")
    elif n == total:
        out = ctx.t("structure.departments_all_in_core", total=number_word(ctx, total))
    else:
        out = ctx.t("structure.departments_in_core", n=ctx.n(n), total=ctx.n(total))
    if total < len(rows):
        out = Markdown(f"{out}; {ctx.t('structure.departments_small', k=ctx.n(ctx.k))}")
    return out
