"""Tests of helpers.handout.catalogue: the captions of the handout notebook, localised and kept intact."""

from __future__ import annotations

import pytest

from helpers import paths
from helpers.handout.catalogue import localise_cell_options


def test_cell_option_captions_are_localised():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('#| fig-cap: "{{ figure1.caption }}"\nplot()')]
    da, en = (localise_cell_options(nb, lang).cells[0].source for lang in ("da", "en"))
    assert da.startswith('#| fig-cap: "De interne relationer') and en.startswith('#| fig-cap: "The internal relations')
    assert "{{" in nb.cells[0].source  # the input is left unchanged


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_handout_caption_survives_as_a_cell_option(lang):
    """Each localised option of the handout notebook parses back to the catalogue's text
    (quotes and backslashes in a caption must not break the option's YAML)."""
    import re

    import nbformat

    from helpers.handout.context import text
    from helpers.pipeline.render import cell_options

    nb = nbformat.read(paths.project_root() / "report" / "handout.ipynb", as_version=4)
    t, checked = text(lang), 0
    for cell, localised in zip(nb.cells, localise_cell_options(nb, lang).cells, strict=True):
        for line in cell.source.splitlines():
            found = re.fullmatch(r'#\| ([\w-]+): "\{\{ ([\w.]+) \}\}"', line)
            if found:
                assert cell_options(localised.source)[found.group(1)] == t(found.group(2))
                checked += 1
    assert checked >= 8


def test_quotes_and_backslashes_in_a_caption_are_kept(monkeypatch):
    import nbformat

    from helpers.handout import catalogue
    from helpers.pipeline.render import cell_options

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('#| tbl-cap: "{{ x.cap }}"\nMarkdown(table)')]
    tricky = 'A "quoted" \\ \'single\' caption: done'
    monkeypatch.setattr(catalogue, "text", lambda lang: (lambda key: tricky))
    assert cell_options(localise_cell_options(nb, "en").cells[0].source) == {"tbl-cap": tricky}
