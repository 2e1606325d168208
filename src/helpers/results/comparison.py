"""The compare step's result: a wave against the previous one ("since last time")."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

import networkx as nx
import pandas as pd

from helpers.io import json_float
from helpers.results.base import Result, stored
from helpers.results.external import External
from helpers.results.structure import Structure
from helpers.results.tidy import Tidy

__all__ = ["Comparison", "continued_layout"]


def continued_layout(previous_folder: str | Path, folder: str | Path, *, seed: int) -> pd.DataFrame:
    """Figure 1's positions for a wave, continuing the previous wave's figure.

    The previous wave's shown positions (its own compared layout if it was compared,
    else its own layout) give the continuing members' directions from the centre; the
    wave's core and coreness give the distances (:func:`helpers.results.layout.radial_positions`).

    Parameters
    ----------
    previous_folder, folder : path
        The build folders of the previous wave and of this one.
    seed : int
        Seed of the layout (the wave's own).

    Returns
    -------
    pandas.DataFrame
        ``member_id, x, y``.
    """
    from helpers.results import layout

    before = Structure.load(previous_folder)
    previous_compared = Comparison.load(previous_folder).compare_layout
    positions = layout.shown_positions(before.layout, previous_compared)
    now = Structure.load(folder)
    G = Tidy.load(folder).graph
    placed = layout.radial_positions(G, now.core, now.coreness, seed=seed, previous=positions)
    return layout.positions_table(placed)


@dataclasses.dataclass(frozen=True)
class Comparison(Result):
    """The compare step's result: the wave against the previous one ("since last time").

    Attributes
    ----------
    summary : dict
        ``compare.json``: members in both waves, joined and left, the density change with
        its bootstrap interval, ties kept, new and dropped, movers by role and department,
        the previous wave (``previous``) and, with visit pairs, whether they formed ties.
    compare_ties, compare_transitions, compare_movers, compare_crossing, compare_blocks : pandas.DataFrame
        The tables of :class:`helpers.analysis.compare.WaveComparison`.
    compare_external : pandas.DataFrame or None
        The change in the external means (when both waves have them).
    compare_layout : pandas.DataFrame or None
        Figure 1's positions for this wave, ``member_id, x, y``: continuing members keep
        their direction from the previous wave's figure (:mod:`helpers.results.layout`).
    """

    summary: dict = stored("compare.json")
    compare_ties: pd.DataFrame = stored("compare_ties.csv")
    compare_transitions: pd.DataFrame = stored("compare_transitions.csv")
    compare_movers: pd.DataFrame = stored("compare_movers.csv")
    compare_crossing: pd.DataFrame = stored("compare_crossing.csv")
    compare_blocks: pd.DataFrame = stored("compare_blocks.csv")
    compare_external: pd.DataFrame = stored("compare_external.csv")
    compare_layout: pd.DataFrame = stored("compare_layout.csv")

    #: What the step reads of each of the two waves (relative to each wave's build folder).
    WAVE_READS: ClassVar[tuple[str, ...]] = (Tidy.FOLDER, Structure.file("findings"), Structure.file("layout"),
                                             Structure.file("members"), External.file("external_means"))

    @classmethod
    def reads(cls) -> tuple[str, ...]:
        """What the step reads of the wave itself (the previous wave's files are added by the pipeline)."""
        return cls.WAVE_READS

    @classmethod
    def compute(cls, G_a: nx.DiGraph, G_b: nx.DiGraph, *, core_a, core_b, external_a=None, external_b=None,
                visit_pairs=None, previous: dict | None = None, seed: int, n_boot: int = 2000,
                relations_a=None, relations_b=None) -> "Comparison":
        """Compare a wave with the previous one and keep what the handout's "since last time" needs.

        Parameters
        ----------
        G_a, G_b : networkx.DiGraph
            The previous and the current wave's tie graphs (pseudonyms stable across waves).
        core_a, core_b : collection of str
            The core of each wave.
        external_a, external_b : pandas.DataFrame, optional
            Each wave's ``external_means`` table.
        visit_pairs : pandas.DataFrame, optional
            The visit pairs recorded after the previous wave
            (:func:`helpers.ingest.visit_pairs.read_visit_pairs`).
        previous : dict, optional
            ``id``, ``name`` and ``date`` of the previous wave, kept for the handout.
        seed : int
            Seed of the bootstrap and the permutation test.
        n_boot : int
            Bootstrap samples of the density change.
        relations_a, relations_b : pandas.DataFrame, optional
            Each wave's tidy ``relations`` (every rating given): ``compare_ties`` then
            keeps a new or dropped tie's rating below the threshold
            (:func:`helpers.analysis.compare.with_ratings`).

        Returns
        -------
        Comparison

        References
        ----------
        .. [1] T. A. B. Snijders and S. P. Borgatti, "Non-parametric standard errors and
           tests for network statistics", Connections 22(2), 161-170, 1999.
        """
        from helpers.analysis import compare
        from helpers.analysis.visit_effect import visit_effect

        c = compare.compare_waves(G_a, G_b, core_a=core_a, core_b=core_b, external_a=external_a,
                                  external_b=external_b, seed=seed, n_boot=n_boot)
        summary = _comparison_summary(c, G_b)
        from helpers.analysis.network import summary as whole

        summary["own_density"] = {"a": whole(G_a)["density"], "b": whole(G_b)["density"]}
        if visit_pairs is not None:
            summary["visits"] = _visits_summary(visit_effect(G_a, G_b, visit_pairs, seed=seed))
        if previous is not None:
            summary["previous"] = previous
        ties = compare.with_ratings(c.ties, relations_a, relations_b)
        return cls(summary=summary, compare_ties=ties, compare_transitions=c.transitions,
                   compare_movers=c.movers, compare_crossing=c.crossing, compare_blocks=c.blocks,
                   compare_external=c.external)

    @classmethod
    def between(cls, previous_spec, previous_folder: str | Path, folder: str | Path, *, seed: int) -> "Comparison":
        """Compare a wave with the previous one from the two waves' saved results.

        Reads each wave's tie graph (:class:`Tidy`), core (:class:`Structure`) and external
        means (:class:`External`), and the visit pairs kept beside the previous wave's raw
        data when there are any (:func:`helpers.ingest.visit_pairs.read_visit_pairs`).

        Parameters
        ----------
        previous_spec : WaveSpec
            The previous wave's settings (its folder holds the visit-pair file).
        previous_folder, folder : path
            The build folders of the previous wave and of this one.
        seed : int
            Seed of the bootstrap and the permutation test.

        Returns
        -------
        Comparison
        """
        from helpers.ingest.visit_pairs import VISIT_PAIRS_FILE, read_visit_pairs

        folders = (Path(previous_folder), Path(folder))
        tidy_a, tidy_b = (Tidy.load(f) for f in folders)
        G_a, G_b = tidy_a.graph, tidy_b.graph
        core_a, core_b = (Structure.load(f).core for f in folders)
        external_a, external_b = (External.load(f).external_means for f in folders)
        pairs_file = previous_spec.folder / VISIT_PAIRS_FILE
        pairs = read_visit_pairs(pairs_file) if pairs_file.exists() else None
        previous = {"id": previous_spec.id, "name": previous_spec.name, "date": previous_spec.date.isoformat()}
        compared = cls.compute(G_a, G_b, core_a=core_a, core_b=core_b, external_a=external_a, external_b=external_b,
                               visit_pairs=pairs, previous=previous, seed=seed, relations_a=tidy_a.relations,
                               relations_b=tidy_b.relations)
        return dataclasses.replace(compared, compare_layout=continued_layout(*folders, seed=seed))

    def density_matrix(self, values: str = "change") -> pd.DataFrame:
        """Department x department matrix of the block density change (or of ``values``).

        Parameters
        ----------
        values : str
            The column of the matrix's cells.

        Returns
        -------
        pandas.DataFrame
        """
        from helpers.analysis import departments

        return departments.density_matrix(self.compare_blocks, values)

    @property
    def density(self) -> dict:
        """The density change: ``a``, ``b``, ``difference``, ``ci_low``, ``ci_high``, ``level``, ..."""
        return self.summary["density"]

    @property
    def visits(self) -> dict | None:
        """Whether the visit pairs formed ties; None when no visit pairs were recorded."""
        return self.summary.get("visits")

    @property
    def previous(self) -> dict:
        """``id``, ``name`` and ``date`` of the previous wave."""
        return self.summary["previous"]


def _comparison_summary(c, G_b: nx.DiGraph) -> dict:
    from helpers.analysis.network import role_and_department

    d = c.density
    counts = c.ties["change"].value_counts().to_dict() if len(c.ties) else {}
    status = c.members["status"].value_counts().to_dict()
    return {
        "members_both": int(status.get("both", 0)), "joined": int(status.get("joined", 0)),
        "left": int(status.get("left", 0)), "senders_both": int(d.n_senders),
        "density": {"a": json_float(d.density_a), "b": json_float(d.density_b), "difference": json_float(d.difference),
                    "ci_low": json_float(d.ci_low), "ci_high": json_float(d.ci_high), "level": d.level,
                    "p_value": json_float(d.p_value), "n_boot": int(d.n_boot), "seed": int(d.seed), "method": d.method},
        "ties": {k: int(v) for k, v in counts.items()}, "jaccard": json_float(c.jaccard),
        "movers": [{**role_and_department(G_b, m), "from": f, "to": t} for m, f, t in
                   zip(c.movers["member_id"], c.movers["from"], c.movers["to"])],
    }


def _visits_summary(e) -> dict:
    return {"n_pairs": int(e.n_visit_pairs), "improved": int(e.improved_visit), "rate": json_float(e.rate_visit),
            "n_comparison": int(e.n_comparison_pairs), "rate_comparison": json_float(e.rate_comparison),
            "p_value": float(e.p_value), "caveat": bool(e.caveat), "n_permutations": int(e.n_permutations),
            "seed": int(e.seed)}
