"""Method appendix: definitions, variants, tests, samples, seeds, software and the input's hash."""

from __future__ import annotations

import importlib.metadata
import platform

from helpers.settings import RENDERER
from helpers.escape import Markdown

__all__ = ["HEADING", "SOFTWARE", "text", "software_versions"]

#: The section's heading in the catalogue.
HEADING = "method.heading"
#: Software whose versions the method section lists.
SOFTWARE = ("networkx", "pandas", "cdlib", "leidenalg", "scipy", "matplotlib", "papermill", "pypandoc-binary", "typst")


def text(ctx) -> str:
    """Method appendix: definitions, variants, tests, samples, seeds, software, input hash.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    t, st, s = ctx.t, ctx.structure, ctx.summary
    cp, one = st.core_periphery(), st.core_periphery("one")
    sig, g = st.significance, st.groupings
    comp = st.composition
    ei = ctx.departments.ei_tests.copy().iloc[0]
    ext = ctx.external.external_tests.copy()
    others = ctx.listing(Markdown(f"{c['method']} {ctx.n(c['modularity'], 2)}") for c in st.other_communities)
    # only the methods whose results the handout states (none without relations or with too few answers)
    analysed = not (ctx.thin or ctx.no_ties)
    defined = analysed and cp.get("defined", True)
    return "\n\n".join(part for part in [
        ctx.heading(HEADING),
        t("method.density", respondents=ctx.n(s["respondents"]), members=ctx.n(s["members"]),
          possible=ctx.n(s["possible_ties"])),
        (t("method.core_periphery", restarts=ctx.n(cp["params"].get("restarts", 0)), seed=cp["params"].get("seed"),
           fit=ctx.n(cp["fit"], 3), one_size=ctx.n(one["core_size"]), one_fit=ctx.n(one["fit"], 3))
         if defined else t("method.core_periphery_undefined") if analysed else ""),
        t("method.significance", n=ctx.n(sig["degree"]["n_samples"]), p_degree=ctx.p(sig["degree"]["p_value"]),
          p_density=ctx.p(sig["density"]["p_value"]), seed=sig["degree"]["seed"]) if defined else "",
        t("method.communities", seed=g["seed"], n=ctx.n(g["n_samples"]), p=ctx.p(g["p_value"]),
          nmi=ctx.n(g["nmi"], 2), others=others) if analysed else "",
        t("method.indispensable", max_change=ctx.n(st.indispensable["max_distance_fragmentation_change"], 3))
        if analysed else "",
        t("method.composition", p_gender=ctx.p(comp["gender"]["p_value"]), p_role=ctx.p(comp["role"]["p_value"]),
          p_department=ctx.p(comp["department"]["p_value"])) if defined and comp else "",
        t("method.departments", n=ctx.n(int(ei["n_permutations"])), seed=int(ei["seed"]))
        if analysed and ctx.n_departments > 1 else "",
        t("method.external", n=ctx.n(int(ext["n_permutations"].iloc[0])), seed=int(ext["seed"].iloc[0]))
        if ctx.has_core else "",
        _compare_method(ctx),
        t("method.suppression", k=ctx.n(ctx.k)),
        t("method.software", software=ctx.listing(software_versions())),
        t("method.render", renderer=RENDERER),
        t("method.data", wave=ctx.meta["wave"], hash=Markdown(ctx.meta["input_sha256"])),
    ] if part)


def _compare_method(ctx) -> str:
    """How the wave was compared with the previous one; "" when it was not."""
    c = ctx.comparison
    if c is None:
        return ""
    d = c.density
    text = ctx.t("method.compare", n=ctx.n(d["n_boot"]), seed=d["seed"], level=ctx.pct(d["level"]))
    if c.visits is not None:
        v = c.visits
        text += " " + ctx.t("method.compare_visits", n=ctx.n(v["n_permutations"]), seed=v["seed"])
    return text


def software_versions() -> list[str]:
    """"name version" of Python and the packages that made the results."""
    out = [f"Python {platform.python_version()}"]
    for name in SOFTWARE:
        try:
            out.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return out
