"""The handout's sentence catalogue (``report/i18n/<lang>.yml``) and the captions it fills in.

Light on purpose: the pipeline localises the handout notebook's captions with it
(:func:`localise_cell_options`, through :mod:`helpers.handout`) without loading the
handout's context or sections.
"""

from __future__ import annotations

import copy
import json
import re

from helpers import lang as fmt
from helpers import paths

__all__ = ["text", "localise_cell_options"]

#: A quoted ``"{{ key }}"`` in a cell option: replaced by the text as a JSON string, which
#: is also a valid YAML double-quoted scalar (quotes and backslashes in the text escaped).
_QUOTED_PLACEHOLDER = re.compile(r'"\{\{\s*([\w.]+)\s*\}\}"')


def text(lang: str) -> fmt.Text:
    """The sentence catalogue of ``lang`` (see :class:`helpers.lang.Text`).

    Parameters
    ----------
    lang : {"da", "en"}
        The handout's language.
    """
    return fmt.Text(lang, paths.project_root() / "report" / "i18n")


def localise_cell_options(nb, lang: str):
    """Fill ``{{ key }}`` placeholders in the notebook's ``#|`` cell options (captions) from the catalogue.

    Captions are cell options, read by the renderer, so they cannot come from code; the
    handout notebook writes ``#| fig-cap: "{{ figure1.caption }}"`` and this fills in the
    language's text before rendering, as a double-quoted string with its quotes and
    backslashes escaped (the placeholder must stand in quotes). Returns a new notebook.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook; it is not changed.
    lang : {"da", "en"}
        The language whose catalogue fills the placeholders.

    Returns
    -------
    nbformat.NotebookNode
        A copy of ``nb`` with the placeholders in its ``#|`` lines filled.
    """
    t = text(lang)
    out = copy.deepcopy(nb)
    for cell in out.cells:
        lines = cell.source.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("#|"):
                lines[i] = _QUOTED_PLACEHOLDER.sub(lambda m: json.dumps(t(m.group(1)), ensure_ascii=False), line)
        cell.source = "\n".join(lines)
    return out
