"""Next steps: what happens after the seminar."""

from __future__ import annotations

__all__ = ["HEADING", "text"]

#: The section's heading in the catalogue.
HEADING = "next_steps.heading"


def text(ctx) -> str:
    """The section's heading and text.

    Parameters
    ----------
    ctx : helpers.handout.context.Context
        The wave's handout in one language.

    Returns
    -------
    str
        Markdown (empty when there is nothing to say).
    """
    return "\n\n".join([ctx.heading(HEADING), ctx.t("next_steps.body")])
