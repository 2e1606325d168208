"""The handout's "since last time" section, from ``results/compare.json``.

Written only when the wave was compared with a previous one (see
:func:`helpers.pipeline.run`); members who moved between core and periphery are named by
role and department only where at least ``min_group_size`` members share that description.
"""

from __future__ import annotations

from .handout import Handout


def _signed(h: Handout, value: float) -> str:
    text = h.n(abs(value) * 100, 1)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def _movers(h: Handout, movers: list[dict], direction: tuple[str, str]) -> str:
    found = [m for m in movers if (m["from"], m["to"]) == direction]
    if not found:
        return h.t("since.nobody")
    described = []
    for m in found:
        same = sum(1 for _, a in h.graph.nodes(data=True) if a["role"] == m["role"] and a["department"] == m["department"])
        described.append(h.t("labels.role_in", role=h.label(m["role"]), department=m["department"]) if same >= h.k
                         else h.t("labels.member_of", department=m["department"]))
    return h.listing(described)


def section(h: Handout) -> str:
    """Markdown of the section, or "" when the wave was not compared with another."""
    path = h.folder / "results" / "compare.json"
    if not path.exists():
        return ""
    from . import io

    c, t = io.read_json(path), h.t
    d = c["density"]
    crossing = h.table("compare_crossing").iloc[0]
    parts = [
        f"## {t('since.heading')}",
        t("since.members", previous=_previous_name(h), both=h.n(c["members_both"]), joined=h.n(c["joined"]),
          left=h.n(c["left"]), senders=h.n(c["senders_both"])),
        t("since.density", a=h.pct(d["a"], 1), b=h.pct(d["b"], 1), change=_signed(h, d["difference"]),
          level=h.pct(d["level"]), low=_signed(h, d["ci_low"]), high=_signed(h, d["ci_high"])) + " "
        + t("since.density_changed" if d["ci_low"] > 0 or d["ci_high"] < 0 else "since.density_same"),
        t("since.ties", kept=h.n(c["ties"].get("kept", 0)), new=h.n(c["ties"].get("new", 0)),
          dropped=h.n(c["ties"].get("dropped", 0)), jaccard=h.n(c["jaccard"], 2)),
        t("since.movers", up=_movers(h, c["movers"], ("periphery", "core")),
          down=_movers(h, c["movers"], ("core", "periphery"))) if c["movers"] else t("since.no_movers"),
        t("since.crossing", a=h.pct(crossing["share_a"]), b=h.pct(crossing["share_b"])),
    ]
    if "visits" in c:
        v = c["visits"]
        parts.append(t("since.visits", rate=h.pct(v["rate"]), improved=h.n(v["improved"]), pairs=h.n(v["n_pairs"]),
                       rate_comparison=h.pct(v["rate_comparison"]), p=h.p(v["p_value"]))
                     + (" " + t("since.visits_caveat") if v["caveat"] else ""))
    return "\n\n".join(parts)


def _previous_name(h: Handout) -> str:
    return str(h.meta.get("previous") or "")
