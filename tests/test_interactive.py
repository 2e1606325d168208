"""The interactive network view: what it shows, what it never shows, where it goes.

Small forums built by hand; positions and neighbours are checked against values worked
out by hand, the render path against pandoc and Typst themselves.
"""

from __future__ import annotations

import html as htmllib
import re
import subprocess
from types import SimpleNamespace

import matplotlib
import nbformat
import networkx as nx
import pandas as pd
import pypdf
import pytest

from helpers.pipeline import render as rd
from helpers.handout.interactive import NetworkView, network_html, shown_roles, view
from helpers.handout.sections.network import interactive
from helpers.handout.plots import PALETTE, department_markers, network_layout

matplotlib.use("Agg")

IDS = ["P0c4f1a2b", "P1d9e8f7a", "P2ab34cd5", "P3ff00e11"]


def forum() -> nx.DiGraph:
    """Four members in two departments; ties 0->1, 1->0 (mutual), 0->2, 3->2."""
    G = nx.DiGraph()
    for i, (dept, role) in enumerate([("A", "director"), ("A", "chief"), ("B", "chief"), ("B", "chief")]):
        G.add_node(IDS[i], department=dept, role=role, gender="female", answered=True)
    G.add_edges_from([(IDS[0], IDS[1]), (IDS[1], IDS[0]), (IDS[0], IDS[2]), (IDS[3], IDS[2])])
    return G


POSITIONS = {IDS[0]: (0.0, 0.0), IDS[1]: (2.0, 0.0), IDS[2]: (0.0, 1.0), IDS[3]: (2.0, 1.0)}
CORENESS = {IDS[0]: 0.912, IDS[1]: 0.5, IDS[2]: 0.25, IDS[3]: float("nan")}


def points(out: str) -> dict[int, dict]:
    """Per member number: centre (from the touch area), neighbours, fill and tooltip lines."""
    found = {int(i): {"xy": (float(x), float(y))}
             for i, x, y in re.findall(r'<circle data-i="(\d+)" cx="([-\d.]+)" cy="([-\d.]+)"', out)}
    for i, nb, fill, title in re.findall(
            r'data-i="(\d+)" data-nb="([\d ]*)" tabindex="0" role="img" fill="(#\w+)"[^>]*><title>(.*?)</title>', out,
            flags=re.S):
        found[int(i)].update(nb={int(j) for j in nb.split()}, fill=fill, lines=htmllib.unescape(title).split("\n"))
    return found


def test_no_member_id_and_one_point_per_member():
    G = forum()
    out = network_html(G, {IDS[0]}, CORENESS, POSITIONS)
    assert not [m for m in IDS if m in out]
    assert sorted(points(out)) == [0, 1, 2, 3]
    assert out.count("<title>") == 4


def test_positions_keep_the_layout_with_equal_aspect_and_y_up():
    # span 2 (x), margin 0.08 * 2 = 0.16 on each side, so 560 units cover 2.32 layout units;
    # y is flipped: layout y = 1 is at the top.
    s = 560 / 2.32
    expected = {0: (0.16 * s, 1.16 * s), 1: (2.16 * s, 1.16 * s), 2: (0.16 * s, 0.16 * s), 3: (2.16 * s, 0.16 * s)}
    found = points(network_html(forum(), set(), None, POSITIONS))
    for i, (x, y) in expected.items():
        assert found[i]["xy"] == pytest.approx((x, y), abs=0.06)
    assert re.search(r'viewBox="0 0 560 (\d+(\.\d)?)"', network_html(forum(), set(), None, POSITIONS))[1] == \
        f"{1.32 * s:.1f}".rstrip("0").rstrip(".")


def test_neighbours_are_ties_in_either_direction():
    found = points(network_html(forum(), set(), None, POSITIONS, min_group_size=1))
    # members sorted: 0-1 mutual, 0->2, 3->2
    assert [found[i]["nb"] for i in range(4)] == [{1, 2}, {0}, {0, 3}, {2}]
    out = network_html(forum(), set(), None, POSITIONS)
    ties = re.search(r'class="netview-ties" d="([^"]*)"', out)[1]
    assert ties.count("M") == 3  # three pairs, the mutual pair drawn once


def test_core_red_periphery_blue_and_department_shapes():
    G = forum()
    out = network_html(G, {IDS[0], IDS[3]}, CORENESS, POSITIONS, min_group_size=1)
    fills = {i: p["fill"] for i, p in points(out).items()}
    assert fills == {0: PALETTE["core"], 1: PALETTE["periphery"], 2: PALETTE["periphery"], 3: PALETTE["core"]}
    # department A gets the first marker (a circle), B the second (a square path)
    assert department_markers(["A", "B"]) == {"A": "o", "B": "s"}
    assert len(re.findall(r'<circle cx="[^"]*" cy="[^"]*" r="[^"]*" data-i=', out)) == 2
    assert len(re.findall(r'<path transform="translate\([^)]*\)" d="M[^"]*Z" data-i=', out)) == 2


def test_tooltip_lines_and_coreness_in_the_language():
    G = forum()
    labels = {"department": "Magistratsafdeling", "group": "Gruppe", "core": "Kerne", "periphery": "Periferi",
              "coreness": "Kerneværdi", "role": "Stilling", "chief": "chef", "director": "direktør"}
    found = points(network_html(G, {IDS[0]}, CORENESS, POSITIONS, labels=labels, lang="da", min_group_size=1))
    assert found[0]["lines"] == ["Magistratsafdeling: A", "Stilling: direktør", "Gruppe: Kerne", "Kerneværdi: 0,91"]
    assert found[3]["lines"] == ["Magistratsafdeling: B", "Stilling: chef", "Gruppe: Periferi"]  # no coreness
    english = points(network_html(G, {IDS[0]}, CORENESS, POSITIONS, lang="en", min_group_size=1))
    assert english[0]["lines"][-1] == "Coreness: 0.91"


def test_role_left_out_where_it_would_single_somebody_out():
    # Department A: one director and one chief; B: two chiefs. With groups of at least 2,
    # A's roles would point at its director, so nobody in A is shown with a role.
    G = forum()
    assert shown_roles(G, 2) == {"B"}
    found = points(network_html(G, set(), None, POSITIONS, min_group_size=2))
    assert [any(line.startswith("Role:") for line in found[i]["lines"]) for i in range(4)] == [False, False, True, True]
    assert shown_roles(G, 3) == set()


def test_texts_are_escaped():
    out = network_html(forum(), set(), None, POSITIONS, labels={"hint": "<b>x</b> & y", "department": "A<B"},
                       min_group_size=1)
    assert "<b>x</b>" not in out and "&lt;b&gt;x&lt;/b&gt; &amp; y" in out
    assert "A&lt;B: A" in out


def test_same_inputs_same_fragment():
    G = forum()
    assert network_html(G, {IDS[0]}, CORENESS, POSITIONS) == network_html(G.copy(), [IDS[0]], dict(CORENESS),
                                                                             dict(POSITIONS))
    a, b = view(G, {IDS[0]}, CORENESS, seed=3), view(G, {IDS[0]}, CORENESS, seed=3)
    assert a.html == b.html and a.params == {"seed": 3, "lang": "en", "min_group_size": 3, "replaces": None}


def test_display_bundle_and_raw_fence():
    v = NetworkView('<div class="netview">a ``` b</div>', 1)
    bundle = v._repr_mimebundle_()
    assert bundle["text/html"] == v.html
    assert bundle["text/markdown"].startswith("````{=html}\n") and bundle["text/markdown"].endswith("\n````")


def pandoc(markdown: str, to: str) -> str:
    return subprocess.run([str(rd.pandoc_path()), "--from=markdown", f"--to={to}"], input=markdown,
                          capture_output=True, text=True, check=True).stdout


def test_pandoc_passes_the_view_to_html_and_drops_it_from_typst():
    v = view(forum(), {IDS[0]}, CORENESS, seed=1, labels={"hint": "Peg på et punkt"})
    assert '<div class="netview"' in pandoc(v.markdown(), "html5")
    typst = pandoc("Før\n\n" + v.markdown() + "\n\nEfter", "typst")
    assert "Før" in typst and "Efter" in typst
    assert "netview" not in typst and "Peg på et punkt" not in typst and "<svg" not in typst


# ---------------------------------------------------------------------------
# through the handout's render path


def figure_output():
    import matplotlib.pyplot as plt
    from IPython.core.pylabtools import print_figure

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [1, 0, 2], "o-")
    svg = print_figure(fig, fmt="svg")
    plt.close(fig)
    return nbformat.v4.new_output("display_data", data={"image/svg+xml": svg, "text/plain": "<Figure>"})


def view_cell(v: NetworkView):
    cell = nbformat.v4.new_code_cell("interactive.view(...)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={**v._repr_mimebundle_(), "text/plain": repr(v)})]
    return cell


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("render")
    figure = nbformat.v4.new_code_cell('#| label: fig-net\n#| fig-cap: "Relationerne i forummet."\nplot()')
    figure.outputs = [figure_output()]
    labels = {"hint": "Peg på et punkt"}
    inside = view(forum(), {IDS[0]}, CORENESS, seed=1, labels=labels, replaces="fig-net")
    alone = view(forum(), {IDS[0]}, CORENESS, seed=1, labels={"hint": "Står for sig selv"}, replaces="fig-none")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("## Netværket"), figure, view_cell(inside),
                nbformat.v4.new_markdown_cell("Tekst."), view_cell(alone)]
    nbformat.write(nb, tmp / "nb.ipynb")
    return rd.render(tmp / "nb.ipynb", tmp / "out", engine="builtin", lang="da")


def test_view_takes_the_place_of_the_figure_image_in_html(rendered):
    out = rendered["html"].read_text(encoding="utf-8")
    figure = " ".join(re.search(r'<figure id="fig-net".*?</figure>', out, flags=re.S)[0].split())
    assert 'class="netview"' in figure and "Peg på et punkt" in figure
    assert "<img" not in figure
    assert "Figur 1:" in figure and "Relationerne i forummet." in figure
    # a view whose figure does not exist stays where it was, outside any figure
    assert out.count('class="netview"') == 2
    assert "Står for sig selv" in out[out.index("</figure>"):]
    assert not re.search(r"<script[^>]*\bsrc=", out)


def test_pdf_keeps_the_static_figure_and_no_view(rendered):
    reader = pypdf.PdfReader(rendered["pdf"])
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Figur 1: Relationerne i forummet." in text
    assert "Peg på et punkt" not in text and "Står for sig selv" not in text and "Magistrats" not in text
    data = "".join(page.get_contents().get_data().decode("latin-1") for page in reader.pages)
    assert re.search(r"(?<=[\d.\s])c(?=\s)", data)  # the plot's curves: the image is drawn


# ---------------------------------------------------------------------------
# from a handout


class _Text:
    def __call__(self, key: str) -> str:
        return f"<{key}>"


class _Context:
    """What the interactive view of Figure 1 reads from a helpers.handout.context.Context."""

    lang, seed, k, thin = "da", 5, 1, False
    t = _Text()
    graph = forum()
    structure = SimpleNamespace(core=[IDS[3], IDS[0]], coreness=pd.Series(CORENESS))


def test_no_view_when_too_few_answered():
    thin = _Context()
    thin.thin = True
    assert interactive(thin) is None


def test_handout_view_takes_texts_from_the_catalogue_and_the_layout_of_figure_1():
    v = interactive(_Context())
    assert v.params == {"seed": 5, "lang": "da", "min_group_size": 1, "replaces": "fig-network"}
    found = points(v.html)
    assert found[0]["lines"] == ["<labels.department>: A", "<interactive.role>: <labels.director>",
                                 "<labels.group>: <labels.Core>", "<interactive.coreness>: 0,91"]
    assert htmllib.escape("<interactive.hint>", quote=False) in v.html
    figure_1 = network_layout(forum(), seed=5, core={IDS[0], IDS[3]}, coreness=pd.Series(CORENESS))
    assert v.html == network_html(forum(), {IDS[0], IDS[3]}, pd.Series(CORENESS), figure_1, lang="da",
                                  min_group_size=1, replaces="fig-network", labels={
                              "department": "<labels.department>", "group": "<labels.group>",
                              "core": "<labels.Core>", "periphery": "<labels.Periphery>",
                              "director": "<labels.director>", "chief": "<labels.chief>",
                              "role": "<interactive.role>", "coreness": "<interactive.coreness>",
                              "hint": "<interactive.hint>", "aria": "<interactive.aria>",
                              "other": "<labels.other>"})


def test_points_carry_figure_1_cues_fill_and_outline_not_colour_alone():
    """Core and periphery differ as in Figure 1 (filled dark vs light with an outline), so the
    view reads in grey too; the legend's keys are painted the same way."""
    from helpers.handout.plots import group_style

    out = network_html(forum(), {IDS[0], IDS[1]}, CORENESS, POSITIONS, min_group_size=1)
    paints = dict(re.findall(r'data-i="(\d+)" data-nb="[\d ]*" tabindex="0" role="img"'
                             r' (fill="#\w+" stroke="#\w+")', out))
    expected = {g: 'fill="{facecolor}" stroke="{edgecolor}"'.format(**group_style(g)) for g in ("core", "periphery")}
    core_paints = {paints[str(i)] for i in (0, 1)}
    periphery_paints = {paints[str(i)] for i in (2, 3)}
    assert core_paints == {expected["core"]} and periphery_paints == {expected["periphery"]}
    legend = out[out.index('class="netview-legend"'):]
    assert expected["core"] in legend and expected["periphery"] in legend
