"""Synthetic example survey waves that reproduce the seminar's published numbers.

The project ships two example waves in ``data/example/`` so that every step, from the
raw export to the handout, can be run and tested without anyone's personal data:

* ``2019-02`` (22 February 2019) reproduces the aggregates the seminar published: 40
  members in six departments, 37 respondents, 611 ties out of 1,443 possible (42.3 %
  density), a clear core-periphery structure whose core cuts across gender, role and
  department, no separate groupings, nobody indispensable, and the core's and the
  periphery's mean ratings of the seven kinds of external partners to two decimals.
* ``2020-02`` (21 February 2020) is the same forum a year later: some ties dropped, new
  ties across departments, one periphery member has moved into the core, one member has
  been replaced by a newcomer in the same department and role, and 38 respondents.

Each wave is written as a survey tool exports it (``wave.yml``, ``roster.csv``,
``relations.csv``, ``external.csv``: semicolon-separated UTF-8 with a byte-order mark and
CRLF line ends, the Danish Excel style). The structure that was planted (which members
form the core, who moved, who was replaced) is returned with the generated tables for
tests, and is never written into the raw files.

All names are fabricated: invented combinations of common Danish first names and rare or
place-derived surnames, chosen so that none belongs to a public figure or to anyone named
in the seminar material. Any resemblance to a real person is coincidental. Member numbers
are fabricated too.

How the published core is made to be the optimum
-------------------------------------------------
The core-periphery split the project reports is Borgatti and Everett's discrete model
[1]_ in the variant that ignores core-periphery cells: the partition maximising the
Pearson correlation between the observed adjacency (respondent rows, diagonal excluded)
and an ideal pattern that is 1 inside the core and 0 inside the periphery. The generator
plants a core whose internal density is close to 1 while core-periphery ties are about
as dense as periphery-periphery ties, then moves single ties (keeping their number)
until the planted core beats every partition one flip or one swap away by a margin.

References
----------
.. [1] S. P. Borgatti and M. G. Everett, "Models of core/periphery structures",
   Social Networks 21(4), 375-395, 2000.
"""

from __future__ import annotations

import os
import shutil
import string
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.paths import SOURCE_ROOT

__all__ = [
    "DEFAULT_SEED",
    "EXAMPLE_WAVES",
    "ExampleWave",
    "WaveSpec",
    "core_fit",
    "generate_wave",
    "wave_yml",
    "write_example_waves",
]

DEFAULT_SEED = 20190222
EXAMPLE_DIR = SOURCE_ROOT / "data" / "example"

DEPARTMENTS = (
    "Borgmesterens Afdeling",
    "Børn og Unge",
    "Kultur og Borgerservice",
    "Sociale Forhold og Beskæftigelse",
    "Sundhed og Omsorg",
    "Teknik og Miljø",
)
DEPARTMENT_SIZES = (5, 8, 6, 7, 8, 6)
GENDER_LABELS = {"female": "Kvinde", "male": "Mand"}
ROLE_LABELS = {"director": "Direktør", "chief": "Chef"}
ANSWERED_LABELS = {True: "Ja", False: "Nej"}
RELATION_LABELS = ("Aldrig", "Sjældent", "Månedligt", "Ugentligt")
TIE_THRESHOLD = 2
EXTERNAL_LABELS = {1: "Slet ikke", 2: "I mindre grad", 3: "I nogen grad", 4: "I høj grad"}
DONT_KNOW = "Ved ikke"
PARTNER_COLUMNS = (
    "Andre kommuner",
    "Regioner",
    "Ministerier og styrelser",
    "Virksomheder/erhvervsliv",
    "Interesseorganisationer",
    "Uddannelsesinstitutioner",
    "Borgere",
)

# Fabricated names (see the module docstring); 20 women and 20 men for the first wave,
# one newcomer of each gender for later waves.
WOMEN = (
    "Anne Bækgaard", "Birgitte Lyngsø", "Dorthe Ravnsbæk", "Gitte Sønderskov",
    "Hanne Frølund", "Inge Tøttrup", "Jette Brøndum", "Karin Egelund",
    "Lene Hjortdal", "Marianne Krogsgård", "Pernille Stenbæk", "Rikke Mørup",
    "Susanne Aagesen", "Trine Bøgelund", "Vibeke Nørhave", "Charlotte Fløe",
    "Sidsel Grønbech", "Malene Holmgård", "Signe Løvschall", "Ane Kjærbo",
)  # fmt: skip
MEN = (
    "Anders Bækholm", "Bjørn Damsgård", "Carsten Hedelund", "Erik Fjordbæk",
    "Flemming Sæbye", "Henrik Gråberg", "Jørgen Vesterlund", "Kasper Aalund",
    "Kristian Mølholm", "Lars Brændgaard", "Mads Ravnholt", "Martin Kløverhøj",
    "Niels Åkjær", "Ole Stubkjær", "Peter Lindved", "Poul Engholm",
    "Rasmus Høgsted", "Søren Vindahl", "Thomas Nørrelund", "Torben Skjødt",
)  # fmt: skip
NEWCOMERS = {"female": "Stine Østerlund", "male": "Jakob Hvidbjerg"}

# The seminar's published numbers (wave 2019-02).
PUBLISHED_TIES = 611
PUBLISHED_EXTERNAL_MEANS = {
    "core": (2.86, 2.88, 2.10, 2.00, 3.00, 2.33, 2.20),
    "periphery": (2.13, 2.10, 2.36, 2.36, 2.57, 2.13, 1.89),
}
# (numeric answers, their sum) per partner type, chosen so that sum / answers rounds to
# the published mean: 20/7 = 2.857, 23/8 = 2.875, ..., 36/19 = 1.895. The core has 11
# respondents and the periphery 26; the rest of each group answered "Ved ikke" or
# left the item blank.
EXTERNAL_TARGETS = {
    "core": ((7, 20), (8, 23), (10, 21), (9, 18), (10, 30), (9, 21), (10, 22)),
    "periphery": ((23, 49), (21, 44), (22, 52), (25, 59), (23, 59), (23, 49), (19, 36)),
}
CORE_PER_DEPARTMENT = 2
CORE_DIRECTORS = 3
# Ties among the first wave's respondents by block (row group, column group): a core
# that is almost complete; core-periphery ties about as dense as periphery-periphery
# ties. 116 + 120 + 115 + 260 = 611.
BLOCK_TIES = {(True, True): 116, (True, False): 120, (False, True): 115, (False, False): 260}
SAME_DEPARTMENT_WEIGHT = 1.8
DIRECTOR_PAIR_WEIGHT = 1.4
MIN_MARGIN = 0.004

WAVE_TEMPLATE = string.Template(
    """\
# One survey wave: what was asked, on which scales, and how the raw export's
# columns map onto members and partner types. See data/README.md.
name: $name
id: "$id"
date: $date
previous: $previous

seminar:                  # optional: the handout's cover and the job-visit timeline
  name: Seminar for Strategisk Ledelsesforum
  date: $seminar_date
  sender: Center for Ledelse og Organisation (syntetisk eksempel)
$visits
roster:
  file: roster.csv
  columns:
    member_id: Medarbejdernr
    name: Navn
    gender: Køn
    role: Stilling
    department: Magistratsafdeling
    answered: Besvaret
  values:
    gender: {Kvinde: female, Mand: male}
    role: {Direktør: director, Chef: chief}
    answered: {Ja: true, Nej: false}

relations:
  file: relations.csv
  format: wide            # wide: one row per respondent, one column per member; long: an edge list
  respondent_column: Respondent
  match: name             # how the respondent column and the member columns name members: name or id
  question: >-
    Hvor ofte har du et arbejdsmæssigt samarbejde med følgende medlemmer af
    Strategisk Ledelsesforum?
  scale:
    0: Aldrig
    1: Sjældent
    2: Månedligt
    3: Ugentligt
  tie_threshold: 2        # a rating at or above this makes a tie

external:
  file: external.csv
  format: wide
  respondent_column: Respondent
  match: name
  question: >-
    I hvilken grad har du i dit arbejde relationer til følgende aktører uden
    for kommunen?
  scale:
    1: Slet ikke
    2: I mindre grad
    3: I nogen grad
    4: I høj grad
  dont_know: [Ved ikke, "Don't know"]
  partners:
    - {id: municipalities, column: Andre kommuner, da: Andre kommuner, en: Other municipalities}
    - {id: regions, column: Regioner, da: Regioner, en: Regions}
    - {id: ministries, column: Ministerier og styrelser, da: Ministerier og styrelser, en: Ministries and agencies}
    - {id: businesses, column: Virksomheder/erhvervsliv, da: Virksomheder/erhvervsliv, en: Businesses}
    - {id: interest_organisations, column: Interesseorganisationer, da: Interesseorganisationer, en: Interest organisations}
    - {id: education, column: Uddannelsesinstitutioner, da: Uddannelsesinstitutioner, en: Education institutions}
    - {id: citizens, column: Borgere, da: Borgere, en: Citizens}

privacy:
  min_group_size: 3       # handout cells describing fewer people are suppressed

translations:             # the survey's texts for the English handout
  en:
    name: $name_en
    seminar:
      name: Seminar of the Strategic Leadership Forum
      sender: Centre for Leadership and Organisation (synthetic example)
    relations:
      question: >-
        How often do you work with the following members of the Strategic
        Leadership Forum?
      scale: {0: Never, 1: Rarely, 2: Monthly, 3: Weekly}
    external:
      question: >-
        To what degree does your work involve relations with the following actors
        outside the municipality?
      scale: {1: Not at all, 2: To a small degree, 3: To some degree, 4: To a high degree}
"""
)


@dataclass(frozen=True)
class WaveSpec:
    """What identifies an example wave.

    Attributes
    ----------
    number : int
        1 for the first wave, 2 for the wave a year later.
    id, name, date : str
        As written into ``wave.yml``.
    name_en : str
        The name in the English handout (``translations.en.name``).
    previous : str or None
        The id of the wave before, if any.
    seminar_date : str
        The seminar's date (``seminar.date``), ISO.
    visits : dict or None
        ``seminar.visits`` (stage -> date or month); None leaves the block out, so the
        handout's timeline takes its defaults from the seminar's date.
    """

    number: int
    id: str
    name: str
    date: str
    name_en: str
    previous: str | None = None
    seminar_date: str = ""
    visits: dict | None = None


EXAMPLE_WAVES = (
    WaveSpec(1, "2019-02", "1. måling, februar 2019 (syntetisk eksempel)", "2019-02-22",
             "1st survey, February 2019 (synthetic example)", seminar_date="2019-03-07",
             visits={"invitation": "2019-03-11", "first": "2019-03", "second": "2019-04", "wrap_up": "2019-05"}),
    WaveSpec(
        2, "2020-02", "2. måling, februar 2020 (syntetisk eksempel)", "2020-02-21",
        "2nd survey, February 2020 (synthetic example)", previous="2019-02", seminar_date="2020-03-05",
        visits={"invitation": "2020-03-05", "first": "2020-03", "second": "2020-04", "wrap_up": "2020-05"},
    ),
)


@dataclass(frozen=True)
class ExampleWave:
    """One generated wave: the raw export and, for tests only, the planted truth.

    Attributes
    ----------
    spec : WaveSpec
    roster, relations, external : pandas.DataFrame
        The raw tables exactly as written to ``roster.csv``, ``relations.csv`` and
        ``external.csv`` (text cells, "" where empty).
    wave_yml : str
        The wave's ``wave.yml``.
    core : tuple of str
        Member numbers (Medarbejdernr) of the planted core, sorted.
    moved_into_core : tuple of str
        Members who were in the periphery of the previous wave and are core now.
    left, joined : tuple of str
        Members replaced since the previous wave, and their replacements.
    seed : int
        The seed the wave was generated with.
    """

    spec: WaveSpec
    roster: pd.DataFrame = field(repr=False)
    relations: pd.DataFrame = field(repr=False)
    external: pd.DataFrame = field(repr=False)
    wave_yml: str = field(repr=False)
    core: tuple[str, ...]
    moved_into_core: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    joined: tuple[str, ...] = ()
    seed: int = DEFAULT_SEED


@dataclass
class _Forum:
    """Internal state of the simulated forum, one slot per seat (index 0..39)."""

    number: list[str]
    name: list[str]
    gender: list[str]
    role: list[str]
    department: np.ndarray  # int index into DEPARTMENTS
    core: np.ndarray  # bool
    answered: np.ndarray  # bool
    ties: np.ndarray  # int 0/1, n x n, zero diagonal; rows of non-respondents are latent
    ratings: np.ndarray  # int 0..3, n x n, consistent with ties; diagonal -1
    blank: np.ndarray  # bool, n x n: relation cells the respondent left unanswered
    external: np.ndarray  # int, n x 7: 1..4, 0 blank, -1 "Ved ikke"
    propensity: np.ndarray  # float, n x 7: latent external ratings
    moved_into_core: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    joined: tuple[str, ...] = ()

    def copy(self) -> _Forum:
        return _Forum(
            list(self.number), list(self.name), list(self.gender), list(self.role),
            self.department.copy(), self.core.copy(), self.answered.copy(),
            self.ties.copy(), self.ratings.copy(), self.blank.copy(),
            self.external.copy(), self.propensity.copy(),
        )  # fmt: skip


# --------------------------------------------------------------------------------------
# The core-periphery fit (Borgatti & Everett, core-periphery cells ignored)


def core_fit(adjacency, answered, partitions) -> np.ndarray:
    """Correlation of each partition with the ideal core-periphery pattern.

    The pattern is 1 for core-core cells and 0 for periphery-periphery cells;
    core-periphery cells are ignored. Only the rows of respondents are observed, and the
    diagonal is excluded.

    Parameters
    ----------
    adjacency : array_like, shape (n, n)
        0/1 ties (row names column), zero diagonal.
    answered : array_like of bool, shape (n,)
        Which rows are observed.
    partitions : array_like of bool, shape (b, n) or (n,)
        True for core members, one partition per row.

    Returns
    -------
    numpy.ndarray, shape (b,)
        Pearson correlation per partition; -1 where it is undefined (a constant pattern
        or constant observed cells).

    References
    ----------
    .. [1] S. P. Borgatti and M. G. Everett, "Models of core/periphery structures",
       Social Networks 21(4), 375-395, 2000.

    Examples
    --------
    A complete pair {a, b} and an empty periphery fit perfectly:

    >>> A = [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    >>> core_fit(A, [True] * 4, [True, True, False, False]).round(6).tolist()
    [1.0]
    """
    A = np.asarray(adjacency, dtype=float)
    rows = np.asarray(answered, dtype=bool)
    X = np.atleast_2d(np.asarray(partitions, dtype=float))
    Y = 1.0 - X
    observed = A[rows]
    a1 = ((X @ observed.T) * X[:, rows]).sum(axis=1)
    a0 = ((Y @ observed.T) * Y[:, rows]).sum(axis=1)
    n1 = X[:, rows].sum(axis=1) * (X.sum(axis=1) - 1)
    n0 = Y[:, rows].sum(axis=1) * (Y.sum(axis=1) - 1)
    cells = n1 + n0
    with np.errstate(invalid="ignore", divide="ignore"):
        share = n1 / cells
        mean = (a1 + a0) / cells
        fit = (a1 / cells - share * mean) / np.sqrt(share * (1 - share) * mean * (1 - mean))
    return np.where(np.isfinite(fit), fit, -1.0)


def _neighbours(x: np.ndarray) -> np.ndarray:
    """All partitions one flip or one core-periphery swap away from ``x``."""
    n = x.size
    flips = np.tile(x, (n, 1))
    flips[np.arange(n), np.arange(n)] ^= True
    inside, outside = np.flatnonzero(x), np.flatnonzero(~x)
    swaps = np.tile(x, (inside.size * outside.size, 1))
    i, o = np.meshgrid(inside, outside, indexing="ij")
    k = np.arange(swaps.shape[0])
    swaps[k, i.ravel()] = False
    swaps[k, o.ravel()] = True
    return np.vstack([flips, swaps])


def _core_margin(ties, answered, core) -> tuple[float, np.ndarray]:
    """How much better the planted core fits than its best neighbour, and that neighbour."""
    nbrs = _neighbours(core)
    fits = core_fit(ties, answered, nbrs)
    best = int(np.argmax(fits))
    return float(core_fit(ties, answered, core)[0] - fits[best]), nbrs[best]


def _observed(answered: np.ndarray) -> np.ndarray:
    cells = np.repeat(answered[:, None], answered.size, axis=1)
    np.fill_diagonal(cells, False)
    return cells


def _pick_cell(mask: np.ndarray, weights: np.ndarray, rng) -> tuple[int, int] | None:
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return None
    w = weights.ravel()[idx]
    k = rng.choice(idx, p=w / w.sum())
    return divmod(int(k), mask.shape[1])


def _enforce_core(ties, answered, core, weights, rng, *, frozen=None, steps=3000):
    """Move single observed ties until the planted core beats all its neighbours.

    Each step looks at the best-fitting neighbour of the planted partition. If it pulls
    a periphery member v into the core, one of v's observed ties with the core is moved
    to an empty periphery-periphery cell; if it pushes a core member u out, a missing
    tie of u is added (inside the core if possible) and a periphery-periphery tie
    removed. A step is kept only when the margin grows; the number of ties never
    changes.
    """
    ties = ties.copy()
    observed = _observed(answered)
    movable = observed if frozen is None else observed & ~frozen
    peri = ~core
    margin, best = _core_margin(ties, answered, core)
    for _ in range(steps):
        if margin >= MIN_MARGIN:
            return ties
        pulled = np.flatnonzero(best & peri)
        pushed = np.flatnonzero(~best & core)
        trial = ties.copy()
        if pulled.size:
            v = rng.choice(pulled)
            with_core = np.zeros_like(observed)
            with_core[v, core] = True
            with_core[core, v] = True
            drop = _pick_cell(movable & with_core & (ties == 1), np.ones(ties.shape), rng)
            clear = np.ones(ties.shape, bool)
            clear[pulled, :] = clear[:, pulled] = False
            add = _pick_cell(movable & np.outer(peri, peri) & clear & (ties == 0), weights, rng)
        else:
            u = rng.choice(pushed)
            own = np.zeros_like(observed)
            own[u, :] = own[:, u] = True
            add = _pick_cell(movable & own & np.outer(core, core) & (ties == 0), weights, rng)
            if add is None:
                add = _pick_cell(movable & own & (ties == 0), weights, rng)
            drop = _pick_cell(movable & ~own & np.outer(peri, peri) & (ties == 1), 1 / weights, rng)
        if add is None or drop is None:
            continue
        trial[add] = 1
        trial[drop] = 0
        new_margin, new_best = _core_margin(trial, answered, core)
        if new_margin > margin:
            ties, margin, best = trial, new_margin, new_best
    raise RuntimeError("could not make the planted core optimal; try another seed")


# --------------------------------------------------------------------------------------
# Wave 1


def _roster(rng) -> _Forum:
    n = sum(DEPARTMENT_SIZES)
    department = np.repeat(np.arange(len(DEPARTMENTS)), DEPARTMENT_SIZES)
    first = np.concatenate([[0], np.cumsum(DEPARTMENT_SIZES)[:-1]])
    role = ["chief"] * n
    for i in first:
        role[i] = "director"
    gender = [("female", "male")[int(g)] for g in rng.permutation(np.arange(n) % 2)]
    women = list(rng.permutation(WOMEN))
    men = list(rng.permutation(MEN))
    name = [women.pop() if g == "female" else men.pop() for g in gender]
    number = [str(k) for k in rng.choice(np.arange(1001, 1300), size=n, replace=False)]
    empty = np.zeros((n, n), int)
    return _Forum(
        number, name, gender, role, department,
        core=np.zeros(n, bool), answered=np.ones(n, bool),
        ties=empty, ratings=empty - 1, blank=np.zeros((n, n), bool),
        external=np.zeros((n, len(PARTNER_COLUMNS)), int),
        propensity=np.zeros((n, len(PARTNER_COLUMNS))),
    )  # fmt: skip


def _plant_core(forum: _Forum, rng) -> None:
    """Two members per department, three of them directors, both genders well mixed."""
    n_dept = len(DEPARTMENTS)
    gender = np.array(forum.gender)
    role = np.array(forum.role)
    while True:
        core = np.zeros(gender.size, bool)
        with_director = set(rng.choice(n_dept, CORE_DIRECTORS, replace=False).tolist())
        for d in range(n_dept):
            members = np.flatnonzero(forum.department == d)
            chiefs = members[role[members] == "chief"]
            if d in with_director:
                picked = [members[role[members] == "director"][0], rng.choice(chiefs)]
            else:
                picked = rng.choice(chiefs, CORE_PER_DEPARTMENT, replace=False)
            core[picked] = True
        if min((gender[core] == "female").sum(), (gender[core] == "male").sum()) >= 5:
            forum.core = core
            return


def _plant_nonrespondents(forum: _Forum, rng) -> None:
    """One core chief and two periphery members, all in different departments."""
    role = np.array(forum.role)
    chosen = [rng.choice(np.flatnonzero(forum.core & (role == "chief")))]
    for _ in range(2):
        taken = forum.department[chosen]
        pool = np.flatnonzero(~forum.core & ~np.isin(forum.department, taken))
        chosen.append(rng.choice(pool))
    forum.answered[chosen] = False


def _tie_weights(forum: _Forum, rng) -> np.ndarray:
    """How likely each cell is to hold a tie, relative to others in its block."""
    n = forum.department.size
    same = forum.department[:, None] == forum.department[None, :]
    director = np.array(forum.role) == "director"
    w = np.where(same, SAME_DEPARTMENT_WEIGHT, 1.0)
    w = w * np.where(np.outer(director, director), DIRECTOR_PAIR_WEIGHT, 1.0)
    w = w * rng.lognormal(0.0, 0.2, n)[:, None] * rng.lognormal(0.0, 0.2, n)[None, :]
    np.fill_diagonal(w, 0.0)
    return w


def _plant_ties(forum: _Forum, weights: np.ndarray, rng) -> None:
    """Exactly BLOCK_TIES observed ties per block; latent rows drawn at the same densities."""
    n = forum.core.size
    ties = np.zeros((n, n), int)
    observed = _observed(forum.answered)
    for (row_core, col_core), count in BLOCK_TIES.items():
        block = np.outer(forum.core == row_core, forum.core == col_core)
        cells = np.flatnonzero(observed & block)
        w = weights.ravel()[cells]
        ties.ravel()[rng.choice(cells, count, replace=False, p=w / w.sum())] = 1
        latent = block & ~forum.answered[:, None]
        np.fill_diagonal(latent, False)
        prob = np.clip(count / w.sum() * weights, 0, 0.97)
        ties[latent] = (rng.random((n, n)) < prob)[latent]
    forum.ties = _enforce_core(ties, forum.answered, forum.core, weights, rng)


def _rate(ties, same_department, both_core, rng) -> np.ndarray:
    """Answer labels (0..3) consistent with ties: 2 or 3 for a tie, 0 or 1 otherwise."""
    close = same_department | both_core
    weekly = rng.random(ties.shape) < np.where(close, 0.55, 0.3)
    rarely = rng.random(ties.shape) < np.where(same_department, 0.75, 0.55)
    ratings = np.where(ties == 1, 2 + weekly, rarely.astype(int))
    np.fill_diagonal(ratings, -1)
    return ratings


def _plant_blanks(forum: _Forum, respondents: int, cells: tuple[int, int], rng) -> None:
    """A few respondents leave a few non-tie cells unanswered."""
    forum.blank = np.zeros_like(forum.blank)
    for i in rng.choice(np.flatnonzero(forum.answered), respondents, replace=False):
        free = np.flatnonzero(forum.ties[i] == 0)
        free = free[free != i]
        k = int(rng.integers(cells[0], cells[1] + 1))
        forum.blank[i, rng.choice(free, k, replace=False)] = True


# Plausible department profiles for the external partners (added to the latent rating).
_DEPARTMENT_PROFILE = np.array(
    [
        [0.5, 0.2, 0.6, 0.0, 0.2, -0.3, -0.2],  # Borgmesterens Afdeling
        [0.2, -0.2, 0.0, -0.3, 0.2, 0.8, 0.3],  # Børn og Unge
        [0.3, -0.2, -0.2, 0.0, 0.6, 0.1, 0.6],  # Kultur og Borgerservice
        [0.2, 0.0, 0.3, 0.5, 0.3, 0.0, 0.2],  # Sociale Forhold og Beskæftigelse
        [0.2, 0.7, 0.1, -0.2, 0.3, 0.2, 0.2],  # Sundhed og Omsorg
        [0.3, 0.2, 0.0, 0.7, 0.2, -0.2, 0.3],  # Teknik og Miljø
    ]
)


def _exact_ratings(latent: np.ndarray, total: int) -> np.ndarray:
    """Round latent ratings into 1..4 so that they sum exactly to ``total``.

    Starts from the rounded, clipped latent values and moves the answers that were
    rounded furthest from their latent value, one step at a time.

    Examples
    --------
    >>> _exact_ratings(np.array([1.2, 2.6, 3.9]), 9).tolist()
    [2, 3, 4]
    """
    values = np.clip(np.rint(latent), 1, 4).astype(int)
    while values.sum() != total:
        if values.sum() < total:
            room = np.where(values < 4, latent - values, -np.inf)
            values[int(np.argmax(room))] += 1
        else:
            room = np.where(values > 1, latent - values, np.inf)
            values[int(np.argmin(room))] -= 1
    return values


def _plant_external(forum: _Forum, rng) -> None:
    """External ratings whose core and periphery means round to the published table."""
    n, k = forum.external.shape
    person = rng.normal(0.0, 0.35, n)
    forum.propensity = _DEPARTMENT_PROFILE[forum.department] + person[:, None]
    skip_prone = rng.lognormal(0.0, 0.6, n)
    external = np.zeros((n, k), int)
    skips = np.zeros(n, int)
    for group, members in (
        ("core", np.flatnonzero(forum.core & forum.answered)),
        ("periphery", np.flatnonzero(~forum.core & forum.answered)),
    ):
        for j, (answers, total) in enumerate(EXTERNAL_TARGETS[group]):
            missing = members.size - answers
            if missing < 0:
                raise ValueError(f"{group} has only {members.size} respondents")
            w = np.where(skips[members] < 3, skip_prone[members], 0.0)
            skipped = rng.choice(members, missing, replace=False, p=w / w.sum())
            skips[skipped] += 1
            given = np.setdiff1d(members, skipped)
            noise = rng.normal(0.0, 0.55, given.size)
            latent = total / answers + forum.propensity[given, j] + noise
            latent += total / answers - latent.mean()
            external[given, j] = _exact_ratings(latent, total)
            external[skipped, j] = np.where(rng.random(missing) < 0.45, -1, 0)
    given = external > 0
    forum.propensity += np.where(given, external, 0).sum(axis=0) / given.sum(axis=0)
    forum.external = external


def _first_wave(seed: int) -> tuple[_Forum, np.ndarray, np.random.Generator]:
    rng = np.random.default_rng(seed)
    forum = _roster(rng)
    _plant_core(forum, rng)
    _plant_nonrespondents(forum, rng)
    weights = _tie_weights(forum, rng)
    _plant_ties(forum, weights, rng)
    same = forum.department[:, None] == forum.department[None, :]
    forum.ratings = _rate(forum.ties, same, np.outer(forum.core, forum.core), rng)
    _plant_blanks(forum, 3, (2, 3), rng)
    _plant_external(forum, rng)
    return forum, weights, rng


# --------------------------------------------------------------------------------------
# Wave 2: a year later


def _second_wave(first: _Forum, weights: np.ndarray, rng) -> _Forum:
    forum = first.copy()
    n = forum.core.size
    role = np.array(forum.role)
    dept = forum.department
    same = dept[:, None] == dept[None, :]
    old_ties = forum.ties.copy()

    # One periphery chief leaves; a newcomer takes the seat (same department and role).
    eligible = np.flatnonzero(~forum.core & first.answered & (role == "chief"))
    leaver = int(rng.choice(eligible))
    gender = ("female", "male")[int(rng.integers(2))]
    newcomer_number = str(rng.integers(1300, 1400))
    forum.left, forum.joined = (forum.number[leaver],), (newcomer_number,)
    forum.number[leaver], forum.name[leaver] = newcomer_number, NEWCOMERS[gender]
    forum.gender[leaver] = gender
    core = forum.core
    out_p = np.where(same[leaver], 0.7, np.where(core, 0.3, 0.1))
    in_p = np.where(same[:, leaver], 0.65, np.where(core, 0.25, 0.1))
    forum.ties[leaver] = rng.random(n) < out_p
    forum.ties[:, leaver] = rng.random(n) < in_p
    forum.ties[leaver, leaver] = 0

    # One periphery respondent (both waves), well connected to the core, moves into it.
    ties_to_core = forum.ties[:, core].sum(axis=1) + forum.ties[core].sum(axis=0)
    candidates = np.setdiff1d(eligible, [leaver])
    w = ties_to_core[candidates].astype(float) ** 2
    mover = int(rng.choice(candidates, p=w / w.sum()))
    forum.ties[mover, core] = rng.random(core.sum()) < 0.95
    forum.ties[core, mover] = rng.random(core.sum()) < 0.9
    forum.core = core = core.copy()
    core[mover] = True
    forum.moved_into_core = (forum.number[mover],)

    # Who answered this time: one of last year's periphery non-respondents again, and
    # one other periphery member from a different department.
    still = int(rng.choice(np.flatnonzero(~first.answered & ~first.core)))
    pool = np.flatnonzero(~core & (dept != dept[still]))
    pool = np.setdiff1d(pool, [leaver, still])
    forum.answered = np.ones(n, bool)
    forum.answered[[still, int(rng.choice(pool))]] = False

    # Some ties are dropped; new ties are made across departments.
    changeable = ~np.outer(core, core) & ~np.eye(n, dtype=bool)
    changeable[leaver, :] = changeable[:, leaver] = False
    changeable[mover, :] = changeable[:, mover] = False
    present = np.flatnonzero(changeable & (forum.ties == 1))
    forum.ties.ravel()[rng.choice(present, 30, replace=False)] = 0
    across = np.flatnonzero(changeable & ~same & (forum.ties == 0) & (old_ties == 0))
    w = weights.ravel()[across]
    forum.ties.ravel()[rng.choice(across, 45, replace=False, p=w / w.sum())] = 1

    frozen = np.zeros((n, n), bool)
    frozen[leaver, :] = frozen[:, leaver] = True
    forum.ties = _enforce_core(forum.ties, forum.answered, core, weights, rng, frozen=frozen)

    # Answers: last year's label where the tie did not change, a little noise.
    fresh = _rate(forum.ties, same, np.outer(core, core), rng)
    changed = forum.ties != old_ties
    changed[leaver, :] = changed[:, leaver] = True
    ratings = np.where(changed, fresh, first.ratings)
    nudge = (rng.random((n, n)) < 0.08) & ~changed
    ratings = np.where(nudge, ratings ^ 1, ratings)  # 2 <-> 3 and 0 <-> 1
    np.fill_diagonal(ratings, -1)
    forum.ratings = ratings
    _plant_blanks(forum, 2, (1, 2), rng)

    # External ratings: last year's answer, sometimes a step up or down.
    k = len(PARTNER_COLUMNS)
    step = rng.choice([-1, 0, 1], size=(n, k), p=[0.12, 0.76, 0.12])
    fresh = np.clip(np.rint(forum.propensity + rng.normal(0.0, 0.6, (n, k))), 1, 4).astype(int)
    newcomer = 2.2 + _DEPARTMENT_PROFILE[dept[leaver]] + rng.normal(0.0, 0.6, k)
    fresh[leaver] = np.clip(np.rint(newcomer), 1, 4)
    last = np.where(first.external > 0, first.external, fresh)
    last[leaver] = fresh[leaver]
    external = np.clip(last + step, 1, 4)
    external[mover, :3] = np.clip(external[mover, :3] + (rng.random(3) < 0.5), 1, 4)
    missing = rng.random((n, k)) < 0.12
    external = np.where(missing, np.where(rng.random((n, k)) < 0.45, -1, 0), external)
    forum.external = external
    return forum


# --------------------------------------------------------------------------------------
# Raw tables


def _order(forum: _Forum) -> list[int]:
    """Roster order: department, directors first, then name."""
    return sorted(
        range(len(forum.name)),
        key=lambda i: (forum.department[i], forum.role[i] != "director", forum.name[i]),
    )


def _raw_tables(forum: _Forum) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    order = _order(forum)
    roster = pd.DataFrame(
        {
            "Medarbejdernr": [forum.number[i] for i in order],
            "Navn": [forum.name[i] for i in order],
            "Køn": [GENDER_LABELS[forum.gender[i]] for i in order],
            "Stilling": [ROLE_LABELS[forum.role[i]] for i in order],
            "Magistratsafdeling": [DEPARTMENTS[forum.department[i]] for i in order],
            "Besvaret": [ANSWERED_LABELS[bool(forum.answered[i])] for i in order],
        }
    )
    rows = [i for i in order if forum.answered[i]]
    cells = []
    for i in rows:
        row = [forum.name[i]]
        for j in order:
            empty = i == j or forum.blank[i, j]
            row.append("" if empty else RELATION_LABELS[forum.ratings[i, j]])
        cells.append(row)
    relations = pd.DataFrame(cells, columns=["Respondent"] + [forum.name[j] for j in order])
    labels = {**EXTERNAL_LABELS, 0: "", -1: DONT_KNOW}
    external = pd.DataFrame(
        [[forum.name[i]] + [labels[int(v)] for v in forum.external[i]] for i in rows],
        columns=["Respondent", *PARTNER_COLUMNS],
    )
    return roster, relations, external


def _spec(spec_or_number) -> WaveSpec:
    if isinstance(spec_or_number, WaveSpec):
        return spec_or_number
    for spec in EXAMPLE_WAVES:
        if spec_or_number in (spec.number, spec.id):
            return spec
    raise ValueError(f"no example wave {spec_or_number!r}; there are 1 and 2")


def wave_yml(spec: WaveSpec) -> str:
    """The ``wave.yml`` of an example wave.

    Parameters
    ----------
    spec : WaveSpec
        An entry of :data:`EXAMPLE_WAVES`.

    Returns
    -------
    str
        The YAML text.

    Examples
    --------
    >>> print(wave_yml(EXAMPLE_WAVES[1]).splitlines()[5])
    previous: "2019-02"
    """
    previous = "null" if spec.previous is None else f'"{spec.previous}"'
    visits = ""
    if spec.visits:
        visits = "  visits:                 # a date or a month each; default: the three months after the seminar\n"
        visits += "".join(f"    {stage}: {when}\n" for stage, when in spec.visits.items())
    return WAVE_TEMPLATE.substitute(name=spec.name, id=spec.id, date=spec.date, previous=previous,
                                    name_en=spec.name_en, seminar_date=spec.seminar_date or spec.date,
                                    visits=visits)


def generate_wave(spec_or_number, *, seed: int = DEFAULT_SEED) -> ExampleWave:
    """Generate one example wave in memory.

    Parameters
    ----------
    spec_or_number : WaveSpec, int or str
        An entry of :data:`EXAMPLE_WAVES`, its number (1, 2) or its id ("2019-02").
        The forum's history is simulated from the first wave on, so wave 2 continues
        wave 1 of the same seed.
    seed : int
        Seed of the single ``numpy.random.default_rng`` used.

    Returns
    -------
    ExampleWave
        The raw tables, ``wave.yml`` and the planted truth.

    Examples
    --------
    >>> wave = generate_wave(1)
    >>> len(wave.roster), len(wave.relations), len(wave.core)
    (40, 37, 12)
    """
    spec = _spec(spec_or_number)
    forum, weights, rng = _first_wave(seed)
    if spec.number == 2:
        forum = _second_wave(forum, weights, rng)
    elif spec.number != 1:
        raise ValueError(f"no example wave number {spec.number}")
    roster, relations, external = _raw_tables(forum)
    return ExampleWave(
        spec=spec,
        roster=roster,
        relations=relations,
        external=external,
        wave_yml=wave_yml(spec),
        core=tuple(sorted(forum.number[i] for i in np.flatnonzero(forum.core))),
        moved_into_core=forum.moved_into_core,
        left=forum.left,
        joined=forum.joined,
        seed=seed,
    )


# --------------------------------------------------------------------------------------
# Files


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n")


def _write_wave(wave: ExampleWave, folder: Path) -> None:
    (folder / "wave.yml").write_text(wave.wave_yml, encoding="utf-8", newline="\n")
    _write_csv(wave.roster, folder / "roster.csv")
    _write_csv(wave.relations, folder / "relations.csv")
    _write_csv(wave.external, folder / "external.csv")


def write_example_waves(dest: Path = EXAMPLE_DIR, *, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write every example wave into ``dest/<wave id>/``.

    Each wave folder is written into a temporary folder beside it and then swapped in,
    so a reader never sees a half-written wave. The same seed gives byte-identical files.

    Parameters
    ----------
    dest : pathlib.Path
        The folder holding the example waves (``data/example`` of the project).
    seed : int
        Passed to :func:`generate_wave`.

    Returns
    -------
    list of pathlib.Path
        The wave folders written, in wave order.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in EXAMPLE_WAVES:
        wave = generate_wave(spec, seed=seed)
        target = dest / spec.id
        tmp = Path(tempfile.mkdtemp(prefix=f".{spec.id}-", dir=dest))
        try:
            _write_wave(wave, tmp)
            os.chmod(tmp, 0o755)
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{spec.id}-old-", dir=dest))
                os.replace(target, old / spec.id)
                os.replace(tmp, target)
                shutil.rmtree(old)
            else:
                os.replace(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp)
        written.append(target)
    return written
