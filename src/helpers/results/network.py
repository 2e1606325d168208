"""The network step's result: the whole-network figures (``results/network.json``)."""

from __future__ import annotations

import dataclasses

import networkx as nx

from helpers.analysis import network
from helpers.results.base import Result, stored

__all__ = ["Network"]


@dataclasses.dataclass(frozen=True)
class Network(Result):
    """The network step's result: the whole-network figures the handout states together.

    Attributes
    ----------
    summary : dict
        ``members, respondents, response_rate, ties, possible_ties, density``
        (:func:`helpers.analysis.network.summary`).
    """

    summary: dict = stored("network.json")

    @classmethod
    def compute(cls, G: nx.DiGraph) -> "Network":
        """The figures of a wave's tie graph.

        Parameters
        ----------
        G : networkx.DiGraph
            The wave's tie graph.

        Returns
        -------
        Network
        """
        return cls(summary=network.summary(G))
