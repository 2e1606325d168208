"""How core and periphery rate their external relations: computed by the core-periphery
step (``notebooks/30-core-periphery.ipynb``), which holds the core; ``50-external`` explores it."""

from __future__ import annotations

import dataclasses

import pandas as pd

from helpers.results.base import TIDY, Result, stored
from helpers.results.structure import Structure

__all__ = ["External"]


@dataclasses.dataclass(frozen=True)
class External(Result):
    """How core and periphery rate their external relations (saved by the core-periphery step).

    Attributes
    ----------
    external_means : pandas.DataFrame
        Mean rating per partner type and group, with the number of answers.
    external_tests : pandas.DataFrame
        Core against periphery per partner type (permutation and Mann-Whitney tests).
    external_ratings : pandas.DataFrame
        Every rating, long, with its group.
    """

    external_means: pd.DataFrame = stored("external_means.csv")
    external_tests: pd.DataFrame = stored("external_tests.csv")
    external_ratings: pd.DataFrame = stored("external_ratings.csv")

    @classmethod
    def reads(cls) -> tuple[str, ...]:
        """The tidy tables and the structure's findings (for the core)."""
        return (TIDY, Structure.file("findings"))

    @classmethod
    def compute(cls, tidy, core, partners, *, seed: int) -> "External":
        """Ratings of the external partner types by core and periphery.

        Parameters
        ----------
        tidy : helpers.results.tidy.Tidy
            The wave's tidy tables.
        core : collection of str
            The core's member ids (:attr:`Structure.core`); everyone else is periphery.
        partners : sequence of str
            Partner type ids in table order.
        seed : int
            Seed of the permutation tests.

        Returns
        -------
        External
        """
        from helpers.analysis import external

        core = set(core)
        groups = {m: "core" if m in core else "periphery" for m in tidy.members["member_id"]}
        return cls(
            external_means=external.external_means(tidy.external, groups, partners=partners),
            external_tests=external.external_tests(tidy.external, groups, partners=partners, seed=seed),
            external_ratings=external.ratings_long(tidy.external, groups, partners=partners),
        )

    def means_table(self, decimals: int = 2) -> pd.DataFrame:
        """Partner types x groups of the mean ratings (:func:`helpers.analysis.external.means_table`).

        Parameters
        ----------
        decimals : int, optional
            Digits after the decimal point.

        Returns
        -------
        pandas.DataFrame
        """
        from helpers.analysis import external

        return external.means_table(self.external_means, decimals=decimals)
