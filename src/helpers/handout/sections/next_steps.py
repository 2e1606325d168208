"""Next steps: what happens after the seminar."""

from __future__ import annotations

__all__ = ["HEADING", "text"]

#: The section's heading in the catalogue.
HEADING = "next_steps.heading"


def text(ctx) -> str:
    """The section's heading and text."""
    return "\n\n".join([ctx.heading(HEADING), ctx.t("next_steps.body")])
