"""The handout's "since last time" section, from ``results/compare.json`` and ``results/compare_*.csv``.

Written only when the wave was compared with a previous one (see
:func:`helpers.pipeline.scheduler.run`); every function here returns ``""`` (or draws nothing)
otherwise, so the handout notebook can call them unconditionally.

What the section shows, in order: three plain bullets (is the network largely
unchanged: the density then and now and whether the change is beyond chance; ties kept,
new and dropped; how many moved between core and periphery), each wave's own density
beside the comparable-subset density, the moves as one table; then the share of
cross-department ties and a department pair's change only when it passes a stated minimum
(:data:`MIN_SENDERS`, :data:`MIN_POSSIBLE`) and its 95 % interval excludes zero; the
change heatmap (small departments merged into "other" in rows and columns, rows of
departments with fewer than ``min_group_size`` comparable respondents hidden); the
change in the external-relations table (cells with fewer than ``min_group_size`` answers
hidden); and whether the visit pairs formed ties. Who moved is a statement about single
members: it is in the facilitator's material, not here. The confidence interval, the
Jaccard similarity and who was compared are in the appendix (:func:`appendix`).

The transition counts carry no attribute of anyone (only "core" or "periphery" then
and now, over the members present in both rounds), so they are shown at every size;
members who joined or left are only counted.
"""

from __future__ import annotations

import pandas as pd

from helpers.escape import as_markdown
from helpers.handout.context import Context, long_date, pipe_table, typst_block
from helpers.handout.suppression import MARKER, merge_blocks
from helpers.results.comparison import Comparison

__all__ = ["HEADING", "GROUPS", "MIN_SENDERS", "MIN_POSSIBLE", "section", "transition_table", "transition_figure",
           "changes", "highlighted_pairs", "department_change_figure", "external_table", "closing", "appendix",
           "table_card_prompt", "visit_pairs_missing"]

#: The section's heading in the catalogue.
HEADING = "since.heading"
#: Group labels of the core-periphery split, in table order.
GROUPS = ("core", "periphery")
#: A department pair's change is highlighted only when its sending department has at least this many
#: comparable respondents in both waves (and at least ``min_group_size``) ...
MIN_SENDERS = 5
#: ... and the pair at least this many possible relations in both waves.
MIN_POSSIBLE = 20


def _signed(ctx: Context, value: float) -> str:
    text = ctx.n(abs(value) * 100, 1)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def _previous_date(ctx: Context, c) -> str:
    return long_date(c.previous["date"], ctx.lang)


def _count_word(ctx: Context, n: int) -> str:
    words = ctx.t.data_at("since.number_words").split()
    return words[n] if 0 <= n < len(words) else ctx.n(n)


def _density_changed(d: dict) -> bool:
    return d["ci_low"] > 0 or d["ci_high"] < 0


def section(ctx: Context) -> str:
    """Markdown of the section's opening: three plain bullets, the waves' own densities; "" without a comparison.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    c = ctx.comparison
    if c is None:
        return ""
    t, d, s = ctx.t, c.density, c.summary
    counts = _transition_counts(ctx)
    up, down = counts[("periphery", "core")], counts[("core", "periphery")]
    bullets = [
        t("since.bullet_density_changed" if _density_changed(d) else "since.bullet_density_same",
          a=ctx.pct(d["a"], 1), b=ctx.pct(d["b"], 1)),
        t("since.bullet_ties", kept=ctx.n(s["ties"].get("kept", 0)), new=ctx.n(s["ties"].get("new", 0)),
          dropped=ctx.n(s["ties"].get("dropped", 0))),
        t("since.bullet_movers", both=ctx.n(s["members_both"]), up=_count_word(ctx, up), down=_count_word(ctx, down))
        if up + down else t("since.no_movers"),
    ]
    parts = [ctx.heading(HEADING), "\n".join(f"- {b}" for b in bullets)]
    own = s.get("own_density")
    if own:
        parts.append(t("since.own_density", own_a=ctx.pct(own["a"], 1), own_b=ctx.pct(own["b"], 1),
                       then=_previous_date(ctx, c), now=long_date(ctx.meta["date"], ctx.lang),
                       senders=ctx.n(s["senders_both"]), a=ctx.pct(d["a"], 1), b=ctx.pct(d["b"], 1)))
    parts.append(typst_block(t("since.transitions_intro"), "sticky: true, breakable: false"))  # stays with its table
    return "\n\n".join(parts)


def appendix(ctx: Context) -> str:
    """The details of "since last time" for the method appendix: who was compared, the density
    change's confidence interval, the ties' Jaccard similarity; "" without a comparison.

    Parameters
    ----------
    ctx : helpers.handout.context.Context

    Returns
    -------
    str
        Markdown.
    """
    c = ctx.comparison
    if c is None:
        return ""
    t, d, s = ctx.t, c.density, c.summary
    return "\n\n".join([
        f"### {t('since.appendix_heading')}",
        t("since.members", previous=_previous_date(ctx, c), both=ctx.n(s["members_both"]), joined=ctx.n(s["joined"]),
          left=ctx.n(s["left"]), senders=ctx.n(s["senders_both"])),
        t("since.density", a=ctx.pct(d["a"], 1), b=ctx.pct(d["b"], 1), change=_signed(ctx, d["difference"]),
          level=ctx.pct(d["level"]), low=_signed(ctx, d["ci_low"]), high=_signed(ctx, d["ci_high"])) + " "
        + t("since.density_changed" if _density_changed(d) else "since.density_same"),
        t("since.ties", kept=ctx.n(s["ties"].get("kept", 0)), new=ctx.n(s["ties"].get("new", 0)),
          dropped=ctx.n(s["ties"].get("dropped", 0)), jaccard=ctx.n(s["jaccard"], 2)),
    ])


def table_card_prompt(ctx: Context) -> str | None:
    """The table card's since-last-time prompt for a compared wave; None otherwise.

    Parameters
    ----------
    ctx : helpers.handout.context.Context

    Returns
    -------
    str or None
    """
    c = ctx.comparison
    if c is None:
        return None
    d = c.density
    density = ctx.t("since.table_card_density_changed" if _density_changed(d) else "since.table_card_density_same",
                    a=ctx.pct(d["a"], 1), b=ctx.pct(d["b"], 1))
    return ctx.t("since.table_card_prompt", density=density)


def visit_pairs_missing(ctx: Context) -> bool:
    """Whether the wave was compared without visit pairs recorded for the previous wave (the
    command line then says where the file goes; the handout only says none are recorded).

    Parameters
    ----------
    ctx : helpers.handout.context.Context

    Returns
    -------
    bool
    """
    return ctx.comparison is not None and ctx.comparison.visits is None


def _transition_counts(ctx: Context) -> dict[tuple[str, str], int]:
    table = ctx.comparison.compare_transitions.copy()
    return {(f, to): int(n) for f, to, n in zip(table["from"], table["to"], table["n_members"], strict=True)}


def transition_table(ctx: Context) -> str:
    """Pipe table of the moves between core and periphery: earlier wave in rows, this wave in columns, with totals.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    if ctx.comparison is None:
        return ""
    counts = _transition_counts(ctx)
    label = {g: ctx.label(g.capitalize()) for g in GROUPS}
    total = ctx.t("since.total")
    rows = []
    for f in GROUPS:
        rows.append([label[f], *(ctx.n(counts[(f, to)]) for to in GROUPS), ctx.n(sum(counts[(f, to)] for to in GROUPS))])
    rows.append([total, *(ctx.n(sum(counts[(f, to)] for f in GROUPS)) for to in GROUPS), ctx.n(sum(counts.values()))])
    frame = pd.DataFrame(rows, columns=[ctx.t("since.then_now"), label["core"], label["periphery"], total])
    return pipe_table(frame)


def transition_figure(ctx: Context, ax=None, *, flow: bool = False):
    """Flow figure of the moves between core and periphery; drawn only with ``flow=True``.

    The figure and :func:`transition_table` show the same moves; the handout shows them
    once, as the table, so by default nothing is drawn.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if not given.
    flow : bool
        Draw the figure (nothing without a comparison).
    """
    c = ctx.comparison
    if c is None or not flow:  # the handout shows the moves once, as the table
        return None
    from helpers.handout import plots

    table = ctx.comparison.compare_transitions.copy()
    return plots.core_transitions(table, labels={g: ctx.label(g.capitalize()) for g in GROUPS},
                                  titles=(_previous_date(ctx, c), long_date(ctx.meta["date"], ctx.lang)),
                                  count_format=ctx.n, ax=ax)


def changes(ctx: Context) -> str:
    """Markdown after the transitions: cross-department ties and the department pairs whose change is beyond chance.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    c = ctx.comparison
    if c is None:
        return ""
    t = ctx.t
    crossing = ctx.comparison.compare_crossing.copy().iloc[0]
    parts = [t("since.crossing", a=ctx.pct(crossing["share_a"]), b=ctx.pct(crossing["share_b"]))]
    pairs = highlighted_pairs(ctx)
    rise, fall = pairs[pairs["change"] > 0], pairs[pairs["change"] < 0]
    sentences = []
    for frame, key, pick in ((rise, "since.pair_rose", "idxmax"), (fall, "since.pair_fell", "idxmin")):
        if len(frame):
            row = frame.loc[getattr(frame["change"], pick)()]
            sentences.append(t(key, source=row["source_department"], target=row["target_department"],
                               a=ctx.pct(row["density_a"]), b=ctx.pct(row["density_b"]),
                               low=_signed(ctx, row["ci_low"]), high=_signed(ctx, row["ci_high"])))
    parts.append(" ".join(sentences) if sentences else
                 t("since.pairs_same", senders=ctx.n(max(MIN_SENDERS, ctx.k)), possible=ctx.n(MIN_POSSIBLE)))
    return "\n\n".join(parts)


def highlighted_pairs(ctx: Context) -> pd.DataFrame:
    """Department pairs (between two departments) whose change may be highlighted.

    A pair qualifies when both departments may be named (:func:`helpers.handout.sections.structure.shown_departments`),
    its sending department has at least :data:`MIN_SENDERS` (and ``k``) comparable
    respondents in both waves, it has at least :data:`MIN_POSSIBLE` possible relations in
    both waves, and the 95 % interval of its change (``ci_low``, ``ci_high``) excludes zero.

    Parameters
    ----------
    ctx : helpers.handout.context.Context

    Returns
    -------
    pandas.DataFrame
        Rows of ``compare_blocks`` that qualify.
    """
    from helpers.handout.sections.structure import shown_departments

    blocks = ctx.comparison.compare_blocks.copy()
    if "ci_low" not in blocks:
        return blocks.iloc[0:0]
    labels = shown_departments(ctx)
    minimum = max(MIN_SENDERS, ctx.k)
    keep = ((blocks["source_department"] != blocks["target_department"])
            & blocks["source_department"].map(lambda g: labels.get(g) == g)
            & blocks["target_department"].map(lambda g: labels.get(g) == g)
            & (blocks[["senders_a", "senders_b"]].min(axis=1) >= minimum)
            & (blocks[["possible_a", "possible_b"]].min(axis=1) >= MIN_POSSIBLE)
            & ((blocks["ci_low"] > 0) | (blocks["ci_high"] < 0)))
    return blocks[keep]


def _shown_blocks(ctx: Context) -> pd.DataFrame:
    """The department pairs' density changes as the handout may show them: small departments
    merged into "other" (rows and columns) or dropped, rows of departments that had fewer
    than ``k`` comparable respondents in either wave blanked (NaN)."""
    from helpers.handout.sections.structure import shown_departments

    labels = shown_departments(ctx)
    blocks = ctx.comparison.compare_blocks.copy()
    senders = {}
    for suffix in ("a", "b"):
        per = blocks.drop_duplicates("source_department").set_index("source_department")[f"senders_{suffix}"]
        for group, n in per.items():
            label = labels.get(group, group)
            if label is not None:
                senders.setdefault(suffix, {}).setdefault(label, 0)
                senders[suffix][label] += int(n)
    merged = merge_blocks(blocks, labels, sums=("ties_a", "ties_b", "possible_a", "possible_b"))
    merged["density_a"] = [t / p if p else float("nan") for t, p in zip(merged["ties_a"], merged["possible_a"])]
    merged["density_b"] = [t / p if p else float("nan") for t, p in zip(merged["ties_b"], merged["possible_b"])]
    merged["change"] = merged["density_b"] - merged["density_a"]
    for suffix in ("a", "b"):
        merged[f"senders_{suffix}"] = merged["source_department"].map(senders.get(suffix, {})).fillna(0).astype(int)
    hidden = merged[["senders_a", "senders_b"]].min(axis=1) < ctx.k
    merged.loc[hidden, ["density_a", "density_b", "change"]] = float("nan")
    return merged


def department_change_figure(ctx: Context, ax=None):
    """Heatmap of the change in each department pair's density (nothing drawn without a comparison).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if not given.
    """
    if ctx.comparison is None:
        return None
    from helpers.handout import plots

    shown = Comparison(compare_blocks=_shown_blocks(ctx)).density_matrix("change")
    return plots.density_change_heatmap(shown, ax=ax,
                                        xlabel=ctx.t("departments.columns"), ylabel=ctx.t("departments.rows"),
                                        colorbar_label=ctx.t("since.change_colorbar"))


def external_table(ctx: Context) -> str:
    """Pipe table of each group's mean external rating then and now, with the number of answers; "" without.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    if ctx.comparison is None or ctx.comparison.compare_external is None:
        return ""
    ext = ctx.comparison.compare_external.copy()
    partners = {p["id"]: p[ctx.lang] for p in ctx.meta["external"]["partners"]}

    def cell(n: int, mean: float) -> str:
        return MARKER if n < ctx.k or pd.isna(mean) else f"{ctx.mean(mean)} ({ctx.n(n)})"

    cells = {(r.partner, r.group): f"{cell(r.n_answered_a, r.mean_rating_a)} → {cell(r.n_answered_b, r.mean_rating_b)}"
             for r in ext.itertuples(index=False)}
    frame = pd.DataFrame([[as_markdown(label), *(cells.get((p, g), MARKER) for g in GROUPS)] for p, label in partners.items()],
                         columns=[ctx.t("since.partner"), *(ctx.label(g.capitalize()) for g in GROUPS)])
    return pipe_table(frame)


def closing(ctx: Context) -> str:
    """Markdown after the figures: how to read the external table, and whether the visits worked.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    c = ctx.comparison
    if c is None:
        return ""
    t = ctx.t
    parts = [t("since.external") if c.compare_external is not None else ""]
    if c.visits is not None:
        v = c.visits
        parts.append(t("since.visits", rate=ctx.pct(v["rate"]), improved=ctx.n(v["improved"]), pairs=ctx.n(v["n_pairs"]),
                       rate_comparison=ctx.pct(v["rate_comparison"]), p=ctx.p(v["p_value"]))
                     + (" " + t("since.visits_caveat") if v["caveat"] else ""))
    else:  # where the file goes is said on the command line, not to the directors
        parts.append(t("since.no_visits"))
    return "\n\n".join(p for p in parts if p)
