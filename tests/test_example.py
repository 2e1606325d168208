"""The synthetic example waves reproduce the seminar's published numbers.

The raw CSVs are read here with plain pandas and the scales of ``wave.yml``, independently
of the project's ingest, and compared with the numbers the seminar published: 40
members, 37 respondents, 611 ties (42.3 % density), the core and periphery means of the
external ratings, and a core-periphery split whose optimum is the planted core.
"""

from __future__ import annotations

import importlib.util
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import yaml

from helpers.ingest import example

ROOT = Path(__file__).parents[1]
COMMITTED = ROOT / "data" / "example"
FILES = ("wave.yml", "roster.csv", "relations.csv", "external.csv")

DEPARTMENTS = {
    "Borgmesterens Afdeling",
    "Børn og Unge",
    "Kultur og Borgerservice",
    "Sociale Forhold og Beskæftigelse",
    "Sundhed og Omsorg",
    "Teknik og Miljø",
}
# The seminar's table (core vs periphery, partner types in wave.yml order).
PUBLISHED_CORE = ("2.86", "2.88", "2.10", "2.00", "3.00", "2.33", "2.20")
PUBLISHED_PERIPHERY = ("2.13", "2.10", "2.36", "2.36", "2.57", "2.13", "1.89")


# --------------------------------------------------------------------------------------
# Reading a written wave, independently of helpers.io / helpers.ingest.validate


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)


class Wave:
    """A raw wave as read from its folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.meta = yaml.safe_load((folder / "wave.yml").read_text(encoding="utf-8"))
        self.roster = _csv(folder / "roster.csv")
        self.relations = _csv(folder / "relations.csv")
        self.external = _csv(folder / "external.csv")
        cols = self.meta["roster"]["columns"]
        r = self.roster
        self.ids = r[cols["member_id"]].tolist()
        self.names = r[cols["name"]].tolist()
        self.id_of = dict(zip(self.names, self.ids))
        values = self.meta["roster"]["values"]
        self.gender = r[cols["gender"]].map(values["gender"]).to_numpy()
        self.role = r[cols["role"]].map(values["role"]).to_numpy()
        self.department = r[cols["department"]].to_numpy()
        self.answered = r[cols["answered"]].map(values["answered"]).astype(bool).to_numpy()
        rel = self.meta["relations"]
        scale = {label: int(k) for k, label in rel["scale"].items()}
        n = len(self.ids)
        self.ratings = np.full((n, n), -1)
        position = {name: i for i, name in enumerate(self.names)}
        for _, row in self.relations.iterrows():
            i = position[row[rel["respondent_column"]]]
            for j, name in enumerate(self.names):
                cell = row[name]
                self.ratings[i, j] = scale[cell] if cell else -1
        self.ties = (self.ratings >= rel["tie_threshold"]).astype(int)

    def graph(self) -> nx.DiGraph:
        """The graph contract of helpers.analysis.network, built by hand."""
        G = nx.DiGraph()
        for k, member in enumerate(self.ids):
            G.add_node(
                member,
                gender=self.gender[k],
                role=self.role[k],
                department=self.department[k],
                answered=bool(self.answered[k]),
            )
        for i, j in zip(*np.nonzero(self.ties)):
            G.add_edge(self.ids[i], self.ids[j], rating=int(self.ratings[i, j]))
        return G

    def union(self) -> nx.Graph:
        U = nx.Graph()
        U.add_nodes_from(self.ids)
        U.add_edges_from((self.ids[i], self.ids[j]) for i, j in zip(*np.nonzero(self.ties)))
        return U

    def mask(self, members) -> np.ndarray:
        return np.isin(self.ids, list(members))


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("example")
    example.write_example_waves(dest)
    return dest


@pytest.fixture(scope="module")
def first(written) -> Wave:
    return Wave(written / "2019-02")


@pytest.fixture(scope="module")
def second(written) -> Wave:
    return Wave(written / "2020-02")


@pytest.fixture(scope="module")
def truth1():
    return example.generate_wave(1)


@pytest.fixture(scope="module")
def truth2():
    return example.generate_wave(2)


# --------------------------------------------------------------------------------------
# The Borgatti-Everett fit, written out cell by cell (core-periphery cells ignored)


def fit_by_cells(ties, answered, core) -> float:
    """Pearson correlation over the observed core-core and periphery-periphery cells."""
    core = np.asarray(core, bool)
    same = core[:, None] == core[None, :]
    cells = answered[:, None] & same & ~np.eye(core.size, dtype=bool)
    observed = ties[cells]
    ideal = np.broadcast_to(core[:, None], ties.shape)[cells]
    if observed.std() == 0 or ideal.std() == 0:
        return -1.0
    return float(np.corrcoef(observed, ideal)[0, 1])


def fit_by_counts(ties, answered, X) -> np.ndarray:
    """The same correlation for a batch of partitions, from block counts (phi)."""
    X = np.atleast_2d(X).astype(float)
    Y = 1 - X
    rows = ties[answered].astype(float)
    core_core = np.einsum("br,rc,bc->b", X[:, answered], rows, X)
    peri_peri = np.einsum("br,rc,bc->b", Y[:, answered], rows, Y)
    n_core = X[:, answered].sum(1) * (X.sum(1) - 1)
    n_peri = Y[:, answered].sum(1) * (Y.sum(1) - 1)
    n, ones = n_core + n_peri, core_core + peri_peri
    denom = n_core * n_peri * ones * (n - ones)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = (core_core * n - n_core * ones) / np.sqrt(denom)
    return np.where(denom > 0, phi, -1.0)


def one_move_away(x: np.ndarray) -> np.ndarray:
    n = x.size
    flips = [np.where(np.arange(n) == k, ~x, x) for k in range(n)]
    swaps = []
    for i in np.flatnonzero(x):
        for j in np.flatnonzero(~x):
            y = x.copy()
            y[i], y[j] = False, True
            swaps.append(y)
    return np.array(flips + swaps)


def local_search(ties, answered, x) -> tuple[np.ndarray, float]:
    best = fit_by_counts(ties, answered, x)[0]
    while True:
        nbrs = one_move_away(x)
        fits = fit_by_counts(ties, answered, nbrs)
        k = int(np.argmax(fits))
        if fits[k] <= best + 1e-12:
            return x, best
        x, best = nbrs[k], fits[k]


def rounded(value: float) -> str:
    return str(Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------------------
# The files


def test_same_seed_gives_byte_identical_files(tmp_path):
    a = example.write_example_waves(tmp_path / "a")
    b = example.write_example_waves(tmp_path / "b", seed=example.DEFAULT_SEED)
    assert [p.name for p in a] == ["2019-02", "2020-02"]
    for wave_a, wave_b in zip(a, b):
        assert sorted(p.name for p in wave_a.iterdir()) == sorted(FILES)
        for name in FILES:
            assert (wave_a / name).read_bytes() == (wave_b / name).read_bytes()
    # rewriting replaces the folder and leaves no temporary folders behind
    example.write_example_waves(tmp_path / "a")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["2019-02", "2020-02"]


def test_another_seed_gives_other_people_same_published_numbers():
    wave = example.generate_wave(1, seed=7)
    default = example.generate_wave(1)
    assert not wave.roster.equals(default.roster)
    scale = {label: k for k, label in enumerate(example.RELATION_LABELS)}
    ratings = wave.relations.drop(columns="Respondent").map(lambda cell: scale.get(cell, -1))
    assert int((ratings.to_numpy() >= 2).sum()) == 611


def test_committed_files_are_the_generated_ones(written):
    if not (COMMITTED / "2020-02" / "relations.csv").exists():
        pytest.skip("example waves not written yet")
    for wave in ("2019-02", "2020-02"):
        for name in FILES:
            assert (COMMITTED / wave / name).read_bytes() == (written / wave / name).read_bytes()


def test_csv_files_are_danish_excel_style(first):
    for name in ("roster.csv", "relations.csv", "external.csv"):
        data = (first.folder / name).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        header = data[3:].split(b"\r\n")[0].decode("utf-8")
        assert ";" in header and "," not in header


def test_wave_yml_keeps_the_template(first, second):
    assert first.meta["id"] == "2019-02" and str(first.meta["date"]) == "2019-02-22"
    assert first.meta["previous"] is None
    assert second.meta["id"] == "2020-02" and str(second.meta["date"]) == "2020-02-21"
    assert second.meta["previous"] == "2019-02"
    one = (first.folder / "wave.yml").read_text(encoding="utf-8").splitlines()
    two = (second.folder / "wave.yml").read_text(encoding="utf-8").splitlines()
    changed = [a.split(":")[0] for a, b in zip(one, two) if a != b]
    # the seminar's date and the job visits' dates follow the wave; last: name in English
    assert len(one) == len(two) and changed == ["name", "id", "date", "previous", "  date", "    invitation", "    first",
                                                "    second", "    wrap_up", "    name"]
    assert one[0].startswith("# One survey wave")
    partners = [p["column"] for p in first.meta["external"]["partners"]]
    assert list(first.external.columns) == ["Respondent", *partners]


def test_generate_wave_accepts_spec_number_and_id(truth1):
    by_id = example.generate_wave("2019-02")
    by_spec = example.generate_wave(example.EXAMPLE_WAVES[0])
    assert by_id.relations.equals(truth1.relations) and by_spec.external.equals(truth1.external)
    with pytest.raises(ValueError):
        example.generate_wave(3)


# --------------------------------------------------------------------------------------
# Wave 1: the published aggregates


def test_roster(first):
    r = first.roster
    assert len(r) == 40 and len(set(first.ids)) == 40 and len(set(first.names)) == 40
    assert set(first.department) == DEPARTMENTS
    sizes = pd.Series(first.department).value_counts()
    assert sizes.between(5, 9).all()
    directors = pd.Series(first.department[first.role == "director"]).value_counts()
    assert len(directors) == 6 and (directors == 1).all()
    women = (first.gender == "female").sum()
    assert 15 <= women <= 25 and set(first.gender) == {"female", "male"}
    assert first.answered.sum() == 37
    assert len(set(first.department[~first.answered])) >= 2
    assert any(set(name) & set("æøåÆØÅ") for name in first.names)
    assert all(member.isdigit() for member in first.ids)


def test_relations_shape(first):
    rel = first.relations
    assert list(rel.columns) == ["Respondent", *first.names]
    assert list(rel["Respondent"]) == [n for n, a in zip(first.names, first.answered) if a]
    labels = set(first.meta["relations"]["scale"].values())
    cells = rel.drop(columns="Respondent").to_numpy()
    assert set(cells.ravel()) <= labels | {""}
    for _, row in rel.iterrows():
        assert row[row["Respondent"]] == ""
    blanks = (cells == "").sum() - len(rel)
    assert 3 <= blanks <= 15  # a handful of unanswered cells, not "Aldrig"


def test_published_ties_and_density(first):
    ties = int(first.ties.sum())
    possible = int(first.answered.sum()) * (len(first.ids) - 1)
    assert (ties, possible) == (611, 1443)
    assert f"{100 * ties / possible:.1f}" == "42.3"
    assert first.ties[~first.answered].sum() == 0


def test_external_means_match_the_seminar_table(first, truth1):
    ext = first.external
    scale = {label: int(k) for k, label in first.meta["external"]["scale"].items()}
    dont_know = set(first.meta["external"]["dont_know"])
    partners = [p["column"] for p in first.meta["external"]["partners"]]
    respondents = [n for n, a in zip(first.names, first.answered) if a]
    assert list(ext["Respondent"]) == respondents
    cells = ext[partners].to_numpy()
    assert set(cells.ravel()) <= set(scale) | dont_know | {""}
    assert (cells == "").sum() >= 3 and (cells == "Ved ikke").sum() >= 3
    numeric = ext[partners].apply(lambda c: c.map(scale))
    assert set(numeric.stack().dropna().astype(int)) == {1, 2, 3, 4}
    in_core = ext["Respondent"].map(first.id_of).isin(truth1.core)
    core_means = [rounded(numeric.loc[in_core, p].mean()) for p in partners]
    peri_means = [rounded(numeric.loc[~in_core, p].mean()) for p in partners]
    assert tuple(core_means) == PUBLISHED_CORE
    assert tuple(peri_means) == PUBLISHED_PERIPHERY
    # the same with Python's own rounding (half to even)
    assert tuple(f"{numeric.loc[in_core, p].mean():.2f}" for p in partners) == PUBLISHED_CORE


def test_core_cuts_across_gender_role_and_department(first, truth1):
    core = first.mask(truth1.core)
    assert 10 <= core.sum() <= 13
    assert first.answered[core].sum() >= core.sum() - 1
    assert set(first.gender[core]) == {"female", "male"}
    assert set(first.role[core]) == {"director", "chief"}
    assert len(set(first.department[core])) >= 4
    for dept in DEPARTMENTS:
        assert not core[first.department == dept].all()


def test_planted_core_is_a_strict_local_optimum(first, truth1):
    core = first.mask(truth1.core)
    planted = fit_by_cells(first.ties, first.answered, core)
    nbrs = one_move_away(core)
    fits = [fit_by_cells(first.ties, first.answered, y) for y in nbrs]
    assert max(fits) < planted - 1e-3
    # the count formula used by the search below agrees with the cell-by-cell one
    np.testing.assert_allclose(fit_by_counts(first.ties, first.answered, nbrs[::37]), fits[::37])


@pytest.mark.parametrize("wave", ["first", "second"])
def test_planted_core_beats_random_restarts(wave, request):
    w = request.getfixturevalue(wave)
    truth = request.getfixturevalue({"first": "truth1", "second": "truth2"}[wave])
    core = w.mask(truth.core)
    planted = fit_by_counts(w.ties, w.answered, core)[0]
    rng = np.random.default_rng(1)
    found = set()
    for _ in range(200 if wave == "first" else 120):
        x = rng.random(core.size) < rng.uniform(0.1, 0.6)
        x, fit = local_search(w.ties, w.answered, x)
        assert fit <= planted + 1e-12
        found.add(tuple(x))
    assert tuple(core) in found


@pytest.mark.parametrize("wave", ["first", "second"])
def test_coreperiphery_module_finds_the_planted_core(wave, request):
    if importlib.util.find_spec("helpers.analysis.coreperiphery") is None:
        pytest.skip("helpers.analysis.coreperiphery not written yet")
    from helpers.analysis.coreperiphery import partition

    w = request.getfixturevalue(wave)
    truth = request.getfixturevalue({"first": "truth1", "second": "truth2"}[wave])
    split = partition(w.graph(), variant="ignore")
    assert tuple(sorted(split.core)) == truth.core


def test_no_separate_groupings(first):
    U = first.union()
    for seed in (1, 2, 3):
        parts = nx.community.louvain_communities(U, seed=seed)
        assert nx.community.modularity(U, parts) < 0.15
    by_department = [set(np.array(first.ids)[first.department == d]) for d in DEPARTMENTS]
    assert nx.community.modularity(U, by_department) < 0.15
    same = first.department[:, None] == first.department[None, :]
    cells = first.answered[:, None] & ~np.eye(len(first.ids), dtype=bool)
    within, between = first.ties[cells & same].mean(), first.ties[cells & ~same].mean()
    assert 1.05 < within / between < 2.0


def test_nobody_is_indispensable(first, second):
    for w in (first, second):
        U = w.union()
        assert nx.node_connectivity(U) >= 2
        assert not list(nx.articulation_points(U))
        assert min(d for _, d in U.degree()) >= 3


def test_truth_is_not_in_the_files(first):
    text = "".join((first.folder / f).read_text(encoding="utf-8-sig") for f in FILES)
    for word in ("core", "Kerne", "periphery", "Periferi"):
        assert word.lower() not in text.lower()


# --------------------------------------------------------------------------------------
# Wave 2: a year later


def test_one_member_replaced_in_same_department_and_role(first, second, truth2):
    assert len(second.ids) == 40
    left, joined = set(first.ids) - set(second.ids), set(second.ids) - set(first.ids)
    assert (tuple(left), tuple(joined)) == (truth2.left, truth2.joined)
    assert len(left) == len(joined) == 1
    (old,), (new,) = left, joined
    i, j = first.ids.index(old), second.ids.index(new)
    assert first.department[i] == second.department[j] and first.role[i] == second.role[j]
    assert second.names[j] not in first.names
    for k, member in enumerate(second.ids):
        if member != new:
            assert first.names[first.ids.index(member)] == second.names[k]


def test_one_periphery_member_moved_into_the_core(first, second, truth1, truth2):
    assert 36 <= second.answered.sum() <= 38
    (mover,) = truth2.moved_into_core
    assert set(truth2.core) == set(truth1.core) | {mover}
    i, j = first.ids.index(mover), second.ids.index(mover)
    assert first.answered[i] and second.answered[j]
    core1, core2 = first.mask(truth1.core), second.mask(truth1.core)
    before = first.ties[i, core1].sum() + first.ties[core1 & first.answered, i].sum()
    after = second.ties[j, core2].sum() + second.ties[core2 & second.answered, j].sum()
    assert after >= before + 5
    planted = fit_by_cells(second.ties, second.answered, second.mask(truth2.core))
    old_core = fit_by_cells(second.ties, second.answered, core2)
    assert planted > old_core


def test_new_ties_across_departments_and_dropped_ties(first, second):
    stayed = [m for m in first.ids if m in second.ids]
    a = [first.ids.index(m) for m in stayed]
    b = [second.ids.index(m) for m in stayed]
    both = first.answered[a] & second.answered[b]
    t1, t2 = first.ties[np.ix_(a, a)][both], second.ties[np.ix_(b, b)][both]
    dept = first.department[a]
    across = (dept[:, None] != dept[None, :])[both]
    assert ((t2 == 1) & (t1 == 0) & across).sum() >= 20
    assert ((t2 == 0) & (t1 == 1)).sum() >= 10
    assert abs(int(second.ties.sum()) - 611) < 80


def test_second_wave_external_ratings_are_plausible(second):
    partners = [p["column"] for p in second.meta["external"]["partners"]]
    cells = second.external[partners].to_numpy()
    assert len(second.external) == second.answered.sum()
    labels = set(second.meta["external"]["scale"].values())
    assert set(cells.ravel()) <= labels | {"Ved ikke", ""}
    answered_share = np.isin(cells, list(labels)).mean()
    assert 0.75 < answered_share < 0.95
