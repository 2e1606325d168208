"""Figure 1's layout as a result: computed with the wave's structure, continued from the previous wave.

A wave's own layout (the core inside, :func:`helpers.analysis.layout.radial_positions`)
is saved by the core-periphery step as :attr:`helpers.results.structure.Structure.layout`;
a compared wave's layout, which keeps the continuing members where they were in the
previous wave's figure, by the compare step as
:attr:`helpers.results.comparison.Comparison.compare_layout`. Both are tables
``member_id, x, y`` of pseudonymous ids. :func:`shown_positions` picks the one the handout
draws (Figure 1 and its interactive view). Figure 2 places the groups of its
"separate groups" network by :func:`helpers.analysis.contrasts.groups_for`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.contrasts import groups_for
from helpers.analysis.layout import positions_from_table, positions_table, radial_positions, spring_positions, tie_pairs

__all__ = ["radial_positions", "spring_positions", "positions_table", "positions_from_table", "shown_positions",
           "groups_for", "tie_pairs"]


def shown_positions(own: pd.DataFrame | None, compared: pd.DataFrame | None = None) -> dict[str, np.ndarray] | None:
    """The positions a wave's figures use: the compared layout if there is one, else the wave's own.

    Parameters
    ----------
    own : pandas.DataFrame or None
        ``Structure.layout``.
    compared : pandas.DataFrame or None
        ``Comparison.compare_layout`` (None when the wave was not compared).

    Returns
    -------
    dict or None
        Member id -> (x, y); None when neither was saved (e.g. results from an older run).

    Examples
    --------
    >>> own = pd.DataFrame({"member_id": ["a"], "x": [0.5], "y": [0.0]})
    >>> shown_positions(own)["a"].tolist(), shown_positions(own, own.assign(x=0.25))["a"].tolist()
    ([0.5, 0.0], [0.25, 0.0])
    """
    return positions_from_table(compared if compared is not None else own)
