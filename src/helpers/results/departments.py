"""The departments step's result: collaboration within and across departments (``results/<table>.csv``)."""

from __future__ import annotations

import dataclasses

import networkx as nx
import pandas as pd

from helpers.results.base import Result, stored

__all__ = ["Departments"]


@dataclasses.dataclass(frozen=True)
class Departments(Result):
    """The departments step's result: collaboration within and across departments.

    Attributes
    ----------
    department_densities, role_densities : pandas.DataFrame
        Block densities by department and by role (:func:`helpers.analysis.departments.block_densities`).
    ei_tests : pandas.DataFrame
        E-I index against permutations (:func:`helpers.analysis.departments.ei_summary`).
    ei_rescaled, crossing_shares, bridging_members, unlinked_pairs : pandas.DataFrame
        See the functions of the same names in :mod:`helpers.analysis.departments`.
    """

    department_densities: pd.DataFrame = stored("department_densities.csv")
    role_densities: pd.DataFrame = stored("role_densities.csv")
    ei_tests: pd.DataFrame = stored("ei_tests.csv")
    ei_rescaled: pd.DataFrame = stored("ei_rescaled.csv")
    crossing_shares: pd.DataFrame = stored("crossing_shares.csv")
    bridging_members: pd.DataFrame = stored("bridging_members.csv")
    unlinked_pairs: pd.DataFrame = stored("unlinked_pairs.csv")

    @classmethod
    def compute(cls, G: nx.DiGraph, *, seed: int) -> "Departments":
        """Every department table of a wave.

        Parameters
        ----------
        G : networkx.DiGraph
            The wave's tie graph.
        seed : int
            Seed of the E-I permutation tests.

        Returns
        -------
        Departments

        References
        ----------
        .. [1] D. Krackhardt and R. N. Stern, "Informal networks and organizational
           crises: an experimental simulation", Social Psychology Quarterly 51(2),
           123-140, 1988.
        """
        from helpers.analysis import departments

        return cls(
            department_densities=departments.department_densities(G),
            role_densities=departments.block_densities(G, "role"),
            ei_tests=departments.ei_summary(G, seed=seed),
            ei_rescaled=departments.rescaled_ei_index(G),
            crossing_shares=departments.crossing_shares(G),
            bridging_members=departments.bridging_members(G),
            unlinked_pairs=departments.unlinked_pairs(G),
        )

    def density_matrix(self, values: str = "density") -> pd.DataFrame:
        """Department x department matrix of the block densities (or of ``values``).

        Parameters
        ----------
        values : str
            The column of the matrix's cells.

        Returns
        -------
        pandas.DataFrame
        """
        from helpers.analysis import departments

        return departments.density_matrix(self.department_densities, values)
