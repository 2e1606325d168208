"""Text on the figures: readable on a phone, numbers formatted as the text formats them, one typeface."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from helpers import lang, settings  # noqa: E402
from helpers.handout import plots  # noqa: E402

#: Width of a figure on a 390 px phone screen, in CSS pixels (the page's margins taken off).
PHONE_COLUMN = 360
DEPARTMENTS = ["Borgmesterens Afdeling", "Børn og Unge", "Kultur og Borgerservice",
               "Sociale Forhold og Beskæftigelse", "Sundhed og Omsorg", "Teknik og Miljø"]


@pytest.fixture(autouse=True)
def _handout_rc():
    with plt.rc_context(settings.matplotlib_rc(settings.read_quarto_config())):
        yield
    plt.close("all")


def smallest_text_on_a_phone(fig) -> float:
    """Font size in CSS pixels of the figure's smallest text, the whole figure (as saved,
    cropped to what is drawn) shrunk to the phone's column."""
    fig.canvas.draw()
    width = fig.get_tightbbox(fig.canvas.get_renderer()).width  # inches
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes) / 72 * PHONE_COLUMN / width


def heatmap():
    rng = np.random.default_rng(1)
    density = pd.DataFrame(rng.uniform(0.2, 0.7, (6, 6)), index=DEPARTMENTS, columns=DEPARTMENTS)
    return plots.department_heatmap(density, counts=(density * 30).round(), xlabel="Til", ylabel="Fra",
                                    colorbar_label="Tæthed")


def ratings():
    rng = np.random.default_rng(2)
    partners = ["Andre kommuner", "Regioner", "Ministerier og styrelser", "Virksomheder/erhvervsliv",
                "Interesseorganisationer", "Uddannelsesinstitutioner", "Borgere"]
    rows = [(p, g, int(rng.integers(1, 5))) for p in partners for g in ("core", "periphery") for _ in range(12)]
    data = pd.DataFrame(rows, columns=["partner_label", "group", "rating"])
    return plots.external_ratings(data, scale={1: "Slet ikke", 2: "I mindre grad", 3: "I nogen grad", 4: "I høj grad"},
                                  ylabel="Vurdering", mean_format=lambda x: lang.number(x, "da", 2))


@pytest.mark.parametrize("draw", [heatmap, ratings], ids=["figure-3", "figure-4"])
def test_figures_3_and_4_are_readable_on_a_phone(draw):
    ax = draw()
    # 8 px and more reads on a phone; the figures had 8- and 7-point text in 6.5-inch figures (about 6 px)
    assert smallest_text_on_a_phone(ax.figure) >= 8


def test_the_old_sizes_would_fail():
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.text(0, 0, "56 %", fontsize=8)
    ax.set_axis_off()
    assert smallest_text_on_a_phone(fig) < 8


def test_the_density_colour_bar_is_in_percent_as_the_text_writes_it():
    ax = heatmap()
    bar = ax.collections[0].colorbar
    ticks = [t.get_text() for t in bar.ax.get_yticklabels()]
    assert ticks == [lang.percent(x, "da", 0) for x in (0, 0.25, 0.5, 0.75, 1.0)]
    assert not any("." in t or "," in t for t in ticks)  # no "0.0 … 1.0" beside "56 %"
    cells = [t.get_text().split("\n")[0] for t in ax.texts]
    assert all(c.endswith("\u00a0%") for c in cells)


def test_a_half_percent_is_rounded_as_the_text_rounds_it():
    density = pd.DataFrame([[0.925, 0.125]], index=["A"], columns=["A", "B"])
    ax = plots.department_heatmap(density)
    assert [t.get_text() for t in ax.texts] == [lang.percent(0.925, "da", 0), lang.percent(0.125, "da", 0)]


def test_the_change_colour_bar_is_in_signed_points():
    change = pd.DataFrame([[0.12, -0.05], [0.0, 0.3]], index=["A", "B"], columns=["A", "B"])
    ax = plots.density_change_heatmap(change)
    ticks = [t.get_text() for t in ax.collections[0].colorbar.ax.get_yticklabels() if t.get_text()]
    assert ticks and all(t == "0" or t[0] in "+−" for t in ticks)
    assert not any("." in t for t in ticks)


def test_figures_use_the_texts_typeface():
    """One family in text and figures: the font matplotlib finds for the figures is the
    ``mainfont`` the handout's text is set in (``_quarto.yml``)."""
    config = settings.read_quarto_config()
    rc = settings.matplotlib_rc(config)
    with plt.rc_context(rc):
        path = font_manager.findfont(font_manager.FontProperties(family=rc["font.family"]), fallback_to_default=False)
    assert font_manager.get_font(path).family_name == config["format"]["typst"]["mainfont"]
    assert rc["svg.fonttype"] == "path"  # the HTML draws the glyphs, whatever fonts the reader has


def test_figure_2_prints_no_statistics():
    from helpers.analysis.contrasts import contrasting_networks

    nets = contrasting_networks(12, 0.3, list("AABBCCAABBCC"), seed=2)
    notes = {"groupings": "Relationerne holder sig i hver sin gruppe"}
    axes = plots.contrasts(nets, seed=1, notes=notes)
    text = [" ".join(t.get_text().split()) for t in axes[0].figure.findobj(Text) if t.get_text()]
    assert text == ["Relationerne holder sig i hver sin gruppe"]  # (wrapped to the panel's width)
