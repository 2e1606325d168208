"""The handout's "since last time" section, from ``results/compare.json`` and ``results/compare_*.csv``.

Written only when the wave was compared with a previous one (see
:func:`helpers.pipeline.scheduler.run`); every function here returns ``""`` (or draws nothing)
otherwise, so the handout notebook can call them unconditionally.

What the section shows, in order: who is compared; the density change with its
confidence interval; ties kept, new and dropped; the moves between core and periphery
as a table and a flow figure; the members who moved, described as
:meth:`helpers.handout.context.Handout.describe` allows (by role and department only where at
least ``min_group_size`` members share it); the share of cross-department ties and the
change in each department pair's density (a heatmap, rows of departments with fewer
than ``min_group_size`` comparable respondents hidden); the change in the
external-relations table (cells with fewer than ``min_group_size`` answers hidden); and
whether the visit pairs formed ties.

The transition counts carry no attribute of anyone (only "core" or "periphery" then
and now, over the members present in both rounds), so they are shown at every size;
members who joined or left are only counted.
"""

from __future__ import annotations

import pandas as pd

from helpers import io
from helpers import lang as fmt
from helpers.handout.context import Handout, _half_up, pipe_table
from helpers.handout.suppression import MARKER

GROUPS = ("core", "periphery")


def _results(h: Handout) -> dict | None:
    path = h.folder / "results" / "compare.json"
    return io.read_json(path) if path.exists() else None


def _signed(h: Handout, value: float) -> str:
    text = h.n(abs(value) * 100, 1)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def _previous_date(h: Handout, c: dict) -> str:
    return fmt.date(c["previous"]["date"], h.lang)


def section(h: Handout) -> str:
    """Markdown of the section's opening: who is compared, density and ties; "" without a comparison."""
    c = _results(h)
    if c is None:
        return ""
    t, d = h.t, c["density"]
    return "\n\n".join([
        f"## {t('since.heading')}",
        t("since.members", previous=_previous_date(h, c), both=h.n(c["members_both"]), joined=h.n(c["joined"]),
          left=h.n(c["left"]), senders=h.n(c["senders_both"])),
        t("since.density", a=h.pct(d["a"], 1), b=h.pct(d["b"], 1), change=_signed(h, d["difference"]),
          level=h.pct(d["level"]), low=_signed(h, d["ci_low"]), high=_signed(h, d["ci_high"])) + " "
        + t("since.density_changed" if d["ci_low"] > 0 or d["ci_high"] < 0 else "since.density_same"),
        t("since.ties", kept=h.n(c["ties"].get("kept", 0)), new=h.n(c["ties"].get("new", 0)),
          dropped=h.n(c["ties"].get("dropped", 0)), jaccard=h.n(c["jaccard"], 2)),
        t("since.transitions_intro"),
    ])


def _transition_counts(h: Handout) -> dict[tuple[str, str], int]:
    table = h.table("compare_transitions")
    return {(f, to): int(n) for f, to, n in zip(table["from"], table["to"], table["n_members"], strict=True)}


def transition_table(h: Handout) -> str:
    """Pipe table of the moves between core and periphery: earlier wave in rows, this wave in columns, with totals."""
    if _results(h) is None:
        return ""
    counts = _transition_counts(h)
    label = {g: h.label(g.capitalize()) for g in GROUPS}
    total = h.t("since.total")
    rows = []
    for f in GROUPS:
        rows.append([label[f], *(h.n(counts[(f, to)]) for to in GROUPS), h.n(sum(counts[(f, to)] for to in GROUPS))])
    rows.append([total, *(h.n(sum(counts[(f, to)] for f in GROUPS)) for to in GROUPS), h.n(sum(counts.values()))])
    frame = pd.DataFrame(rows, columns=[h.t("since.then_now"), label["core"], label["periphery"], total])
    return pipe_table(frame)


def transition_figure(h: Handout, ax=None):
    """Flow figure of the moves between core and periphery (nothing drawn without a comparison)."""
    c = _results(h)
    if c is None:
        return None
    from helpers.handout import plots

    table = h.table("compare_transitions")
    return plots.core_transitions(table, labels={g: h.label(g.capitalize()) for g in GROUPS},
                                  titles=(_previous_date(h, c), fmt.date(h.meta["date"], h.lang)),
                                  count_format=h.n, ax=ax)


def _movers(h: Handout, direction: tuple[str, str]) -> str:
    movers = h.table("compare_movers")
    found = movers[(movers["from"] == direction[0]) & (movers["to"] == direction[1])]
    if found.empty:
        return h.t("since.nobody")
    described = [h.describe(m) or h.t("since.a_member") for m in found["member_id"]]
    counted = pd.Series(described).value_counts(sort=False)
    return h.listing(d if n == 1 else h.t("since.times", n=h.n(n), who=d) for d, n in counted.items())


def changes(h: Handout) -> str:
    """Markdown after the transitions: who moved, cross-department ties and the department pairs that changed most."""
    c = _results(h)
    if c is None:
        return ""
    t = h.t
    counts = _transition_counts(h)
    moved = counts[("periphery", "core")] + counts[("core", "periphery")]
    crossing = h.table("compare_crossing").iloc[0]
    parts = [
        t("since.movers", up=_movers(h, ("periphery", "core")), down=_movers(h, ("core", "periphery")))
        if moved else t("since.no_movers"),
        t("since.crossing", a=h.pct(crossing["share_a"]), b=h.pct(crossing["share_b"])),
    ]
    blocks = _shown_blocks(h)
    between = blocks[(blocks["source_department"] != blocks["target_department"]) & blocks["change"].notna()]
    rise, fall = between[between["change"] > 0], between[between["change"] < 0]
    sentences = []
    for frame, key, pick in ((rise, "since.pair_rose", "idxmax"), (fall, "since.pair_fell", "idxmin")):
        if len(frame):
            row = frame.loc[getattr(frame["change"], pick)()]
            sentences.append(t(key, source=row["source_department"], target=row["target_department"],
                               a=h.pct(row["density_a"]), b=h.pct(row["density_b"])))
    parts.append(" ".join(sentences) if sentences else t("since.pairs_same"))
    return "\n\n".join(parts)


def _shown_blocks(h: Handout) -> pd.DataFrame:
    """The department pairs' density changes, with the rows of departments that had fewer
    than ``k`` comparable respondents in either wave blanked (NaN)."""
    blocks = h.table("compare_blocks")
    hidden = blocks[["senders_a", "senders_b"]].min(axis=1) < h.k
    blocks.loc[hidden, ["density_a", "density_b", "change"]] = float("nan")
    return blocks


def department_change_figure(h: Handout, ax=None):
    """Heatmap of the change in each department pair's density (nothing drawn without a comparison)."""
    if _results(h) is None:
        return None
    from helpers.handout import plots
    from helpers.analysis.departments import density_matrix

    return plots.density_change_heatmap(density_matrix(_shown_blocks(h), "change"), ax=ax,
                                        xlabel=h.t("departments.columns"), ylabel=h.t("departments.rows"),
                                        colorbar_label=h.t("since.change_colorbar"))


def external_table(h: Handout) -> str:
    """Pipe table of each group's mean external rating then and now, with the number of answers; "" without."""
    if _results(h) is None or not (h.folder / "results" / "compare_external.csv").exists():
        return ""
    ext = h.table("compare_external")
    partners = {p["id"]: p[h.lang] for p in h.meta["external"]["partners"]}

    def cell(n: int, mean: float) -> str:
        return MARKER if n < h.k or pd.isna(mean) else f"{h.n(_half_up(mean), 2)} ({h.n(n)})"

    cells = {(r.partner, r.group): f"{cell(r.n_answered_a, r.mean_rating_a)} → {cell(r.n_answered_b, r.mean_rating_b)}"
             for r in ext.itertuples(index=False)}
    frame = pd.DataFrame([[label, *(cells.get((p, g), MARKER) for g in GROUPS)] for p, label in partners.items()],
                         columns=[h.t("since.partner"), *(h.label(g.capitalize()) for g in GROUPS)])
    return pipe_table(frame)


def closing(h: Handout) -> str:
    """Markdown after the figures: how to read the external table, and whether the visits worked."""
    c = _results(h)
    if c is None:
        return ""
    t = h.t
    parts = [t("since.external") if (h.folder / "results" / "compare_external.csv").exists() else ""]
    if "visits" in c:
        v = c["visits"]
        parts.append(t("since.visits", rate=h.pct(v["rate"]), improved=h.n(v["improved"]), pairs=h.n(v["n_pairs"]),
                       rate_comparison=h.pct(v["rate_comparison"]), p=h.p(v["p_value"]))
                     + (" " + t("since.visits_caveat") if v["caveat"] else ""))
    else:
        parts.append(t("since.no_visits"))
    return "\n\n".join(p for p in parts if p)
