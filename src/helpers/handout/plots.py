"""Figures of the handout, drawn from data the analysis computed.

Every plot helper takes data and an optional ``ax`` (or ``axes``), draws, and returns
what it drew on; nothing is shown or saved here. Colours and markers come from the one
palette below, so the HTML and the PDF handout match:

* the core dark red and filled, the periphery light blue with a blue outline (hues from
  Paul Tol's colour-blind safe schemes [1]_): they differ in lightness as well as in hue,
  so they stay apart on a black-and-white copy;
* departments as marker shapes whose outlines differ at print size
  (:func:`department_markers`);
* ties light grey; changes in a purple-green scale that does not mean core or periphery;
* text in the handout's typeface (:func:`helpers.settings.matplotlib_rc`), at sizes that
  stay readable when a figure is shrunk to a phone's width.

Text on the figures (legend entries, titles, axis labels) is passed in by the caller, so
the handout can be in Danish or English; member ids never appear on a figure.

References
----------
.. [1] P. Tol, "Colour schemes", SRON technical note SRON/EPS/TN/09-002, 2021.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.lines import Line2D
from matplotlib.path import Path as MplPath

from helpers.escape import mathtext
from helpers.results import union_graph

__all__ = [
    "PALETTE",
    "MARKERS",
    "FONT_SIZE",
    "group_style",
    "ink",
    "marker_scale",
    "department_markers",
    "network_layout",
    "network",
    "node_sizes",
    "stylised_layout",
    "core_of",
    "contrasts",
    "department_heatmap",
    "ANNOTATE_UP_TO",
    "density_change_heatmap",
    "signed_points",
    "note",
    "share_format",
    "tick_format",
    "wrap_label",
    "core_transitions",
    "external_ratings",
]

PALETTE = {
    "core": "#A51E12",  # dark red (CIELAB lightness 36)
    "periphery": "#99CCEE",  # light blue (lightness 80): a different grey on a black-and-white copy
    "core_edge": "#FFFFFF",
    "periphery_edge": "#0077BB",  # Tol vibrant blue outline: the periphery reads as a ring
    "on_core": "#FFFFFF",
    "on_periphery": "#1A1A1A",
    "neutral": "#555555",
    "edge": "#BBBBBB",
    "node_edge": "#FFFFFF",
    "mean": "#000000",
    "heatmap": "Greys",
    "change": "PRGn",
}
"""Colours of every figure. Core and periphery differ in hue *and* lightness (dark red
filled, light blue with a blue outline), so they stay apart in black and white; text on
a core or periphery area uses ``on_core``/``on_periphery``. Ties light grey, other nodes
grey, means black; the density heatmap's colour map (greys: blue would read as the
periphery), and the diverging colour map of changes (ColorBrewer purple-green, which does
not mean core or periphery either)."""

MARKERS = ("o", "s", "^", "P", "*", "d", "X", "D", "v", "h", "p", "<")
"""Marker shapes given to departments in sorted order. The first six (circle, square,
triangle, plus, star, thin diamond) differ in outline at print size even when turned:
no two are a rotation of each other (as a square and a diamond, or an up and a down
triangle, are) or nearly round together (as a circle and a pentagon)."""

#: Typeface of every figure: set by :func:`helpers.settings.matplotlib_rc` (``font.family``).
FONT_SIZE = {"small": 10, "normal": 11, "title": 12}


def group_style(group: str) -> dict:
    """Face colour, outline colour and outline width of a core or periphery marker.

    Examples
    --------
    >>> group_style("core")["facecolor"], group_style("periphery")["edgecolor"]
    ('#A51E12', '#0077BB')
    """
    if group == "core":
        return {"facecolor": PALETTE["core"], "edgecolor": PALETTE["core_edge"], "linewidth": 0.6}
    if group == "periphery":
        return {"facecolor": PALETTE["periphery"], "edgecolor": PALETTE["periphery_edge"], "linewidth": 1.0}
    return {"facecolor": PALETTE["neutral"], "edgecolor": PALETTE["node_edge"], "linewidth": 0.6}


def ink(group: str) -> str:
    """The colour of lines and text that stand for a group: dark red for the core, the
    periphery's blue outline for the periphery (its light fill is too pale for text).

    Examples
    --------
    >>> ink("core"), ink("periphery"), ink("other")
    ('#A51E12', '#0077BB', '#555555')
    """
    return {"core": PALETTE["core"], "periphery": PALETTE["periphery_edge"]}.get(group, PALETTE["neutral"])


_DEFAULT_LABELS = {
    "core": "Core",
    "periphery": "Periphery",
    "department": "Department",
    "group": "Group",
    "mean": "Mean",
}


def marker_scale(marker: str) -> float:
    """Factor on a marker's size (an area) that gives it the filled area of a circle of that size.

    A star or a triangle fills less of its box than a square, so at the same size it looks
    smaller (a star about a third of a circle); scaled, every department's points are the
    same size for the same coreness.

    Examples
    --------
    >>> marker_scale("o"), round(marker_scale("s"), 1), round(marker_scale("*"), 1)
    (1.0, 0.8, 2.8)
    """
    return _CIRCLE_AREA / _filled_area(marker) if marker != "o" else 1.0


def _filled_area(marker: str, n: int = 401) -> float:
    from matplotlib.markers import MarkerStyle

    if marker not in _AREAS:
        style = MarkerStyle(marker)
        path = style.get_path().transformed(style.get_transform())
        grid = np.linspace(-1, 1, n)
        X, Y = np.meshgrid(grid, grid)
        _AREAS[marker] = float(path.contains_points(np.c_[X.ravel(), Y.ravel()]).mean() * 4)
    return _AREAS[marker]


_AREAS: dict[str, float] = {}
_CIRCLE_AREA = math.pi / 4  # a circle marker is a disc of diameter 1


def department_markers(departments: Collection[str]) -> dict[str, str]:
    """A marker shape per department, assigned in sorted order.

    Parameters
    ----------
    departments : collection of str
        Department names (duplicates allowed).

    Returns
    -------
    dict of str to str
        Department -> matplotlib marker; shapes repeat after ``len(MARKERS)`` departments.

    Examples
    --------
    >>> department_markers(["B", "A", "B"])
    {'A': 'o', 'B': 's'}
    """
    return {d: MARKERS[i % len(MARKERS)] for i, d in enumerate(sorted(set(departments)))}


def network_layout(
    G: nx.Graph | nx.DiGraph,
    *,
    seed: int,
    core: Collection[str] | None = None,
    coreness: pd.Series | Mapping | None = None,
    previous: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Positions of the members, the same every run for a seed.

    With ``core`` given, Figure 1's layout: the core in the centre, the periphery around
    it, continuing members in the direction they had in ``previous``
    (:func:`helpers.analysis.layout.radial_positions`, via :mod:`helpers.results.layout`).
    Without it, the seeded force-directed layout alone
    (:func:`helpers.analysis.layout.spring_positions`).

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        The network.
    seed : int
        Seed of the layout's starting positions.
    core : collection of str, optional
        Member ids of the core.
    coreness : pandas.Series or mapping, optional
        Coreness per member (distance from the centre within core and periphery).
    previous : mapping, optional
        The previous wave's positions (member id -> (x, y)).

    Returns
    -------
    dict of str to numpy.ndarray
        Member id -> (x, y), in sorted member order.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> a, b = network_layout(G, seed=1), network_layout(G, seed=1)
    >>> all((a[v] == b[v]).all() for v in G)
    True
    """
    from helpers.results.layout import radial_positions, spring_positions

    if core is None:
        return spring_positions(G, seed=seed)
    return radial_positions(G, core, coreness, seed=seed, previous=previous)


def node_sizes(nodes: Sequence[str], coreness: pd.Series | Mapping | None, smallest: float, largest: float) -> dict:
    """Marker area per node, growing linearly with its value (coreness, or degree).

    Parameters
    ----------
    nodes : sequence of str
        The nodes to size.
    coreness : pandas.Series or mapping or None
        Value per node; None gives every node the middle size.
    smallest, largest : float
        Areas (pt^2) of the lowest and the highest value; a node without a value gets
        ``smallest``, and every node the middle size when all values are equal.

    Returns
    -------
    dict
        Node -> area.

    Examples
    --------
    >>> {v: float(a) for v, a in node_sizes(["a", "b", "c"], {"a": 0.0, "b": 0.5, "c": 1.0}, 10.0, 30.0).items()}
    {'a': 10.0, 'b': 20.0, 'c': 30.0}
    """
    if coreness is None:
        return {v: (smallest + largest) / 2 for v in nodes}
    nodes = list(nodes)
    c = pd.Series(coreness, dtype=float).reindex(nodes)
    lo, hi = c.min(skipna=True), c.max(skipna=True)
    x = c.to_numpy(dtype=float)
    if not np.isfinite(hi - lo) or hi == lo:
        area = np.full(len(nodes), (smallest + largest) / 2)
    else:
        with np.errstate(invalid="ignore"):
            area = smallest + (largest - smallest) * (x - lo) / (hi - lo)
    area = np.where(np.isnan(x), smallest, area)  # no value: the smallest
    return dict(zip(nodes, area.tolist(), strict=True))


def _draw_ties(ax: Axes, G: nx.Graph | nx.DiGraph, pos: Mapping, *, arrows: bool, sizes: Mapping, width: float):
    if arrows and G.is_directed():
        edges = sorted(G.edges())
        nodelist = sorted(G.nodes())
        return nx.draw_networkx_edges(
            G, pos, edgelist=edges, ax=ax, edge_color=PALETTE["edge"], width=width, arrows=True,
            arrowstyle="-|>", arrowsize=5, nodelist=nodelist, node_size=[sizes[v] for v in nodelist],
        )
    from helpers.results.layout import tie_pairs

    nodes = sorted(G.nodes())
    ends = tie_pairs(G, nodes)  # the union graph's pairs, sorted by member id, without building it
    if len(ends) > RASTERIZE_TIES:
        # thousands of lines as vector paths make an SVG of megabytes: draw them as one image,
        # from one compound path (a LineCollection makes a Path object per tie: at 100,000 ties
        # most of a large forum's Figure 2)
        xy = np.asarray([pos[v] for v in nodes], dtype=float).reshape(-1, 2)
        vertices = xy[ends.ravel()]
        codes = np.tile(np.array([MplPath.MOVETO, MplPath.LINETO], dtype=np.uint8), len(ends))
        step = 2 * _TIES_PER_PATH  # Agg strokes a path of 100,000 segments slowly: paths of a few hundred
        paths = [MplPath(vertices[i:i + step], codes[i:i + step]) for i in range(0, len(vertices), step)]
        lines = PathCollection(paths, facecolors="none", edgecolors=PALETTE["edge"],
                               linewidths=width, zorder=1, transform=ax.transData)
        lines.set_rasterized(True)
        ax.add_collection(lines)
        return lines
    segments = [(pos[nodes[i]], pos[nodes[j]]) for i, j in ends.tolist()]
    lines = LineCollection(segments, colors=PALETTE["edge"], linewidths=width, zorder=1)
    ax.add_collection(lines)
    return lines


#: Above this many ties, a figure's ties are embedded as an image (the nodes stay vector).
RASTERIZE_TIES = 2000
#: Ties per path when they are drawn as an image.
_TIES_PER_PATH = 500
#: Above this many members, a network's points are embedded as an image too (Figure 2 of a large forum).
RASTERIZE_NODES = 1000


def _draw_nodes(ax, G, pos, core, sizes, markers, *, linewidth=None):
    """Draw nodes per department and group; return the collections (department-sorted).

    Core members are dark red and filled, periphery members light blue with a blue
    outline (:func:`group_style`); without ``core`` every node is grey.
    """
    collections = []
    dept = dict(G.nodes(data="department"))
    if G.number_of_nodes() > RASTERIZE_NODES:  # thousands of points: shapes too small to tell; one call per group
        dept, markers = {v: "" for v in G}, {"": "o"}
    for d, marker in markers.items():
        nodes = sorted(v for v in G if dept.get(v) == d)
        if not nodes:
            continue
        groups = [("neutral", nodes)] if core is None else [
            ("periphery", [v for v in nodes if v not in core]), ("core", [v for v in nodes if v in core])]
        for group, members in groups:
            if not members:
                continue
            style = group_style(group)
            if linewidth is not None:
                style["linewidth"] = linewidth * (1.6 if group == "periphery" else 1.0)
            scale = marker_scale(marker)
            xy = np.asarray([pos[v] for v in members], dtype=float).reshape(-1, 2)
            pc = ax.scatter(
                xy[:, 0], xy[:, 1], s=np.asarray([sizes[v] for v in members], dtype=float) * scale,
                c=style["facecolor"], marker=marker, edgecolors=style["edgecolor"], linewidths=style["linewidth"],
                zorder=3 if group == "core" else 2,
            )
            pc.set_gid(f"department:{d}" if core is None else f"department:{d}:{group}")
            pc.set_rasterized(G.number_of_nodes() > RASTERIZE_NODES)
            collections.append(pc)
    return collections


def network(
    G: nx.DiGraph,
    core: Collection[str],
    coreness: pd.Series | Mapping | None = None,
    *,
    seed: int,
    positions: Mapping[str, np.ndarray] | None = None,
    ax: Axes | None = None,
    labels: Mapping[str, str] | None = None,
    department_labels: Mapping[str, str] | None = None,
    arrows: bool = False,
    legend: bool = True,
) -> Axes:
    """Figure 1: the forum's relations, the core in the centre (dark red, filled) and the
    periphery around it (light blue, outlined).

    Members are placed by ``positions`` (the wave's saved layout,
    :class:`helpers.results.layout.Layout`) or else by :func:`network_layout` with the
    core (seeded, the same every run); sized by coreness, shaped by department; ties
    are light grey lines of the undirected union graph (or small arrows with
    ``arrows=True``). No names or ids are drawn.

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph; nodes carry ``department``.
    core : collection of str
        Member ids in the core; everybody else is periphery.
    coreness : pandas.Series or mapping, optional
        Coreness per member id; node area grows with it (all equal if not given).
    seed : int
        Seed of the layout (when ``positions`` is not given).
    positions : mapping, optional
        Member id -> (x, y); every member of ``G`` must have one.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 6.5 x 7 inch figure if not given.
    labels : mapping, optional
        Legend text for the keys ``"core"``, ``"periphery"``, ``"department"`` (legend
        title) and ``"group"`` (legend title); English defaults.
    department_labels : mapping, optional
        Department (as in the node attribute) -> legend text; the name itself if missing.
    arrows : bool
        Draw directed ties with small arrows instead of undirected lines.
    legend : bool
        Draw the two legends (departments by shape, core/periphery by colour and fill).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 7.0))
    text = {**_DEFAULT_LABELS, **(labels or {})}
    dept_text = dict(department_labels or {})
    core = set(core)
    if positions is not None:
        missing = sorted(set(G) - set(positions))
        if missing:
            raise ValueError(f"the saved layout has no position for {len(missing)} member(s)")
        pos = {v: np.asarray(positions[v], dtype=float) for v in sorted(G)}
    else:
        pos = network_layout(G, seed=seed, core=core, coreness=coreness)
    nodes = sorted(G.nodes())
    sizes = node_sizes(nodes, coreness, 40.0, 320.0)
    markers = department_markers(d for _, d in G.nodes(data="department"))
    _draw_ties(ax, G, pos, arrows=arrows, sizes=sizes, width=0.5)
    _draw_nodes(ax, G, pos, core, sizes, markers)
    _frame(ax, pos)
    if legend:
        small = FONT_SIZE["small"]
        # above RASTERIZE_NODES members every point is a circle (_draw_nodes): no shapes to explain
        shapes = markers if G.number_of_nodes() <= RASTERIZE_NODES else {}
        dept_handles = [
            Line2D([], [], linestyle="", marker=m, markersize=8 * math.sqrt(marker_scale(m)),
                   markerfacecolor=PALETTE["neutral"],
                   markeredgecolor=PALETTE["node_edge"], label=mathtext(dept_text.get(d, d)))
            for d, m in shapes.items()
        ]
        group_handles = [
            Line2D([], [], linestyle="", marker="o", markersize=9, markerfacecolor=group_style(g)["facecolor"],
                   markeredgecolor=group_style(g)["edgecolor"], markeredgewidth=1.5, label=text[g])
            for g in ("core", "periphery")
        ]
        first = ax.legend(
            handles=group_handles, title=text["group"], loc="upper left", bbox_to_anchor=(0.0, -0.01),
            frameon=False, fontsize=small, title_fontsize=small, alignment="left",
        )
        if dept_handles:  # the first legend stays as an artist of its own beside the second
            ax.add_artist(first)
            ax.legend(
                handles=dept_handles, title=text["department"], loc="upper left", bbox_to_anchor=(0.25, -0.01),
                ncol=2, frameon=False, fontsize=small, title_fontsize=small, alignment="left",
            )
    return ax


def _frame(ax: Axes, pos: Mapping, margin: float = 0.08):
    xy = np.array(list(pos.values())) if pos else np.zeros((1, 2))
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pad = (hi - lo).max() * margin if len(xy) > 1 else 1.0
    ax.set_xlim(lo[0] - pad, hi[0] + pad)
    ax.set_ylim(lo[1] - pad, hi[1] + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()


def stylised_layout(name: str, g: nx.DiGraph, *, seed: int,
                    undirected: nx.Graph | None = None) -> tuple[dict[str, np.ndarray], set[str]]:
    """Positions that show a contrasting network's structure at a glance, and its core.

    Read from the drawn graph, not from how it was made:

    ``"groupings"``
        Each separate group (a component of the undirected graph; with fewer than
        three components, the groups the network was made of,
        :func:`helpers.analysis.contrasts.groups_for`) in a cluster of its own, the
        clusters around a circle.
    ``"hub"``
        The member with most ties in the centre, everybody else on a ring.
    ``"core_periphery"``
        The members whose ties reach every other member of their group inside
        (:func:`core_of`), the rest on a ring around them.
    ``"random"`` and anything else
        Everybody on a ring: ties with no pattern cross it evenly.

    Parameters
    ----------
    name : str
        The network's key (:data:`helpers.results.structure.CONTRASTS` names).
    g : networkx.DiGraph
        The network.
    seed : int
        Seed of the layouts inside each cluster.
    undirected : networkx.Graph, optional
        ``union_graph(g)`` if already at hand.

    Returns
    -------
    (dict, set)
        Member id -> (x, y), and the members drawn as a core (empty but for
        ``"core_periphery"``).
    """
    nodes = sorted(g)
    if not nodes:
        return {}, set()
    H = undirected if undirected is not None else union_graph(g) if g.is_directed() else g

    def ring(members, radius=1.0, start=math.pi / 2):
        k = max(len(members), 1)
        return {v: radius * np.array([math.cos(start + 2 * math.pi * i / k), math.sin(start + 2 * math.pi * i / k)])
                for i, v in enumerate(members)}

    if name == "hub":
        hub = max(nodes, key=lambda v: (H.degree(v), -nodes.index(v)))
        pos = ring([v for v in nodes if v != hub])
        pos[hub] = np.zeros(2)
        return pos, set()
    if name == "core_periphery":
        core = core_of(H)
        pos = ring(sorted(v for v in nodes if v not in core))
        pos.update(ring(sorted(core), radius=0.35 if len(core) > 1 else 0.0))
        return pos, core
    if name == "groupings":
        from helpers.results.layout import groups_for

        parts = sorted((sorted(c) for c in nx.connected_components(H)), key=lambda c: (-len(c), c[0]))
        if len(parts) < 3:  # one odd tie may join two groups: the groups the network was made of, O(n)
            dept = dict(g.nodes(data="department"))
            label = groups_for(nodes, dept, g.number_of_edges())
            parts = sorted(([v for v in nodes if label[v] == b] for b in set(label.values())),
                           key=lambda c: (-len(c), c[0]))
        k = len(parts)
        spread = 0.6 if k > 1 else 0.0
        centres = ring(range(k), radius=spread, start=3 * math.pi / 4 if k == 2 else math.pi)  # two: diagonal
        scale = min(0.42, 0.8 * spread * math.sin(math.pi / k)) if k > 1 else 1.0
        pos = {}
        for i, part in enumerate(parts):
            share = math.sqrt(len(part) / max(len(p) for p in parts))  # area by members
            inner = ring(part, radius=scale * share, start=0.0) if len(part) > 1 else {part[0]: np.zeros(2)}
            pos.update({v: centres[i] + p for v, p in inner.items()})
        return pos, set()
    return ring(nodes), set()


def core_of(H: nx.Graph) -> set[str]:
    """The core of an idealised core-periphery network: members all tied to each other, found
    by number of ties.

    The members are taken in order of their number of ties (most first) while each new one
    is tied to all taken so far and to somebody besides them; in an ideal core-periphery
    network [1]_ (a complete core, periphery members tied only to core members) these are
    the core.

    References
    ----------
    .. [1] S. P. Borgatti and M. G. Everett, "Models of core/periphery structures",
       Social Networks 21(4), 375-395, 2000.

    Examples
    --------
    >>> triangle_with_tails = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("a", "d"), ("b", "e"), ("c", "f")])
    >>> sorted(core_of(triangle_with_tails))
    ['a', 'b', 'c']
    """
    order = sorted(H, key=lambda v: (-H.degree(v), v))
    core: list = []
    for v in order:
        # a member tied to the core and to nobody else is periphery, however complete its ties to the core
        if H.degree(v) <= len(core) or not all(H.has_edge(v, u) for u in core):
            break
        core.append(v)
    return set(core)


def _undirected(g: nx.Graph | nx.DiGraph) -> nx.Graph:
    """The union graph's nodes and edges (no ``mutual`` attribute, unsorted: what a drawing
    needs), built by networkx's conversion: a fifth of :func:`union_graph`'s time at 100,000 ties."""
    if not g.is_directed():
        return g
    H = nx.Graph(g)
    H.remove_edges_from(list(nx.selfloop_edges(H)))
    return H


def contrasts(
    graphs: Mapping[str, nx.DiGraph],
    *,
    seed: int,
    titles: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
    cores: Mapping[str, Collection[str]] | None = None,
    positions: Mapping[str, Mapping[str, np.ndarray]] | None = None,
    axes: Sequence[Axes] | None = None,
) -> np.ndarray:
    """Figure 2: the forum beside constructed networks of the same size, each drawn to show its structure.

    The first network (the forum) is drawn large on the left like Figure 1 (core dark
    red inside, periphery light blue around it); the others in a grid on the right,
    each placed by :func:`stylised_layout` so that its structure shows at a glance:
    separate clusters, a hub in the middle, a core inside a ring, or an even tangle.
    Under each network a one-line note says what it shows; no statistics are printed
    (they belong in the method appendix).

    Parameters
    ----------
    graphs : mapping of str to networkx.DiGraph
        Networks in drawing order, the forum first, e.g. ``{"wave": G,
        **Structure.contrast_graphs()}``.
    seed : int
        Seed of every layout that needs one.
    titles, notes : mapping, optional
        Graph name -> title above, and one-line note under, each network.
    cores : mapping, optional
        Graph name -> core member ids (drawn dark red, the others light blue); for a
        ``"core_periphery"`` network without an entry, the core read from its ties.
    positions : mapping, optional
        Graph name -> positions (e.g. the forum's Figure 1 layout).
    axes : sequence of Axes, optional
        One per graph; a new 6.5 x 4.6 inch figure if not given.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
        The axes drawn on, one per graph in order.
    """
    names = list(graphs)
    if axes is None:
        fig = plt.figure(figsize=(6.5, 4.8))
        rest = max(len(names) - 1, 1)
        cols = 2 if rest > 1 else 1
        rows = math.ceil(rest / cols)
        grid = fig.add_gridspec(rows, 1 + cols, width_ratios=[1.7] + [1] * cols, hspace=0.55, wspace=0.12,
                                left=0.01, right=0.99, top=0.93, bottom=0.1)
        axes = [fig.add_subplot(grid[:, 0])] + [fig.add_subplot(grid[i // cols, 1 + i % cols]) for i in range(rest)]
        axes = axes[: len(names)]
    axes = np.asarray(list(axes), dtype=object)
    if len(axes) != len(names):
        raise ValueError(f"{len(axes)} axes for {len(names)} graphs")
    titles, notes = dict(titles or {}), dict(notes or {})
    cores = dict(cores or {})
    positions = dict(positions or {})
    all_departments = sorted({d for g in graphs.values() for _, d in g.nodes(data="department")}, key=str)
    markers = department_markers(all_departments)
    for i, (ax, name) in enumerate(zip(axes, names, strict=True)):
        g = graphs[name]
        H = _undirected(g)  # once per network: it is what is drawn
        big = i == 0
        core = set(cores[name]) if name in cores else None
        if name in positions:
            pos = {v: np.asarray(positions[name][v], dtype=float) for v in g}
        elif big and core is not None:
            pos = network_layout(g, seed=seed, core=core)
        else:
            pos, found = stylised_layout(name, g, seed=seed, undirected=H)
            if core is None and found:
                core = found
        sizes = node_sizes(sorted(g), dict(g.degree()), 14.0 if big else 5.0, 90.0 if big else 24.0)
        faint = name == "hub"  # the hub's own ties drawn dark over the others, drawn faint
        ties = _draw_ties(ax, H, pos, arrows=False, sizes=sizes, width=0.35 if big else 0.2)
        if faint and len(g):
            ties.set_color("#E2E2E2")
            hub = max(sorted(g), key=lambda v: H.degree(v))
            ax.add_collection(LineCollection([(pos[hub], pos[v]) for v in sorted(H.neighbors(hub))],
                                             colors=PALETTE["neutral"], linewidths=0.45, zorder=1.5))
        _draw_nodes(ax, g, pos, core, sizes, markers, linewidth=0.4 if big else 0.3)
        _frame(ax, pos, margin=0.06)
        ax.set_anchor("N")
        if name in titles:
            ax.set_title(titles[name], fontsize=FONT_SIZE["title"], pad=3)
        if name in notes:
            # as many characters a line as the panel is wide (an average glyph is about 0.6 em)
            chars = max(12, int(ax.get_position().width * ax.figure.get_figwidth() * 72 / (0.6 * FONT_SIZE["small"])))
            ax.text(0.5, -0.03, wrap_label(notes[name], chars), transform=ax.transAxes, ha="center",
                    va="top", fontsize=FONT_SIZE["small"], linespacing=1.1)
    return axes


def note(text: str, *, ax: Axes | None = None) -> Axes:
    """An axes holding only a short explanation, for a figure with nothing to show.

    The handout draws this instead of an empty figure (no relations were reported, too
    few answers to show), so the reader sees why there is no picture.

    Examples
    --------
    >>> ax = note("No relations were reported")
    >>> [t.get_text() for t in ax.texts], ax.axison
    (['No relations were reported'], False)
    >>> plt.close("all")
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 1.2))
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=10, color=PALETTE["neutral"], wrap=True,
            transform=ax.transAxes)
    ax.set_axis_off()
    return ax


def share_format(share: float) -> str:
    """A share as a whole percentage, formatted as the handout's text formats it
    (:func:`helpers.lang.percent`, which the handout's context uses; the same in both languages).

    Examples
    --------
    >>> share_format(0.5).replace("\xa0", " "), share_format(0.0).replace("\xa0", " ")
    ('50 %', '0 %')
    """
    from helpers import lang

    return lang.percent(float(share), "da", 0)


def tick_format(fmt: Callable[[float], str]):
    """A matplotlib tick formatter from one of the handout's number formats.

    Examples
    --------
    >>> tick_format(share_format)(0.25, 0).replace("\xa0", " ")
    '25 %'
    """
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _: fmt(value))


def wrap_label(text: str, width: int = 16) -> str:
    """A long axis label broken into lines of about ``width`` characters (at spaces).

    Examples
    --------
    >>> wrap_label("Sociale Forhold og Beskæftigelse")
    'Sociale Forhold\\nog Beskæftigelse'
    """
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width=width, break_long_words=False)) or str(text)


#: :func:`department_heatmap` prints the cells' figures up to this many rows and columns.
ANNOTATE_UP_TO = 12


def _heatmap(values: pd.DataFrame, annot: np.ndarray, *, vmin: float, vmax: float, cmap: str,
             labels: Mapping[str, str] | None, xlabel: str, ylabel: str, colorbar_label: str,
             ax: Axes | None) -> Axes:
    """An annotated heatmap of a group x group table; NaN cells show a dash.

    Sized for a phone as well as for paper: a small figure (4 inches before its labels)
    with 10- and 11-point text; names exactly as given (column names slanted).
    """
    import seaborn as sns

    if ax is None:
        # up to 12 groups in 4 inches; more (up to 21 shown by name) get more room
        grow = max(1.0, min(values.shape[0], 24) / 12)
        _, ax = plt.subplots(figsize=(4.0 * grow, 3.8 * grow))
    labels = dict(labels or {})
    size = FONT_SIZE["normal"]
    sns.heatmap(
        values, ax=ax, vmin=vmin, vmax=vmax, cmap=cmap, annot=annot, fmt="",
        annot_kws={"fontsize": FONT_SIZE["small"]}, linewidths=0.5, linecolor="white", square=True,
        cbar_kws={"label": colorbar_label, "shrink": 0.7},
        xticklabels=[mathtext(labels.get(c, c)) for c in values.columns],
        yticklabels=[mathtext(labels.get(r, r)) for r in values.index],
    )
    for i, j in zip(*np.nonzero(values.isna().to_numpy()), strict=True):  # seaborn leaves these blank
        ax.text(j + 0.5, i + 0.5, "–", ha="center", va="center", fontsize=size, color=PALETTE["neutral"])
    ax.set_xlabel(xlabel, fontsize=size)
    ax.set_ylabel(ylabel, fontsize=size)
    ax.tick_params(axis="both", labelsize=FONT_SIZE["small"], length=0)
    plt.setp(ax.get_xticklabels(), rotation=40, ha="right", rotation_mode="anchor")
    plt.setp(ax.get_yticklabels(), rotation=0)
    bar = ax.collections[0].colorbar
    bar.ax.tick_params(labelsize=FONT_SIZE["small"])
    bar.ax.yaxis.label.set_size(size)
    return ax


def department_heatmap(
    density: pd.DataFrame,
    *,
    counts: pd.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
    xlabel: str = "",
    ylabel: str = "",
    colorbar_label: str = "",
    percent: Callable[[float], str] | None = None,
    ax: Axes | None = None,
    annotate: bool | None = None,
) -> Axes:
    """Department x department densities as an annotated heatmap.

    Parameters
    ----------
    density : pandas.DataFrame
        Rows: the naming department, columns: the named department, values between 0
        and 1 (NaN allowed), e.g. ``departments.density_matrix(departments.department_densities(G))``.
    counts : pandas.DataFrame, optional
        Same shape: tie counts printed under each percentage, e.g.
        ``departments.density_matrix(blocks, "ties")``.
    labels : mapping, optional
        Department -> axis text (the name itself if missing).
    xlabel, ylabel, colorbar_label : str
        Axis and colour-bar titles.
    percent : callable, optional
        Share -> text, for the cells and the colour bar (e.g. the context's ``pct``);
        default :func:`share_format`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if not given.
    annotate : bool, optional
        Print each cell's figures; default: up to :data:`ANNOTATE_UP_TO` rows and columns
        (beyond that the figures do not fit a cell, and the colours carry the table: the
        colour scale then ends at the highest density, rounded up to 5 percentage points).

    Returns
    -------
    matplotlib.axes.Axes
        Each cell is annotated with its density in whole percent (and count); empty
        cells show a dash; the colour bar is in percent too.
    """
    values = density.astype(float)
    fmt = percent or share_format
    if annotate is None:
        annotate = max(values.shape) <= ANNOTATE_UP_TO
    annot = np.empty(values.shape, dtype=object)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            x = values.iat[i, j]
            s = "–" if pd.isna(x) else (str(fmt(x)) if annotate else "")
            if annotate and counts is not None and not pd.isna(x):
                s += f"\n({int(counts.iat[i, j])})"
            annot[i, j] = s
    # without figures in the cells the colours must carry the differences: the scale ends at
    # the highest density (rounded up to 5 points) instead of 100 %
    top = 1.0 if annotate or not np.isfinite(values.to_numpy()).any() else \
        min(1.0, max(0.05, math.ceil(np.nanmax(values.to_numpy()) * 20 - 1e-9) / 20))
    ax = _heatmap(values, annot, vmin=0, vmax=top, cmap=PALETTE["heatmap"], labels=labels, xlabel=xlabel,
                  ylabel=ylabel, colorbar_label=colorbar_label, ax=ax)
    bar = ax.collections[0].colorbar
    bar.set_ticks(list(np.linspace(0, top, 5 if top == 1.0 else 6)))  # whole percents below 100 %
    bar.ax.yaxis.set_major_formatter(tick_format(lambda v: str(fmt(v))))
    return ax


def density_change_heatmap(
    change: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    xlabel: str = "",
    ylabel: str = "",
    colorbar_label: str = "",
    ax: Axes | None = None,
) -> Axes:
    """Department x department change in density between two waves, in percentage points.

    A diverging colour map centred on no change (ColorBrewer's colour-blind safe PRGn [1]_:
    purple for fewer ties, green for more; not the red and blue of core and periphery),
    symmetric around 0 so that equal rises and falls look equally strong; in black and
    white the shade shows the size of a change and the printed sign its direction.

    Parameters
    ----------
    change : pandas.DataFrame
        Rows: the naming department, columns: the named department, values the change in
        density (between -1 and 1; NaN allowed), e.g.
        ``departments.density_matrix(compare.block_density_change(G_a, G_b), "change")``.
    labels : mapping, optional
        Department -> axis text.
    xlabel, ylabel, colorbar_label : str
        Axis and colour-bar titles.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if not given.

    Returns
    -------
    matplotlib.axes.Axes
        Each cell is annotated with its signed change in whole percentage points ("+12",
        "−5", "0"); empty cells show a dash.

    References
    ----------
    .. [1] M. Harrower and C. A. Brewer, "ColorBrewer.org: an online tool for selecting
       colour schemes for maps", The Cartographic Journal 40(1), 27-37, 2003.

    Examples
    --------
    >>> m = pd.DataFrame([[0.1, -0.25], [np.nan, 0.0]], index=["A", "B"], columns=["A", "B"])
    >>> ax = density_change_heatmap(m)
    >>> sorted(t.get_text() for t in ax.texts)
    ['+10', '0', '–', '−25']
    >>> plt.close("all")
    """
    values = change.astype(float)
    annot = np.empty(values.shape, dtype=object)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            annot[i, j] = "" if pd.isna(values.iat[i, j]) else signed_points(values.iat[i, j])
    bound = max(0.05, float(np.nanmax(np.abs(values.to_numpy()))) if values.notna().any().any() else 0.05)
    ax = _heatmap(values, annot, vmin=-bound, vmax=bound, cmap=PALETTE["change"], labels=labels, xlabel=xlabel,
                  ylabel=ylabel, colorbar_label=colorbar_label, ax=ax)
    ax.collections[0].colorbar.ax.yaxis.set_major_formatter(tick_format(signed_points))
    return ax


def signed_points(change: float) -> str:
    """A change of a share in whole percentage points with its sign (a true minus sign).

    Examples
    --------
    >>> signed_points(0.123), signed_points(-0.05), signed_points(0.004), signed_points(0.125), signed_points(-0.125)
    ('+12', '−5', '0', '+13', '−13')
    """
    from decimal import Decimal

    from helpers import lang

    # in percentage points from the share's shortest decimal form (100 * 0.575 is 57.4999... in floats)
    points = int(lang.round_half_up(float(Decimal(repr(float(change))) * 100), 0))  # half up, as every number of the handout
    return f"+{points}" if points > 0 else f"−{-points}" if points < 0 else "0"


def _band(ax: Axes, x0: float, x1: float, bottom0: float, top0: float, bottom1: float, top1: float, **style):
    """A flow band from ``[bottom0, top0]`` at ``x0`` to ``[bottom1, top1]`` at ``x1`` (smooth S-curves)."""
    x = np.linspace(x0, x1, 60)
    s = (1 - np.cos(np.pi * (x - x0) / (x1 - x0))) / 2  # 0 -> 1, flat at both ends
    ax.fill_between(x, bottom0 + (bottom1 - bottom0) * s, top0 + (top1 - top0) * s, linewidth=0, **style)


def core_transitions(
    transitions: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    titles: tuple[str, str] = ("", ""),
    count_format: Callable[[int], str] = str,
    ax: Axes | None = None,
) -> Axes:
    """Moves between core and periphery from one wave to the next, as a flow diagram.

    Two stacked bars, the earlier wave's core and periphery on the left and the later
    wave's on the right, each as tall as its number of members; a band joins them for
    every move (core to core, core to periphery, ...), as wide as the members who made
    it, coloured by where they came from. Counts are printed on the bars and on every
    band; a band of one member is as visible as any other.

    Parameters
    ----------
    transitions : pandas.DataFrame
        Columns ``from, to, n_members`` with groups ``"core"`` and ``"periphery"``
        (:func:`helpers.analysis.compare.core_transitions`).
    labels : mapping, optional
        Text for ``"core"`` and ``"periphery"``.
    titles : (str, str)
        Titles above the earlier and the later wave's bar.
    count_format : callable
        Formats a count (e.g. for the handout's language).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if not given.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> t = pd.DataFrame({"from": ["core", "core", "periphery", "periphery"],
    ...                   "to": ["core", "periphery", "core", "periphery"], "n_members": [11, 1, 2, 24]})
    >>> ax = core_transitions(t)
    >>> sorted(t.get_text() for t in ax.texts if t.get_text().isdigit())
    ['1', '11', '12', '13', '2', '24', '25', '26']
    >>> plt.close("all")
    """
    groups = ("core", "periphery")
    labels = {g: g.capitalize() for g in groups} | dict(labels or {})
    counts = {(str(f), str(t)): int(n) for f, t, n in zip(transitions["from"], transitions["to"],
                                                         transitions["n_members"], strict=True)}
    total = sum(counts.values())
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.2))
    gap = 0.04 * max(total, 1)
    width, left, right = 0.12, 0.0, 1.0

    def stack(side: int) -> dict[str, tuple[float, float]]:
        spans, top = {}, total + gap
        for g in groups:
            size = sum(n for (f, t), n in counts.items() if (f, t)[side] == g)
            spans[g] = (top - size, top)
            top -= size + gap
        return spans

    before, after = stack(0), stack(1)
    out_next = {g: before[g][1] for g in groups}  # flows leave each bar from the top down
    in_next = {g: after[g][1] for g in groups}
    for f in groups:
        for t in groups:
            n = counts.get((f, t), 0)
            if n == 0:
                continue
            top0, top1 = out_next[f], in_next[t]
            out_next[f], in_next[t] = top0 - n, top1 - n
            _band(ax, left + width / 2, right - width / 2, top0 - n, top0, top1 - n, top1,
                  color=ink(f), alpha=0.3)
            y = (top0 + top1) / 2 - n / 2
            ax.text(0.5, y, count_format(n), ha="center", va="center", fontsize=FONT_SIZE["normal"],
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    for x, spans in ((left, before), (right, after)):
        for g, (bottom, top) in spans.items():
            if top <= bottom:
                continue
            style = group_style(g)
            ax.add_patch(plt.Rectangle((x - width / 2, bottom), width, top - bottom, facecolor=style["facecolor"],
                                       edgecolor=style["edgecolor"] if g == "periphery" else "none", linewidth=1.0))
            ax.text(x, (bottom + top) / 2, count_format(int(round(top - bottom))), ha="center", va="center",
                    fontsize=FONT_SIZE["normal"], color=PALETTE.get(f"on_{g}", "white"), fontweight="bold")
            side = "right" if x == left else "left"
            ax.text(x + (-1 if x == left else 1) * (width / 2 + 0.02), (bottom + top) / 2, labels[g],
                    ha=side, va="center", fontsize=FONT_SIZE["normal"])
    for x, title in ((left, titles[0]), (right, titles[1])):
        ax.text(x, total + 2 * gap, title, ha="center", va="bottom", fontsize=FONT_SIZE["normal"], fontweight="bold")
    ax.set_xlim(-0.45, 1.45)
    ax.set_ylim(-gap, total + 4 * gap)
    ax.set_axis_off()
    return ax


def external_ratings(
    data: pd.DataFrame,
    *,
    groups: Sequence[str] = ("core", "periphery"),
    labels: Mapping[str, str] | None = None,
    scale: Mapping[int, str] | None = None,
    ylabel: str = "",
    mean_format: Callable[[float], str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Individual ratings of each kind of external partner, core beside periphery.

    A dot plot: one dot per member and partner type, dots with the same rating set side
    by side in short rows (no random jitter, so the figure is the same every run); the group's mean is
    a black bar, its value printed in the group's colour (:func:`ink`) above the partner type
    (one row per group, the first on top). Above :data:`RASTERIZE_DOTS` dots (a large
    organisation: 32,000 at 5,000 members, 4 MB as vector dots in an SVG) the dots are
    one embedded image; bars, means, labels and axes stay vector. When the largest stack
    of dots would run out of its rating's band (hundreds of equal ratings), the dots and
    their spacing shrink together until it fits: a stack is then a block whose area is
    its count.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy: columns ``partner_label, group, rating``; partner types are drawn in the
        order they first appear. Missing ratings (don't know) are left out.
    groups : sequence of str
        Group values, in order within each partner type; coloured from :data:`PALETTE`
        (``"core"`` red, ``"periphery"`` blue, others grey).
    labels : mapping, optional
        Legend text for each group and ``"mean"``.
    scale : mapping of int to str, optional
        Rating -> y tick text (e.g. the survey's answer labels).
    ylabel : str
        Y axis title.
    mean_format : callable, optional
        Mean -> text; default two decimals.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if not given.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.6, 4.4))
    text = {**_DEFAULT_LABELS, **(labels or {})}
    from helpers import lang

    fmt = mean_format or (lambda x: lang.number(x, "en", 2))  # half up
    df = data.dropna(subset=["rating"])
    partners = list(dict.fromkeys(data["partner_label"]))
    n_groups = len(groups)
    half = 0.4 / n_groups  # half the width of a group's column
    offsets = {g: (i - (n_groups - 1) / 2) * 2 * half for i, g in enumerate(groups)}
    top = (max(scale) if scale else float(df["rating"].max() if len(df) else 1)) + 0.45
    as_image = len(df) > RASTERIZE_DOTS
    # the dots and their spacing shrink (by the same factor) until the largest stack keeps
    # within its rating's band: at thousands of members a stack is a block whose area is its
    # count, not a column running into the next rating and the means above
    largest = int(df.groupby(["partner_label", "group", "rating"]).size().max()) if len(df) else 0
    shrink = min(1.0, math.sqrt(_DOT_BAND * 1.6 * half / (max(largest, 1) * _DOT_STEP * _DOT_ROW_GAP)))
    for i, partner in enumerate(partners):
        for g in groups:
            sub = df[(df["partner_label"] == partner) & (df["group"] == g)]
            if sub.empty:
                continue
            style = group_style(g)
            x0 = i + offsets[g]
            xs, ys = [], []
            for rating, k in sorted(sub["rating"].value_counts().items()):
                xs_k, ys_k = _dot_grid(k, x0, float(rating), width=1.6 * half, step=_DOT_STEP * shrink,
                                       row_gap=_DOT_ROW_GAP * shrink)
                xs += xs_k
                ys += ys_k
            dots = ax.scatter(xs, ys, s=14 * shrink ** 2, facecolor=style["facecolor"], edgecolor=ink(g),
                              linewidths=(0.5 if g == "periphery" else 0) * shrink, zorder=2)
            # drawn one after the other (same zorder), the groups' dots make one image together
            dots.set_rasterized(as_image)
            mean = float(sub["rating"].mean())
            ax.plot([x0 - 0.9 * half, x0 + 0.9 * half], [mean, mean], color=PALETTE["mean"], lw=1.8, zorder=3)
            # one row of means per group (the first on top), so that neighbouring means never collide
            row = top + 0.27 * (n_groups - 1 - groups.index(g))
            ax.text(i, row, fmt(mean), ha="center", va="center", fontsize=FONT_SIZE["small"], color=ink(g),
                    zorder=4)
    ax.set_xticks(range(len(partners)))
    ax.set_xticklabels([mathtext(p) for p in partners], fontsize=FONT_SIZE["small"], rotation=35,
                       ha="right", rotation_mode="anchor")
    ax.set_xlim(-0.6, len(partners) - 0.4)
    if scale:
        ticks = sorted(scale)
        ax.set_yticks(ticks)
        ax.set_yticklabels([wrap_label(mathtext(scale[t]), 18) for t in ticks], fontsize=FONT_SIZE["small"])
        ax.set_ylim(min(ticks) - 0.45, max(ticks) + 0.65 + 0.27 * (n_groups - 1))
    elif len(df):
        ax.set_ylim(float(df["rating"].min()) - 0.45, top + 0.2 + 0.27 * (n_groups - 1))
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", color="#EEEEEE", zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = [Line2D([], [], linestyle="", marker="o", markersize=7, markerfacecolor=group_style(g)["facecolor"],
                      markeredgecolor=ink(g), label=text.get(g, g)) for g in groups]
    handles.append(Line2D([], [], color=PALETTE["mean"], lw=1.8, label=text["mean"]))
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(handles), frameon=False,
              fontsize=FONT_SIZE["small"])
    return ax


#: Above this many dots, the external ratings' dots are embedded as one image (the
#: example forum has 280; 500 members about 3,500).
RASTERIZE_DOTS = 3000
#: The external ratings' dots: distance between neighbours in a row and between rows (in
#: rating units), and the height a stack of one rating may take.
_DOT_STEP, _DOT_ROW_GAP, _DOT_BAND = 0.035, 0.07, 0.7


def _dot_grid(k: int, x0: float, y0: float, *, width: float, step: float = _DOT_STEP, row_gap: float = _DOT_ROW_GAP):
    """Positions of k dots around (x0, y0): rows of at most width/step dots, stacked."""
    per_row = max(1, int(width / step) + 1)
    rows = math.ceil(k / per_row)
    xs, ys = [], []
    for r in range(rows):
        in_row = min(per_row, k - r * per_row)
        y = y0 + (r - (rows - 1) / 2) * row_gap
        xs += [x0 + (j - (in_row - 1) / 2) * step for j in range(in_row)]
        ys += [y] * in_row
    return xs, ys
