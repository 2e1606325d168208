"""What characterises the structure: core-periphery, groupings, indispensability, density, core make-up."""

from __future__ import annotations

from helpers.handout.context import ALPHA, density_sentence

__all__ = ["HEADING", "text", "cut_members"]

#: The section's heading in the catalogue.
HEADING = "structure.heading"


def text(ctx) -> str:
    """What characterises the structure: core-periphery, groupings, indispensability, density, core make-up.

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
        if ctx.has_core and _composition(ctx):
            bullets.append(_composition(ctx))
    parts = [ctx.heading(HEADING), "\n".join(f"- {b}" for b in bullets), note]
    return "\n\n".join(part for part in parts if part)


def _core_periphery(ctx) -> str:
    t, st = ctx.t, ctx.structure
    cp, sig = st.core_periphery(), st.significance["degree"]
    blocks = cp["block_densities"]
    clear = (sig["p_value"] is not None and sig["p_value"] <= ALPHA
             and (blocks["core->core"] or 0) >= 2 * (blocks["periphery->periphery"] or 0))
    first = t("structure.cp_clear" if clear else "structure.cp_weak", core_size=ctx.n(cp["core_size"]),
              core_density=ctx.pct(blocks["core->core"]), periphery_density=ctx.pct(blocks["periphery->periphery"]),
              p=ctx.p(sig["p_value"]))
    return first + " " + (t("structure.cp_unambiguous") if cp["unambiguous"]
                          else t("structure.cp_ambiguous", n=ctx.n(cp["n_optimal"])))


def _groupings(ctx) -> str:
    g = ctx.structure.groupings
    values = dict(modularity=ctx.n(g["modularity"], 2), null=ctx.n(g["null_mean"], 2))
    if not g["beyond_random"]:
        return ctx.t("structure.groupings_none", **values)
    if g["cuts_across_departments"]:
        return ctx.t("structure.groupings_across", **values)
    makeup = ctx.structure.community_departments.copy()
    parts = []
    for _, rows in makeup.groupby("community", sort=True):
        top = rows[rows["share"] >= 0.25].sort_values(["share", "department"], ascending=[False, True])
        parts.append(ctx.t("structure.grouping_makeup", departments=ctx.listing(top["department"])))
    return ctx.t("structure.groupings_separate", n=ctx.n(g["n_communities"]), makeup="; ".join(parts), **values)


def cut_members(ctx) -> list[str]:
    """The cut vertices as the handout may describe them (role and department), sorted.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    list of str
    """
    players = ctx.structure.key_players.copy()
    cut = players[players["articulation_point"].astype(bool)]["member_id"]
    return sorted({d for d in map(ctx.describe, cut) if d})


def _indispensable(ctx) -> str:
    ind = ctx.structure.indispensable
    if ind["components"] > 1:
        return ctx.t("structure.disconnected", n=ctx.n(ind["components"]))
    if ind["nobody_indispensable"]:
        return ctx.t("structure.nobody_indispensable", k=ctx.n(max(ind["node_connectivity"], 1)))
    who = cut_members(ctx) or [ctx.t("labels.fewer_than", k=ctx.k)]
    return ctx.t("structure.indispensable", who=ctx.listing(who))


def _composition(ctx) -> str:
    """The core's make-up by gender, position and department; an attribute on which the
    whole forum is alike (one department, say) is left out, as the core cannot cut across it."""
    comp = ctx.structure.core_composition.copy()
    found = ctx.structure.composition
    varies = [a for a in ("gender", "role", "department") if a in found and found[a]["values_in_forum"] > 1]
    if not varies:
        return ""
    details = []
    for attribute, plural in (("gender", {"female": "females", "male": "males"}),
                              ("role", {"director": "directors", "chief": "chiefs"})):
        if attribute not in varies:
            continue
        rows = comp[comp["attribute"] == attribute]
        details.append(ctx.listing(f"{ctx.count(int(r.core_count))} {ctx.label(plural.get(r.value, r.value))}"
                                    for r in rows.itertuples() if r.core_count > 0))
    if "department" in varies:
        dept = found["department"]
        details.append(ctx.t("structure.departments_in_core", n=ctx.n(dept["values_in_core"]),
                              total=ctx.n(dept["values_in_forum"])))
    across = [a for a in varies if found[a]["cuts_across"]]
    not_across = [a for a in varies if not found[a]["cuts_across"]]
    names = {a: ctx.t(f"structure.attribute_names.{a}") for a in found}
    if not not_across:
        return ctx.t("structure.composition_across", attributes=ctx.listing(names[a] for a in across),
                      details="; ".join(details))
    return ctx.t("structure.composition_not", attributes=ctx.listing(names[a] for a in not_across),
                  details="; ".join(details))
