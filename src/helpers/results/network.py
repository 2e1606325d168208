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
        (:func:`helpers.analysis.network.summary`), and ``mutual_pairs,
        asymmetric_pairs, reciprocity`` (:func:`helpers.analysis.network.network_measures`:
        among ties between two respondents, the share that is returned).
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
        measures = network.network_measures(G)
        reciprocity = {"mutual_pairs": measures.mutual_pairs, "asymmetric_pairs": measures.asymmetric_pairs,
                       "reciprocity": measures.reciprocity}
        return cls(summary={**network.summary(G), **reciprocity})
