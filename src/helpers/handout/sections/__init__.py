"""The handout's sections, in reading order: each takes a :class:`helpers.handout.context.Context`
and returns Markdown or draws a figure.

=============  =====================================================================
module         what it gives
=============  =====================================================================
title          the cover: title block (travels in the notebook's metadata)
summary        the one-page summary ("Fem pointer"): the findings with their key numbers
purpose        purpose and data: who answered, what was asked, the method in brief
network        Figure 1 (the network) and its interactive view
contrasts      Figure 2 (contrasting structures) and its text
structure      what characterises the structure
departments    collaboration across departments: heatmap and findings
external       external relations: table, figure and findings
since          since last time (only when the wave was compared with a previous one)
discussion     the table discussion; the table card's data
next_steps     after the seminar: the job visits' timeline
method         the method box (in purpose) and the method appendix
rules          the appendix's rules that protect the individual, and the groupings' seeds
=============  =====================================================================

A new section is a new module here with a ``HEADING`` key in ``report/i18n/<lang>.yml``
and functions ``text(ctx)`` / ``figure(ctx, ax=None)``, and a cell in
``report/handout.ipynb`` that calls it.
"""

from helpers.handout import METADATA_KEY, MIME_TYPE  # noqa: F401  (what publish writes)
from helpers.handout.sections import (contrasts, departments, discussion, external, method, network, next_steps,
                                      purpose, rules, since, structure, summary, title)

__all__ = ["publish", "title", "summary", "purpose", "network", "contrasts", "structure", "departments", "external",
           "since", "discussion", "next_steps", "method", "rules"]


def publish(ctx) -> None:
    """Publish the title block and the table card's data from the handout notebook.

    Displays them as one output of type :data:`MIME_TYPE` (the cell is not included in
    the handout); the pipeline moves it into the executed notebook's metadata
    (:func:`helpers.handout.published`).

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.
    """
    from IPython.display import display

    display({MIME_TYPE: {"title_block": title.block(ctx), "table_card": discussion.table_card(ctx)}}, raw=True)
