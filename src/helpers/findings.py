"""Turn analysis results into the plain JSON the handout reads.

The analysis notebooks call the methods in :mod:`helpers.analysis.coreperiphery`,
:mod:`helpers.analysis.structure`, :mod:`helpers.analysis.departments` and :mod:`helpers.analysis.external`; the
functions here keep of each result what the handout states and how it was made (method,
samples, seed), as dicts of plain numbers, strings and booleans. Member ids stay
pseudonymous; where the handout must point at a member it gets their role and
department instead.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd

from helpers.io import json_float
from helpers.analysis.network import role_and_department


def core_periphery(partition) -> dict:
    """A :class:`~helpers.analysis.coreperiphery.CorePeriphery` as JSON."""
    return {
        "variant": partition.variant, "method": partition.method, "params": dict(partition.params),
        "core": list(partition.core), "periphery": list(partition.periphery),
        "core_size": len(partition.core), "fit": json_float(partition.fit),
        "block_densities": {k: json_float(v) for k, v in partition.block_densities.items()},
        "n_optimal": int(partition.n_optimal), "unambiguous": bool(partition.is_unambiguous),
    }


def significance(result) -> dict:
    """A :class:`~helpers.analysis.coreperiphery.Significance` as JSON (without the sample itself)."""
    return {"observed": json_float(result.observed), "p_value": float(result.p_value), "n_samples": int(result.n_samples),
            "null": result.null, "null_mean": json_float(result.null_mean), "null_sd": json_float(result.null_sd),
            "variant": result.variant, "seed": int(result.seed), **_sequential(result)}


def _sequential(test) -> dict:
    """How a sequential test ended: most samples, why it stopped, the p-value's 99 % interval."""
    return {"max_samples": int(test.max_samples), "stopped": test.stopped,
            "p_low": json_float(test.p_low), "p_high": json_float(test.p_high)}


def groupings(finding) -> dict:
    """A :class:`~helpers.analysis.structure.GroupingsFinding` as JSON."""
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
    }


def communities(found, G: nx.DiGraph) -> dict:
    """Communities found by one more method (no test): size, modularity, agreement with departments."""
    from helpers.analysis.structure import adjusted_rand_index, normalized_mutual_information

    nodes = sorted(G.nodes())
    comm = [found.membership[v] for v in nodes]
    dept = [G.nodes[v]["department"] for v in nodes]
    return {"method": found.method, "n_communities": len(found.communities), "modularity": json_float(found.modularity),
            "nmi": json_float(normalized_mutual_information(comm, dept)), "ari": json_float(adjusted_rand_index(comm, dept))}


def indispensable(finding, G: nx.DiGraph) -> dict:
    """An :class:`~helpers.analysis.structure.IndispensableFinding` as JSON; cut vertices by role and department."""
    return {
        "nobody_indispensable": bool(finding.nobody_indispensable),
        "articulation_points": [role_and_department(G, m) for m in finding.articulation_points],
        "node_connectivity": int(finding.node_connectivity), "components": int(finding.components),
        "connectivity_exact": bool(finding.connectivity_exact), "distance_sources": finding.distance_sources,
        "distance_se": json_float(finding.distance_se),
        "max_fragmentation_change": json_float(finding.max_fragmentation_change),
        "max_distance_fragmentation_change": json_float(finding.max_distance_fragmentation_change),
    }


def composition(findings: dict) -> dict:
    """Core make-up findings per attribute as JSON."""
    return {
        attribute: {"cuts_across": bool(f.cuts_across), "p_value": float(f.p_value), "differs": bool(f.differs),
                    "method": f.method, "values_in_core": int((f.table["core_count"] > 0).sum()),
                    "values_in_forum": int((f.table["forum_count"] > 0).sum())}
        for attribute, f in findings.items()
    }


def member_table(G: nx.DiGraph, partition, coreness: pd.Series, measures: pd.DataFrame) -> pd.DataFrame:
    """Per member (pseudonymous): attributes, degrees, betweenness, group and coreness.

    ``partition`` None (no core could be told apart) puts every member in the periphery.
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


def no_core_periphery(G: nx.DiGraph, variant: str) -> dict:
    """The JSON of :func:`core_periphery` for a graph on which no split has a defined fit:
    no core, everyone in the periphery, ``defined`` False and the reason (:func:`no_core_reason`)."""
    return {
        "variant": variant, "method": None, "params": {}, "core": [], "periphery": sorted(G.nodes()),
        "core_size": 0, "fit": None, "n_optimal": 0, "unambiguous": False, "defined": False,
        "reason": no_core_reason(G),
        "block_densities": {k: None for k in ("core->core", "core->periphery", "periphery->core",
                                              "periphery->periphery")},
    }


def no_significance(null: str) -> dict:
    """The JSON of :func:`significance` when there is no fit to test (no core could be told apart)."""
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


def analyse_structure(G: nx.DiGraph, *, seed: int, n_samples: int = 1000, n_networks: int = 199):
    """Run every structure analysis of a wave and keep what the handout needs.

    Core-periphery in both variants with coreness, the fit against degree-preserving and
    same-density random networks (``n_samples`` each), Leiden communities against
    ``n_networks`` degree-preserving random networks (Louvain and greedy modularity
    alongside, untested), key players and the core's make-up; plus the contrasting
    networks of Figure 2 with their measures. The tests stop when their answer is clear
    (sequential Monte Carlo p-values); above 300 members they draw fewer random networks
    (:func:`helpers.analysis.permutation.samples_for_size`), and what was reduced is
    listed under ``reduced`` (:func:`reduced_settings`).

    When no core can be told apart (no ties, every possible tie, or too few answers; see
    :func:`no_core_reason`) the core-periphery entries say so (``defined`` False), the
    significance tests and the core's make-up are left out (None and empty), and every
    member is in the periphery.

    Returns
    -------
    results : dict
        JSON for ``results/structure.json``.
    tables : dict of str to pandas.DataFrame
        ``members``, ``key_players``, ``core_composition``, ``community_departments``,
        ``contrasts``: tables for ``results/<name>.csv``.
    """
    from helpers.analysis import coreperiphery, structure
    from helpers.analysis.permutation import samples_for_size
    from helpers.progress import tracker

    size = G.number_of_nodes()
    split = {v: _partition(G, v, seed) for v in coreperiphery.VARIANTS}
    defined = split["ignore"] is not None
    coreness = _coreness(G, seed)
    samples, networks = samples_for_size(n_samples, size), samples_for_size(n_networks, size)
    tests = {null: coreperiphery.significance(G, null=null, n_samples=samples, seed=seed,
                                              progress=tracker(f"significance ({null} null)")) if defined else None
             for null in ("degree", "density")}
    found = structure.groupings_finding(G, method="leiden", n_samples=networks, seed=seed,
                                        progress=tracker("groupings (random networks)"))
    others = [structure.detect_communities(G, method=m, seed=seed) for m in ("louvain", "greedy")]
    key = structure.indispensable_finding(G, seed=seed)
    measures_by_member = structure.member_measures(G, seed=seed)
    makeup = structure.composition_finding(G, split["ignore"].core, seed=seed) if defined else {}
    results = {
        "core_periphery": {v: {**core_periphery(p), "defined": True} if p is not None else no_core_periphery(G, v)
                           for v, p in split.items()},
        "significance": {null: significance(t) if t is not None else no_significance(null) for null, t in tests.items()},
        "groupings": groupings(found),
        "other_communities": [communities(c, G) for c in others],
        "indispensable": indispensable(key, G),
        "composition": composition(makeup),
        "reduced": reduced_settings(size, n_samples=n_samples, samples=samples, n_networks=n_networks,
                                    networks=networks, key=key,
                                    betweenness_sources=measures_by_member.attrs.get("betweenness_sources")),
    }
    departments = [d for _, d in sorted(G.nodes(data="department"))]
    contrasts = structure.contrasting_networks(G.number_of_nodes(), None, departments, seed=seed,
                                               n_edges=G.number_of_edges())

    def fit(g):
        p = _partition(g, "ignore", seed)
        return p.fit if p is not None else float("nan")

    measures = structure.contrast_measures({"wave": G, **contrasts}, fit=fit, seed=seed)
    tables = {
        "members": member_table(G, split["ignore"], coreness, measures_by_member),
        "key_players": key.players,
        "core_composition": pd.concat([f.table for f in makeup.values()] if makeup else
                                      [structure.core_composition(G, (), a) for a in ("gender", "role", "department")],
                                      ignore_index=True),
        "community_departments": found.makeup,
        "contrasts": measures.reset_index(),
    }
    return results, tables

