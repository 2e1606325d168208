"""Method: a short plain box in the body (:func:`box`) and the appendix at the end (:func:`text`).

The appendix holds the definitions, variants, tests and p-values, samples, seeds, the
software that made the results and rendered the handout, and the input's hash. In the
PDF it starts on a page of its own; in the HTML it is a collapsible section
(``<details>``), closed until a reader opens it.
"""

from __future__ import annotations

import importlib.metadata
import platform

from helpers.settings import RENDERER
from helpers.escape import Markdown
from helpers.handout.context import typst_block
from helpers.handout.sections import contrasts, rules, since

__all__ = ["HEADING", "APPENDIX_LABEL", "SOFTWARE", "box", "text", "appendix_parts", "software_versions"]

#: The section's heading in the catalogue.
HEADING = "method.heading"
#: The appendix heading's identifier (Typst label): ``report/templates/handout-body.typ`` starts a
#: new page there. The heading comes first in its output: Quarto's table of contents lists
#: only such headings.
APPENDIX_LABEL = "appendix"
#: Software whose versions the method section lists.
#: The renderer is named separately (``method.render``): the engine that really rendered the handout.
SOFTWARE = ("networkx", "pandas", "cdlib", "igraph", "scipy", "matplotlib", "papermill")


def box(ctx) -> str:
    """The method in brief, as a plain box in the body: what was asked, what a core is, what
    "certain" means, the privacy rule, and where the details are.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown: a Div of class ``method-box`` (HTML), in a shaded Typst block (PDF).
    """
    body = (f"::: {{.method-box}}\n**{ctx.t('method.box_heading')}.** "
            f"{ctx.t('method.box', threshold=ctx.threshold(), k=ctx.n(ctx.k))}\n:::")
    return typst_block(body, "breakable: false, width: 100%, fill: luma(242), inset: 9pt, radius: 2pt")


def text(ctx) -> str:
    """The method appendix: a page of its own in the PDF, a collapsible section in the HTML.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    return Markdown("\n\n".join([
        ctx.heading(HEADING) + " {#" + APPENDIX_LABEL + "}",  # a new page in the PDF: handout-body.typ
        f'```{{=html}}\n<details class="appendix">\n<summary>{ctx.t("method.details")}</summary>\n```',
        "```{=typst}\n#[\n#set text(size: 0.9em)\n```",  # the details a little smaller in print
        *appendix_parts(ctx),
        "```{=typst}\n]\n```",
        "```{=html}\n</details>\n```",
    ]))


def appendix_parts(ctx) -> list[str]:
    """The appendix's paragraphs, in order (Markdown each); the hash of the inputs last, on a line of its own.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    list of str
    """
    t, st, s = ctx.t, ctx.structure, ctx.summary
    cp, one = st.core_periphery(), st.core_periphery("one")
    sig, g = st.significance, st.groupings
    comp = st.composition
    ei = ctx.departments.ei_tests.copy()
    ei = ei[(ei["attribute"] == "department") & (ei["level"] == "whole")]  # the departments section's E-I index
    ei = ei.iloc[0] if len(ei) else None
    ext = ctx.external.external_tests.copy()
    others = ctx.listing(t("communities_at_scale.left_out", method=c["method"], limit=ctx.n(c["up_to"]))
                         if c.get("left_out") else Markdown(f"{c['method']} {ctx.n(c['modularity'], 2)}")
                         for c in st.other_communities)
    # only the methods whose results the handout states (none without relations or with too few answers)
    analysed = not (ctx.thin or ctx.no_ties)
    defined = analysed and cp.get("defined", True)
    return [part for part in [
        t("method.density", respondents=ctx.n(s["respondents"]), members=ctx.n(s["members"]),
          possible=ctx.n(s["possible_ties"])),
        (t("method.core_periphery", restarts=ctx.n(cp["params"].get("restarts", 0)), seed=cp["params"].get("seed"),
           fit=ctx.n(cp["fit"], 3), one_size=ctx.n(one["core_size"]), one_fit=ctx.n(one["fit"], 3))
         if defined else t("method.core_periphery_undefined") if analysed else ""),
        t("method.significance", n_degree=ctx.n(sig["degree"]["n_samples"]),
          n_density=ctx.n(sig["density"]["n_samples"]), p_degree=ctx.p(sig["degree"]["p_value"]),
          p_density=ctx.p(sig["density"]["p_value"]), seed=sig["degree"]["seed"]) if defined else "",
        _sequential_note(ctx) if defined else "",
        _reduced_note(ctx),
        t("method.communities", runs=_leiden_runs(ctx), n=ctx.n(g["n_samples"]), p=ctx.p(g["p_value"]),
          modularity=ctx.n(g["modularity"], 2), null=ctx.n(g["null_mean"], 2), nmi=ctx.n(g["nmi"], 2),
          others=others) if analysed else "",
        contrasts.statistics(ctx) if analysed else "",
        t("method.indispensable", max_change=ctx.n(st.indispensable["max_distance_fragmentation_change"], 3))
        if analysed else "",
        t("method.composition", p_gender=ctx.p(comp["gender"]["p_value"]), p_role=ctx.p(comp["role"]["p_value"]),
          p_department=ctx.p(comp["department"]["p_value"])) if defined and comp else "",
        t("method.departments", n=ctx.n(int(ei["n_permutations"])), seed=int(ei["seed"]),
          ei=ctx.n(ei["observed"], 2), expected=ctx.n(ei["expected"], 2), p=ctx.p(ei["p_value"]))
        if analysed and ctx.n_departments > 1 and ei is not None else "",
        t("method.external", n=ctx.n(int(ext["n_permutations"].iloc[0])), seed=int(ext["seed"].iloc[0]))
        if ctx.has_core else "",
        _compare_method(ctx),
        since.appendix(ctx),
        t("method.suppression", k=ctx.n(ctx.k)),
        rules.text(ctx),
        t("method.software", software=ctx.listing(software_versions())),
        t("method.render", renderer=RENDERER),
        t("method.data", wave=ctx.wave_text("name")),
        _hash_line(ctx.meta["input_sha256"]),
    ] if part]


def _leiden_runs(ctx) -> str:
    """How the grouping was chosen: the best of the Leiden runs and their seeds, or the one run.

    The seeds are ``seed``, ``seed + 1``, ... (:func:`helpers.analysis.communities.best_of_seeds`).
    """
    g = ctx.structure.groupings
    seeds = list(g.get("seeds") or [])
    if len(seeds) > 1:
        return ctx.t("method.communities_runs", n=ctx.n(len(seeds)), first=seeds[0], last=seeds[-1])
    return ctx.t("method.communities_run", seed=g.get("best_seed") or g["seed"])


def _hash_line(digest: str) -> str:
    """The inputs' SHA-256 on a line of its own, in the monospace of the typeface family: plain
    text in the PDF (no shaded code box on either render path), ``<code>`` in the HTML.

    Examples
    --------
    >>> print(_hash_line("ab12"))
    ```{=html}
    <p><code>ab12</code></p>
    ```
    <BLANKLINE>
    ```{=typst}
    #text(font: "DejaVu Sans Mono", size: 0.85em, "ab12")
    ```
    """
    digest = "".join(c for c in str(digest) if c in "0123456789abcdefABCDEF")  # a hex digest, nothing else
    return Markdown(f'```{{=html}}\n<p><code>{digest}</code></p>\n```\n\n'
                    f'```{{=typst}}\n#text(font: "DejaVu Sans Mono", size: 0.85em, "{digest}")\n```')


def _interval(ctx, test: dict) -> str:
    """A sequential test's 99 % interval of the p-value, "0,000–0,046"; "–" without one."""
    if test.get("p_low") is None or test.get("p_high") is None:
        return "–"
    return f"{ctx.n(test['p_low'], 3)}–{ctx.n(test['p_high'], 3)}"


def _sequential_note(ctx) -> str:
    """How far the sampled tests went and the precision they reached ("" for older results)."""
    sig, g = ctx.structure.significance, ctx.structure.groupings
    if "stopped" not in sig["degree"]:
        return ""
    most = max(sig["degree"]["max_samples"], sig["density"]["max_samples"], g.get("max_samples", 0))
    return ctx.t("method.sequential", most=ctx.n(most), interval_degree=_interval(ctx, sig["degree"]),
                 interval_density=_interval(ctx, sig["density"]), interval_groupings=_interval(ctx, g))


def _reduced_note(ctx) -> str:
    """What was reduced because the network is large ("" for a forum)."""
    reduced = ctx.structure.findings.get("reduced") or {}
    if not reduced:
        return ""
    t = ctx.t
    parts = []
    if "samples" in reduced:
        parts.append(t("method.reduced_samples", used=ctx.n(reduced["samples"]["used"]),
                       default=ctx.n(reduced["samples"]["default"])))
    if "networks" in reduced:
        parts.append(t("method.reduced_networks", used=ctx.n(reduced["networks"]["used"]),
                       default=ctx.n(reduced["networks"]["default"])))
    if "distance_sources" in reduced:
        parts.append(t("method.reduced_distances", sources=ctx.n(reduced["distance_sources"]),
                       se=ctx.n(ctx.structure.indispensable.get("distance_se"), 4)))
    if "betweenness_sources" in reduced:
        parts.append(t("method.reduced_betweenness", sources=ctx.n(reduced["betweenness_sources"])))
    if reduced.get("connectivity_bound"):
        parts.append(t("method.reduced_connectivity"))
    return t("method.reduced", members=ctx.n(reduced["members"]), settings="; ".join(parts))


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
