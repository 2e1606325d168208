"""The core-periphery step's result: the forum's structure, as the handout states it.

:class:`Structure` runs core-periphery (:mod:`helpers.analysis.coreperiphery`),
communities, key players, the core's make-up and the contrasting networks of Figure 2
(:mod:`helpers.analysis.communities`, :mod:`~helpers.analysis.keyplayers`,
:mod:`~helpers.analysis.composition`, :mod:`~helpers.analysis.contrasts`) and keeps of
each what the handout states and how it was made (method, samples, seed): plain JSON
in ``results/structure.json`` and tables beside it. Member ids stay pseudonymous; where
the handout must point at a member it gets their role and department instead.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

import networkx as nx
import pandas as pd

from helpers.io import json_float
from helpers.results.base import Result, stored

__all__ = ["Structure", "no_core_reason", "member_table", "reduced_settings"]

# The analysis is imported where it is used, so that the result's declaration (its files,
# which the pipeline's step list reads) loads without the analysis and its dependencies.

#: The core-periphery variant whose split the handout and the other steps use.
VARIANT = "ignore"
#: Attributes of the core's make-up.
ATTRIBUTES = ("gender", "role", "department")


def _core_periphery(partition) -> dict:
    """A :class:`~helpers.analysis.coreperiphery.CorePeriphery` as JSON."""
    return {
        "variant": partition.variant, "method": partition.method, "params": dict(partition.params),
        "core": list(partition.core), "periphery": list(partition.periphery),
        "core_size": len(partition.core), "fit": json_float(partition.fit),
        "block_densities": {k: json_float(v) for k, v in partition.block_densities.items()},
        "n_optimal": int(partition.n_optimal), "unambiguous": bool(partition.is_unambiguous),
    }


def _significance(result) -> dict:
    """A :class:`~helpers.analysis.coreperiphery.Significance` as JSON (without the sample itself)."""
    return {"observed": json_float(result.observed), "p_value": float(result.p_value), "n_samples": int(result.n_samples),
            "null": result.null, "null_mean": json_float(result.null_mean), "null_sd": json_float(result.null_sd),
            "variant": result.variant, "seed": int(result.seed), **_sequential(result)}


def _sequential(test) -> dict:
    """How a sequential test ended: most samples, why it stopped, the p-value's 99 % interval."""
    return {"max_samples": int(test.max_samples), "stopped": test.stopped,
            "p_low": json_float(test.p_low), "p_high": json_float(test.p_high)}


def _groupings(finding) -> dict:
    """A :class:`~helpers.analysis.communities.GroupingsFinding` as JSON."""
    test = finding.test
    return {
        "no_separate_groupings": bool(finding.no_separate_groupings),
        "beyond_random": bool(finding.beyond_random),
        "cuts_across_departments": bool(finding.cuts_across_departments),
        "method": finding.communities.method, "n_communities": len(finding.communities.communities),
        "community_sizes": [len(c) for c in finding.communities.communities],
        "modularity": json_float(finding.communities.modularity), "null_mean": json_float(test.null_mean),
        "p_value": float(test.p_value), "n_samples": int(test.n_samples), "seed": int(test.seed), **_sequential(test),
        "nmi": json_float(finding.nmi), "ari": json_float(finding.ari), "alpha": finding.alpha, "max_nmi": finding.max_nmi,
        "follows_departments": bool(finding.beyond_random and not finding.cuts_across_departments),
        "largest_department_share": json_float(finding.largest_share),
        "n_seeds": int(finding.n_seeds), "seeds": list(finding.communities.params.get("seeds", [])),
        "best_seed": finding.communities.params.get("seed"),
        "stability": json_float(finding.stability), "best_share": json_float(finding.best_share),
        "reproduced_ari": json_float(finding.reproduced_ari),
    }


def _communities(found, G: nx.DiGraph) -> dict:
    """Communities found by one more method (no test): size, modularity, agreement with departments."""
    from helpers.analysis import communities as comm

    nodes = sorted(G.nodes())
    membership = found.membership
    members = [membership[v] for v in nodes]
    dept = [G.nodes[v]["department"] for v in nodes]
    return {"method": found.method, "n_communities": len(found.communities), "modularity": json_float(found.modularity),
            "nmi": json_float(comm.normalized_mutual_information(members, dept)), "ari": json_float(comm.adjusted_rand_index(members, dept))}


def _left_out(method: str) -> dict:
    """A comparison method not run because the network is larger than it is run for
    (:func:`helpers.analysis.communities.comparison_methods`)."""
    from helpers.analysis.communities import COMPARISON_UP_TO

    return {"method": method, "left_out": True, "up_to": int(COMPARISON_UP_TO[method]),
            "n_communities": None, "modularity": None, "nmi": None, "ari": None}


def _indispensable(finding, G: nx.DiGraph) -> dict:
    """An :class:`~helpers.analysis.keyplayers.IndispensableFinding` as JSON; cut vertices by role and department."""
    from helpers.analysis.network import role_and_department

    return {
        "nobody_indispensable": bool(finding.nobody_indispensable),
        "articulation_points": [role_and_department(G, m) for m in finding.articulation_points],
        "node_connectivity": int(finding.node_connectivity), "components": int(finding.components),
        "connectivity_exact": bool(finding.connectivity_exact), "distance_sources": finding.distance_sources,
        "distance_se": json_float(finding.distance_se),
        "max_fragmentation_change": json_float(finding.max_fragmentation_change),
        "max_distance_fragmentation_change": json_float(finding.max_distance_fragmentation_change),
    }


def reduced_settings(size: int, *, n_samples: int, samples: int, n_networks: int, networks: int, key,
                     betweenness_sources: int | None = None) -> dict:
    """What was computed with less effort than on a forum, because the network is large.

    Empty for a forum-sized network. Keys: ``members``; ``samples`` and ``networks``
    (most random networks per test, of the defaults); ``distance_sources`` (members
    whose searches estimated the distance measures), ``betweenness_sources`` (the same
    for betweenness) and ``connectivity_bound`` (node connectivity given as a lower
    bound).
    """
    out = {}
    if samples < n_samples:
        out["samples"] = {"used": int(samples), "default": int(n_samples)}
    if networks < n_networks:
        out["networks"] = {"used": int(networks), "default": int(n_networks)}
    if key.distance_sources is not None:
        out["distance_sources"] = int(key.distance_sources)
    if betweenness_sources is not None:
        out["betweenness_sources"] = int(betweenness_sources)
    if not key.connectivity_exact:
        out["connectivity_bound"] = True
    if out:
        out["members"] = int(size)
    return out


def _composition(findings: dict) -> dict:
    """Core make-up findings per attribute as JSON."""
    return {
        attribute: {"cuts_across": bool(f.cuts_across), "p_value": float(f.p_value), "differs": bool(f.differs),
                    "method": f.method, "values_in_core": int((f.table["core_count"] > 0).sum()),
                    "values_in_forum": int((f.table["forum_count"] > 0).sum())}
        for attribute, f in findings.items()
    }


def member_table(G: nx.DiGraph, partition, coreness: pd.Series, measures: pd.DataFrame) -> pd.DataFrame:
    """Per member (pseudonymous): attributes, degrees, betweenness, group and coreness.

    Parameters
    ----------
    G : networkx.DiGraph
        The wave's tie graph.
    partition : CorePeriphery or None
        The split (:func:`helpers.analysis.coreperiphery.partition`); None (no core could
        be told apart) puts every member in the periphery.
    coreness : pandas.Series
        Coreness per member id.
    measures : pandas.DataFrame
        :func:`helpers.analysis.network.member_measures`.

    Returns
    -------
    pandas.DataFrame
        ``measures`` with ``group`` (core or periphery) and ``coreness``, sorted by ``member_id``.
    """
    table = measures.copy()
    core = set(partition.core) if partition is not None else set()
    table["group"] = ["core" if m in core else "periphery" for m in table["member_id"]]
    table["coreness"] = table["member_id"].map(coreness).astype(float)
    return table.sort_values("member_id", ignore_index=True)


def no_core_reason(G: nx.DiGraph) -> str:
    """Why the core-periphery model has no defined fit on ``G``.

    ``"no_ties"``: no respondent named anyone; ``"all_ties"``: every respondent named
    every other member, so there is nothing to tell a core from a periphery by;
    ``"too_few"``: too few members or respondents for the model's correlation.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_nodes_from("abcd", answered=True)
    >>> no_core_reason(G)
    'no_ties'
    >>> G.add_edges_from((u, v) for u in "abcd" for v in "abcd" if u != v)
    >>> no_core_reason(G)
    'all_ties'
    """
    respondents = sum(1 for _, a in G.nodes(data="answered") if a)
    ties = G.number_of_edges()
    if ties == 0:
        return "no_ties"
    if ties == respondents * (G.number_of_nodes() - 1):
        return "all_ties"
    return "too_few"


def _no_core_periphery(G: nx.DiGraph, variant: str) -> dict:
    """The JSON of :func:`_core_periphery` for a graph on which no split has a defined fit:
    no core, everyone in the periphery, ``defined`` False and the reason (:func:`no_core_reason`)."""
    return {
        "variant": variant, "method": None, "params": {}, "core": [], "periphery": sorted(G.nodes()),
        "core_size": 0, "fit": None, "n_optimal": 0, "unambiguous": False, "defined": False,
        "reason": no_core_reason(G),
        "block_densities": {k: None for k in ("core->core", "core->periphery", "periphery->core",
                                              "periphery->periphery")},
    }


def _no_significance(null: str) -> dict:
    """The JSON of :func:`_significance` when there is no fit to test (no core could be told apart)."""
    return {"observed": None, "p_value": None, "n_samples": 0, "null": null, "null_mean": None, "null_sd": None,
            "variant": "ignore", "seed": None, "defined": False}


def _partition(G: nx.DiGraph, variant: str, seed: int):
    """A core-periphery split, or None when no split of ``G`` has a defined fit."""
    from helpers.analysis import coreperiphery

    try:
        return coreperiphery.partition(G, variant=variant, seed=seed)
    except ValueError:  # with a valid variant, partition raises only when the fit is undefined
        return None


def _coreness(G: nx.DiGraph, seed: int) -> pd.Series:
    """Coreness per member; NaN for everyone when it is undefined (no ties)."""
    from helpers.analysis import coreperiphery

    try:
        return coreperiphery.coreness(G, seed=seed)
    except ValueError:  # fewer than 2 members or no tie: no coreness to speak of
        return pd.Series(float("nan"), index=sorted(G.nodes()), name="coreness")




def _fit(seed: int):
    """Graph -> the fit of its best split (NaN when no split has a defined fit)."""

    def fit(g: nx.DiGraph) -> float:
        p = _partition(g, VARIANT, seed)
        return p.fit if p is not None else float("nan")

    return fit


def _contrast_tables(graphs: dict[str, nx.DiGraph]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The contrasting networks as two tables: members (with department) and ties, in drawing order."""
    members = pd.DataFrame([(name, v, d) for name, g in graphs.items() for v, d in g.nodes(data="department")],
                           columns=["network", "member_id", "department"])
    ties = pd.DataFrame([(name, u, v) for name, g in graphs.items() for u, v in g.edges()],
                        columns=["network", "source", "target"])
    return members, ties


@dataclasses.dataclass(frozen=True)
class Structure(Result):
    """The forum's structure: core and periphery, its significance, groupings, key players,
    the core's make-up and the contrasting networks of Figure 2.

    Attributes
    ----------
    findings : dict
        ``results/structure.json``: ``core_periphery`` (per variant), ``significance``
        (per null model), ``groupings``, ``other_communities``, ``indispensable``,
        ``composition``; read them through the accessors below.
    members : pandas.DataFrame
        Per member (pseudonymous): attributes, degrees, betweenness, ``group`` and ``coreness``.
    key_players, core_composition, community_departments : pandas.DataFrame
        The tables behind the findings.
    contrasts : pandas.DataFrame
        Density, modularity and fit of the wave and of each contrasting network (Figure 2).
    contrast_members, contrast_ties : pandas.DataFrame
        The contrasting networks themselves, drawn in Figure 2 (:meth:`contrast_graphs`).
    layout : pandas.DataFrame
        Figure 1's positions, ``member_id, x, y``: the core inside, the periphery around
        it (:mod:`helpers.results.layout`).
    """

    findings: dict = stored("structure.json")
    members: pd.DataFrame = stored("members.csv")
    key_players: pd.DataFrame = stored("key_players.csv")
    core_composition: pd.DataFrame = stored("core_composition.csv")
    community_departments: pd.DataFrame = stored("community_departments.csv")
    contrasts: pd.DataFrame = stored("contrasts.csv")
    contrast_members: pd.DataFrame = stored("contrast_members.csv")
    contrast_ties: pd.DataFrame = stored("contrast_ties.csv")
    layout: pd.DataFrame = stored("layout.csv")

    EXPORTS: ClassVar[str] = "exports"
    ALSO_WRITES: ClassVar[tuple[str, ...]] = (EXPORTS,)

    @classmethod
    def compute(cls, G: nx.DiGraph, *, seed: int, n_samples: int = 1000, n_networks: int = 199) -> "Structure":
        """Run every structure analysis of a wave and keep what the handout needs.

        Core-periphery in both variants with coreness, the fit against degree-preserving
        and same-density random networks (``n_samples`` each), Leiden communities against
        ``n_networks`` degree-preserving random networks (Louvain and greedy modularity
        alongside, untested; greedy only up to 5,000 members, listed as ``left_out``
        above: :func:`helpers.analysis.communities.comparison_methods`), key players and
        the core's make-up; plus the contrasting networks of Figure 2 with their measures,
        and Figure 1's positions (the core inside,
        :func:`helpers.analysis.layout.radial_positions`). The tests stop when their answer is
        clear (sequential Monte Carlo p-values); above 300 members they draw fewer random
        networks (:func:`helpers.analysis.permutation.samples_for_size`), and what was
        reduced is listed under ``reduced`` (:func:`reduced_settings`).

        When no core can be told apart (no ties, every possible tie, or too few answers;
        see :func:`no_core_reason`) the core-periphery entries say so (``defined`` False),
        the significance tests and the core's make-up are left out (None and empty), and
        every member is in the periphery.

        Parameters
        ----------
        G : networkx.DiGraph
            The wave's tie graph (:func:`helpers.analysis.network.build_graph`).
        seed : int
            Seed of every random step.
        n_samples, n_networks : int
            Random networks of the core-periphery tests and of the modularity test.

        Returns
        -------
        Structure

        References
        ----------
        .. [1] S. P. Borgatti and M. G. Everett, "Models of core/periphery structures",
           Social Networks 21(4), 375-395, 2000.
        .. [2] V. A. Traag, L. Waltman and N. J. van Eck, "From Louvain to Leiden:
           guaranteeing well-connected communities", Scientific Reports 9, 5233, 2019.
        """
        from helpers.analysis import communities as comm
        from helpers.analysis import composition, coreperiphery, keyplayers
        from helpers.analysis import contrasts as contrasting
        from helpers.analysis.network import member_measures
        from helpers.analysis.permutation import samples_for_size
        from helpers.progress import tracker

        size = G.number_of_nodes()
        split = {v: _partition(G, v, seed) for v in coreperiphery.VARIANTS}
        defined = split[VARIANT] is not None
        coreness = _coreness(G, seed)
        samples, networks = samples_for_size(n_samples, size), samples_for_size(n_networks, size)
        tests = {null: coreperiphery.significance(G, null=null, n_samples=samples, seed=seed,
                                                  progress=tracker(f"significance ({null} null)")) if defined else None
                 for null in ("degree", "density")}
        found = comm.groupings_finding(G, method="leiden", n_samples=networks, seed=seed,
                                       progress=tracker("groupings (random networks)"))
        compared, left_out = comm.comparison_methods(size)
        others = [comm.detect_communities(G, method=m, seed=seed) for m in compared]
        key = keyplayers.indispensable_finding(G, seed=seed)
        measures_by_member = member_measures(G, seed=seed)
        makeup = composition.composition_finding(G, split[VARIANT].core, seed=seed) if defined else {}
        findings = {
            "core_periphery": {v: {**_core_periphery(p), "defined": True} if p is not None else _no_core_periphery(G, v)
                               for v, p in split.items()},
            "significance": {null: _significance(t) if t is not None else _no_significance(null)
                             for null, t in tests.items()},
            "groupings": _groupings(found),
            "other_communities": [_communities(c, G) for c in others] + [_left_out(m) for m in left_out],
            "indispensable": _indispensable(key, G),
            "composition": _composition(makeup),
            "reduced": reduced_settings(size, n_samples=n_samples, samples=samples, n_networks=n_networks,
                                        networks=networks, key=key,
                                        betweenness_sources=measures_by_member.attrs.get("betweenness_sources")),
        }
        departments = [d for _, d in sorted(G.nodes(data="department"))]
        graphs = contrasting.contrasting_networks(G.number_of_nodes(), None, departments, seed=seed,
                                                n_edges=G.number_of_edges())
        # the wave's own measures come from the parts above: the Leiden run with `seed` (the first of
        # the groupings' runs) and the core-periphery split
        wave = {"fit": split[VARIANT].fit if defined else float("nan")}
        if found.run_modularities:
            wave["modularity"] = found.run_modularities[0]
        measures = contrasting.contrast_measures({"wave": G, **graphs}, fit=_fit(seed), seed=seed,
                                                 known={"wave": wave})
        contrast_members, contrast_ties = _contrast_tables(graphs)
        from helpers.analysis import layout as placing

        core = split[VARIANT].core if defined else ()
        positions = placing.radial_positions(G, core, coreness, seed=seed)
        return cls(
            findings=findings,
            members=member_table(G, split[VARIANT], coreness, measures_by_member),
            key_players=key.players,
            core_composition=pd.concat([f.table for f in makeup.values()] if makeup else
                                       [composition.core_composition(G, (), a) for a in ATTRIBUTES],
                                       ignore_index=True),
            community_departments=found.makeup,
            contrasts=measures.reset_index(),
            contrast_members=contrast_members,
            contrast_ties=contrast_ties,
            layout=placing.positions_table(positions),
        )

    def export(self, G: nx.DiGraph, folder: str | Path, *, full: bool = False, out: str | Path | None = None,
               k: int | None = None) -> dict[str, Path]:
        """Write the network with core and coreness in every exchange format
        (:func:`helpers.analysis.exports.write_all`).

        By default into the wave's ``exports/`` folder, with only the attributes that pass
        the description rule (the wave's ``min_group_size``); ``full`` writes every
        attribute and the ratings, for the analyst's own machine (``out``).

        Parameters
        ----------
        G : networkx.DiGraph
            The wave's tie graph.
        folder : str or Path
            The wave's build folder (``build/<wave>``).
        full : bool
            Every attribute and the ratings.
        out : str or Path, optional
            Where to write (default: the wave's ``exports/`` folder).
        k : int, optional
            Smallest group an export may describe (default: the wave's ``min_group_size``).
        """
        from helpers.analysis import exports
        from helpers.results.tidy import Tidy

        if k is None:
            meta = Path(folder) / Tidy.FOLDER / Tidy.META
            k = int(Tidy.read_meta(folder).get("min_group_size", 3)) if meta.is_file() else 3
        target = Path(out) if out is not None else Path(folder) / self.EXPORTS
        return exports.write_all(G, target, core=self.core, coreness=self.coreness, k=k, full=full)

    # -- accessors -------------------------------------------------------------------------
    def core_periphery(self, variant: str = VARIANT) -> dict:
        """The core-periphery split of one variant as stated (core, periphery, fit, params, ...).

        Parameters
        ----------
        variant : {"ignore", "one"}
            The core-periphery variant.

        Returns
        -------
        dict
        """
        return self.findings["core_periphery"][variant]

    @property
    def core(self) -> list[str]:
        """Member ids of the core (empty when no core could be told apart)."""
        return list(self.core_periphery()["core"])

    @property
    def periphery(self) -> list[str]:
        """Member ids of the periphery."""
        return list(self.core_periphery().get("periphery", []))

    @property
    def defined(self) -> bool:
        """Whether a core could be told apart (see :func:`no_core_reason`)."""
        return bool(self.core_periphery().get("defined", True))

    @property
    def no_core_reason(self) -> str:
        """Why no core could be told apart: ``no_ties``, ``all_ties`` or ``too_few``."""
        return self.core_periphery().get("reason", "too_few")

    @property
    def coreness(self) -> pd.Series:
        """Coreness per member id."""
        return self.members.set_index("member_id")["coreness"]

    @property
    def significance(self) -> dict:
        """The fit against random networks, per null model (``degree``, ``density``)."""
        return self.findings["significance"]

    @property
    def groupings(self) -> dict:
        """Leiden communities against random networks, and their agreement with departments."""
        return self.findings["groupings"]

    @property
    def other_communities(self) -> list[dict]:
        """Communities by the other methods (untested)."""
        return self.findings.get("other_communities", [])

    @property
    def indispensable(self) -> dict:
        """Cut vertices, connectivity and fragmentation."""
        return self.findings["indispensable"]

    @property
    def composition(self) -> dict:
        """The core's make-up per attribute (empty without a core)."""
        return self.findings["composition"]

    def contrast_graphs(self) -> dict[str, nx.DiGraph]:
        """The contrasting networks of Figure 2 as saved, in drawing order."""
        graphs: dict[str, nx.DiGraph] = {}
        for name, part in self.contrast_members.groupby("network", sort=False):
            g = graphs.setdefault(name, nx.DiGraph())
            g.add_nodes_from((str(v), {"department": str(d), "answered": True}) for v, d in
                             zip(part["member_id"].tolist(), part["department"].tolist()))
        for name, part in self.contrast_ties.groupby("network", sort=False):
            # plain lists: iterating a pyarrow-backed column costs a call per value (1.6 million at 10,000 members)
            graphs[name].add_edges_from(zip(part["source"].astype(str).tolist(), part["target"].astype(str).tolist()))
        return graphs
