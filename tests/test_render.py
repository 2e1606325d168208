"""Tests for helpers.pipeline.render.

Both engines are tested with the same assertions on ``tests/data/render/sample.ipynb``,
executed here with papermill as the pipeline does (the Quarto variant is skipped when
``quarto`` is not on PATH); the built-in engine also on small notebooks built in memory
with nbformat.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pypdf
import pytest
import yaml

from helpers.pipeline import render as rd

from conftest import ENGINES

DATA = Path(__file__).parent / "data" / "render"
SENTENCE = "611 relationer ud af et teoretisk maksimum på 1.443 (42,3 %)"
CAPTION = "Relationer i forummet: kerne rød, periferi blå."
STREAM_TEXT = ("Note: intern besked", "intern advarsel")
CODE_TEXT = ("plt.subplots", "warnings.warn", "display(Markdown", "pd.DataFrame", "#|", "hashsalt")
A4 = (595.28, 841.89)  # points: 210 mm x 297 mm


# ---------------------------------------------------------------------------
# helpers


def squash(text: str) -> str:
    """Collapse whitespace, so line breaks in HTML source or PDF text do not matter."""
    return " ".join(text.split())


def visible_html(html: str) -> str:
    """Text of the HTML body with tags, scripts, styles, inline SVG and data URIs removed."""
    import html as entities

    body = html[html.index("<body") :]
    body = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", body, flags=re.S | re.I)
    body = re.sub(r"<[^>]+>", " ", body)
    return squash(entities.unescape(body).replace("\u00a0", " "))


def pdf_text(path: Path) -> str:
    return squash(" ".join(page.extract_text() for page in pypdf.PdfReader(path).pages))


def pdf_curves(path: Path) -> int:
    """Bezier curve operators in the page contents: vector drawing such as plot markers
    (text is set with fonts and table rules are straight lines)."""
    total = 0
    for page in pypdf.PdfReader(path).pages:
        data = page.get_contents().get_data().decode("latin-1")
        total += len(re.findall(r"(?<=[\d.\s])c(?=\s)", data))
    return total


def external_refs(html: str) -> list[str]:
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", html)
    return [r for r in refs if re.match(r"(https?:)?//", r)]


def markdown_output(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output(
        "display_data",
        data={"text/markdown": text, "text/plain": "<IPython.core.display.Markdown object>"},
    )


def svg_output() -> nbformat.NotebookNode:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from IPython.core.pylabtools import print_figure

    fig, ax = plt.subplots(figsize=(4, 2.5))
    ax.plot([0, 1, 2], [1, 0, 2], "o-")
    svg = print_figure(fig, fmt="svg")
    plt.close(fig)
    return nbformat.v4.new_output(
        "display_data",
        data={"image/svg+xml": svg, "text/plain": "<Figure size 400x250 with 1 Axes>"},
    )


def dataframe_output() -> nbformat.NotebookNode:
    import pandas as pd

    df = pd.DataFrame({"kommuner": [2.86, 2.13]}, index=pd.Index(["kerne", "periferi"]))
    return nbformat.v4.new_output(
        "execute_result",
        data={"text/html": df._repr_html_(), "text/plain": repr(df)},
        execution_count=1,
    )


def code_cell(source: str, *outputs) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = list(outputs)
    return cell


def notebook(*cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python",
    }
    nb.cells = list(cells)
    return nb


def write(nb: nbformat.NotebookNode, path: Path) -> Path:
    nbformat.write(nb, path)
    return path


def render_builtin(nb: nbformat.NotebookNode, tmp_path: Path, **kwargs) -> dict[str, Path]:
    return rd.render(write(nb, tmp_path / "nb.ipynb"), tmp_path / "out", engine="builtin", **kwargs)


# ---------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> Path:
    """sample.ipynb executed with papermill, as the pipeline executes the handout."""
    papermill = pytest.importorskip("papermill")
    out = tmp_path_factory.mktemp("executed") / "handout.ipynb"
    papermill.execute_notebook(
        str(DATA / "sample.ipynb"), str(out), parameters={"lang": "da"},
        kernel_name="python3", progress_bar=False, log_output=False,
    )
    return out


@pytest.fixture(scope="module", params=ENGINES)
def builtin(request, executed, tmp_path_factory) -> dict[str, Path]:
    """The executed sample rendered by each engine (named for the first one)."""
    out = tmp_path_factory.mktemp(request.param) / "handout"
    return rd.render(executed, out, engine=request.param)


def engine_of(rendered: dict[str, Path]) -> str:
    return rendered["html"].parents[1].name.rstrip("0123456789")


# ---------------------------------------------------------------------------
# each engine on a papermill-executed notebook


def test_executed_fixture_has_what_must_be_hidden(executed):
    # The assertions below mean something only if the notebook holds stream output,
    # code and a DataFrame with both representations.
    nb = nbformat.read(executed, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    streams = " ".join(o.text for o in outputs if o.output_type == "stream")
    assert all(text in streams for text in STREAM_TEXT)
    bundles = [o.get("data", {}) for o in outputs]
    assert any("text/html" in data and "text/plain" in data for data in bundles)
    assert any("image/svg+xml" in data for data in bundles)


def test_builtin_writes_one_html_and_one_pdf(builtin):
    out_dir = builtin["html"].parent
    assert set(builtin) == {"html", "pdf"}
    assert sorted(p.name for p in out_dir.iterdir()) == ["handout.html", "handout.pdf"]
    assert not [p for p in out_dir.parent.iterdir() if ".render-" in p.name]


def test_html_is_self_contained(builtin):
    html = builtin["html"].read_text(encoding="utf-8")
    assert external_refs(html) == []
    assert not re.search(r"<link\b(?![^>]*\bhref=\"data:)", html)
    assert not re.search(r"<script[^>]*\bsrc=(?!\"data:)", html)
    assert "@import" not in html  # e.g. a theme's web fonts
    images = re.findall(r"<img[^>]*\bsrc=\"([^\"]*)\"", html)
    assert images and all(src.startswith("data:image/") for src in images)


def test_html_content(builtin):
    html = builtin["html"].read_text(encoding="utf-8")
    text = visible_html(html)
    assert re.search(r'<html [^>]*\blang="da"', html)
    assert re.search(r"<h2[^>]*>Netværkets struktur</h2>", html)
    assert SENTENCE in text
    assert "Drøftelse ved bordene" in text
    # a real table, with the DataFrame's values in cells, under its caption (tbl-cap)
    table = squash(re.search(r"<table.*?</table>", html, flags=re.S).group(0))
    assert re.search(r"<td[^>]*>2\.86</td>", table) and "andre kommuner" in table
    caption = visible_html("<body>" + re.search(r"<caption.*?</caption>|<figcaption.*?</figcaption>",
                                                html[html.index('id="tbl-'):], flags=re.S).group(0))
    assert "Tabel 1:" in caption and "Gennemsnitlig selvvurdering" in caption
    # the figure has its caption, numbered, and the reference points at it
    start = html.index('id="fig-network"')
    figure = visible_html("<body>" + html[start:html.index("</figure>", start)])
    assert "Figur 1:" in figure and CAPTION in figure
    assert re.search(r'<a href="#fig-network"[^>]*>Figur(&nbsp;|\u00a0| )1</a>', html)
    for hidden in STREAM_TEXT + CODE_TEXT:
        assert hidden not in html
    assert "<Figure size" not in html and "&lt;Figure size" not in html


def test_pdf_is_a4_with_text_table_and_figure(builtin):
    pdf = builtin["pdf"]
    reader = pypdf.PdfReader(pdf)
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A4[0], abs=1)
        assert float(page.mediabox.height) == pytest.approx(A4[1], abs=1)
    text = pdf_text(pdf)
    assert SENTENCE in text
    assert "Strategisk Ledelsesforum: netværksanalyse" in text
    assert "Figur 1" in text and CAPTION in text
    assert "2.86" in text and "periferi" in text
    for hidden in STREAM_TEXT + CODE_TEXT:
        assert hidden not in text
    # the SVG figure is drawn as vector paths: its round markers are Bezier curves
    assert pdf_curves(pdf) >= 4 * 4


def test_rendering_is_deterministic(executed, builtin, tmp_path):
    again = rd.render(executed, tmp_path / "again", engine=engine_of(builtin))
    assert again["html"].read_bytes() == builtin["html"].read_bytes()
    assert again["pdf"].read_bytes() == builtin["pdf"].read_bytes()


# ---------------------------------------------------------------------------
# the built-in engine on notebooks built here


def test_english_sets_language_and_words(tmp_path):
    nb = notebook(
        code_cell('#| label: fig-a\n#| fig-cap: "A caption."\nplot()', svg_output()),
        code_cell("show()", markdown_output("## Results\n\nSee @fig-a.")),
    )
    out = render_builtin(nb, tmp_path, lang="en", title="Forum")
    html = out["html"].read_text(encoding="utf-8")
    assert 'lang="en"' in html and 'lang="da"' not in html
    assert "Figure 1:" in visible_html(html)
    assert '<a href="#fig-a">Figure 1</a>' in html
    assert "<title>Forum</title>" in html
    text = pdf_text(out["pdf"])
    assert "Figure 1" in text and "Results" in text


def test_png_figure_is_an_image_in_the_pdf(tmp_path):
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=200)
    plt.close(fig)
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    image = nbformat.v4.new_output(
        "display_data", data={"image/png": png, "text/plain": "<Figure>"}
    )
    nb = notebook(code_cell('#| fig-cap: "Punkter"\nplot()', image))
    out = render_builtin(nb, tmp_path)
    images = [img for page in pypdf.PdfReader(out["pdf"]).pages for img in page.images]
    assert len(images) == 1
    assert images[0].image.size == (600, 400)  # 3 x 2 inches at 200 dpi
    html = out["html"].read_text(encoding="utf-8")
    assert re.search(r'<img[^>]*src="data:image/png;base64,', html)


def test_text_only_pdf_draws_no_curves(tmp_path):
    # the other side of the figure check above
    nb = notebook(code_cell("show()", markdown_output("## Resultat\n\nTekst uden figur.")),
                  code_cell("df", dataframe_output()))
    out = render_builtin(nb, tmp_path, formats=("pdf",))
    assert set(out) == {"pdf"}
    assert pdf_curves(out["pdf"]) == 0


def test_cell_options_and_output_selection(tmp_path):
    nb = notebook(
        nbformat.v4.new_raw_cell("---\ntitle: Fra notesbogen\n---"),
        code_cell("#| include: false\nsecret()", markdown_output("SKJULT-INCLUDE")),
        code_cell("#| output: false\nsecret()", markdown_output("SKJULT-OUTPUT")),
        code_cell(
            "#| output: asis\nprint('**fed**')",
            nbformat.v4.new_output("stream", name="stdout", text="Tekst med **fed** skrift\n"),
        ),
        code_cell("boom()", nbformat.v4.new_output("error", ename="ValueError", evalue="FEJLBESKED",
                                                   traceback=["FEJLBESKED"])),
        code_cell("x", nbformat.v4.new_output("execute_result", data={"text/plain": "42"},
                                              execution_count=1)),
        code_cell("show()", markdown_output("## Samme\n\nen"), markdown_output("## Samme\n\nto")),
        code_cell("df", dataframe_output()),
    )
    out = render_builtin(nb, tmp_path, formats=("html",))
    html = out["html"].read_text(encoding="utf-8")
    assert "<title>Fra notesbogen</title>" in html
    assert "SKJULT" not in html and "FEJLBESKED" not in html
    assert "Tekst med <strong>fed</strong> skrift" in html
    assert re.search(r"<pre><code>42</code></pre>", html)  # plain text kept when nothing else
    ids = [i for i in re.findall(r'<h2 id="([^"]+)"', html) if i != "toc-title"]
    assert len(ids) == len(set(ids)) == 2
    # DataFrame: HTML representation chosen over text/plain, numbers right-aligned
    assert re.search(r'<td style="text-align: right;">2\.86</td>', html)
    assert "dataframe tbody" not in html  # pandas' <style> block is dropped


def test_title_argument_beats_front_matter(tmp_path):
    nb = notebook(nbformat.v4.new_raw_cell("---\ntitle: Fra notesbogen\n---"),
                  code_cell("show()", markdown_output("Tekst.")))
    out = render_builtin(nb, tmp_path, formats=("html",), title="Fra kaldet")
    assert "<title>Fra kaldet</title>" in out["html"].read_text(encoding="utf-8")


def test_subtitle_and_date_stand_above_the_table_of_contents(tmp_path):
    from pypdf import PdfReader

    config = tmp_path / "_quarto.yml"
    config.write_text("toc: true\ntoc-title: Indhold\n", encoding="utf-8")
    nb = notebook(nbformat.v4.new_raw_cell("---\nsubtitle: Fra notesbogen\n---"),
                  code_cell("show()", markdown_output("# Afsnit\n\nTekst.")))
    out = render_builtin(nb, tmp_path, config=config, title="Titel",
                         metadata={"subtitle": "– i og uden for kommunen", "date": "Lukket 22. februar 2019."})
    html = out["html"].read_text(encoding="utf-8")
    order = [html.find(x) for x in ('class="title"', "– i og uden for kommunen", "Lukket 22. februar 2019.",
                                    'id="TOC"', 'id="afsnit"')]
    assert -1 not in order and order == sorted(order)
    assert "Fra notesbogen" not in html  # the caller's metadata outranks the front matter
    page = " ".join(PdfReader(out["pdf"]).pages[0].extract_text().split())
    order = [page.find(x) for x in ("Titel", "– i og uden for kommunen", "Lukket 22. februar 2019.", "Indhold")]
    assert -1 not in order and order == sorted(order)


def test_echo_true_shows_code(tmp_path):
    config = tmp_path / "_quarto.yml"
    config.write_text("title: T\nexecute:\n  echo: true\n", encoding="utf-8")
    nb = notebook(code_cell("synlig_kode = 1", markdown_output("Tekst.")))
    out = render_builtin(nb, tmp_path, formats=("html",), config=config)
    assert "synlig_kode" in out["html"].read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# failures leave the previous handout alone


def previous(out_dir: Path) -> dict[str, bytes]:
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"handout.html": b"<html>previous</html>", "handout.pdf": b"%PDF previous"}
    for name, content in files.items():
        (out_dir / name).write_bytes(content)
    return files


def assert_unchanged(out_dir: Path, files: dict[str, bytes]) -> None:
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == files
    assert not [p for p in out_dir.parent.iterdir() if ".render-" in p.name]


def test_invalid_notebook_leaves_previous_output(tmp_path):
    out_dir = tmp_path / "out"
    files = previous(out_dir)
    bad = tmp_path / "handout.ipynb"
    bad.write_text('{"cells": [', encoding="utf-8")
    with pytest.raises(rd.RenderError, match="not a valid Jupyter notebook"):
        rd.render(bad, out_dir, engine="builtin")
    assert_unchanged(out_dir, files)


def test_engine_failure_carries_stderr_and_leaves_previous_output(tmp_path):
    # HTML succeeds, then Typst fails on a broken header: neither file may change.
    (tmp_path / "broken.typ").write_text("#let x = (\n", encoding="utf-8")
    config = tmp_path / "_quarto.yml"
    config.write_text("title: T\nformat:\n  typst:\n    include-in-header: broken.typ\n",
                      encoding="utf-8")
    out_dir = tmp_path / "out"
    files = previous(out_dir)
    nb = write(notebook(code_cell("show()", markdown_output("Tekst."))), tmp_path / "handout.ipynb")
    with pytest.raises(rd.RenderError, match="Typst") as info:
        rd.render(nb, out_dir, engine="builtin", config=config)
    assert info.value.stderr  # Typst's own message
    assert_unchanged(out_dir, files)


def test_unknown_format_and_engine():
    with pytest.raises(ValueError):
        rd.render(DATA / "sample.ipynb", Path("unused"), formats=("docx",))
    with pytest.raises(ValueError):
        rd.render(DATA / "sample.ipynb", Path("unused"), engine="latex")


# ---------------------------------------------------------------------------
# settings


def test_project_config_is_read():
    config = rd.read_quarto_config()
    assert config["title"] == "Strategisk Ledelsesforum: netværksanalyse"
    assert config["lang"] == "da"
    assert config["format"]["html"]["embed-resources"] is True
    assert config["format"]["typst"]["papersize"] == "a4"
    assert config["execute"]["echo"] is False
    for fmt in ("html", "typst"):
        for key in ("css", "include-in-header", "include-before-body"):
            for rel in rd._as_list(config["format"][fmt].get(key)):
                assert (rd.PROJECT_ROOT / rel).is_file(), rel
    # the printed handout: no table of contents (the HTML keeps one), the figures' typeface
    assert config["format"]["typst"]["toc"] is False and config["format"]["html"]["toc"] is True
    assert config["format"]["typst"]["mainfont"] == "DejaVu Sans"


def test_pandoc_settings_map_quarto_keys(tmp_path):
    config = {
        "title": "Top", "toc": True, "toc-depth": 2, "fontsize": "12pt",
        "execute": {"echo": False},
        "format": {
            "html": {"css": "style.css", "theme": "cosmo", "fontsize": "1.1em"},
            "typst": {"margin": {"x": "2cm", "y": "3cm"}, "section-numbering": "1.1"},
        },
    }
    meta, opts = rd.pandoc_settings(config, "html", lang="en", base=tmp_path)
    assert meta["title"] == "Top" and meta["lang"] == "en" and meta["fontsize"] == "1.1em"
    assert meta["toc-title"] == "Contents" and "theme" not in meta
    assert opts == ["--toc", "--toc-depth=2", f"--css={tmp_path / 'style.css'}"]
    meta, opts = rd.pandoc_settings(config, "pdf", title="Andet")
    assert meta["title"] == "Andet" and meta["lang"] == "da"
    assert meta["papersize"] == "a4" and meta["margin"] == {"x": "2cm", "y": "3cm"}
    assert meta["fontsize"] == "12pt" and meta["section-numbering"] == "1.1"
    assert meta["handout-echo"] is False
    assert opts == ["--toc", "--toc-depth=2"]
    config["format"]["typst"]["include-before-body"] = "body.typ"  # after the template's own settings
    _, opts = rd.pandoc_settings(config, "pdf", base=tmp_path)
    assert opts[-1] == f"--include-before-body={tmp_path / 'body.typ'}"


def test_typst_finds_the_figures_typeface_on_both_paths():
    folders = rd.font_paths()
    assert any(p.name.startswith("DejaVuSans") for f in folders for p in Path(f).glob("*.ttf"))


def test_front_matter_outranks_format_settings():
    config = {"toc": True, "format": {"typst": {"toc": True, "fontsize": "11pt"}}}
    matter = {"toc": False, "format": {"typst": {"fontsize": "10pt"}}}
    merged = rd._with_front_matter(config, matter)
    meta, opts = rd.pandoc_settings(merged, "pdf")
    assert "--toc" not in opts and meta["fontsize"] == "10pt"


def test_auto_engine_without_quarto_is_builtin(monkeypatch, tmp_path):
    monkeypatch.setattr(rd.shutil, "which", lambda name: None)
    assert not rd.quarto_available()
    nb = write(notebook(code_cell("show()", markdown_output("Tekst."))), tmp_path / "nb.ipynb")
    out = rd.render(nb, tmp_path / "out", formats=("html",))
    assert '<meta name="generator" content="pandoc"' in out["html"].read_text(encoding="utf-8")
    with pytest.raises(rd.RenderError, match="quarto is not on PATH"):
        rd.render(nb, tmp_path / "out", formats=("html",), engine="quarto")


# ---------------------------------------------------------------------------
# the Quarto engine (only where Quarto is installed)


FAKE_QUARTO = """\
import json, os, sys
from pathlib import Path
args = sys.argv[1:]
out = args[args.index("--output") + 1]
nb = json.loads(Path(args[1]).read_text(encoding="utf-8"))
files = sorted(str(p) for p in Path(".").rglob("*") if p.is_file())
Path(out).write_text(json.dumps({
    "args": args, "files": files,
    "config": Path("_quarto.yml").read_text(encoding="utf-8"),
    "first_cell": "".join(nb["cells"][0]["source"]),
    "outputs": json.dumps([c.get("outputs", []) for c in nb["cells"]]),
}), encoding="utf-8")
"""


def test_quarto_engine_invocation(monkeypatch, tmp_path):
    # A stand-in for quarto that records how it was called: checks the plumbing of
    # the Quarto engine where Quarto itself cannot be installed.
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "quarto"
    fake.write_text(f"#!{sys.executable}\n{FAKE_QUARTO}", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert rd.quarto_available()
    nb = notebook(
        nbformat.v4.new_raw_cell("---\nsubtitle: Seminar\n---"),
        code_cell("print('x')", nbformat.v4.new_output("stream", name="stderr", text="ADVARSEL")),
        code_cell("show()", markdown_output("Tekst.")),
    )
    nb_file = write(nb, tmp_path / "nb.ipynb")
    out = rd.render(nb_file, tmp_path / "out", lang="en", name="handout", engine="quarto")
    assert sorted(p.name for p in out.values()) == ["handout.html", "handout.pdf"]
    calls = {fmt: json.loads(path.read_text(encoding="utf-8")) for fmt, path in out.items()}
    assert calls["html"]["args"][:4] == ["render", "handout.ipynb", "--to", "html"]
    assert calls["pdf"]["args"][:4] == ["render", "handout.ipynb", "--to", "typst"]
    for call in calls.values():
        assert "--no-execute" in call["args"]
        assert "report/templates/handout.css" in call["files"]
        assert "report/templates/handout-header.typ" in call["files"]
        config = yaml.safe_load(call["config"])
        assert config["project"] == {"type": "default"}
        assert config["format"]["typst"]["papersize"] == "a4"
        assert "date-line.lua" in config["filters"] and "date-line.lua" in call["files"]
        matter = yaml.safe_load(call["first_cell"].strip().strip("-"))
        # the configuration's title stands in the front matter: without one, Quarto would
        # take the first Markdown heading for the title
        assert matter == {"lang": "en", "subtitle": "Seminar", "title": rd.read_quarto_config()["title"],
                          "toc-title": "Contents"}
        assert "ADVARSEL" not in call["outputs"] and "Tekst." in call["outputs"]


# ---------------------------------------------------------------------------
# what both engines get, and how the engine is chosen


def test_caption_without_content_is_dropped(tmp_path):
    # "since last time" in a first wave: the cell prints an empty Markdown string
    nb = notebook(
        code_cell("#| label: tbl-empty\n#| tbl-cap: \"Overgange\"\nMarkdown('')", markdown_output("")),
        code_cell("#| label: fig-empty\n#| fig-cap: \"Ændringer\"\nplt.show()"),
        code_cell("#| label: tbl-full\n#| tbl-cap: \"Eksterne\"\nMarkdown(t)",
                  markdown_output("| a | b |\n|:--|--:|\n| x | 1 |")),
    )
    kept = rd.prepare_notebook(nb).cells
    assert [rd.cell_options(c.source)["label"] for c in kept] == ["tbl-full"]
    html = visible_html(render_builtin(nb, tmp_path, formats=("html",))["html"].read_text(encoding="utf-8"))
    assert "Tabel 1: Eksterne" in html and "Overgange" not in html and "Ændringer" not in html


def test_quarto_gets_no_run_metadata_and_no_text_html():
    cell = code_cell("view()", nbformat.v4.new_output("display_data", data={
        "text/html": "<div>view</div>", "text/plain": "View()"}))
    cell.metadata = {"papermill": {"duration": 0.2}, "execution": {"shell.execute_reply": "2026"}, "tags": []}
    both = code_cell("show()", nbformat.v4.new_output("display_data", data={
        "text/html": "<b>x</b>", "text/markdown": "```{=html}\n<b>x</b>\n```"}))
    nb = notebook(cell, both)
    nb.metadata["papermill"] = {"end_time": "2019-02-22T09:30:00+00:00"}
    out = rd.quarto_notebook(nb, {"title": "T", "date": "2019-02-22"})
    assert out.metadata == {"kernelspec": nb.metadata["kernelspec"]}
    assert [c.metadata for c in out.cells[1:]] == [{}, {}]
    assert out.cells[1].outputs[0].data == {"text/markdown": "```{=html}\n<div>view</div>\n```"}
    assert out.cells[2].outputs[0].data == {"text/markdown": "```{=html}\n<b>x</b>\n```"}
    # a real date stays a date; only a sentence travels as date-line
    assert yaml.safe_load(out.cells[0].source.strip("-\n")) == {"title": "T", "date": "2019-02-22"}
    assert cell.metadata["papermill"] and "text/html" in both.outputs[0].data  # the input is left as it was


def test_engine_choice(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no quarto
    monkeypatch.delenv(rd.ENGINE_VARIABLE, raising=False)
    assert rd.resolve_engine() == "builtin" and rd.resolve_engine("builtin") == "builtin"
    with pytest.raises(rd.RenderError, match="--engine builtin"):
        rd.resolve_engine("quarto")
    fake = tmp_path / "quarto"
    fake.write_text("#!/bin/sh\necho 1.11.0\n", encoding="utf-8")
    fake.chmod(0o755)
    rd._version_of.cache_clear()
    assert rd.resolve_engine() == "quarto"
    assert rd.engine_info() == {"engine": "quarto", "version": "1.11.0"}
    monkeypatch.setenv(rd.ENGINE_VARIABLE, "builtin")
    assert rd.resolve_engine() == "builtin" and rd.resolve_engine("quarto") == "quarto"
    monkeypatch.setenv(rd.ENGINE_VARIABLE, "latex")
    with pytest.raises(rd.RenderError, match="FORUM_NETWORK_ENGINE"):
        rd.resolve_engine()
    info = rd.engine_info("builtin")
    assert re.fullmatch(r"pandoc [\d.]+, typst [\d.]+", info["version"])


def test_quarto_project_is_not_below_a_dot_folder(monkeypatch, tmp_path):
    # Quarto skips every path with a folder starting with a dot, _quarto.yml included
    folder = rd._quarto_folder()
    try:
        assert not any(part.startswith(".") for part in folder.parts)
    finally:
        folder.rmdir()
    hidden = tmp_path / ".cache"
    hidden.mkdir()
    monkeypatch.setenv("TMPDIR", str(hidden))
    monkeypatch.setattr("tempfile.tempdir", None)
    with pytest.raises(rd.RenderError, match="TMPDIR"):
        rd._quarto_folder()
    assert list(hidden.iterdir()) == []


def test_method_note_names_the_engine(tmp_path):
    from helpers.settings import RENDERER

    nb = notebook(code_cell("Markdown(h.method())", markdown_output(f"**Software.** Python. Sat med {RENDERER}.")))
    html = render_builtin(nb, tmp_path, formats=("html",))["html"].read_text(encoding="utf-8")
    named = rd.engine_description(rd.engine_info("builtin"))
    assert f"Sat med {named}." in visible_html(html) and RENDERER not in html


def test_failed_pdf_stops_the_html_made_beside_it_and_writes_nothing(tmp_path, monkeypatch):
    """The HTML's pandoc runs while the PDF is made: when the PDF fails, it is stopped, no
    file reaches the output folder, and the error is the PDF's."""
    started = []
    start = rd._start

    def recording_start(command, **kwargs):
        started.append(start(command, **kwargs))
        return started[-1]

    def failing_compile(*args, **kwargs):
        raise rd.RenderError("Typst could not compile the handout", "boom")

    monkeypatch.setattr(rd, "_start", recording_start)
    monkeypatch.setattr(rd, "_typst_compile", failing_compile)
    nb = notebook(code_cell("1 + 1", nbformat.v4.new_output("execute_result", data={"text/plain": "2"},
                                                            execution_count=1)))
    with pytest.raises(rd.RenderError, match="Typst"):
        render_builtin(nb, tmp_path)
    assert len(started) == 1 and started[0].returncode is not None  # the HTML's pandoc was waited for
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
