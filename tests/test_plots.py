"""Tests of helpers.handout.plots: what is drawn, in which colours, with which text."""

import itertools
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from helpers.handout import plots
from helpers.analysis import network  # noqa: E402
from helpers.analysis.contrasts import contrasting_networks  # noqa: E402
from helpers.handout import interactive  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def wave():
    """12 members in 3 departments; 10 answered; a planted core of 4."""
    rng = np.random.default_rng(3)
    ids = [f"p{i:02d}" for i in range(12)]
    depts = ["Børn og Unge", "Teknik og Miljø", "Sundhed og Omsorg"]
    G = nx.DiGraph()
    for i, v in enumerate(ids):
        G.add_node(v, department=depts[i % 3], answered=i < 10, gender="female", role="chief")
    core = set(ids[:4])
    for u, v in itertools.permutations(ids, 2):
        if G.nodes[u]["answered"] and rng.random() < (0.9 if u in core or v in core else 0.15):
            G.add_edge(u, v, rating=2)
    coreness = pd.Series({v: (0.9 if v in core else 0.2) + 0.01 * i for i, v in enumerate(ids)})
    return G, core, coreness


def _node_collections(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def _all_text(fig):
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def _same_colour(a, b):
    return np.allclose(mcolors.to_rgb(a), mcolors.to_rgb(b))


def test_palette_core_red_periphery_blue():
    r, g, b = mcolors.to_rgb(plots.PALETTE["core"])
    assert r > 0.6 and r > 2 * b
    r, g, b = mcolors.to_rgb(plots.PALETTE["periphery"])
    assert b > 0.6 and b > 1.4 * r
    r, g, b = mcolors.to_rgb(plots.PALETTE["periphery_edge"])
    assert b > 0.6 and b > 2 * r


def test_layout_is_deterministic(wave):
    G, _, _ = wave
    a, b = plots.network_layout(G, seed=5), plots.network_layout(G, seed=5)
    assert list(a) == sorted(G)
    assert all(np.array_equal(a[v], b[v]) for v in G)
    c = plots.network_layout(G, seed=6)
    assert any(not np.allclose(a[v], c[v]) for v in G)
    # the same graph built in another order lands in the same place
    H = nx.DiGraph()
    H.add_nodes_from(sorted(G.nodes(data=True), reverse=True))
    H.add_edges_from(sorted(G.edges(), reverse=True))
    d = plots.network_layout(H, seed=5)
    assert all(np.allclose(a[v], d[v]) for v in G)


def test_large_layout_is_deterministic_and_keeps_ties_short():
    # two rings of 150 joined once: above 200 members igraph lays them out
    G = nx.relabel_nodes(nx.disjoint_union(nx.cycle_graph(150), nx.cycle_graph(150)), lambda i: f"m{i:03d}")
    G.add_edge("m000", "m150")
    a, b = plots.network_layout(G, seed=5), plots.network_layout(G, seed=5)
    assert list(a) == sorted(G) and all(np.array_equal(a[v], b[v]) for v in G)
    assert any(not np.allclose(a[v], c) for v, c in plots.network_layout(G, seed=6).items())
    xy = np.array([a[v] for v in sorted(G)])
    assert np.abs(xy).max() == pytest.approx(1.0)  # scaled into [-1, 1]
    tie = np.mean([np.linalg.norm(a[u] - a[v]) for u, v in G.edges()])
    far = np.mean([np.linalg.norm(a[f"m{i:03d}"] - a[f"m{(i + 75) % 300:03d}"]) for i in range(300)])
    assert tie < far / 3  # tied members sit closer than members half a ring apart


def test_network_draws_every_member_in_its_colour(wave):
    G, core, coreness = wave
    ax = plots.network(G, core, coreness, seed=5)
    assert isinstance(ax, matplotlib.axes.Axes)
    pos = plots.network_layout(G, seed=5, core=core, coreness=coreness)
    drawn = {}
    markers = plots.department_markers(d for _, d in G.nodes(data="department"))
    for pc in _node_collections(ax):
        colours = pc.get_facecolors()
        # every shape drawn with a circle's filled area: the size's share of coreness is size / scale
        sizes = pc.get_sizes() / plots.marker_scale(markers[pc.get_gid().split(":")[1]])
        for k, xy in enumerate(pc.get_offsets()):
            node = next(v for v in G if np.allclose(pos[v], xy))
            drawn[node] = (colours[k if len(colours) > 1 else 0], sizes[k if len(sizes) > 1 else 0])
    assert sorted(drawn) == sorted(G)
    for v, (colour, _) in drawn.items():
        assert _same_colour(colour, plots.PALETTE["core" if v in core else "periphery"])
    # node area grows with coreness
    order = coreness.sort_values().index
    sizes = [drawn[v][1] for v in order]
    assert sizes == sorted(sizes) and sizes[-1] > 2 * sizes[0]


def test_network_marks_departments_by_shape_with_a_legend(wave):
    G, core, coreness = wave
    names = {"Børn og Unge": "Children and Young People"}
    ax = plots.network(G, core, coreness, seed=5, labels={"core": "Kerne", "periphery": "Periferi"},
                       department_labels=names)
    departments = sorted({d for _, d in G.nodes(data="department")})
    collections = _node_collections(ax)
    by_department = {pc.get_gid().split(":")[1]: pc for pc in collections}
    assert sorted(by_department) == departments
    markers = {d: pc.get_paths()[0].vertices.shape for d, pc in by_department.items()}
    assert len(set(markers.values())) == len(departments)  # different shapes
    legend_texts = [t.get_text() for leg in ax.findobj(matplotlib.legend.Legend) for t in leg.get_texts()]
    expected = [names.get(d, d) for d in departments]
    assert sorted(legend_texts) == sorted(expected + ["Kerne", "Periferi"])


def test_network_shows_no_member_ids(wave):
    G, core, coreness = wave
    ax = plots.network(G, core, coreness, seed=5, arrows=True)
    texts = _all_text(ax.figure)
    assert texts  # legends are there
    assert not any(v in t for v in G for t in texts)


def test_network_drawing_is_deterministic(wave):
    G, core, coreness = wave
    a = plots.network(G, core, coreness, seed=5)
    b = plots.network(G, core, coreness, seed=5)
    for pa, pb in zip(_node_collections(a), _node_collections(b), strict=True):
        assert np.array_equal(pa.get_offsets(), pb.get_offsets())


def test_network_draws_on_a_given_ax(wave):
    G, core, coreness = wave
    fig, axes = plt.subplots(1, 2)
    assert plots.network(G, core, None, seed=1, ax=axes[1], legend=False) is axes[1]
    assert not axes[0].collections


def test_plots_reach_the_analysis_only_through_results():
    import ast
    import inspect

    for module in (plots, interactive):
        imported = {n.module for n in ast.walk(ast.parse(inspect.getsource(module))) if isinstance(n, ast.ImportFrom)}
        assert not [m for m in imported if m and m.startswith("helpers.analysis")], module.__name__
    assert plots.union_graph is network.union_graph


def test_contrasts_grid(wave):
    G, core, _ = wave
    nets = {"wave": G, **contrasting_networks(12, 0.3, [G.nodes[v]["department"] for v in sorted(G)], seed=2)}
    titles = {"groupings": "Adskilte grupper", "hub": "Ét knudepunkt"}
    notes = {"wave": "Forummet", "random": "Uden mønster"}
    axes = plots.contrasts(nets, seed=3, titles=titles, notes=notes, cores={"wave": core})
    assert len(axes) == 5 and len(axes[0].figure.axes) == 5  # no empty slot
    assert [ax.get_title() for ax in axes] == ["", "Adskilte grupper", "Ét knudepunkt", "", ""]
    assert axes[0].get_position().width > 1.5 * axes[1].get_position().width  # the forum drawn large
    for ax, name in zip(axes, nets, strict=True):
        n_drawn = sum(len(pc.get_offsets()) for pc in _node_collections(ax))
        assert n_drawn == 12
    assert [t.get_text() for t in axes[0].texts] == ["Forummet"] and [t.get_text() for t in axes[3].texts] == ["Uden mønster"]
    forum_colours = [c for pc in _node_collections(axes[0]) for c in pc.get_facecolors() for _ in range(
        len(pc.get_offsets()) if len(pc.get_facecolors()) == 1 else 1)]
    assert sum(_same_colour(c, plots.PALETTE["core"]) for c in forum_colours) == len(core)
    assert not any(v in t for v in nets["random"] for t in _all_text(axes[0].figure))


def test_contrasts_needs_one_axes_per_graph(wave):
    nets = contrasting_networks(6, 0.4, list("AABBCC"), seed=2)
    _, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError):
        plots.contrasts(nets, seed=1, axes=axes)


def test_department_heatmap_annotates_each_cell():
    depts = ["A", "B", "C"]
    density = pd.DataFrame([[0.5, 0.25, np.nan], [0.1, 1.0, 0.0], [0.333, 0.2, 0.6]], index=depts, columns=depts)
    counts = pd.DataFrame([[4, 2, 0], [1, 8, 0], [3, 2, 6]], index=depts, columns=depts)
    ax = plots.department_heatmap(density, counts=counts, labels={"A": "Afdeling A"}, xlabel="Nævnt", ylabel="Nævner")
    annotations = [t.get_text() for t in ax.texts]
    assert len(annotations) == 9
    annotations = [a.replace("\xa0", " ") for a in annotations]
    assert "50 %\n(4)" in annotations and "100 %\n(8)" in annotations and "33 %\n(3)" in annotations
    assert "–" in annotations  # the empty cell
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Afdeling A", "B", "C"]
    assert ax.get_xlabel() == "Nævnt" and ax.get_ylabel() == "Nævner"


def test_external_ratings_dots_and_means():
    data = pd.DataFrame(
        [("Regioner", "core", 4), ("Regioner", "core", 3), ("Regioner", "core", 3), ("Regioner", "periphery", 2),
         ("Regioner", "periphery", np.nan), ("Borgere", "core", 1), ("Borgere", "periphery", 2),
         ("Borgere", "periphery", 3)],
        columns=["partner_label", "group", "rating"],
    )
    ax = plots.external_ratings(data, labels={"core": "Kerne", "periphery": "Periferi", "mean": "Gennemsnit"},
                                scale={1: "Slet ikke", 2: "Lidt", 3: "Noget", 4: "Meget"})
    dots = _node_collections(ax)
    assert sum(len(pc.get_offsets()) for pc in dots) == 7  # the missing rating is left out
    # each group's dots are in its colour, and sit at the ratings given
    for pc in dots:
        assert any(_same_colour(pc.get_facecolors()[0], plots.PALETTE[g]) for g in ("core", "periphery"))
    means = sorted(round(line.get_ydata()[0], 6) for line in ax.lines)
    expected = sorted(data.dropna().groupby(["partner_label", "group"])["rating"].mean().round(6))
    assert means == expected
    texts = [t.get_text() for t in ax.texts]
    assert "3.33" in texts and "2.50" in texts
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Regioner", "Borgere"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Slet ikke", "Lidt", "Noget", "Meget"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Kerne", "Periferi", "Gennemsnit"]


def test_external_ratings_places_equal_ratings_side_by_side():
    data = pd.DataFrame({"partner_label": ["X"] * 30, "group": ["core"] * 30, "rating": [2] * 30})
    ax = plots.external_ratings(data)
    xy = np.vstack([pc.get_offsets() for pc in _node_collections(ax)])
    assert len(np.unique(xy, axis=0)) == 30  # no two dots on top of each other
    assert np.all(np.abs(xy[:, 1] - 2) < 0.3)


def test_many_ratings_are_drawn_as_one_image_holding_every_dot(monkeypatch):
    import io

    rng = np.random.default_rng(5)
    n = 700  # members: 3 partner types x 700 = 2,100 dots, some missing
    data = pd.DataFrame([(p, "core" if m < 150 else "periphery", rng.integers(1, 5) if rng.random() > 0.1 else np.nan)
                         for p in ("Regioner", "Borgere", "Stat") for m in range(n)],
                        columns=["partner_label", "group", "rating"])

    def draw(limit):
        monkeypatch.setattr(plots, "RASTERIZE_DOTS", limit)
        ax = plots.external_ratings(data)
        buf = io.StringIO()
        ax.figure.savefig(buf, format="svg")
        dots = _node_collections(ax)
        plt.close("all")
        return dots, buf.getvalue()

    vector_dots, vector = draw(10_000)
    dots, svg = draw(1_000)
    assert not any(pc.get_rasterized() for pc in vector_dots) and "<image" not in vector
    assert all(pc.get_rasterized() for pc in dots)
    # every dot is drawn: the dots of each partner type and group, in drawing order, against pandas' counts
    truth = data.dropna().groupby(["partner_label", "group"], sort=False).size()
    assert [len(pc.get_offsets()) for pc in dots] == truth.tolist()
    # one image for all of them; the SVG a fraction of the vector one
    assert svg.count("<image") == 1
    assert len(svg) < len(vector) / 3, (len(svg), len(vector))


def test_large_stacks_keep_within_their_ratings_band():
    """Thousands of equal ratings: every dot stays nearer its own rating than any other and
    below the means, and the dots of each rating are as many as the ratings (pandas' count)."""
    ratings = [1] * 40 + [2] * 300 + [3] * 2500 + [4] * 900
    data = pd.DataFrame({"partner_label": "X", "group": ["core"] * 200 + ["periphery"] * (len(ratings) - 200),
                         "rating": ratings})
    ax = plots.external_ratings(data, scale={1: "a", 2: "b", 3: "c", 4: "d"})
    dots = _node_collections(ax)
    means_row = min(t.get_position()[1] for t in ax.texts)
    for pc, (group, sub) in zip(dots, data.groupby("group", sort=False), strict=True):
        xy = pc.get_offsets()
        assert len(np.unique(xy, axis=0)) == len(xy) == len(sub)  # all drawn, none on another
        assert np.all(np.abs(xy[:, 1] - np.round(xy[:, 1])) < 0.45) and xy[:, 1].max() < means_row - 0.1
        drawn = pd.Series(np.round(xy[:, 1]).astype(int)).value_counts().sort_index()
        assert drawn.to_dict() == sub["rating"].value_counts().sort_index().to_dict()
    plt.close("all")


def test_transition_bars_are_as_tall_as_each_waves_groups():
    from matplotlib.patches import Rectangle

    t = pd.DataFrame({"from": ["core", "core", "periphery", "periphery"],
                      "to": ["core", "periphery", "core", "periphery"], "n_members": [9, 3, 1, 20]})
    ax = plots.core_transitions(t, titles=("then", "now"))
    bars = sorted((round(r.get_x(), 2), round(r.get_height(), 6)) for r in ax.patches if isinstance(r, Rectangle))
    # left: core 9 + 3 = 12, periphery 1 + 20 = 21; right: core 9 + 1 = 10, periphery 3 + 20 = 23
    assert bars == [(-0.06, 12), (-0.06, 21), (0.94, 10), (0.94, 23)]
    assert len(ax.collections) == 4  # one band per non-empty move
    widths = []
    for band in ax.collections:  # each band is as wide as its move at both ends
        v = band.get_paths()[0].vertices
        ends = [np.ptp(v[np.isclose(v[:, 0], x), 1]) for x in (v[:, 0].min(), v[:, 0].max())]
        assert ends[0] == pytest.approx(ends[1])
        widths.append(round(ends[0], 6))
    assert sorted(widths) == [1, 3, 9, 20]


def test_an_empty_move_draws_no_band():
    t = pd.DataFrame({"from": ["core", "core", "periphery", "periphery"],
                      "to": ["core", "periphery", "core", "periphery"], "n_members": [5, 0, 0, 7]})
    ax = plots.core_transitions(t)
    assert len(ax.collections) == 2
    assert "0" not in [x.get_text() for x in ax.texts]
    plt.close("all")


def test_change_heatmap_is_symmetric_and_labelled_in_points():
    m = pd.DataFrame([[0.08, -0.02], [np.nan, 0.0]], index=["A", "B"], columns=["A", "B"])
    ax = plots.density_change_heatmap(m)
    mesh = ax.collections[0]
    assert mesh.norm.vmin == -mesh.norm.vmax == pytest.approx(-0.08)
    labels = [t.get_text() for t in mesh.colorbar.ax.get_yticklabels()]
    assert "0" in labels and all(x == "0" or x[0] in "+−" for x in labels)
    plt.close("all")


def test_many_ties_are_drawn_as_one_image_in_svg():
    import io as _io

    G = nx.relabel_nodes(nx.gnm_random_graph(300, 3000, seed=1), lambda i: f"m{i:03d}")
    nx.set_node_attributes(G, "A", "department")
    small = nx.relabel_nodes(nx.cycle_graph(30), lambda i: f"m{i:02d}")
    nx.set_node_attributes(small, "A", "department")
    sizes = {}
    for name, graph in (("large", G), ("small", small)):
        ax = plots.network(graph, [], seed=1)
        buf = _io.BytesIO()
        ax.figure.savefig(buf, format="svg")
        plt.close(ax.figure)
        sizes[name] = buf.getvalue()
    assert b"<image" in sizes["large"] and b"<image" not in sizes["small"]
    assert len(sizes["large"]) < 1_500_000


def test_department_names_with_dollars_are_drawn_literally(wave):
    G, core, coreness = wave
    nx.set_node_attributes(G, {v: "Beta $$ Gamma $$" for v in list(G)[:6]}, "department")
    fig, ax = plt.subplots()
    plots.network(G, core=core, coreness=coreness, ax=ax, seed=1)
    fig.canvas.draw()  # a mathtext ParseException before the names were escaped
    assert "Beta $$ Gamma $$" in [t.get_text().replace("\\$", "$") for t in fig.findobj(Text)]
    values = pd.DataFrame([[0.5, 0.2], [0.1, 0.4]], index=["Beta $$ Gamma $$", "Alfa"],
                          columns=["Beta $$ Gamma $$", "Alfa"])
    ax2 = plots.department_heatmap(values)
    ax2.figure.canvas.draw()


def test_many_departments_are_coloured_without_figures():
    # 30 x 30 figures do not fit a cell: the colours carry the table, empty cells keep their dash
    names = [f"D{i:02d}" for i in range(30)]
    values = pd.DataFrame(np.full((30, 30), 0.5), index=names, columns=names)
    values.iloc[0, 1] = np.nan
    values.iloc[2, 3] = 0.52
    ax = plots.department_heatmap(values)
    texts = [t.get_text() for t in ax.texts if t.get_text()]
    clim = ax.collections[0].get_clim()
    plt.close("all")
    assert texts == ["–"]
    assert clim == (0, pytest.approx(0.55))  # the scale ends at the highest density, rounded up to 5 points
    small = values.iloc[:3, :3]
    ax = plots.department_heatmap(small)
    assert sum(1 for t in ax.texts if t.get_text() not in ("", "–")) == 8
    plt.close("all")


def test_many_ties_are_drawn_as_one_image_holding_every_tie():
    from matplotlib.path import Path

    G = nx.gnm_random_graph(300, 2600, seed=2, directed=True)
    H = G.to_undirected()  # networkx's own union, the truth for what is drawn
    pos = {v: np.array([math.cos(v), math.sin(v)]) for v in G}
    _, ax = plt.subplots()
    ties = plots._draw_ties(ax, G, pos, arrows=False, sizes={v: 1 for v in G}, width=0.2)
    assert ties.get_rasterized()
    drawn = set()
    for path in ties.get_paths():
        starts = path.vertices[path.codes == Path.MOVETO]
        ends = path.vertices[path.codes == Path.LINETO]
        for a, b in zip(starts, ends, strict=True):
            u = min(pos, key=lambda v: np.abs(pos[v] - a).sum())
            w = min(pos, key=lambda v: np.abs(pos[v] - b).sum())
            drawn.add(frozenset((u, w)))
    plt.close("all")
    assert drawn == {frozenset(e) for e in H.edges()}


def test_a_network_of_thousands_explains_no_shapes_it_does_not_draw():
    # above RASTERIZE_NODES members every point is a circle: the legend names core and periphery only
    import matplotlib.legend

    n = plots.RASTERIZE_NODES + 10
    G = nx.DiGraph()
    G.add_nodes_from((f"m{i:05d}", {"department": f"D{i % 40:02d}"}) for i in range(n))
    G.add_edges_from((f"m{i:05d}", f"m{(i * 7 + 1) % n:05d}") for i in range(n))
    core = {f"m{i:05d}" for i in range(50)}
    pos = {v: np.array([np.cos(i), np.sin(i)]) for i, v in enumerate(sorted(G))}
    ax = plots.network(G, core, seed=1, positions=pos)
    markers = {pc.get_paths()[0].vertices.shape for pc in ax.collections if (pc.get_gid() or "").startswith("department")}
    assert len(markers) == 1  # one shape for everybody
    texts = [t.get_text() for leg in ax.findobj(matplotlib.legend.Legend) for t in leg.get_texts()]
    assert sorted(texts) == ["Core", "Periphery"]
    assert sum(len(pc.get_offsets()) for pc in ax.collections if (pc.get_gid() or "").startswith("department")) == n
