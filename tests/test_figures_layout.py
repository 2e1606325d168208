"""Figures that show their point: the core inside Figure 1, positions kept between waves,
department shapes told apart, Figure 2's constructed networks what their notes claim, and
core and periphery apart in grey.

Each test compares with a truth computed independently of the code under test: a planted
core, shapes compared pixel by pixel, modularity computed by networkx, luminance by the
CIE formula.
"""

from __future__ import annotations

import itertools
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.transforms as mtransforms  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.markers import MarkerStyle  # noqa: E402

from conftest import ROOT  # noqa: E402
from helpers.analysis.contrasts import contrasting_networks  # noqa: E402
from helpers.handout import plots  # noqa: E402
from helpers.results.layout import positions_from_table, radial_positions  # noqa: E402
from helpers.results.structure import Structure  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def planted_core_periphery(n_core=6, n_periphery=18, seed=4) -> tuple[nx.DiGraph, set]:
    """A core tied both ways to each other and each periphery member to a few core members;
    a handful of periphery-periphery ties as noise."""
    rng = np.random.default_rng(seed)
    core = [f"c{i:02d}" for i in range(n_core)]
    periphery = [f"p{i:02d}" for i in range(n_periphery)]
    G = nx.DiGraph()
    for i, v in enumerate(core + periphery):
        G.add_node(v, department="ABC"[i % 3], answered=True, role="chief", gender="female")
    G.add_edges_from(itertools.permutations(core, 2))
    for v in periphery:
        for u in rng.choice(core, size=2, replace=False):
            G.add_edge(v, str(u))
            G.add_edge(str(u), v)
    for _ in range(4):
        a, b = rng.choice(periphery, size=2, replace=False)
        G.add_edge(str(a), str(b))
    return G, set(core)


def radius(pos, members):
    return np.array([np.hypot(*pos[v]) for v in members])


# -- Figure 1: the core inside --------------------------------------------------------------


def test_the_saved_layout_puts_the_planted_core_inside():
    G, planted = planted_core_periphery()
    structure = Structure.compute(G, seed=3, n_samples=19, n_networks=9)
    assert set(structure.core) == planted  # the analysis finds the planted core
    pos = positions_from_table(structure.layout)
    assert sorted(pos) == sorted(G)
    inside, outside = radius(pos, planted), radius(pos, set(G) - planted)
    assert inside.mean() < 0.5 * outside.mean()
    assert inside.max() < outside.min()  # every core member nearer the centre than any periphery member


def test_higher_coreness_sits_nearer_the_centre():
    G, planted = planted_core_periphery()
    coreness = pd.Series({v: (2.0 if v in planted else 1.0) + G.degree(v) / 100 for v in G})
    pos = radial_positions(G, planted, coreness, seed=1)
    for group in (planted, set(G) - planted):
        order = sorted(group, key=lambda v: coreness[v])
        r = radius(pos, order)
        assert all(a >= b - 1e-12 for a, b in zip(r, r[1:], strict=False))  # coreness up -> radius down


def test_layout_is_the_same_for_the_same_seed_and_changes_with_it():
    G, planted = planted_core_periphery()
    a, b = radial_positions(G, planted, seed=7), radial_positions(G, planted, seed=7)
    assert all(np.array_equal(a[v], b[v]) for v in G)
    c = radial_positions(G, planted, seed=8)
    assert any(not np.allclose(a[v], c[v]) for v in G)


def test_figure_1_draws_the_saved_positions():
    G, planted = planted_core_periphery()
    pos = {v: np.array([i / 10, -i / 20]) for i, v in enumerate(sorted(G))}
    ax = plots.network(G, planted, seed=1, positions=pos)
    drawn = np.concatenate([pc.get_offsets() for pc in ax.collections if pc.get_gid()])
    assert sorted(map(tuple, drawn.round(6))) == sorted(tuple(p.round(6)) for p in pos.values())
    with pytest.raises(ValueError, match="no position"):
        plots.network(G, planted, seed=1, positions={v: p for v, p in list(pos.items())[1:]})


def test_the_example_wave_has_its_core_inside(tmp_path):
    from helpers.analysis.coreperiphery import coreness as coreness_of
    from helpers.analysis.coreperiphery import partition
    from helpers.ingest.wave import load_wave
    from helpers.results.tidy import Tidy

    G = Tidy.compute(load_wave(ROOT / "data" / "example" / "2019-02")).graph
    split = partition(G, seed=20190222)  # the analysis's own core, not the layout's
    pos = radial_positions(G, split.core, coreness_of(G, seed=20190222), seed=20190222)
    inside, outside = radius(pos, split.core), radius(pos, set(G) - set(split.core))
    assert len(inside) >= 5 and len(outside) >= 5
    assert inside.mean() < 0.5 * outside.mean()


@pytest.mark.parametrize("directed", [True, False])
def test_tie_pairs_are_the_union_graphs_edges(directed):
    from helpers.analysis.network import union_graph
    from helpers.results.layout import tie_pairs

    G = nx.gnp_random_graph(60, 0.08, seed=5, directed=directed)
    G = nx.relabel_nodes(G, {i: f"m{(i * 37) % 60:02d}" for i in G})  # ids not in index order
    G.add_edge("m03", "m03")  # a loop is no pair
    nodes = sorted(G)
    H = union_graph(G) if directed else G
    expected = sorted((nodes.index(min(e)), nodes.index(max(e))) for e in H.edges() if e[0] != e[1])
    assert list(map(tuple, tie_pairs(G).tolist())) == expected
    order = nodes[::-1]  # another node order: indices into it
    got = sorted(tuple(sorted((order[i], order[j]))) for i, j in tie_pairs(G, order).tolist())
    assert got == sorted((min(e), max(e)) for e in H.edges() if e[0] != e[1])


# -- positions kept between waves -------------------------------------------------------------


def test_continuing_members_keep_their_direction_and_move_only_with_their_place():
    G1, planted = planted_core_periphery(seed=4)
    coreness1 = pd.Series({v: G1.degree(v) for v in G1}, dtype=float)
    first = radial_positions(G1, planted, coreness1, seed=2)
    # a year later: one periphery member left, one joined, some ties changed, the coreness too
    G2 = G1.copy()
    G2.remove_node("p17")
    G2.add_node("n01", department="B", answered=True)
    G2.add_edges_from([("n01", "c00"), ("c00", "n01"), ("n01", "p03")])
    G2.remove_edges_from([("p00", "c00"), ("c00", "p00")])
    coreness2 = pd.Series({v: G2.degree(v) for v in G2}, dtype=float)
    second = radial_positions(G2, planted, coreness2, seed=99, previous=first)  # another seed: still kept
    both = sorted(set(G1) & set(G2))
    for v in both:
        angle1, angle2 = math.atan2(first[v][1], first[v][0]), math.atan2(second[v][1], second[v][0])
        assert abs(math.remainder(angle1 - angle2, 2 * math.pi)) < 1e-9, v
        assert np.linalg.norm(first[v] - second[v]) < 0.45  # within its band: core or periphery unchanged
    moved = np.mean([np.linalg.norm(first[v] - second[v]) for v in both])
    fresh = radial_positions(G2, planted, coreness2, seed=99)
    moved_fresh = np.mean([np.linalg.norm(first[v] - fresh[v]) for v in both])
    assert moved < moved_fresh / 3
    # the newcomer sits in its neighbours' direction, not on top of anybody
    assert min(np.linalg.norm(second["n01"] - second[v]) for v in both) > 0.03


def test_a_member_who_joins_the_core_moves_inwards_along_the_same_direction():
    G, planted = planted_core_periphery()
    first = radial_positions(G, planted, seed=2)
    second = radial_positions(G, planted | {"p05"}, seed=2, previous=first)
    assert np.hypot(*second["p05"]) < np.hypot(*first["p05"])
    assert np.allclose(second["p05"] / np.hypot(*second["p05"]), first["p05"] / np.hypot(*first["p05"]))


# -- department shapes -----------------------------------------------------------------------


def _silhouette(marker: str, angle: float = 0.0, n: int = 161) -> np.ndarray:
    """The marker's filled outline on a grid, centred on its centroid, scaled to unit area, turned."""
    style = MarkerStyle(marker)
    path = style.get_path().transformed(style.get_transform())
    grid = np.linspace(-1.3, 1.3, n)
    X, Y = np.meshgrid(grid, grid)
    points = np.c_[X.ravel(), Y.ravel()]
    inside = path.contains_points(points)
    centre, area = points[inside].mean(axis=0), inside.mean() * 2.6 ** 2
    placed = mtransforms.Affine2D().translate(*-centre).scale(1 / math.sqrt(area)).rotate(angle)
    return path.transformed(placed).contains_points(points)


def _overlap(a: str, b: str) -> float:
    """The largest share two markers' outlines have in common (intersection over union), over turns."""
    first = _silhouette(a)
    return max(((first & (s := _silhouette(b, t))).sum() / (first | s).sum())
               for t in np.linspace(0, 2 * math.pi, 48, endpoint=False))


#: Outlines that overlap this much are confused at print size: a circle and a pentagon (0.90),
#: an up and a down triangle, a square and a diamond (1.0, turned).
CONFUSED = 0.85


def test_the_measure_flags_the_shapes_the_issue_names():
    assert _overlap("o", "p") > CONFUSED and _overlap("^", "v") > CONFUSED and _overlap("s", "D") > CONFUSED


def test_the_first_six_department_shapes_are_distinct_at_print_size():
    shapes = plots.department_markers([f"d{i}" for i in range(6)]).values()
    for a, b in itertools.combinations(shapes, 2):
        assert _overlap(a, b) < CONFUSED, (a, b)


# -- core and periphery in grey --------------------------------------------------------------


def lightness(colour) -> float:
    """CIELAB lightness L* (0 black .. 100 white) of an sRGB colour."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in mcolors.to_rgb(colour)]
    Y = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 116 * Y ** (1 / 3) - 16 if Y > 0.008856 else 903.3 * Y


def test_core_and_periphery_fills_differ_in_lightness():
    core, periphery = plots.group_style("core"), plots.group_style("periphery")
    assert lightness(periphery["facecolor"]) - lightness(core["facecolor"]) > 30
    assert lightness(periphery["edgecolor"]) < lightness(periphery["facecolor"]) - 20  # the outline shows
    assert lightness("#CC3311") - lightness("#0077BB") < 3  # the old pair: the same grey (the issue)


def test_the_change_scale_does_not_use_core_or_periphery_colours():
    cmap = plt.get_cmap(plots.PALETTE["change"])
    for end in (cmap(0.0), cmap(1.0)):
        r, g, b, _ = end
        assert not (r > 1.5 * b and r > 1.5 * g)  # not red
        assert not (b > 1.5 * r and b > 1.2 * g)  # not blue
    assert abs(lightness(cmap(0.0)) - lightness(cmap(1.0))) < 25 and lightness(cmap(0.5)) > 90


# -- Figure 2: the constructed networks are what they claim ----------------------------------


@pytest.fixture(scope="module")
def constructed():
    departments = [d for d in "ABCDEF" for _ in range(6)] + list("ABCD")
    return contrasting_networks(40, None, departments, seed=5, n_edges=611)


def test_separate_groups_are_separate_and_the_random_network_is_not(constructed):
    groups = nx.Graph(constructed["groupings"].to_undirected())
    parts = list(nx.connected_components(groups))
    assert len(parts) >= 2 or nx.community.modularity(
        groups, nx.community.greedy_modularity_communities(groups)) > 0.3
    best = {k: nx.community.modularity(nx.Graph(g.to_undirected()),
                                       nx.community.greedy_modularity_communities(nx.Graph(g.to_undirected())))
            for k, g in constructed.items()}
    assert best["groupings"] > 0.4 and best["groupings"] > best["random"] + 0.3


def test_the_hub_is_tied_to_everybody(constructed):
    hub = constructed["hub"].to_undirected()
    assert any(hub.degree(v) == hub.number_of_nodes() - 1 for v in hub)
    pos, core = plots.stylised_layout("hub", constructed["hub"], seed=1)
    centre = min(pos, key=lambda v: np.hypot(*pos[v]))
    assert hub.degree(centre) == hub.number_of_nodes() - 1 and np.hypot(*pos[centre]) == 0


def test_the_core_periphery_network_has_its_planted_core_drawn_inside(constructed):
    cp = constructed["core_periphery"]
    planted = {v for v, c in cp.nodes(data="planted_core") if c}
    pos, core = plots.stylised_layout("core_periphery", cp, seed=1)
    assert core == planted
    assert radius(pos, planted).max() < radius(pos, set(cp) - planted).min()
    periphery = set(cp) - planted
    assert not any(u in periphery and v in periphery for u, v in cp.edges())


def test_groups_are_drawn_as_separate_clusters(constructed):
    g = constructed["groupings"]
    pos, _ = plots.stylised_layout("groupings", g, seed=1)
    parts = [sorted(c) for c in nx.connected_components(g.to_undirected())]
    within = max(np.linalg.norm(pos[u] - pos[v]) for part in parts for u, v in itertools.combinations(part, 2))
    across = min(np.linalg.norm(pos[u] - pos[v]) for a, b in itertools.combinations(parts, 2) for u in a for v in b)
    assert across > 0 and within < 2.5 * across or len(parts) == 1


def test_figure_2_has_a_panel_for_the_forum_and_each_example_and_no_empty_slot(constructed):
    G, planted = planted_core_periphery(n_core=8, n_periphery=32)
    axes = plots.contrasts({"wave": G, **constructed}, seed=1, cores={"wave": planted},
                           notes={k: k for k in ("wave", *constructed)})
    fig = axes[0].figure
    assert len(fig.axes) == len(axes) == 1 + len(constructed)
    assert all(any(pc.get_offsets().size for pc in ax.collections) for ax in fig.axes)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_figure_2_panel_texts_do_not_run_into_each_other(lang, constructed):
    """The panels' one-line notes and titles, in the catalogue's words and the handout's
    typeface, each keep to their own box (they overlapped when the typeface got wider)."""
    from matplotlib.transforms import Bbox

    from helpers import settings
    from helpers.handout.catalogue import text

    t = text(lang)
    G, planted = planted_core_periphery(n_core=8, n_periphery=32)
    names = ("wave", *constructed)
    with plt.rc_context(settings.matplotlib_rc(settings.read_quarto_config())):
        axes = plots.contrasts({"wave": G, **constructed}, seed=1, cores={"wave": planted},
                               titles={k: t(f"figure2.titles.{k}") for k in names},
                               notes={k: t(f"figure2.notes.{k}") for k in names})
        fig = axes[0].figure
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        boxes = [(x.get_text(), x.get_window_extent(renderer)) for ax in fig.axes
                 for x in [*ax.texts, ax.title] if x.get_text().strip()]
    assert len(boxes) >= 2 * len(names)
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not Bbox.intersection(box_a, box_b), (a, b)


@pytest.mark.parametrize("lang, word", [("da", "fire"), ("en", "four")])
def test_figure_2_caption_counts_the_examples_drawn(lang, word, constructed):
    from helpers.handout.catalogue import text

    caption = text(lang)("figure2.caption")
    assert f"{word} " in caption.lower()
    assert len(constructed) == 4
    assert "pasform" not in caption.lower() and "modularit" not in caption.lower()


def test_every_department_shape_covers_as_much_paper_as_a_circle():
    """Counted in pixels: a star at the same size as a circle would cover a third of it."""
    def inked(marker: str) -> int:
        fig = plt.figure(figsize=(1, 1), dpi=200)
        ax = fig.add_axes([0, 0, 1, 1])
        ax.scatter([0], [0], s=2000 * plots.marker_scale(marker), marker=marker, c="black", linewidths=0)
        ax.set_xlim(-1, 1)
        ax.set_ylim(-1, 1)
        ax.set_axis_off()
        fig.canvas.draw()
        pixels = np.asarray(fig.canvas.buffer_rgba())[..., 0] < 128
        plt.close(fig)
        return int(pixels.sum())

    circle = inked("o")
    for marker in plots.MARKERS[:6]:
        assert abs(inked(marker) - circle) < 0.06 * circle, marker


def test_a_compared_wave_says_that_members_keep_their_places():
    from types import SimpleNamespace

    from helpers.handout.sections import network as section

    G, _ = planted_core_periphery()

    def ctx(comparison, graph=G, thin=False):
        return SimpleNamespace(thin=thin, graph=graph, comparison=comparison, heading=lambda key: f"## {key}",
                               t=lambda key: f"<{key}>")

    kept = SimpleNamespace(compare_layout=pd.DataFrame({"member_id": ["c00"], "x": [0.1], "y": [0.0]}))
    from helpers.handout.context import typst_block

    assert section.heading(ctx(kept)) == "## figure1.heading\n\n" + typst_block("<figure1.kept>", "sticky: true, breakable: false")
    assert section.heading(ctx(None)) == "## figure1.heading"
    assert section.heading(ctx(SimpleNamespace(compare_layout=None))) == "## figure1.heading"
    assert section.heading(ctx(kept, thin=True)) == "## figure1.heading"
    large = nx.empty_graph(400, create_using=nx.DiGraph)
    assert section.heading(ctx(kept, graph=large)) == "## figure1.heading"  # departments drawn, not members
