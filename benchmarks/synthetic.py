"""Seeded synthetic organisations for the benchmarks.

:func:`organisation` draws a tie graph that follows the project's graph contract
(:func:`helpers.analysis.network.build_graph`): member ids are pseudonymous strings, every node
carries ``gender``, ``role``, ``department`` and ``answered``, about 8 % of the members
did not answer and have no outgoing ties, and every edge carries a ``rating`` at or
above the example waves' tie threshold (2).

The structure is a stochastic block model [1]_ over departments and a planted core:

* departments: ``round(n / 25)`` of them for a large organisation (at least 6 while
  there are at least 24 members), of 5 to 60 members each (for small ``n``: at least
  ``n // departments``); sizes vary (gamma-distributed shares);
* roles: one director heading each department, everybody else a chief;
* a core of all directors and some chiefs drawn across departments:
  ``max(departments, round(min(0.3 n, 5 sqrt(n))))`` members (12 of 40, 500 of
  10,000);
* tie probability ``min(base * w, 0.95)`` for the ordered pair ``u -> v``, with
  ``w = within * cc`` where ``within`` is 5 inside a department and 1 across, and ``cc``
  is 6 between two core members, 2 between a core and a periphery member, 1 between
  two periphery members; ``base`` is solved so that respondents name
  ``mean_out_degree`` members on average: ``min(0.40 (n - 1), 20)`` by default,
  i.e. about 40 % density for a 40-member forum (as in the example wave) and 20 named
  colleagues in a large organisation.

Ties are drawn exactly as independent Bernoulli trials per cell, but without visiting
every cell: for each respondent and each block the number of ties is drawn from the
binomial distribution and the targets as a uniform sample without replacement, so a
10,000-member organisation takes a few seconds and memory linear in the ties.

References
----------
.. [1] P. W. Holland, K. B. Laskey and S. Leinhardt, "Stochastic blockmodels: first
   steps", Social Networks 5(2), 109-137, 1983.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd

__all__ = ["PARTNERS", "default_departments", "organisation", "external_table", "describe", "write_wave"]

#: Partner types of the example waves.
PARTNERS = ("municipalities", "regions", "ministries", "businesses", "interest_organisations", "education",
            "citizens")

NON_RESPONSE = 0.08
WITHIN = 5.0
CORE_CORE = 6.0
CORE_PERIPHERY = 2.0
P_MAX = 0.95


def default_departments(n_members: int) -> int:
    """Number of departments of an organisation of ``n_members``: about one per 25 members, at least 6.

    Examples
    --------
    >>> [default_departments(n) for n in (40, 400, 4000, 10000)]
    [6, 16, 160, 400]
    """
    return max(min(6, n_members // 4), round(n_members / 25), 1)


def _department_sizes(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` sizes summing to ``n``, varied, each within [lo, hi]."""
    lo = min(5, n // k)
    hi = max(60, math.ceil(n / k))
    share = rng.gamma(4.0, 1.0, size=k)
    sizes = np.floor(share / share.sum() * n).astype(int)
    for i in np.argsort(-share)[: n - sizes.sum()]:
        sizes[i] += 1
    while sizes.min() < lo or sizes.max() > hi:
        small, large = int(np.argmin(sizes)), int(np.argmax(sizes))
        sizes[small] += 1
        sizes[large] -= 1
    return sizes


def _sample_cells(start, length, hole_start, hole_len, counts, rng):
    """For each row i, ``counts[i]`` distinct positions in ``[start, start + length)`` minus its hole.

    Returns (row, position) arrays. Draws uniformly and redraws the repeats of a row
    until none is left, which gives a uniform sample without replacement.
    """
    row = np.repeat(np.arange(len(counts)), counts)
    size = (length - hole_len)[row]
    pos = np.empty(len(row), dtype=np.int64)
    todo = np.arange(len(row))
    while len(todo):
        r = (rng.random(len(todo)) * size[todo]).astype(np.int64)
        p = start[row[todo]] + r
        p += np.where(p >= hole_start[row[todo]], hole_len[row[todo]], 0)
        pos[todo] = p
        key = row * (int(pos.max()) + 1) + pos
        _, first = np.unique(key, return_index=True)
        keep = np.zeros(len(row), dtype=bool)
        keep[first] = True
        todo = np.flatnonzero(~keep)
    return row, pos


def organisation(n_members: int, *, seed: int, departments: int | None = None,
                 mean_out_degree: float | None = None, non_response: float = NON_RESPONSE) -> nx.DiGraph:
    """A synthetic organisation's tie graph (see the module notes for the model).

    Parameters
    ----------
    n_members : int
        Members (at least 4).
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same graph.
    departments : int, optional
        Number of departments (default :func:`default_departments`).
    mean_out_degree : float, optional
        Members a respondent names on average (default ``min(0.40 (n - 1), 20)``).
    non_response : float
        Share of members who did not answer (rounded to a whole number of members).

    Returns
    -------
    networkx.DiGraph
        Nodes ``P0001``, ``P0002``, ... (sorted, zero-padded) with ``gender``, ``role``,
        ``department`` and ``answered``; edges with ``rating`` 2 or 3, only out of
        respondents. ``G.graph`` holds ``generator`` (the parameters, ``base`` and the
        block weights) and ``planted_core`` (the core member ids, sorted).

    Examples
    --------
    >>> G = organisation(40, seed=1)
    >>> G.number_of_nodes(), sum(not a for _, a in G.nodes(data="answered"))
    (40, 3)
    >>> sorted({d for _, d in G.nodes(data="department")}) == sorted(
    ...     {d for _, d in organisation(40, seed=1).nodes(data="department")})
    True
    """
    n = int(n_members)
    if n < 4:
        raise ValueError("an organisation needs at least 4 members")
    rng = np.random.default_rng(seed)
    k = default_departments(n) if departments is None else int(departments)
    if not 1 <= k <= n:
        raise ValueError(f"{k} departments do not fit {n} members")
    degree = min(0.40 * (n - 1), 20.0) if mean_out_degree is None else float(mean_out_degree)

    sizes = _department_sizes(n, k, rng)
    dept = np.repeat(np.arange(k), sizes)  # structural order: by department
    director = np.zeros(n, dtype=bool)
    director[np.concatenate([[0], np.cumsum(sizes)[:-1]])] = True
    core_size = max(k, round(min(0.3 * n, 5 * math.sqrt(n))))
    core = director.copy()
    chiefs = np.flatnonzero(~director)
    core[rng.choice(chiefs, size=min(core_size - k, len(chiefs)), replace=False)] = True
    female = rng.random(n) < 0.5
    answered = np.ones(n, dtype=bool)
    answered[rng.choice(n, size=round(non_response * n), replace=False)] = False

    # positions sorted by (core, department): every block is a contiguous range
    order = np.lexsort((np.arange(n), dept, core))
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    seg_start = np.zeros((2, k), dtype=np.int64)
    seg_len = np.zeros((2, k), dtype=np.int64)
    for c in (0, 1):
        counts = np.bincount(dept[core == bool(c)], minlength=k)
        base_c = 0 if c == 0 else int((~core).sum())
        seg_start[c] = base_c + np.concatenate([[0], np.cumsum(counts)[:-1]])
        seg_len[c] = counts
    group_start = np.array([0, int((~core).sum())])
    group_len = np.array([int((~core).sum()), int(core.sum())])

    senders = np.flatnonzero(answered)
    u_core = core[senders].astype(int)
    u_dept = dept[senders]
    blocks = []  # (v_core, same, start, length, hole_start, hole_len, weight per sender)
    cc = np.array([[1.0, CORE_PERIPHERY], [CORE_PERIPHERY, CORE_CORE]])
    for v_core in (0, 1):
        s, ln = seg_start[v_core, u_dept], seg_len[v_core, u_dept]
        own = u_core == v_core
        hole = np.where(own, position[senders], s + ln)
        blocks.append((v_core, 1, s, ln, hole, own.astype(np.int64), WITHIN * cc[u_core, v_core]))
        blocks.append((v_core, 0, np.full_like(s, group_start[v_core]), np.full_like(s, group_len[v_core]),
                       s, ln, cc[u_core, v_core]))

    cells = np.concatenate([b[3] - b[5] for b in blocks])
    weights = np.concatenate([b[6] for b in blocks])
    target = min(degree * len(senders), P_MAX * cells.sum())
    lo, hi = 0.0, P_MAX / weights.min()
    for _ in range(100):
        mid = (lo + hi) / 2
        if (cells * np.minimum(mid * weights, P_MAX)).sum() < target:
            lo = mid
        else:
            hi = mid
    base = (lo + hi) / 2

    sources, targets = [], []
    for v_core, same, start, length, hole_start, hole_len, w in blocks:
        p = np.minimum(base * w, P_MAX)
        counts = rng.binomial(length - hole_len, p)
        row, pos = _sample_cells(start, length, hole_start, hole_len, counts, rng)
        sources.append(senders[row])
        targets.append(order[pos])
    src, dst = np.concatenate(sources), np.concatenate(targets)

    # member ids in random order, so that sorted ids say nothing about the structure
    width = len(str(n))
    rank = rng.permutation(n)  # structural index -> rank of the id
    ids = np.array([f"P{i + 1:0{width}d}" for i in range(n)])
    names = [f"D{j + 1:0{len(str(k))}d}" for j in range(k)]
    rating = np.where(rng.random(len(src)) < 0.6, 2, 3)
    G = nx.DiGraph()
    by_rank = np.argsort(rank)
    G.add_nodes_from((ids[rank[i]], {"gender": "female" if female[i] else "male",
                                     "role": "director" if director[i] else "chief",
                                     "department": names[dept[i]], "answered": bool(answered[i])})
                     for i in by_rank)
    edge_order = np.lexsort((rank[dst], rank[src]))
    G.add_edges_from((ids[rank[a]], ids[rank[b]], {"rating": int(r)})
                     for a, b, r in zip(src[edge_order], dst[edge_order], rating[edge_order]))
    G.graph["generator"] = {"model": "stochastic block model (departments x core)", "n_members": n,
                            "seed": seed, "departments": k, "core_size": int(core.sum()),
                            "mean_out_degree": degree, "non_response": non_response, "base": float(base),
                            "within": WITHIN, "core_core": CORE_CORE, "core_periphery": CORE_PERIPHERY,
                            "p_max": P_MAX}
    G.graph["planted_core"] = tuple(sorted(ids[rank[np.flatnonzero(core)]]))
    return G


def external_table(G: nx.DiGraph, *, seed: int, partners=PARTNERS) -> pd.DataFrame:
    """Tidy external-relations answers for the respondents of ``G`` (``io.read_tidy``'s ``external``).

    One row per respondent and partner: 85 % answered on the 1-4 scale (planted core
    members half a step higher on average), 7 % "don't know", 8 % blank.

    Returns
    -------
    pandas.DataFrame
        Columns ``member_id, partner, rating, status``, sorted by member and partner order.

    Examples
    --------
    >>> ext = external_table(organisation(40, seed=1), seed=1)
    >>> len(ext), sorted(ext["status"].unique())
    (259, ['answered', 'blank', 'dont_know'])
    """
    rng = np.random.default_rng(seed)
    members = sorted(v for v, a in G.nodes(data="answered") if a)
    core = set(G.graph.get("planted_core", ()))
    m, p = len(members), len(partners)
    shift = np.array([0.5 if v in core else 0.0 for v in members])[:, None]
    rating = np.clip(np.rint(rng.normal(2.3 + shift, 0.9, size=(m, p))), 1, 4)
    u = rng.random((m, p))
    status = np.where(u < 0.85, "answered", np.where(u < 0.92, "dont_know", "blank"))
    rating = np.where(status == "answered", rating, np.nan)
    return pd.DataFrame({"member_id": np.repeat(members, p), "partner": np.tile(list(partners), m),
                         "rating": rating.ravel(), "status": status.ravel()})


def describe(G: nx.DiGraph) -> dict:
    """Figures that show whether a synthetic organisation looks as intended.

    Returns
    -------
    dict
        ``members, respondents, departments, department_min, department_max, ties,
        density`` (over respondents' cells), ``mean_out_degree``, ``within_between``
        (density inside departments over density across), ``core_core``,
        ``core_periphery``, ``periphery_periphery`` (block densities of the planted core).
    """
    nodes = sorted(G.nodes())
    index = {v: i for i, v in enumerate(nodes)}
    dept_names = sorted({d for _, d in G.nodes(data="department")})
    dept = np.array([dept_names.index(G.nodes[v]["department"]) for v in nodes])
    answered = np.array([bool(G.nodes[v]["answered"]) for v in nodes])
    planted = set(G.graph.get("planted_core", ()))
    core = np.array([v in planted for v in nodes])
    src = np.array([index[u] for u, _ in G.edges()], dtype=np.int64)
    dst = np.array([index[v] for _, v in G.edges()], dtype=np.int64)
    n, r = len(nodes), int(answered.sum())
    sizes = np.bincount(dept, minlength=len(dept_names))
    resp_per_dept = np.bincount(dept[answered], minlength=len(dept_names))
    within_cells = float((resp_per_dept * (sizes - 1)).sum())
    within_ties = float((dept[src] == dept[dst]).sum())
    between_cells = r * (n - 1) - within_cells

    def block(a, b):
        cells = float((answered & a).sum() * b.sum() - (answered & a & b).sum())
        ties = float((a[src] & b[dst]).sum())
        return ties / cells if cells else math.nan

    within = within_ties / within_cells if within_cells else math.nan
    between = (len(src) - within_ties) / between_cells if between_cells else math.nan
    return {"members": n, "respondents": r, "departments": len(dept_names), "department_min": int(sizes.min()),
            "department_max": int(sizes.max()), "ties": len(src), "density": len(src) / (r * (n - 1)),
            "mean_out_degree": len(src) / r, "within_between": within / between if between else math.nan,
            "core_core": block(core, core), "core_periphery": block(core, ~core),
            "periphery_periphery": block(~core, ~core)}


if __name__ == "__main__":  # a look at the four benchmark sizes
    import sys
    import time

    for size in [int(a) for a in sys.argv[1:]] or [40, 400, 4000, 10000]:
        t0 = time.perf_counter()
        graph = organisation(size, seed=size)
        took = time.perf_counter() - t0
        d = describe(graph)
        print(f"{size:>6} members  {took:5.2f} s  " + "  ".join(
            f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in d.items() if k != "members"))


_RATING_LABELS = {0: "Aldrig", 1: "Sjældent", 2: "Månedligt", 3: "Ugentligt"}
_EXTERNAL_LABELS = {1: "Slet ikke", 2: "I mindre grad", 3: "I nogen grad", 4: "I høj grad"}


def write_wave(G: nx.DiGraph, folder, *, wave_id: str, seed: int = 0):
    """Write ``G`` as a survey tool's raw export: ``roster.csv``, ``relations.csv``, ``external.csv``, ``wave.yml``.

    The relations are an edge list (``format: long``: respondent, rated member, answer;
    only the ties are listed, every other pair counts as not named), so a 5,000-member
    wave is a few MB instead of a 25-million-cell matrix. The external answers come from
    :func:`external_table`. Everything else follows the example waves' ``wave.yml``.

    Returns
    -------
    pathlib.Path
        The wave folder.
    """
    from pathlib import Path

    from helpers.ingest import example

    folder = Path(folder)
    folder.mkdir(parents=True)
    nodes = sorted(G.nodes())
    names = {v: f"Medlem {v}" for v in nodes}
    roster = pd.DataFrame({
        "Medarbejdernr": [str(v) for v in nodes],
        "Navn": [names[v] for v in nodes],
        "Køn": ["Kvinde" if G.nodes[v]["gender"] == "female" else "Mand" for v in nodes],
        "Stilling": ["Direktør" if G.nodes[v]["role"] == "director" else "Chef" for v in nodes],
        "Magistratsafdeling": [str(G.nodes[v]["department"]) for v in nodes],
        "Besvaret": ["Ja" if G.nodes[v]["answered"] else "Nej" for v in nodes],
    })
    edges = sorted((str(u), str(v), int(r)) for u, v, r in G.edges(data="rating"))
    relations = pd.DataFrame({"Respondent": [f"Medlem {u}" for u, _, _ in edges],
                              "Medlem": [f"Medlem {v}" for _, v, _ in edges],
                              "Svar": [_RATING_LABELS[r] for _, _, r in edges]})
    ext = external_table(G, seed=seed)
    columns = dict(zip(PARTNERS, ("Andre kommuner", "Regioner", "Ministerier og styrelser",
                                  "Virksomheder/erhvervsliv", "Interesseorganisationer",
                                  "Uddannelsesinstitutioner", "Borgere")))
    ext["answer"] = np.where(ext["status"] == "answered", ext["rating"].map(lambda r: _EXTERNAL_LABELS.get(r, "")),
                             np.where(ext["status"] == "dont_know", "Ved ikke", ""))
    wide = ext.pivot(index="member_id", columns="partner", values="answer")[list(PARTNERS)]
    wide.columns = [columns[p] for p in wide.columns]
    wide.insert(0, "Respondent", [f"Medlem {v}" for v in wide.index])
    spec = example.WaveSpec(1, wave_id, f"Synthetic organisation {wave_id}", "2021-02-22",
                            f"Synthetic organisation {wave_id}")
    text = example.wave_yml(spec).replace(
        "  format: wide            # wide: one row per respondent, one column per member; long: an edge list\n",
        "  format: long\n  target_column: Medlem\n  rating_column: Svar\n", 1)
    (folder / "wave.yml").write_text(text, encoding="utf-8")
    for name, frame in (("roster", roster), ("relations", relations), ("external", wide)):
        frame.to_csv(folder / f"{name}.csv", sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return folder
