"""Pictures of the handout for the README: docs/handout-page-1.png (cover and summary),
docs/handout-page-3.png (Figure 1) and docs/table-card-2.png (the table card's back page).

Rasterises pages of the Danish handout PDF and its table card with ``pdftoppm`` (Debian package
poppler-utils) at about 800 pixels wide, draws a thin grey frame so the white page stands
out, and stores each as a palette PNG (Pillow, which matplotlib brings) to keep it small.
The same PDF gives the same pictures.

    make handout
    .venv/bin/python docs/make_screenshots.py

Options: ``--pdf`` another handout PDF, ``--pages`` which pages (default ``1,3``),
``--card`` the table card's PDF and ``--card-pages`` its pages (default ``2``, the back),
``--width`` pixels (default 800), ``--out`` the folder (default: this one).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

HERE = Path(__file__).resolve().parent
DEFAULT_PDF = HERE.parent / "build" / "2019-02" / "handout" / "handout-da.pdf"
DEFAULT_CARD = DEFAULT_PDF.with_name("table-card-da.pdf")
FRAME = (204, 204, 204)


def rasterise(pdf: Path, page: int, width: int, work: Path) -> Image.Image:
    """One page of ``pdf`` as an RGB image ``width`` pixels wide."""
    stem = work / f"page-{page}"
    subprocess.run(["pdftoppm", "-png", "-f", str(page), "-l", str(page), "-singlefile",
                    "-scale-to-x", str(width - 2), "-scale-to-y", "-1", str(pdf), str(stem)],
                   check=True, capture_output=True)
    with Image.open(f"{stem}.png") as image:
        return image.convert("RGB")


def small_png(image: Image.Image, target: Path, colours: int = 128) -> Path:
    """Save ``image`` with a one-pixel frame as an optimised palette PNG."""
    framed = ImageOps.expand(image, border=1, fill=FRAME)
    framed.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        target, optimize=True)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdf", type=Path, default=DEFAULT_PDF, help="the handout PDF (default: %(default)s)")
    parser.add_argument("--pages", default="1,3", help="pages to picture, comma-separated (default: %(default)s)")
    parser.add_argument("--card", type=Path, default=DEFAULT_CARD, help="the table card PDF (default: %(default)s)")
    parser.add_argument("--card-pages", default="2", help="the card's pages to picture (default: %(default)s)")
    parser.add_argument("--width", type=int, default=800, help="width in pixels (default: 800)")
    parser.add_argument("--out", type=Path, default=HERE, help="folder of the PNG files (default: docs/)")
    args = parser.parse_args(argv)
    if shutil.which("pdftoppm") is None:
        parser.exit(1, "pdftoppm not found: install poppler-utils (.ci/install-test-deps does)\n")
    for pdf in (args.pdf, args.card):
        if not pdf.is_file():
            parser.exit(1, f"{pdf} not found: run `make handout` first, or pass --pdf / --card\n")
    args.out.mkdir(parents=True, exist_ok=True)
    wanted = [(args.pdf, "handout-page", args.pages), (args.card, "table-card", args.card_pages)]
    with tempfile.TemporaryDirectory() as work:
        for pdf, stem, pages in wanted:
            for page in (int(p) for p in str(pages).split(",") if p.strip()):
                target = args.out / f"{stem}-{page}.png"
                small_png(rasterise(pdf, page, args.width, Path(work)), target)
                print(f"{target} ({target.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
