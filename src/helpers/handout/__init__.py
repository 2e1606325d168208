"""The handout: a wave's results in words, tables and figures, in Danish or English.

This package's ``__init__`` imports nothing of the handout at import time, and only its
light modules (:mod:`~helpers.handout.catalogue`, :mod:`~helpers.handout.tablecard`) in
its functions: the pipeline's cache follows imports, and a notebook that draws with
:mod:`helpers.handout.plots` must not depend on the whole handout.

:mod:`~helpers.handout.context` (the results, texts, number formatting and small-group
rule every section works from), :mod:`~helpers.handout.sections` (one module per
section), and beside them the figures (:mod:`~helpers.handout.plots`,
:mod:`~helpers.handout.interactive`), the suppression of small groups
(:mod:`~helpers.handout.suppression`), the table card (:mod:`~helpers.handout.tablecard`)
and the facilitator's sheet (:mod:`~helpers.handout.facilitator`).

What the pipeline needs of the handout is here, and nothing else: the handout notebook
publishes its title block and the table card's data
(:func:`helpers.handout.sections.publish`) as an output the
pipeline lifts into the executed notebook's metadata (:func:`published`); the pipeline
renders from that metadata and never builds a handout of its own.
"""

from __future__ import annotations

__all__ = ["METADATA_KEY", "MIME_TYPE", "published", "localise_cell_options", "write_table_card"]

#: The executed notebook's metadata key holding what :func:`publish` published.
METADATA_KEY = "handout"
#: The output type of :func:`publish`: data for the renderer, never shown.
MIME_TYPE = "application/vnd.forum-network.handout+json"


def published(nb) -> dict:
    """What the executed handout notebook published (:func:`helpers.handout.sections.publish`); empty if nothing.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed handout notebook.

    Returns
    -------
    dict
        ``title_block`` (title, subtitle, date) and ``table_card`` (see
        :func:`helpers.handout.sections.discussion.table_card`).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[
    ...     nbformat.v4.new_output("display_data", data={MIME_TYPE: {"title_block": {"title": "T"}}})])])
    >>> published(nb)["title_block"]
    {'title': 'T'}
    """
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if MIME_TYPE in data:
                return dict(data[MIME_TYPE])
    return {}


def localise_cell_options(nb, lang: str):
    """Fill the ``{{ key }}`` captions of the handout notebook's cell options from the catalogue
    (:func:`helpers.handout.catalogue.localise_cell_options`).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook.
    lang : {"da", "en"}
        The handout's language.
    """
    from helpers.handout.catalogue import localise_cell_options as localise

    return localise(nb, lang)


def write_table_card(card: dict, out_path):
    """Write the table card from its published data (:func:`helpers.handout.tablecard.write_table_card`).

    Parameters
    ----------
    card : mapping
        The table card's data (:func:`helpers.handout.sections.discussion.table_card`).
    out_path : path
        The file to write.
    """
    from helpers.handout.tablecard import write_table_card as write

    return write(card, out_path)
