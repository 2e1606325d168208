"""Propose job-visit pairs and wrap-up groups for the forum.

After the seminar every leader is paired with another: in March one hosts the other for
a job visit, in April the other way round, and in May two pairs meet for a joint wrap-up.
Good relations and knowing each other are preconditions for cross-boundary
collaboration, so the pairs are chosen to connect members who are far apart: from
different departments, without a tie yet, one from the core and one from the periphery.

How the pairs are chosen
------------------------
Every allowed pair of members gets an integer score (:class:`ScoreWeights`,
:func:`score_pair`); pairs that an exclusion file forbids (:func:`read_exclusions`) are
not allowed. The plan maximises the sum of the scores of all pairs that visit each other,
exactly:

* an even number of members: a maximum-weight perfect matching on the graph of allowed
  pairs (Edmonds' blossom algorithm [1]_, as implemented in
  ``networkx.max_weight_matching`` with ``maxcardinality=True`` after Galil [2]_);
* an odd number of members: the pairs plus one trio, in which each member is once host
  and once guest in a cycle (all three of its pairs meet, and all three score). The best
  trio is found by branch and bound over all trios, with matchings as bounds (see
  :func:`propose_visits`); the result is the exact optimum, which the tests check
  against brute-force enumeration.

Ties between equally good plans are broken by a small seeded perturbation that cannot
change the optimum of the score itself (see :func:`propose_visits`), so the same inputs
and seed always give the same plan, and a different seed may give another plan with the
same score.

The pairs are then grouped two by two into wrap-up groups (one group of three pairs when
the number of pairs is odd), maximising the number of member pairs from different
departments that meet in a group for the first time, with the same solver.

Outputs carry pseudonyms only. :func:`mail_merge` adds names only when the caller passes
a key table mapping pseudonym to name.

References
----------
.. [1] J. Edmonds, "Paths, trees, and flowers", Canadian Journal of Mathematics 17,
   449-467, 1965.
.. [2] Z. Galil, "Efficient algorithms for finding maximum matching in graphs", ACM
   Computing Surveys 18(1), 23-38, 1986.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import yaml

from helpers.ingest.visit_pairs import VISIT_PAIR_COLUMNS
from helpers import safeyaml
from helpers.errors import Problem, ValidationError

__all__ = [
    "MONTHS",
    "RULES",
    "TERMS",
    "Exclusions",
    "PairScore",
    "ScoreWeights",
    "VisitPlan",
    "explain",
    "key_names",
    "mail_merge",
    "propose_visits",
    "read_exclusions",
    "score_pair",
    "score_terms",
    "visit_pairs_table",
    "write_mail_merge",
    "write_visit_pairs",
]

#: The two visit months, in order.
MONTHS = ("march", "april")
#: Score terms and how :func:`explain` names them.
TERMS = {
    "different_department": "different departments",
    "no_tie": "no tie",
    "weak_tie": "weak tie",
    "core_periphery": "core and periphery",
}
#: Rules an exclusion file can switch on (see :func:`read_exclusions`).
RULES = ("same_department_director_chief", "same_department")

# Tie-breaking perturbations are drawn from [0, _SPREAD).
_SPREAD = 1 << 16
_EXCLUSION_KEYS = ("pairs", "last_round", "rules")


# ---------------------------------------------------------------------------
# the score
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreWeights:
    """Points a pair of members earns for each reason to visit each other.

    A pair's score is the sum of the points of the terms that apply to it. The defaults
    put the seminar's purpose first: crossing department boundaries (3), then getting to
    know someone one has no tie with (2, or 1 for a weak tie), then mixing core and
    periphery (1). Points are non-negative integers, so scores add up exactly.

    Attributes
    ----------
    different_department : int
        The two members are in different departments.
    no_tie : int
        Neither named the other (in either direction) in the given wave.
    weak_tie : int
        They are tied, but the strongest rating between them is at most
        ``weak_rating``. Only ties at or above the wave's threshold are in the graph,
        so "weak" means weak among ties.
    weak_rating : int or None
        Highest rating that counts as weak; ``None`` (default) counts no tie as weak.
    core_periphery : int
        One member is in the core, the other in the periphery (only when a core is given).

    Examples
    --------
    >>> ScoreWeights().different_department
    3
    """

    different_department: int = 3
    no_tie: int = 2
    weak_tie: int = 1
    weak_rating: int | None = None
    core_periphery: int = 1

    def __post_init__(self) -> None:
        for name in TERMS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"ScoreWeights.{name} must be a non-negative integer, not {value!r}")
        if self.weak_rating is not None and (
            isinstance(self.weak_rating, bool) or not isinstance(self.weak_rating, (int, np.integer))
        ):
            raise ValueError(f"ScoreWeights.weak_rating must be an integer or None, not {self.weak_rating!r}")


@dataclass(frozen=True)
class PairScore:
    """The score of one pair and the terms it is made of.

    Attributes
    ----------
    members : tuple of str
        The two members, sorted.
    terms : tuple of (str, int)
        The terms that apply with their points, in the order of :data:`TERMS`; terms with
        0 points are left out.
    total : int
        Sum of the points.
    """

    members: tuple[str, str]
    terms: tuple[tuple[str, int], ...]
    total: int


def _core_members(core: Any) -> set[str] | None:
    if core is None:
        return None
    members = core.core if hasattr(core, "core") else core
    if isinstance(members, str):
        raise TypeError("core must be a collection of member ids or a CorePeriphery, not a string")
    return {str(m) for m in members}


def _strongest(G: nx.Graph, u: str, v: str) -> tuple[bool, int | None]:
    """Whether u and v are tied in either direction, and the strongest rating (None if unknown)."""
    ratings, tied = [], False
    for s, t in ((u, v), (v, u)):
        if G.has_edge(s, t):
            tied = True
            rating = G.edges[s, t].get("rating")
            if rating is not None:
                ratings.append(int(rating))
    return tied, (max(ratings) if ratings else None)


def _score(G: nx.Graph, u: str, v: str, core: set[str] | None, weights: ScoreWeights) -> PairScore:
    u, v = sorted((str(u), str(v)))
    applies = {}
    applies["different_department"] = G.nodes[u].get("department") != G.nodes[v].get("department")
    tied, rating = _strongest(G, u, v)
    applies["no_tie"] = not tied
    applies["weak_tie"] = (
        tied and weights.weak_rating is not None and rating is not None and rating <= weights.weak_rating
    )
    applies["core_periphery"] = core is not None and ((u in core) != (v in core))
    terms = tuple(
        (name, int(getattr(weights, name))) for name in TERMS if applies[name] and getattr(weights, name) > 0
    )
    return PairScore((u, v), terms, int(sum(p for _, p in terms)))


def score_pair(
    G: nx.Graph,
    u: str,
    v: str,
    *,
    core: Any = None,
    weights: ScoreWeights | None = None,
) -> PairScore:
    """Score one pair of members as visit partners.

    Ties are read undirected: the pair is tied when either named the other. A
    non-respondent's own ties are unobserved, so a pair with a non-respondent is untied
    when the other did not name them.

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph (graph contract of :mod:`helpers.analysis.network`), or an undirected
        graph with the same node attributes.
    u, v : str
        Two different members.
    core : collection of str or CorePeriphery, optional
        Core members; without it the core-periphery term never applies.
    weights : ScoreWeights, optional
        Points per term (default :class:`ScoreWeights`).

    Returns
    -------
    PairScore

    Examples
    --------
    >>> G = nx.DiGraph(); G.add_nodes_from([("a", {"department": "X"}), ("b", {"department": "Y"})])
    >>> explain(score_pair(G, "a", "b", core={"a"}))
    'different departments +3, no tie +2, core and periphery +1 = 6'
    """
    if str(u) == str(v):
        raise ValueError("a pair needs two different members")
    for m in (u, v):
        if m not in G:
            raise ValueError(f"member {m!r} is not in the graph")
    return _score(G, u, v, _core_members(core), weights or ScoreWeights())


def explain(score: PairScore) -> str:
    """The terms of a pair's score in words.

    Parameters
    ----------
    score : PairScore
        From :func:`score_pair`.

    Returns
    -------
    str
        E.g. ``"different departments +3, no tie +2 = 5"``, or ``"no term applies = 0"``.

    Examples
    --------
    >>> explain(PairScore(("a", "b"), (("different_department", 3),), 3))
    'different departments +3 = 3'
    """
    if not score.terms:
        return f"no term applies = {score.total}"
    parts = ", ".join(f"{TERMS[name]} +{points}" for name, points in score.terms)
    return f"{parts} = {score.total}"


def score_terms(weights: ScoreWeights | None = None) -> pd.DataFrame:
    """The score's terms as a table, for the handout.

    Parameters
    ----------
    weights : ScoreWeights, optional
        Default :class:`ScoreWeights`.

    Returns
    -------
    pandas.DataFrame
        Columns ``term, label, points, applies_when``; one row per term in the order of
        :data:`TERMS`.
    """
    w = weights or ScoreWeights()
    weak = (
        "never (no weak_rating given)"
        if w.weak_rating is None
        else f"tied, strongest rating at most {w.weak_rating}"
    )
    conditions = {
        "different_department": "the two are in different departments",
        "no_tie": "neither named the other",
        "weak_tie": weak,
        "core_periphery": "one is in the core, the other in the periphery",
    }
    return pd.DataFrame(
        [(name, TERMS[name], int(getattr(w, name)), conditions[name]) for name in TERMS],
        columns=["term", "label", "points", "applies_when"],
    )


# ---------------------------------------------------------------------------
# exclusions
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Exclusions:
    """Pairs of members who must not be visit partners.

    Attributes
    ----------
    pairs : tuple of tuple of str
        Pairs never to be matched (sorted member ids).
    last_round : tuple of tuple of str
        Pairs (or trios) of the last round; no two members of one of them are matched
        again.
    same_department_director_chief : bool
        No director is paired with a chief of their own department.
    same_department : bool
        No two members of the same department are paired.
    source : str
        The file the exclusions were read from ("" when built in code).
    """

    pairs: tuple[tuple[str, ...], ...] = ()
    last_round: tuple[tuple[str, ...], ...] = ()
    same_department_director_chief: bool = False
    same_department: bool = False
    source: str = ""

    def members(self) -> set[str]:
        """Every member id named in ``pairs`` or ``last_round``."""
        return {m for group in self.pairs + self.last_round for m in group}

    def forbidden(self, G: nx.Graph, members: Collection[str] | None = None) -> dict[tuple[str, str], str]:
        """The forbidden pairs among the members, with the reason.

        Parameters
        ----------
        G : networkx.Graph
            The wave's graph (for departments and roles).
        members : collection of str, optional
            Members to pair (default: every node of ``G``).

        Returns
        -------
        dict
            ``(u, v) -> reason`` with ``u < v``, for forbidden pairs of members; ids that
            are not among the members are ignored.
        """
        present = {str(m) for m in (G.nodes if members is None else members)}
        out: dict[tuple[str, str], str] = {}
        for group in self.pairs:
            for u, v in itertools.combinations(sorted(group), 2):
                if u in present and v in present:
                    out.setdefault((u, v), "excluded pair")
        for group in self.last_round:
            for u, v in itertools.combinations(sorted(group), 2):
                if u in present and v in present:
                    out.setdefault((u, v), "paired in the last round")
        if self.same_department or self.same_department_director_chief:
            for u, v in itertools.combinations(sorted(present), 2):
                du, dv = G.nodes[u].get("department"), G.nodes[v].get("department")
                if du != dv:
                    continue
                if self.same_department:
                    out.setdefault((u, v), "same department")
                roles = {G.nodes[u].get("role"), G.nodes[v].get("role")}
                if self.same_department_director_chief and roles == {"director", "chief"}:
                    out.setdefault((u, v), "director and chief of the same department")
        return dict(sorted(out.items()))


def _yaml_problem(name: str, node: Any, key: str | None, found: str, expected: str) -> Problem:
    row = node.start_mark.line + 1 if node is not None and getattr(node, "start_mark", None) else None
    return Problem(name, row, key, found, expected)


def _describe(node: Any) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return f"a list of {len(node.value)}"
    if node.tag.endswith(":null"):
        return "nothing"
    return repr(node.value)


def _read_groups(
    name: str, key: str, node: Any, sizes: tuple[int, ...], problems: list[Problem]
) -> tuple[tuple[str, ...], ...]:
    expected = " or ".join(str(s) for s in sizes)
    if node.tag.endswith(":null"):
        return ()
    if not isinstance(node, yaml.SequenceNode):
        problems.append(_yaml_problem(name, node, key, _describe(node), f"a list of items of {expected} member ids"))
        return ()
    groups = []
    for i, item in enumerate(node.value, start=1):
        where = f"{key}[{i}]"
        if not isinstance(item, yaml.SequenceNode):
            problems.append(_yaml_problem(name, item, where, _describe(item), f"a list of {expected} member ids"))
            continue
        ids = []
        for element in item.value:
            if not isinstance(element, yaml.ScalarNode) or element.tag.endswith(":null") or not element.value.strip():
                problems.append(_yaml_problem(name, element, where, _describe(element), "a member id"))
                break
            ids.append(element.value.strip())
        else:
            if len(ids) not in sizes:
                problems.append(_yaml_problem(name, item, where, f"{len(ids)} member ids", f"{expected} member ids"))
            elif len(set(ids)) != len(ids):
                problems.append(_yaml_problem(name, item, where, f"the same member twice ({ids})", "different members"))
            else:
                groups.append(tuple(sorted(ids)))
    return tuple(sorted(set(groups)))


def _read_rules(name: str, node: Any, problems: list[Problem]) -> dict[str, bool]:
    if node.tag.endswith(":null"):
        return {}
    if not isinstance(node, yaml.MappingNode):
        expected = f"a mapping of {list(RULES)} to true/false"
        problems.append(_yaml_problem(name, node, "rules", _describe(node), expected))
        return {}
    rules: dict[str, bool] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        where = f"rules.{key}"
        if key not in RULES:
            problems.append(_yaml_problem(name, key_node, where, f"the rule {key!r}", f"one of {list(RULES)}"))
            continue
        if key in rules:
            problems.append(_yaml_problem(name, key_node, where, "the rule twice", "each rule once"))
            continue
        if not (isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(":bool")):
            problems.append(_yaml_problem(name, value_node, where, _describe(value_node), "true or false"))
            continue
        rules[key] = value_node.value.lower() in ("true", "yes", "on", "y")
    return rules


def read_exclusions(path: str | Path) -> Exclusions:
    """Read the pairs that must not be visit partners from a YAML file.

    The file is a mapping with up to three keys, all optional::

        pairs:              # never pair these two
          - [k3f9a2c1, b7d0e4aa]
        last_round:         # the pairs (or a trio) of the previous round
          - [c1d2e3f4, a9b8c7d6]
          - [e5f6a7b8, d4c3b2a1, f0e1d2c3]
        rules:
          same_department_director_chief: true   # no chief with their own director
          same_department: false                 # no two of the same department

    Member ids are read as written (``0123`` stays ``"0123"``). An empty file excludes
    nothing. Ids of members who are not in the forum are ignored when the plan is made
    (a member of the last round may have left).

    Parameters
    ----------
    path : str or Path
        The YAML file.

    Returns
    -------
    Exclusions

    Raises
    ------
    ValidationError
        With one :class:`~helpers.errors.Problem` per problem: the file name, the line
        (as ``row``), the key (as ``column``, e.g. ``pairs[2]`` or
        ``rules.same_department``), what was found and what was expected.
    """
    path = Path(path)
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        found = f"a file that cannot be read ({exc.strerror})"
        raise ValidationError([Problem(name, None, None, found, "a YAML file")]) from exc
    except UnicodeDecodeError as exc:
        raise ValidationError([Problem(name, None, None, "text that is not UTF-8", "a UTF-8 YAML file")]) from exc
    try:
        root = safeyaml.compose(text, name)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        found = f"invalid YAML ({getattr(exc, 'problem', None) or exc})"
        raise ValidationError(
            [
                Problem(
                    name, mark.line + 1 if mark else None, None, found,
                    f"a YAML mapping with the keys {list(_EXCLUSION_KEYS)}",
                )
            ]
        ) from exc
    if root is None:
        return Exclusions(source=name)
    if not isinstance(root, yaml.MappingNode):
        raise ValidationError(
            [_yaml_problem(name, root, None, _describe(root), f"a mapping with the keys {list(_EXCLUSION_KEYS)}")]
        )
    problems: list[Problem] = []
    seen: dict[str, Any] = {}
    for key_node, value_node in root.value:
        key = str(key_node.value)
        if key not in _EXCLUSION_KEYS:
            problems.append(_yaml_problem(name, key_node, key, f"the key {key!r}", f"one of {list(_EXCLUSION_KEYS)}"))
        elif key in seen:
            problems.append(_yaml_problem(name, key_node, key, "the key twice", "each key once"))
        else:
            seen[key] = value_node
    pairs = _read_groups(name, "pairs", seen["pairs"], (2,), problems) if "pairs" in seen else ()
    last = _read_groups(name, "last_round", seen["last_round"], (2, 3), problems) if "last_round" in seen else ()
    rules = _read_rules(name, seen["rules"], problems) if "rules" in seen else {}
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise ValidationError(problems)
    return Exclusions(
        pairs=pairs,
        last_round=last,
        same_department_director_chief=rules.get("same_department_director_chief", False),
        same_department=rules.get("same_department", False),
        source=name,
    )


# ---------------------------------------------------------------------------
# the exact solver: pairs, and one trio when the count is odd
# ---------------------------------------------------------------------------


def _tie_breakers(keys: list[tuple], seed: Any, n_units: int) -> tuple[int, dict[tuple, int]]:
    """Scale and seeded perturbations that break ties without changing the optimum.

    Every plan has at most ``n_units // 2 + 2`` scored pairs (pairs, or pairs and one
    trio). Each perturbation is below ``_SPREAD``, so the perturbations of two plans
    differ by less than ``(n_units // 2 + 2) * _SPREAD``. Scores are integers, so a
    better plan beats a worse one by at least one point, which after scaling by ``scale
    > (n_units // 2 + 2) * _SPREAD`` outweighs any difference in perturbations: the
    perturbed optimum is an optimum of the score.
    """
    scale = _SPREAD * (n_units // 2 + 3)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, _SPREAD, size=len(keys))
    return scale, {k: int(d) for k, d in zip(keys, draws)}


def _matching(nodes: list, weight: Mapping[tuple, int]) -> tuple[list[tuple], int] | None:
    """Maximum-weight perfect matching of ``nodes`` over the allowed pairs, or None."""
    if not nodes:
        return [], 0
    if len(nodes) % 2:
        return None
    inside = set(nodes)
    H = nx.Graph()
    H.add_nodes_from(nodes)
    H.add_weighted_edges_from((u, v, w) for (u, v), w in weight.items() if u in inside and v in inside)
    matched = nx.max_weight_matching(H, maxcardinality=True, weight="weight")
    if 2 * len(matched) != len(nodes):
        return None
    pairs = sorted(tuple(sorted(p)) for p in matched)
    return pairs, int(sum(weight[p] for p in pairs))


def _trio_weight(trio: tuple, weight: Mapping[tuple, int]) -> int | None:
    total = 0
    for p in itertools.combinations(trio, 2):
        if p not in weight:
            return None
        total += weight[p]
    return total


def _best_partition(nodes: list, weight: Mapping[tuple, int]) -> tuple[list[tuple], int, int]:
    """Split ``nodes`` into pairs (and one trio when odd) maximising the summed weight.

    ``weight`` maps each allowed pair ``(u, v)``, ``u < v``, to an integer. Returns the
    groups (sorted tuples, sorted), the total weight, and the number of trios whose
    best completion was computed exactly (for the record).

    Odd counts: a trio ``T = {x, y, z}`` scores ``w(T) + M(V - T)`` where ``M`` is the
    best perfect matching of the rest. Since ``w(y, z) + M(V - T)`` is the weight of a
    perfect matching of ``V - {x}``, it is at most ``M(V - {x})``, so
    ``w(x, y) + w(x, z) + M(V - {x})`` bounds the trio from above, for each of its three
    members. Trios are checked exactly in the order of their best bound until the bound
    falls to the best value found (branch and bound); the initial best value comes from
    attaching each left-out member to a pair of its matching.
    """
    nodes = sorted(nodes)
    n = len(nodes)
    if n == 0:
        return [], 0, 0
    if n == 1:
        raise ValueError("cannot pair a single member")
    if n % 2 == 0:
        found = _matching(nodes, weight)
        if found is None:
            raise ValueError("no way to pair everyone: the exclusions leave some member(s) without an allowed partner")
        return found[0], found[1], 0

    without: dict[Any, tuple[list[tuple], int] | None] = {
        x: _matching([m for m in nodes if m != x], weight) for x in nodes
    }
    best, best_value = _attached_start(nodes, weight, without)
    evaluated = 0
    for negative_bound, trio, w in _trio_candidates(nodes, weight, without):
        if best_value is not None and -negative_bound <= best_value:
            break
        evaluated += 1
        rest = _matching([m for m in nodes if m not in trio], weight)
        if rest is not None and (best_value is None or w + rest[1] > best_value):
            best, best_value = sorted(rest[0] + [trio]), w + rest[1]
    if best_value is None:
        raise ValueError("no way to pair everyone: the exclusions leave no allowed trio and pairs")
    return best, best_value, evaluated


def _pair_weight(weight: Mapping[tuple, int], u, v) -> int | None:
    return weight.get((min(u, v), max(u, v)))


def _attached_start(nodes: list, weight: Mapping[tuple, int], without: dict) -> tuple[list[tuple], int | None]:
    """The first best value of the branch and bound: each member attached to a pair of the best
    matching of the others (groups and value; None when no such trio is allowed)."""
    best_value: int | None = None
    best: list[tuple] = []
    for x in nodes:
        if without[x] is None:
            continue
        pairs, value = without[x]
        for u, v in pairs:
            wu, wv = _pair_weight(weight, x, u), _pair_weight(weight, x, v)
            if wu is not None and wv is not None and (best_value is None or value + wu + wv > best_value):
                trio = tuple(sorted((x, u, v)))
                best, best_value = sorted([p for p in pairs if p != (u, v)] + [trio]), value + wu + wv
    return best, best_value


def _trio_candidates(nodes: list, weight: Mapping[tuple, int], without: dict) -> list[tuple]:
    """Allowed trios with the negated upper bound of their best completion, best bound first."""
    candidates = []
    for trio in itertools.combinations(nodes, 3):
        w = _trio_weight(trio, weight)
        if w is None or any(without[x] is None for x in trio):
            continue  # without[x] None: the rest plus (y, z) would be a perfect matching of V - {x}: none exists
        bounds = []
        for x in trio:
            y, z = (m for m in trio if m != x)
            bounds.append(without[x][1] + weight[(min(x, y), max(x, y))] + weight[(min(x, z), max(x, z))])
        candidates.append((-min(bounds), trio, w))
    return sorted(candidates)


def _solve(nodes: list, main: Mapping[tuple, int], seed: Any) -> tuple[list[tuple], int, int]:
    """Exact optimum of the integer weights ``main``, ties broken by a seeded perturbation."""
    keys = sorted(main)
    scale, jitter = _tie_breakers(keys, seed, len(nodes))
    perturbed = {k: main[k] * scale + jitter[k] for k in keys}
    groups, _, evaluated = _best_partition(nodes, perturbed)
    total = sum(_group_total(g, main) for g in groups)
    return groups, total, evaluated


def _group_total(group: tuple, main: Mapping[tuple, int]) -> int:
    return int(sum(main[p] for p in itertools.combinations(group, 2)))


# ---------------------------------------------------------------------------
# the plan
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class VisitPlan:
    """Job-visit pairs and wrap-up groups, and how they were chosen.

    Attributes
    ----------
    pairs : pandas.DataFrame
        Columns ``pair_id, host_march, guest_march, host_april, guest_april, score,
        reasons``; one row per pair (or trio), sorted by ``pair_id``. A pair's first
        member (in id order) hosts in March, the other in April. A trio ``x, y, z``
        visits in a cycle: x hosts y in March, y hosts z and z hosts x in April; its
        row lists the visits of a month in that order, separated by ``"; "``. ``score``
        sums the scores of the pairs that meet (three in a trio); ``reasons`` gives
        :func:`explain` of each.
    groups : pandas.DataFrame
        Columns ``group_id, pair_ids, members, n_departments, score``; one row per
        wrap-up group, sorted by ``group_id``. ``pair_ids`` and ``members`` are joined
        with ``", "``; ``score`` counts member pairs from different departments that
        meet in the group without being visit partners.
    visits : pandas.DataFrame
        Columns ``pair_id, month, host, guest, wrap_up_group``; one row per visit, sorted
        by ``pair_id`` and month.
    total_score : int
        Sum of the scores of all pairs that visit each other: the maximised objective.
    group_score : int
        Sum of the group scores: the objective of the grouping.
    weights : ScoreWeights
        Points per term.
    seed : int
        Seed of the tie-breaking.
    params : dict
        ``n_members``, ``core_given``, ``forbidden_pairs`` (count), ``exclusions``
        (the source file), ``ignored_exclusion_ids`` (ids not in the forum, sorted),
        ``trios_checked`` (trios solved exactly by the branch and bound), ``method``.
    """

    pairs: pd.DataFrame
    groups: pd.DataFrame
    visits: pd.DataFrame
    total_score: int
    group_score: int
    weights: ScoreWeights
    seed: int
    params: dict = field(default_factory=dict)

    def members(self) -> tuple[str, ...]:
        """Every member of the plan, sorted."""
        return tuple(sorted(set(self.visits["host"]) | set(self.visits["guest"])))


def _visits_of(group: tuple) -> list[tuple[str, str, str]]:
    """(month, host, guest) of each visit of a pair or a trio (sorted members)."""
    if len(group) == 2:
        x, y = group
        return [("march", x, y), ("april", y, x)]
    x, y, z = group
    return [("march", x, y), ("april", y, z), ("april", z, x)]


def _ids(prefix: str, count: int) -> list[str]:
    width = max(2, len(str(count)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]


def propose_visits(
    G: nx.Graph,
    *,
    core: Any = None,
    exclusions: Exclusions | None = None,
    weights: ScoreWeights | None = None,
    seed: int = 0,
    members: Collection[str] | None = None,
) -> VisitPlan:
    """Pair every member with another for job visits, and group the pairs for the wrap-up.

    Each member is once host and once guest. The plan maximises the sum of the pair
    scores (:func:`score_pair`) over all pairs that visit each other, among the plans
    that respect the exclusions; it is exact (see the module docstring). With an odd
    number of members one trio visits in a cycle, chosen optimally together with the
    pairs: a trio ``T`` scores its three pairs, and the trio and pairs maximising
    ``score(T) + best matching of the rest`` are found by branch and bound over all trios
    (upper bound ``s(x, y) + s(x, z) + best matching without x``), so that only the few
    trios that could beat the best plan found so far are solved exactly.

    Ties between plans with the same total are broken by adding to each allowed pair's
    weight a seeded random integer below ``2**16`` after multiplying the integer scores by
    ``2**16 * (n // 2 + 3)``. A plan has at most ``n // 2 + 2`` scored pairs, so the
    perturbations of two plans differ by less than one scaled point: a plan with a higher
    score always wins, and among plans with the best score the perturbation picks one,
    the same for the same seed. Integer weights keep networkx's matching arithmetic exact.

    The pairs are then grouped into wrap-up groups of two pairs (one group of three pairs
    when the number of pairs is odd) with the same solver, maximising the number of
    member pairs from different departments who meet in a group without being visit
    partners.

    Parameters
    ----------
    G : networkx.DiGraph
        A wave's tie graph (graph contract of :mod:`helpers.analysis.network`): departments,
        roles and ties come from it.
    core : collection of str or CorePeriphery, optional
        Core members (for the core-periphery term).
    exclusions : Exclusions, optional
        Forbidden pairs (:func:`read_exclusions`).
    weights : ScoreWeights, optional
        Points per term (default :class:`ScoreWeights`).
    seed : int
        Seed of the tie-breaking; same inputs and seed, same plan.
    members : collection of str, optional
        Members to pair (default: every member in ``G``, respondents or not).

    Returns
    -------
    VisitPlan

    Raises
    ------
    ValueError
        Fewer than two members, or the exclusions leave no way to pair everyone.

    References
    ----------
    .. [1] J. Edmonds, "Paths, trees, and flowers", Canadian Journal of Mathematics 17,
       449-467, 1965.
    .. [2] Z. Galil, "Efficient algorithms for finding maximum matching in graphs", ACM
       Computing Surveys 18(1), 23-38, 1986.
    .. [3] A. H. Land and A. G. Doig, "An automatic method of solving discrete
       programming problems", Econometrica 28(3), 497-520, 1960 (branch and bound).

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_nodes_from([("a", {"department": "X"}), ("b", {"department": "X"}),
    ...                   ("c", {"department": "Y"}), ("d", {"department": "Y"})])
    >>> plan = propose_visits(G)
    >>> plan.pairs[["host_march", "guest_march"]].values.tolist()
    [['a', 'c'], ['b', 'd']]
    """
    weights = weights or ScoreWeights()
    exclusions = exclusions or Exclusions()
    nodes = _members_to_pair(G, members)
    core_set = _core_members(core)
    forbidden = exclusions.forbidden(G, nodes)
    scores = {
        (u, v): _score(G, u, v, core_set, weights)
        for u, v in itertools.combinations(nodes, 2)
        if (u, v) not in forbidden
    }
    main = {k: s.total for k, s in scores.items()}
    units, total, checked = _solve(nodes, main, [seed, 0])
    pair_ids = _ids("P", len(units))
    department = {m: G.nodes[m].get("department") for m in nodes}
    blocks, group_total, unit_weight = _wrap_up_groups(units, department, seed)
    group_ids = _ids("W", len(blocks))
    group_of = {i: gid for gid, block in zip(group_ids, blocks) for i in block}
    pairs, visits_frame = _pair_tables(units, pair_ids, group_of, scores, main)
    return VisitPlan(
        pairs=pairs,
        groups=_group_table(group_ids, blocks, units, pair_ids, unit_weight, department),
        visits=visits_frame,
        total_score=int(total),
        group_score=int(group_total),
        weights=weights,
        seed=seed,
        params={
            "n_members": len(nodes),
            "core_given": core_set is not None,
            "forbidden_pairs": len(forbidden),
            "exclusions": exclusions.source,
            "ignored_exclusion_ids": sorted(exclusions.members() - set(nodes)),
            "trios_checked": int(checked),
            "method": "maximum-weight perfect matching (networkx, Edmonds/Galil); "
            "odd count: branch and bound over trios; seeded integer tie-breaking",
        },
    )


def _members_to_pair(G: nx.Graph, members) -> list[str]:
    """The members to pair, sorted; raises ValueError for an unknown or repeated member, or fewer than two."""
    nodes = sorted(str(m) for m in (G.nodes if members is None else members))
    missing = [m for m in nodes if m not in G]
    if missing:
        raise ValueError(f"members not in the graph: {missing}")
    if len(set(nodes)) != len(nodes):
        raise ValueError("a member is listed twice in members")
    if len(nodes) < 2:
        raise ValueError("at least two members are needed to form visit pairs")
    return nodes


def _wrap_up_groups(units: list, department: dict, seed: int) -> tuple[list, int, dict]:
    """Wrap-up groups of visit units, maximising member pairs from different departments that meet.

    Returns the groups (tuples of unit indices, sorted), their total weight, and the weight
    of each pair of units.
    """
    unit_weight = {
        (i, j): sum(department[p] != department[q] for p in units[i] for q in units[j])
        for i, j in itertools.combinations(range(len(units)), 2)
    }
    if len(units) == 1:
        blocks, group_total = [(0,)], 0
    else:
        blocks, group_total, _ = _solve(list(range(len(units))), unit_weight, [seed, 1])
    return sorted(blocks), group_total, unit_weight


def _pair_tables(units: list, pair_ids: list[str], group_of: dict, scores: dict, main: dict):
    """The plan's ``pairs`` table (who visits whom in March and April, score, reasons) and its ``visits`` table."""
    pair_rows, visit_rows = [], []
    for i, (pid, unit) in enumerate(zip(pair_ids, units)):
        visits = _visits_of(unit)
        for month, host, guest in visits:
            visit_rows.append((pid, month, host, guest, group_of[i]))
        march = [(h, g) for mo, h, g in visits if mo == "march"]
        april = [(h, g) for mo, h, g in visits if mo == "april"]
        parts = [scores[p] for p in itertools.combinations(unit, 2)]
        if len(parts) == 1:
            reasons = explain(parts[0])
        else:
            reasons = "; ".join(f"{s.members[0]}-{s.members[1]}: {explain(s)}" for s in parts)
        pair_rows.append(
            (
                pid,
                "; ".join(h for h, _ in march),
                "; ".join(g for _, g in march),
                "; ".join(h for h, _ in april),
                "; ".join(g for _, g in april),
                _group_total(unit, main),
                reasons,
            )
        )
    month_order = {m: k for k, m in enumerate(MONTHS)}
    visits_frame = pd.DataFrame(visit_rows, columns=["pair_id", "month", "host", "guest", "wrap_up_group"])
    visits_frame = visits_frame.sort_values(
        ["pair_id", "month", "host"], key=lambda c: c.map(month_order) if c.name == "month" else c, ignore_index=True
    )
    pairs = pd.DataFrame(
        pair_rows, columns=["pair_id", "host_march", "guest_march", "host_april", "guest_april", "score", "reasons"]
    )
    return pairs, visits_frame


def _group_table(group_ids: list[str], blocks: list, units: list, pair_ids: list[str], unit_weight: dict,
                 department: dict) -> pd.DataFrame:
    """The plan's ``groups`` table: each wrap-up group's pairs, members, departments and score."""
    group_rows = []
    for gid, block in zip(group_ids, blocks):
        people = sorted(m for i in block for m in units[i])
        score = int(sum(unit_weight[p] for p in itertools.combinations(block, 2)))
        group_rows.append(
            (gid, ", ".join(pair_ids[i] for i in block), ", ".join(people), len({department[m] for m in people}), score)
        )
    return pd.DataFrame(group_rows, columns=["group_id", "pair_ids", "members", "n_departments", "score"])


# ---------------------------------------------------------------------------
# outputs for the mail merge and the next wave
# ---------------------------------------------------------------------------


def key_names(key: pd.DataFrame, members: Collection[str]) -> dict[str, str]:
    """Names of members from the local pseudonym key (``forum-network key``).

    Parameters
    ----------
    key : pandas.DataFrame
        Columns ``member_id`` and ``name``.
    members : collection of str
        The members whose names are needed.

    Returns
    -------
    dict of str to str
        Member id -> name (for every member of the key).

    Raises
    ------
    ValueError
        A column is missing, a member is listed twice, or one of ``members`` has no name.
    """
    missing = [c for c in ("member_id", "name") if c not in key.columns]
    if missing:
        raise ValueError(f"the key lacks columns {missing}")
    ids = key["member_id"].astype(str)
    if ids.duplicated().any():
        raise ValueError(f"the key lists members more than once: {sorted(set(ids[ids.duplicated()]))}")
    names = dict(zip(ids, key["name"].astype(str)))
    unknown = sorted(set(members) - set(names))
    if unknown:
        raise ValueError(f"the key has no name for {unknown}")
    return names


def mail_merge(plan: VisitPlan, key: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per member and visit, for a mail merge.

    Parameters
    ----------
    plan : VisitPlan
        From :func:`propose_visits`.
    key : pandas.DataFrame, optional
        ``member_id, name``: the caller's key from pseudonym to name. Only when it is
        given do names appear in the output; without it the table holds pseudonyms only.

    Returns
    -------
    pandas.DataFrame
        Columns ``member_id, partner_id, month, role, wrap_up_group`` (and ``name,
        partner_name`` with a key); ``role`` is ``"host"`` or ``"guest"``. Every member
        has one host row and one guest row. Sorted by ``member_id``, month, role.
    """
    rows = []
    for visit in plan.visits.itertuples(index=False):
        rows.append((visit.host, visit.guest, visit.month, "host", visit.wrap_up_group))
        rows.append((visit.guest, visit.host, visit.month, "guest", visit.wrap_up_group))
    frame = pd.DataFrame(rows, columns=["member_id", "partner_id", "month", "role", "wrap_up_group"])
    month_order = {m: k for k, m in enumerate(MONTHS)}
    role_order = {"host": 0, "guest": 1}
    frame = frame.sort_values(
        ["member_id", "month", "role"],
        key=lambda c: c.map(month_order) if c.name == "month" else (c.map(role_order) if c.name == "role" else c),
        ignore_index=True,
    )
    if key is not None:
        names = key_names(key, plan.members())
        frame["name"] = frame["member_id"].map(names)
        frame["partner_name"] = frame["partner_id"].map(names)
    return frame


def write_mail_merge(plan: VisitPlan, path: str | Path, *, key: pd.DataFrame | None = None) -> Path:
    """Write :func:`mail_merge` as a CSV a word processor can merge.

    Written for people (:func:`helpers.io.write_sheet`): UTF-8 with a byte-order mark,
    ``;`` separated, so that Danish Excel opens it as columns; text that a spreadsheet
    would take for a formula quoted; atomically. Names appear only when ``key`` is given.

    Parameters
    ----------
    plan : VisitPlan
        From :func:`propose_visits`.
    path : str or Path
        Target file.
    key : pandas.DataFrame, optional
        ``member_id, name`` (see :func:`mail_merge`).

    Returns
    -------
    Path
    """
    from helpers.io import write_sheet

    return write_sheet(mail_merge(plan, key), Path(path))


def visit_pairs_table(plan: VisitPlan) -> pd.DataFrame:
    """The plan's pairs in the layout :func:`helpers.ingest.visit_pairs.read_visit_pairs` reads.

    Keep it beside the next wave to ask, with :func:`helpers.analysis.visit_effect.visit_effect`,
    whether the visits formed or strengthened ties.

    Parameters
    ----------
    plan : VisitPlan
        The visit plan, as :func:`propose_visits` makes it; its ``visits`` give each pair's
        ``pair_id``, ``host`` and ``guest``.

    Returns
    -------
    pandas.DataFrame
        Columns ``pair_id, member_id``, sorted.
    """
    rows = {(r.pair_id, m) for r in plan.visits.itertuples(index=False) for m in (r.host, r.guest)}
    return pd.DataFrame(sorted(rows), columns=list(VISIT_PAIR_COLUMNS))


def write_visit_pairs(plan: VisitPlan, path: str | Path) -> Path:
    """Write :func:`visit_pairs_table` as a CSV for people (:func:`helpers.io.write_sheet`), atomically.

    People edit it (the pairs that actually met) and put it beside the next wave's
    export, where :func:`helpers.analysis.compare.read_visit_pairs` reads it.

    Parameters
    ----------
    plan : VisitPlan
        The visit plan whose pairs to write.
    path : str or Path
        The CSV file to write.

    Returns
    -------
    Path
        The file written.
    """
    from helpers.io import write_sheet

    return write_sheet(visit_pairs_table(plan), Path(path))
