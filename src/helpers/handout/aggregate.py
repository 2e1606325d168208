"""Figure 1 and its interactive view for large networks: one point per department.

With hundreds of members, a point per member and a line per tie is an unreadable grey
cloud and an interactive view of several megabytes. From :data:`AGGREGATE_FROM` members
on, the handout draws the network of departments instead:

* one circle per department, its area proportional to the department's members; the
  red disc inside it has the area of the department's core members (core red and
  periphery blue as in the member-level figure), so the core's spread over the
  departments reads at a glance;
* a line between two departments whose density of ties (ties either way over the
  respondents' possible ties between them) is above the network's density across
  departments, at most :data:`MAX_LINES` of the densest, thicker the denser;
* the same drawing as inline SVG in the HTML handout, each department with a tooltip
  (members, core members, ties within and across) and its lines highlighted when
  pointed at, with the script and style of :mod:`helpers.handout.interactive`.

Departments with fewer than ``min_group_size`` members get no core count (drawn grey
inside, "fewer than k members" in the tooltip), so no small group is singled out.
Everything is seeded and sorted: the same inputs give the same figure and the same HTML.
"""

from __future__ import annotations

import html
import math
from collections.abc import Collection, Mapping

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from helpers import lang as fmt
from helpers.escape import mathtext
from helpers.handout.plots import FONT_SIZE, PALETTE, group_style

__all__ = ["AGGREGATE_FROM", "MAX_LINES", "department_network", "department_layout", "shown_lines",
           "network_by_department", "department_html", "DEFAULT_LABELS"]

#: From this many members on, Figure 1 and the interactive view show departments.
AGGREGATE_FROM = 300
#: Most lines between departments drawn.
MAX_LINES = 120

DEFAULT_LABELS = {
    "members": "members",
    "core": "Core",
    "periphery": "Periphery",
    "department": "Department",
    "core_members": "in the core",
    "ties_within": "relations within",
    "ties_across": "relations to other departments",
    "small": "fewer than {k} members: core not shown",
    "hint": "Point at a department, or tap it on a phone, to see its members, core members and relations.",
    "aria": "The network of departments: one circle per department, no names.",
    "size_note": "Circle area: members; red: members in the core",
}
"""English texts; the handout passes its own."""


def department_network(G: nx.DiGraph, core: Collection[str]) -> nx.Graph:
    """The departments as a network: who works with whom, summed up per department.

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph; nodes carry ``department`` and ``answered``.
    core : collection of str
        Member ids in the core.

    Returns
    -------
    networkx.Graph
        One node per department (sorted) with ``members``, ``respondents``,
        ``core_members``, ``ties_within`` and ``density_within``; one edge per pair of
        departments with a tie either way, with ``ties`` (both directions) and
        ``density`` (``ties`` over ``respondents_a * members_b + respondents_b *
        members_a``).

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")])
    >>> nx.set_node_attributes(G, {"a": "X", "b": "X", "c": "Y"}, "department")
    >>> nx.set_node_attributes(G, True, "answered")
    >>> D = department_network(G, {"a"})
    >>> D.nodes["X"]["members"], D.nodes["X"]["core_members"], D.edges["X", "Y"]["ties"]
    (2, 1, 2)
    """
    core = set(core)
    dept = dict(G.nodes(data="department"))
    D = nx.Graph()
    for d in sorted({str(x) for x in dept.values()}):
        members = [v for v in G if str(dept[v]) == d]
        answered = sum(1 for v in members if G.nodes[v].get("answered", True))
        D.add_node(d, members=len(members), respondents=answered, core_members=sum(v in core for v in members),
                   ties_within=0)
    for u, v in G.edges():
        a, b = str(dept[u]), str(dept[v])
        if a == b:
            D.nodes[a]["ties_within"] += 1
        elif D.has_edge(a, b):
            D.edges[a, b]["ties"] += 1
        else:
            D.add_edge(a, b, ties=1)
    for d, data in D.nodes(data=True):
        possible = data["respondents"] * (data["members"] - 1)
        data["density_within"] = data["ties_within"] / possible if possible else math.nan
    for a, b, data in D.edges(data=True):
        na, nb = D.nodes[a], D.nodes[b]
        possible = na["respondents"] * nb["members"] + nb["respondents"] * na["members"]
        data["density"] = data["ties"] / possible if possible else math.nan
    return D


def shown_lines(D: nx.Graph, max_lines: int = MAX_LINES) -> list[tuple[str, str]]:
    """The department pairs drawn: denser than the network across departments, the densest first.

    Returns pairs sorted by name; at most ``max_lines`` of them.
    """
    possible = sum(D.nodes[a]["respondents"] * D.nodes[b]["members"] + D.nodes[b]["respondents"] * D.nodes[a]["members"]
                   for a, b in _all_pairs(D))
    across = sum(t for *_, t in D.edges(data="ties")) / possible if possible else 0.0
    above = [(-data["density"], a, b) for a, b, data in D.edges(data=True) if data["density"] > across]
    return sorted(tuple(sorted((a, b))) for _, a, b in sorted(above)[:max_lines])


def _all_pairs(D: nx.Graph):
    nodes = sorted(D.nodes())
    return ((a, b) for i, a in enumerate(nodes) for b in nodes[i + 1:])


def department_layout(D: nx.Graph, *, seed: int) -> dict[str, np.ndarray]:
    """Seeded force-directed positions of the departments, weighted by tie density, in [-1, 1]."""
    S = nx.Graph()
    S.add_nodes_from(sorted(D.nodes()))
    S.add_edges_from(sorted((min(a, b), max(a, b), {"weight": float(w)}) for a, b, w in D.edges(data="density")
                            if w and np.isfinite(w)))
    n = max(S.number_of_nodes(), 1)
    pos = nx.spring_layout(S, seed=int(seed), k=2.0 / math.sqrt(n), iterations=200, weight="weight")
    xy = np.array([pos[v] for v in sorted(pos)], dtype=float).reshape(-1, 2)
    if len(xy):
        xy -= xy.mean(axis=0)
        span = np.abs(xy).max()
        xy /= span if span > 0 else 1.0
    return {v: xy[i] for i, v in enumerate(sorted(pos))}


def _radius(members: int, largest: int, biggest: float) -> float:
    return biggest * math.sqrt(members / largest) if largest else 0.0


def network_by_department(G: nx.DiGraph, core: Collection[str], *, seed: int, min_group_size: int = 3,
                          ax: Axes | None = None, labels: Mapping[str, str] | None = None) -> Axes:
    """Figure 1 for a large network: departments as circles, the core as red discs in them.

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph; nodes carry ``department`` and ``answered``.
    core : collection of str
        Member ids in the core.
    seed : int
        Seed of the layout.
    min_group_size : int
        Departments smaller than this get no core count.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 6.5 x 7 inch figure if not given.
    labels : mapping, optional
        Texts for the keys of :data:`DEFAULT_LABELS`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    text = {**DEFAULT_LABELS, **(labels or {})}
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 7.0))
    D = department_network(G, core)
    pos = department_layout(D, seed=seed)
    largest = max((m for _, m in D.nodes(data="members")), default=1)
    biggest = 0.9 / math.sqrt(max(D.number_of_nodes(), 1))
    lines = shown_lines(D)
    if lines:
        top = max(D.edges[a, b]["density"] for a, b in lines)
        widths = [0.4 + 2.6 * D.edges[a, b]["density"] / top for a, b in lines]
        ax.add_collection(LineCollection([(pos[a], pos[b]) for a, b in lines], colors=PALETTE["edge"],
                                         linewidths=widths, zorder=1))
    for d, data in sorted(D.nodes(data=True)):
        r = _radius(data["members"], largest, biggest)
        ax.add_patch(plt.Circle(pos[d], r, facecolor=PALETTE["periphery"], edgecolor=PALETTE["periphery_edge"],
                                linewidth=1.0, zorder=2))
        if data["members"] < min_group_size:
            ax.add_patch(plt.Circle(pos[d], r * 0.5, facecolor=PALETTE["neutral"], zorder=3))
        elif data["core_members"]:
            inner = r * math.sqrt(data["core_members"] / data["members"])
            ax.add_patch(plt.Circle(pos[d], inner, facecolor=PALETTE["core"], zorder=3))
        if D.number_of_nodes() <= 30:
            ax.text(pos[d][0], pos[d][1] - r - 0.02, mathtext(d), ha="center", va="top",
                    fontsize=FONT_SIZE["small"] if D.number_of_nodes() <= 12 else FONT_SIZE["small"] - 2,
                    color="#333333", zorder=4)
    # every circle (and the name under it) inside the frame
    reach = max((float(np.hypot(*pos[d])) + _radius(m, largest, biggest) for d, m in D.nodes(data="members")),
                default=1.0)
    bound = max(1.15, reach + 0.12)
    ax.set_xlim(-bound, bound)
    ax.set_ylim(-bound, bound)
    ax.set_aspect("equal")
    ax.axis("off")
    handles = [Line2D([], [], linestyle="", marker="o", markersize=9, markerfacecolor=group_style(g)["facecolor"],
                      markeredgecolor=group_style(g)["edgecolor"], markeredgewidth=1.2, label=text[g])
               for g in ("core", "periphery")]
    ax.legend(handles=handles, title=mathtext(text["size_note"]), loc="upper left", bbox_to_anchor=(0.0, -0.01),
              frameon=False, fontsize=FONT_SIZE["small"], title_fontsize=FONT_SIZE["small"], alignment="left", ncol=2)
    return ax


def department_html(G: nx.DiGraph, core: Collection[str], *, seed: int, min_group_size: int = 3,
                    labels: Mapping[str, str] | None = None, lang: str = "en", replaces: str | None = None) -> str:
    """The interactive view of :func:`network_by_department` as an HTML fragment (inline SVG).

    The same positions, sizes and lines as the figure; each department has a tooltip
    (members, core members unless fewer than ``min_group_size``, ties within and across)
    and its lines are highlighted when pointed at. A few kilobytes per department,
    whatever the number of members.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")])
    >>> nx.set_node_attributes(G, {"a": "X", "b": "X", "c": "Y"}, "department")
    >>> nx.set_node_attributes(G, True, "answered")
    >>> out = department_html(G, {"a"}, seed=1, min_group_size=1)
    >>> out.count("<title>"), "netview" in out
    (2, True)
    """
    from helpers.handout.interactive import WIDTH, _num, view_frame

    text = {**DEFAULT_LABELS, **(labels or {})}
    D = department_network(G, core)
    pos = department_layout(D, seed=seed)
    nodes = sorted(D.nodes())
    index = {d: i for i, d in enumerate(nodes)}
    largest = max((m for _, m in D.nodes(data="members")), default=1)
    biggest = 0.9 / math.sqrt(max(len(nodes), 1))
    scale = WIDTH / 2.3

    def at(d):
        x, y = pos[d]
        return (x + 1.15) * scale, (1.15 - y) * scale

    lines = shown_lines(D)
    neighbours = {d: [] for d in nodes}
    for a, b in lines:
        neighbours[a].append(index[b])
        neighbours[b].append(index[a])
    tie_path = "".join(f"M{_num(at(a)[0])} {_num(at(a)[1])}L{_num(at(b)[0])} {_num(at(b)[1])}" for a, b in lines)
    hits, shapes = [], []
    for d in nodes:
        data = D.nodes[d]
        x, y = at(d)
        r = _radius(data["members"], largest, biggest) * scale
        across = sum(t for *_, t in D.edges(d, data="ties"))
        rows = [f"{text['department']}: {d}", f"{fmt.number(data['members'], lang)} {text['members']}"]
        if data["members"] < min_group_size:
            rows.append(text["small"].format(k=min_group_size))
            inner = f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r * 0.5)}" fill="{PALETTE["neutral"]}"/>'
        else:
            rows.append(f"{fmt.number(data['core_members'], lang)} {text['core_members']}")
            ri = r * math.sqrt(data["core_members"] / data["members"]) if data["members"] else 0.0
            inner = (f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(ri)}" fill="{PALETTE["core"]}"/>'
                     if ri else "")
        rows.append(f"{fmt.number(data['ties_within'], lang)} {text['ties_within']}")
        rows.append(f"{fmt.number(across, lang)} {text['ties_across']}")
        i = index[d]
        hits.append(f'<circle data-i="{i}" cx="{_num(x)}" cy="{_num(y)}" r="{_num(max(r, 8.0))}"/>')
        nb = " ".join(str(j) for j in sorted(neighbours[d]))
        title = html.escape("\n".join(rows), quote=False)
        shapes.append(f'<g data-i="{i}" data-nb="{nb}" tabindex="0" role="img">'
                      f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}" fill="{PALETTE["periphery"]}"'
                      f' stroke="{PALETTE["periphery_edge"]}" stroke-width="1"/>{inner}<title>{title}</title></g>')
    legend = (f'<ul class="netview-legend"><li class="netview-legend-title">{html.escape(text["size_note"])}</li>'
              + "".join(f'<li><svg viewBox="-7 -7 14 14" aria-hidden="true" focusable="false">'
                        f'<circle r="5.5" fill="{PALETTE[g]}" stroke="{group_style(g)["edgecolor"]}"/></svg>'
                        f'{html.escape(text[g])}</li>'
                        for g in ("core", "periphery")) + "</ul>")
    side = _num(2.3 * scale)
    return view_frame(text, lang, replaces, width=side, height=side, tie_path=tie_path, tie_width=1.2,
                      hits=hits, shapes=shapes, legend=legend)
