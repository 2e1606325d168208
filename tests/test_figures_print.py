"""Figures as printed: the example handout's PDF pages rasterised, as a black-and-white copier sees them.

Core and periphery markers are found on a colour rendering of the page by their colour,
then their grey is read from the same page rendered in grey by ``pdftoppm -gray`` (what a
copier prints): the two greys must differ by a clear margin.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import matplotlib.colors as mcolors
import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from helpers.handout import plots

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler) is not installed")]

#: Two greys (0 black .. 255 white) a copier keeps apart.
CLEAR_MARGIN = 60


def page_of(pdf, pattern: str) -> int:
    """The 1-based number of the first page whose text matches ``pattern``."""
    for number, page in enumerate(PdfReader(pdf).pages, start=1):
        if re.search(pattern, page.extract_text() or ""):
            return number
    raise AssertionError(f"no page of {pdf.name} matches {pattern!r}")


def rasterise(pdf, page: int, tmp_path, *, gray: bool) -> np.ndarray:
    stem = tmp_path / ("gray" if gray else "colour")
    subprocess.run(["pdftoppm", "-r", "110", "-f", str(page), "-l", str(page), "-singlefile",
                    *(["-gray"] if gray else []), "-png", str(pdf), str(stem)], check=True)
    image = Image.open(f"{stem}.png")
    return np.asarray(image.convert("L" if gray else "RGB"), dtype=float)


def pixels_of(colour_page: np.ndarray, colour: str, tolerance: float = 18) -> np.ndarray:
    target = np.array(mcolors.to_rgb(colour)) * 255
    return np.linalg.norm(colour_page - target, axis=2) < tolerance


@pytest.mark.parametrize("lang, caption", [("da", r"Figur\s*1:"), ("en", r"Figure\s*1:"), ("da", r"Figur\s*4:")])
def test_core_and_periphery_are_different_greys_in_print(example_run, lang, caption, tmp_path):
    pdf = example_run[1][f"{lang}.pdf"]
    page = page_of(pdf, caption)
    colour, grey = rasterise(pdf, page, tmp_path, gray=False), rasterise(pdf, page, tmp_path, gray=True)
    assert colour.shape[:2] == grey.shape
    core = pixels_of(colour, plots.group_style("core")["facecolor"])
    periphery = pixels_of(colour, plots.group_style("periphery")["facecolor"])
    assert core.sum() > 200 and periphery.sum() > 200  # both groups are on the page, drawn large enough
    core_grey, periphery_grey = np.median(grey[core]), np.median(grey[periphery])
    assert periphery_grey - core_grey > CLEAR_MARGIN, (core_grey, periphery_grey)


def test_the_old_colours_would_fail(tmp_path):
    """The check can fail: the old red #CC3311 and blue #0077BB print as nearly the same grey."""
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1))
    ax.add_patch(plt.Rectangle((0, 0), 0.5, 1, color="#CC3311"))
    ax.add_patch(plt.Rectangle((0.5, 0), 0.5, 1, color="#0077BB"))
    ax.set_axis_off()
    fig.savefig(tmp_path / "old.pdf")
    plt.close(fig)
    colour = rasterise(tmp_path / "old.pdf", 1, tmp_path, gray=False)
    grey = rasterise(tmp_path / "old.pdf", 1, tmp_path, gray=True)
    red, blue = pixels_of(colour, "#CC3311"), pixels_of(colour, "#0077BB")
    assert red.sum() > 200 and blue.sum() > 200
    assert abs(np.median(grey[red]) - np.median(grey[blue])) < CLEAR_MARGIN / 3


@pytest.mark.parametrize("lang", ["da", "en"])
def test_figure_2_statistics_share_one_density_the_forums_own(example_run, lang):
    """The method appendix's table of Figure 2: one denominator, so the same ties give the same
    density, the forum's density as the text gives it (ties over respondents x (members - 1))."""
    from helpers.handout.context import Context
    from helpers.handout.sections import contrasts

    ctx = Context(example_run[2], lang, 20190222)
    table = contrasts.statistics(ctx)
    rows = [line.split("|")[1:-1] for line in table.splitlines() if line.startswith("|")][2:]
    assert len(rows) == 5  # the forum and four constructed examples
    summary = ctx.summary
    expected = ctx.pct(summary["density"])  # the network step's density, which the text prints
    assert {row[2].strip() for row in rows} == {str(expected)}
    assert {row[1].strip() for row in rows} == {str(ctx.n(summary["ties"]))}
    assert "pasform" not in table.lower()
