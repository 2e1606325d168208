"""Figures of the handout, drawn from data the analysis computed.

Every plot helper takes data and an optional ``ax`` (or ``axes``), draws, and returns
what it drew on; nothing is shown or saved here. Colours and markers come from the one
palette below, so the HTML and the PDF handout match:

* core red and periphery blue, from Paul Tol's colour-blind safe "vibrant" scheme [1]_;
* departments as marker shapes (:func:`department_markers`), so the figures also read
  in black and white;
* ties light grey.

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
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from helpers.escape import mathtext
from helpers.results import union_graph

__all__ = [
    "PALETTE",
    "MARKERS",
    "department_markers",
    "network_layout",
    "network",
    "node_sizes",
    "contrasts",
    "department_heatmap",
    "density_change_heatmap",
    "signed_points",
    "core_transitions",
    "external_ratings",
]

PALETTE = {
    "core": "#CC3311",  # Tol vibrant red
    "periphery": "#0077BB",  # Tol vibrant blue
    "neutral": "#555555",
    "edge": "#BBBBBB",
    "node_edge": "#FFFFFF",
    "mean": "#000000",
    "heatmap": "Blues",
    "change": "RdBu_r",
}
"""Colours of every figure: core, periphery, other nodes, ties, node outlines, means, and
the heatmap's colour map, and the diverging colour map of changes (blue fewer, red more)."""

MARKERS = ("o", "s", "^", "D", "v", "p", "h", "P", "X", "*", "<", ">")
"""Marker shapes given to departments in sorted order."""

_DEFAULT_LABELS = {
    "core": "Core",
    "periphery": "Periphery",
    "department": "Department",
    "group": "Group",
    "mean": "Mean",
}


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


def network_layout(G: nx.Graph | nx.DiGraph, *, seed: int) -> dict[str, np.ndarray]:
    """Positions of the members: a seeded force-directed layout, the same every run.

    The Fruchterman-Reingold layout [1]_ of the undirected union graph (nodes sorted),
    seeded, so closely tied members sit together and a core lands in the middle:
    networkx's up to 200 members, igraph's (in C, with its grid approximation of the
    repulsion) above.

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        The network.
    seed : int
        Seed of the layout's starting positions.

    Returns
    -------
    dict of str to numpy.ndarray
        Member id -> (x, y), in sorted member order.

    References
    ----------
    .. [1] T. M. J. Fruchterman and E. M. Reingold, "Graph drawing by force-directed
       placement", Software: Practice and Experience 21(11), 1129-1164, 1991.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> a, b = network_layout(G, seed=1), network_layout(G, seed=1)
    >>> all((a[v] == b[v]).all() for v in G)
    True
    """
    H = union_graph(G) if G.is_directed() else G
    S = nx.Graph()
    S.add_nodes_from(sorted(H.nodes()))
    S.add_edges_from(sorted((min(u, v), max(u, v)) for u, v in H.edges()))
    n = max(S.number_of_nodes(), 1)
    if n > LARGE_LAYOUT:
        return _igraph_layout(S, seed=seed)
    pos = nx.spring_layout(S, seed=int(seed), k=1.6 / math.sqrt(n), iterations=200)
    return {v: np.asarray(pos[v], dtype=float) for v in sorted(pos)}


#: Above this many members the layout runs in igraph (C, grid-accelerated repulsion).
LARGE_LAYOUT = 200


def _igraph_layout(S: nx.Graph, *, seed: int) -> dict[str, np.ndarray]:
    """Fruchterman-Reingold in igraph: O(n + m) per iteration with the grid, seeded.

    igraph draws from a process-wide random-number hook; it is pointed at a
    ``random.Random(seed)`` for the call and given back afterwards.
    """
    import random

    import igraph

    nodes = sorted(S.nodes())
    index = {v: i for i, v in enumerate(nodes)}
    g = igraph.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in S.edges()])
    igraph.set_random_number_generator(random.Random(int(seed)))
    try:
        xy = np.asarray(g.layout_fruchterman_reingold(niter=500, grid="grid").coords, dtype=float)
    finally:
        igraph.set_random_number_generator(random)
    if len(xy):
        xy -= xy.mean(axis=0)
        span = np.abs(xy).max()
        xy /= span if span > 0 else 1.0
    return {v: xy[i] for i, v in enumerate(nodes)}


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
    c = pd.Series(coreness, dtype=float).reindex(list(nodes))
    lo, hi = c.min(skipna=True), c.max(skipna=True)
    out = {}
    for v in nodes:
        x = c.get(v)
        if x is None or pd.isna(x) or not np.isfinite(hi - lo) or hi == lo:
            out[v] = smallest if (x is None or pd.isna(x)) else (smallest + largest) / 2
        else:
            out[v] = smallest + (largest - smallest) * (x - lo) / (hi - lo)
    return out


def _draw_ties(ax: Axes, G: nx.Graph | nx.DiGraph, pos: Mapping, *, arrows: bool, sizes: Mapping, width: float):
    if arrows and G.is_directed():
        edges = sorted(G.edges())
        nodelist = sorted(G.nodes())
        return nx.draw_networkx_edges(
            G, pos, edgelist=edges, ax=ax, edge_color=PALETTE["edge"], width=width, arrows=True,
            arrowstyle="-|>", arrowsize=5, nodelist=nodelist, node_size=[sizes[v] for v in nodelist],
        )
    H = union_graph(G) if G.is_directed() else G
    segments = [(pos[u], pos[v]) for u, v in sorted((min(e), max(e)) for e in H.edges())]
    lines = LineCollection(segments, colors=PALETTE["edge"], linewidths=width, zorder=1)
    # thousands of lines as vector paths make an SVG of megabytes: draw them as one image
    lines.set_rasterized(len(segments) > RASTERIZE_TIES)
    ax.add_collection(lines)
    return lines


#: Above this many ties, a figure's ties are embedded as an image (the nodes stay vector).
RASTERIZE_TIES = 2000


def _draw_nodes(ax, G, pos, core, sizes, markers, *, linewidth=0.6):
    """Draw nodes per department; return the collections (one per department, sorted)."""
    collections = []
    dept = dict(G.nodes(data="department"))
    for d, marker in markers.items():
        nodes = sorted(v for v in G if dept.get(v) == d)
        if not nodes:
            continue
        if core is None:
            colors = PALETTE["neutral"]
        else:
            colors = [PALETTE["core"] if v in core else PALETTE["periphery"] for v in nodes]
        pc = ax.scatter(
            [pos[v][0] for v in nodes], [pos[v][1] for v in nodes], s=[sizes[v] for v in nodes],
            c=colors, marker=marker, edgecolors=PALETTE["node_edge"], linewidths=linewidth, zorder=2,
        )
        pc.set_gid(f"department:{d}")
        collections.append(pc)
    return collections


def network(
    G: nx.DiGraph,
    core: Collection[str],
    coreness: pd.Series | Mapping | None = None,
    *,
    seed: int,
    ax: Axes | None = None,
    labels: Mapping[str, str] | None = None,
    department_labels: Mapping[str, str] | None = None,
    arrows: bool = False,
    legend: bool = True,
) -> Axes:
    """Figure 1: the forum's relations, core red and periphery blue.

    Members are placed by :func:`network_layout` (seeded, the same every run), sized by
    coreness, shaped by department; ties are light grey lines of the undirected union
    graph (or small arrows with ``arrows=True``). No names or ids are drawn.

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph; nodes carry ``department``.
    core : collection of str
        Member ids in the core; everybody else is periphery.
    coreness : pandas.Series or mapping, optional
        Coreness per member id; node area grows with it (all equal if not given).
    seed : int
        Seed of the layout.
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
        Draw the two legends (departments by shape, core/periphery by colour).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 7.0))
    text = {**_DEFAULT_LABELS, **(labels or {})}
    dept_text = dict(department_labels or {})
    core = set(core)
    pos = network_layout(G, seed=seed)
    nodes = sorted(G.nodes())
    sizes = node_sizes(nodes, coreness, 40.0, 320.0)
    markers = department_markers(d for _, d in G.nodes(data="department"))
    _draw_ties(ax, G, pos, arrows=arrows, sizes=sizes, width=0.5)
    _draw_nodes(ax, G, pos, core, sizes, markers)
    _frame(ax, pos)
    if legend:
        dept_handles = [
            Line2D([], [], linestyle="", marker=m, markersize=7, markerfacecolor=PALETTE["neutral"],
                   markeredgecolor=PALETTE["node_edge"], label=mathtext(dept_text.get(d, d)))
            for d, m in markers.items()
        ]
        group_handles = [
            Line2D([], [], linestyle="", marker="o", markersize=8, markerfacecolor=PALETTE[g],
                   markeredgecolor=PALETTE["node_edge"], label=text[g])
            for g in ("core", "periphery")
        ]
        first = ax.legend(
            handles=group_handles, title=text["group"], loc="upper left", bbox_to_anchor=(0.0, -0.01),
            frameon=False, fontsize=8, title_fontsize=8, alignment="left",
        )
        ax.add_artist(first)
        ax.legend(
            handles=dept_handles, title=text["department"], loc="upper left", bbox_to_anchor=(0.3, -0.01),
            ncol=2, frameon=False, fontsize=8, title_fontsize=8, alignment="left",
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


def _default_format(measure: str, value: float) -> str:
    if value is None or pd.isna(value):
        return "–"
    if measure == "density":
        return f"{100 * value:.0f} %"
    return f"{value:.2f}"


def contrasts(
    graphs: Mapping[str, nx.DiGraph],
    measures: pd.DataFrame,
    *,
    seed: int,
    titles: Mapping[str, str] | None = None,
    measure_labels: Mapping[str, str] | None = None,
    cores: Mapping[str, Collection[str]] | None = None,
    formatter: Callable[[str, float], str] | None = None,
    ncols: int = 2,
    axes: Sequence[Axes] | None = None,
) -> np.ndarray:
    """Figure 2: small networks of contrasting structures, with their measures beneath.

    Each network is laid out like Figure 1 (:func:`network_layout`), with node area
    growing with the number of ties and department shown by shape.

    Parameters
    ----------
    graphs : mapping of str to networkx.DiGraph
        Networks in drawing order, e.g. :meth:`helpers.results.structure.Structure.contrast_graphs`.
    measures : pandas.DataFrame
        Indexed by the graphs' names; the columns named in ``measure_labels`` are printed
        under each network (e.g. :attr:`helpers.results.structure.Structure.contrasts`).
    seed : int
        Seed of every layout.
    titles : mapping, optional
        Graph name -> title (the name itself if missing).
    measure_labels : mapping, optional
        Measure column -> label, in printing order; default density, modularity and fit
        with English labels.
    cores : mapping, optional
        Graph name -> core member ids, drawn red (others blue); nodes are grey for graphs
        without an entry.
    formatter : callable, optional
        ``(measure, value) -> str``; default: density as a whole percentage, the others
        with two decimals. Pass one with a decimal comma for Danish.
    ncols : int
        Columns of the grid when ``axes`` is not given.
    axes : sequence of Axes, optional
        One per graph; a new figure (A4-wide) if not given.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
        The axes drawn on, one per graph in order.
    """
    names = list(graphs)
    if axes is None:
        nrows = math.ceil(len(names) / ncols)
        fig, grid = plt.subplots(nrows, ncols, figsize=(6.5, 3.6 * nrows), squeeze=False,
                                 gridspec_kw={"hspace": 0.45, "wspace": 0.15})
        grid = grid.ravel()
        for extra in grid[len(names):]:
            extra.set_axis_off()
        axes = grid[: len(names)]
    axes = np.asarray(list(axes), dtype=object)
    if len(axes) != len(names):
        raise ValueError(f"{len(axes)} axes for {len(names)} graphs")
    labels = dict(measure_labels) if measure_labels is not None else {
        "density": "Density", "modularity": "Modularity", "fit": "Core-periphery fit"}
    fmt = formatter or _default_format
    titles = dict(titles or {})
    all_departments = sorted({d for g in graphs.values() for _, d in g.nodes(data="department")}, key=str)
    markers = department_markers(all_departments)
    for ax, name in zip(axes, names, strict=True):
        g = graphs[name]
        pos = network_layout(g, seed=seed)
        sizes = node_sizes(sorted(g), dict(g.degree()), 10.0, 60.0)
        _draw_ties(ax, g, pos, arrows=False, sizes=sizes, width=0.3)
        core = None if cores is None or name not in cores else set(cores[name])
        _draw_nodes(ax, g, pos, core, sizes, markers, linewidth=0.4)
        _frame(ax, pos)
        ax.set_title(titles.get(name, name), fontsize=9)
        lines = [f"{labels[m]}: {fmt(m, measures.loc[name, m])}" for m in labels]
        ax.text(0.5, -0.02, "\n".join(lines), transform=ax.transAxes, ha="center", va="top", fontsize=8)
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


def _heatmap(values: pd.DataFrame, annot: np.ndarray, *, vmin: float, vmax: float, cmap: str,
             labels: Mapping[str, str] | None, xlabel: str, ylabel: str, colorbar_label: str,
             ax: Axes | None) -> Axes:
    """An annotated heatmap of a group x group table; NaN cells show a dash."""
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5.5))
    labels = dict(labels or {})
    sns.heatmap(
        values, ax=ax, vmin=vmin, vmax=vmax, cmap=cmap, annot=annot, fmt="",
        annot_kws={"fontsize": 8}, linewidths=0.5, linecolor="white", square=True,
        cbar_kws={"label": colorbar_label, "shrink": 0.8},
        xticklabels=[mathtext(labels.get(c, c)) for c in values.columns],
        yticklabels=[mathtext(labels.get(r, r)) for r in values.index],
    )
    for i, j in zip(*np.nonzero(values.isna().to_numpy()), strict=True):  # seaborn leaves these blank
        ax.text(j + 0.5, i + 0.5, "–", ha="center", va="center", fontsize=8, color=PALETTE["neutral"])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="both", labelsize=8, length=0)
    plt.setp(ax.get_xticklabels(), rotation=35, ha="right", rotation_mode="anchor")
    plt.setp(ax.get_yticklabels(), rotation=0)
    return ax


def department_heatmap(
    density: pd.DataFrame,
    *,
    counts: pd.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
    xlabel: str = "",
    ylabel: str = "",
    colorbar_label: str = "",
    ax: Axes | None = None,
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
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if not given.

    Returns
    -------
    matplotlib.axes.Axes
        Each cell is annotated with its density in whole percent (and count); empty
        cells show a dash.
    """
    values = density.astype(float)
    annot = np.empty(values.shape, dtype=object)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            x = values.iat[i, j]
            s = "–" if pd.isna(x) else f"{100 * x:.0f} %"
            if counts is not None and not pd.isna(x):
                s += f"\n({int(counts.iat[i, j])})"
            annot[i, j] = s
    return _heatmap(values, annot, vmin=0, vmax=1, cmap=PALETTE["heatmap"], labels=labels, xlabel=xlabel,
                    ylabel=ylabel, colorbar_label=colorbar_label, ax=ax)


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

    A diverging colour map centred on no change (ColorBrewer's colour-blind safe RdBu [1]_:
    blue for fewer ties, red for more), symmetric around 0 so that equal rises and falls
    look equally strong.

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
    from matplotlib.ticker import FuncFormatter

    bound = max(0.05, float(np.nanmax(np.abs(values.to_numpy()))) if values.notna().any().any() else 0.05)
    ax = _heatmap(values, annot, vmin=-bound, vmax=bound, cmap=PALETTE["change"], labels=labels, xlabel=xlabel,
                  ylabel=ylabel, colorbar_label=colorbar_label, ax=ax)
    ax.collections[0].colorbar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: signed_points(v)))
    return ax


def signed_points(change: float) -> str:
    """A change of a share in whole percentage points with its sign (a true minus sign).

    Examples
    --------
    >>> signed_points(0.123), signed_points(-0.05), signed_points(0.004)
    ('+12', '−5', '0')
    """
    points = round(100 * change)
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
                  color=PALETTE[f], alpha=0.35)
            y = (top0 + top1) / 2 - n / 2
            ax.text(0.5, y, count_format(n), ha="center", va="center", fontsize=9,
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    for x, spans in ((left, before), (right, after)):
        for g, (bottom, top) in spans.items():
            if top <= bottom:
                continue
            ax.add_patch(plt.Rectangle((x - width / 2, bottom), width, top - bottom, color=PALETTE[g], linewidth=0))
            ax.text(x, (bottom + top) / 2, count_format(int(round(top - bottom))), ha="center", va="center",
                    fontsize=9, color="white", fontweight="bold")
            side = "right" if x == left else "left"
            ax.text(x + (-1 if x == left else 1) * (width / 2 + 0.02), (bottom + top) / 2, labels[g],
                    ha=side, va="center", fontsize=9)
    for x, title in ((left, titles[0]), (right, titles[1])):
        ax.text(x, total + 2 * gap, title, ha="center", va="bottom", fontsize=9, fontweight="bold")
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
    a black bar, its value printed in the group's colour above the column.

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
        _, ax = plt.subplots(figsize=(6.5, 4.0))
    text = {**_DEFAULT_LABELS, **(labels or {})}
    fmt = mean_format or (lambda x: f"{x:.2f}")
    df = data.dropna(subset=["rating"])
    partners = list(dict.fromkeys(data["partner_label"]))
    n_groups = len(groups)
    half = 0.4 / n_groups  # half the width of a group's column
    offsets = {g: (i - (n_groups - 1) / 2) * 2 * half for i, g in enumerate(groups)}
    top = (max(scale) if scale else float(df["rating"].max() if len(df) else 1)) + 0.45
    for i, partner in enumerate(partners):
        for g in groups:
            sub = df[(df["partner_label"] == partner) & (df["group"] == g)]
            if sub.empty:
                continue
            colour = PALETTE.get(g, PALETTE["neutral"])
            x0 = i + offsets[g]
            xs, ys = [], []
            for rating, k in sorted(sub["rating"].value_counts().items()):
                xs_k, ys_k = _dot_grid(k, x0, float(rating), width=1.6 * half)
                xs += xs_k
                ys += ys_k
            ax.scatter(xs, ys, s=12, color=colour, alpha=0.8, linewidths=0, zorder=2)
            mean = float(sub["rating"].mean())
            ax.plot([x0 - 0.9 * half, x0 + 0.9 * half], [mean, mean], color=PALETTE["mean"], lw=1.8, zorder=3)
            ax.text(x0, top, fmt(mean), ha="center", va="center", fontsize=7, color=colour, zorder=4)
    ax.set_xticks(range(len(partners)))
    ax.set_xticklabels([mathtext(p) for p in partners], fontsize=8, rotation=30, ha="right", rotation_mode="anchor")
    ax.set_xlim(-0.6, len(partners) - 0.4)
    if scale:
        ticks = sorted(scale)
        ax.set_yticks(ticks)
        ax.set_yticklabels([mathtext(scale[t]) for t in ticks], fontsize=8)
        ax.set_ylim(min(ticks) - 0.45, max(ticks) + 0.65)
    elif len(df):
        ax.set_ylim(float(df["rating"].min()) - 0.45, top + 0.2)
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", color="#EEEEEE", zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = [Line2D([], [], linestyle="", marker="o", markersize=6, color=PALETTE.get(g, PALETTE["neutral"]),
                      label=text.get(g, g)) for g in groups]
    handles.append(Line2D([], [], color=PALETTE["mean"], lw=1.8, label=text["mean"]))
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(handles), frameon=False, fontsize=8)
    return ax


def _dot_grid(k: int, x0: float, y0: float, *, width: float, step: float = 0.035, row_gap: float = 0.07):
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
