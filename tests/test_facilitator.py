"""Tests for helpers.handout.facilitator: the facilitator's PDF of the job visits.

The PDFs are read back with pypdf. What they must show is derived here from the plan's
visits and from the graph (departments, roles, ties, core), independently of the module:
every visit as "host -> guest" with both people's departments and roles, the counts over
the pairs, names only with a key and pseudonyms only without.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re

import networkx as nx
import pandas as pd
import pypdf
import pytest

from helpers.ingest.readers import read_sheet

from helpers.handout import facilitator as fc
from helpers import io
from helpers.ingest import validate
from helpers.analysis import visits as vs
from helpers.cli import main
from helpers.ingest.wave import locate
from helpers.results.tidy import Tidy

META = {"name": "Testforum 2019", "date": "2019-02-22", "relations": {"scale": {"2": "Månedligt", "3": "Ugentligt"}}}
ROLE = {"da": {"director": "direktør", "chief": "chef"}, "en": {"director": "director", "chief": "chief"}}
# words of the per-pair reasons in both languages: never on a line with a person, never in the tables
REASON_WORDS = re.compile(r"(?i)\b(tie|ties|tied|core|periphery|relation|relationer|kerne|kernen|periferi|periferien|"
                          r"svag|weak|untied)\b|\+\d")
FIRST = ("Åse", "Bo", "Cecilie", "Dan", "Eva", "Finn", "Gry", "Hans", "Ida", "Jens", "Karin")
LAST = ("Ødegård", "Bækgaard", "Dahlstrøm", "Eriksholm", "Falkenberg")
HEX = re.compile(r"\bP[0-9a-f]{8}\b")


def forum(n: int, seed: int, departments=("Alfa", "Beta", "Gamma #1"), density: float = 0.45):
    """A random forum with pseudonyms, ratings 2-3, a core and a name for everyone."""
    rng = random.Random(seed)
    ids = sorted({f"P{rng.getrandbits(32):08x}" for _ in range(n)})
    assert len(ids) == n
    G = nx.DiGraph()
    for m in ids:
        G.add_node(m, department=rng.choice(departments), role=rng.choice(["director", "chief"]),
                   gender=rng.choice(["female", "male"]), answered=rng.random() < 0.85)
    for u, v in itertools.permutations(ids, 2):
        if G.nodes[u]["answered"] and rng.random() < density:
            G.add_edge(u, v, rating=rng.choice([2, 3]))
    core = {m for m in ids if rng.random() < 0.45}
    full = [f"{f} {s}" for s, f in itertools.product(LAST, FIRST)]
    names = dict(zip(ids, full))
    names[ids[0]] = 'Ib "Ibber" *Holm* $x$ #1'  # Typst markup in a name prints as written
    return G, core, names


def key_of(names: dict) -> pd.DataFrame:
    return pd.DataFrame({"member_id": list(names), "name": list(names.values())})


def pages(path) -> list[str]:
    """Text of each page, whitespace collapsed."""
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(path).pages]


def lines(path) -> list[str]:
    return [line for p in pypdf.PdfReader(path).pages for line in p.extract_text().splitlines()]


def write(tmp_path, plan, G, core, *, lang="da", names=None, name="sheet.pdf"):
    key = key_of(names) if names is not None else None
    return fc.write_facilitator(plan, G, tmp_path / name, meta=META, lang=lang, key=key, core=core)


def shown(member, names):
    return names[member] if names is not None else member


def visit_text(G, host, guest, lang, names=None) -> str:
    """A visit as the sheet must print it: host, host's department and role, arrow, the same of the guest."""
    def person(m):
        return f"{shown(m, names)} {G.nodes[m]['department']}, {ROLE[lang][G.nodes[m]['role']]}"
    return f"{person(host)} → {person(guest)}"


def expected_rows(plan, G, lang, names=None) -> list[str]:
    """Each pair's row: id, its March visits, its April visits, its wrap-up group."""
    rows = []
    for pid, visits in plan.visits.groupby("pair_id"):
        march = [visit_text(G, h, g, lang, names) for h, g, m in zip(visits.host, visits.guest, visits.month)
                 if m == "march"]
        april = [visit_text(G, h, g, lang, names) for h, g, m in zip(visits.host, visits.guest, visits.month)
                 if m == "april"]
        rows.append(" ".join([pid, *march, *april, visits["wrap_up_group"].iloc[0]]))
    return rows


def counts_by_hand(plan, G, core, weak_rating):
    """Counts over the pairs who visit each other (three in a trio), straight from the graph."""
    c = dict(total=0, dd=0, nt=0, wt=0, cp=0)
    for _, visits in plan.visits.groupby("pair_id"):
        people = sorted(set(visits.host) | set(visits.guest))
        for u, v in itertools.combinations(people, 2):
            ratings = [G.edges[s, t]["rating"] for s, t in ((u, v), (v, u)) if G.has_edge(s, t)]
            c["total"] += 1
            c["dd"] += G.nodes[u]["department"] != G.nodes[v]["department"]
            c["nt"] += not ratings
            c["wt"] += bool(ratings) and max(ratings) <= weak_rating
            c["cp"] += (u in core) != (v in core)
    return c


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


# ---------------------------------------------------------------- content


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_visit_appears_with_pseudonyms_only(tmp_path, lang):
    G, core, names = forum(9, 1)
    plan = vs.propose_visits(G, core=core, seed=3)
    path = write(tmp_path, plan, G, core, lang=lang)
    text = " ".join(pages(path))
    for row in expected_rows(plan, G, lang):
        assert row in text
    for m in G:  # host once, guest once, and once in the wrap-up groups
        assert text.count(m) == 3, m
    for full in names.values():
        assert full not in text
    for part in LAST:
        assert part not in text


@pytest.mark.parametrize("lang", ["da", "en"])
def test_with_a_key_names_appear_and_no_pseudonym(tmp_path, lang):
    G, core, names = forum(9, 1)
    plan = vs.propose_visits(G, core=core, seed=3)
    path = write(tmp_path, plan, G, core, lang=lang, names=names)
    text = " ".join(pages(path))
    for row in expected_rows(plan, G, lang, names):
        assert row in text
    for m, full in names.items():
        assert text.count(full) == 3, full
    assert 'Ib "Ibber" *Holm* $x$ #1' in text
    assert not HEX.search(text)
    assert not any(m in text for m in G)


def test_a_key_without_a_member_is_refused(tmp_path):
    G, core, names = forum(6, 2)
    plan = vs.propose_visits(G, core=core)
    names.pop(sorted(G)[2])
    with pytest.raises(ValueError, match="no name"):
        write(tmp_path, plan, G, core, names=names)
    assert not (tmp_path / "sheet.pdf").exists()


def test_header_has_wave_date_seed_and_score_in_both_languages(tmp_path):
    G, core, names = forum(8, 4)
    plan = vs.propose_visits(G, core=core, seed=17)
    da = pages(write(tmp_path, plan, G, core, lang="da", name="da.pdf"))[0]
    en = pages(write(tmp_path, plan, G, core, lang="en", name="en.pdf"))[0]
    assert da.startswith("Jobbesøg: par og opsamlingsgrupper Testforum 2019. Spørgeskemaet lukkede 22. februar 2019.")
    assert f"Seed 17 · Samlet pointsum {plan.total_score}" in da
    assert en.startswith("Job visits: pairs and wrap-up groups Testforum 2019. The survey closed on 22 February 2019.")
    assert f"Seed 17 · Total score {plan.total_score}" in en
    assert "Besøgene" in da and "The visits" in en and "Besøgene" not in en and "The visits" not in da
    # the rules in plain words, with the points of the default weights
    assert "Different departments (+3)" in en and "No tie (+2)" in en and "Core and periphery (+1)" in en
    assert "Weak tie: not used" in en
    assert "Forskellige magistratsafdelinger (+3)" in da and "Svag relation: bruges ikke" in da
    assert "No exclusions" in en


def test_weights_and_exclusions_are_described(tmp_path):
    G, core, _ = forum(8, 4)
    exclusions = vs.Exclusions(pairs=(tuple(sorted(G)[:2]),), last_round=(tuple(sorted(G)[2:4]), ("Pgone", "Pleft")),
                               source="exclusions.yml")
    weights = vs.ScoreWeights(weak_rating=2, core_periphery=0)
    plan = vs.propose_visits(G, core=core, exclusions=exclusions, weights=weights)
    text = " ".join(pages(write(tmp_path, plan, G, core, lang="en")))
    assert "Weak tie (+1): they are tied, but the strongest rating between them is at most 2 (månedligt)." in text
    assert "Core and periphery: not used (the rule gives no points)." in text
    assert "Exclusions from exclusions.yml: 2 pairs were not allowed." in text
    assert "2 members named in the file are not in the forum" in text


# ---------------------------------------------------------------- the counts


def test_pair_figures_against_the_graph():
    G, core, _ = forum(11, 5, density=0.6)
    plan = vs.propose_visits(G, core=core, weights=vs.ScoreWeights(weak_rating=2), seed=2)
    c = counts_by_hand(plan, G, core, 2)
    f = fc.pair_figures(plan, G, core)
    assert (f["partnerships"], f["different_department"], f["no_tie"], f["weak_tie"], f["core_periphery"]) == (
        c["total"], c["dd"], c["nt"], c["wt"], c["cp"])
    assert (f["members"], f["units"], f["trios"], f["partnerships"]) == (11, 5, 1, 7)
    no_core = vs.propose_visits(G)
    assert fc.pair_figures(no_core, G)["core_periphery"] is None and fc.pair_figures(no_core, G)["weak_tie"] is None
    with pytest.raises(ValueError, match="core"):
        fc.pair_figures(plan, G)
    tied = next((h, g) for h, g in zip(plan.visits.host, plan.visits.guest) if G.has_edge(h, g) or G.has_edge(g, h))
    H = G.copy()
    H.remove_edges_from([tied, tied[::-1]])  # the pair gains "no tie": the plan no longer adds up
    with pytest.raises(ValueError, match="pass the graph"):
        fc.pair_figures(plan, H, core)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_counts_in_the_pdf_equal_counts_from_the_graph(tmp_path, lang):
    G, core, names = forum(11, 5, density=0.6)
    plan = vs.propose_visits(G, core=core, weights=vs.ScoreWeights(weak_rating=2), seed=2)
    c = counts_by_hand(plan, G, core, 2)
    assert all(0 < c[k] < c["total"] for k in ("nt", "wt", "cp")), c  # a forum where every count says something
    of = {"da": "af", "en": "of"}[lang]
    phrases = {"dd": {"da": "går på tværs af magistratsafdelinger", "en": "cross department boundaries"},
               "nt": {"da": "havde ingen relation i forvejen", "en": "had no tie before"},
               "wt": {"da": "havde en svag relation", "en": "had a weak tie"},
               "cp": {"da": "sætter et medlem af kernen sammen med et fra periferien",
                      "en": "pair a member of the core with one from the periphery"}}
    text = " ".join(pages(write(tmp_path, plan, G, core, lang=lang, name="plain.pdf")))
    for k, phrase in phrases.items():
        assert f"{c[k]} {of} {c['total']} {phrase[lang]}" in text, k
    # with names: departments only; nothing about ties or the core, not even the total score
    named = " ".join(pages(write(tmp_path, plan, G, core, lang=lang, names=names, name="named.pdf")))
    assert f"{c['dd']} {of} {c['total']} {phrases['dd'][lang]}" in named
    for k in ("nt", "wt", "cp"):
        assert phrases[k][lang] not in named
    assert {"da": "står kun i udgaven uden navne", "en": "only in the version without names"}[lang] in named
    assert {"da": "Samlet pointsum", "en": "Total score"}[lang] not in named


def test_named_sheet_leaves_out_tie_counts_even_when_they_say_nothing_extreme(tmp_path):
    # the rule does not depend on the values, so leaving a figure out says nothing about it
    G, core, names = forum(11, 5, density=0.6)
    plan = vs.propose_visits(G, core=core, seed=2)
    named = " ".join(pages(write(tmp_path, plan, G, core, lang="en", names=names)))
    assert "had no tie before" not in named and "Total score" not in named


# ---------------------------------------------------------------- privacy


@pytest.mark.parametrize("with_key", [False, True])
def test_no_reason_next_to_a_person(tmp_path, with_key):
    G, core, names = forum(11, 5, density=0.6)
    plan = vs.propose_visits(G, core=core, weights=vs.ScoreWeights(weak_rating=2), seed=2)
    for lang, heading in (("da", "Besøgene"), ("en", "The visits")):
        path = write(tmp_path, plan, G, core, lang=lang, names=names if with_key else None, name=f"{lang}.pdf")
        people = [shown(m, names if with_key else None) for m in G]
        for line in lines(path):
            if any(p in line for p in people):
                assert not REASON_WORDS.search(line), line
        text = " ".join(pages(path))
        tables = text[text.index(heading):]
        assert not REASON_WORDS.search(tables), REASON_WORDS.search(tables)
        for reasons in plan.pairs["reasons"]:
            for part in re.split(r"[;,]", reasons):
                assert part.split(":")[-1].strip() not in tables


# ---------------------------------------------------------------- the file


def test_pages_are_a4_and_the_file_is_reproducible(tmp_path, monkeypatch):
    G, core, names = forum(41, 7, departments=("Borgmesterens Afdeling", "Børn og Unge",
                                                "Kultur- og Borgerserviceforvaltningen", "Sundhed og Omsorg",
                                                "Teknik og Miljø", "Sociale Forhold og Beskæftigelse"))
    plan = vs.propose_visits(G, core=core, seed=1)
    a = write(tmp_path, plan, G, core, names=names, name="a.pdf")
    b = write(tmp_path, plan, G, core, names=names, name="b.pdf")
    assert a.read_bytes() == b.read_bytes()
    reader = pypdf.PdfReader(a)
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - 595) <= 1 and abs(float(page.mediabox.height) - 842) <= 1
    assert reader.metadata.creation_date.astimezone(dt.timezone.utc).date() == dt.date(2019, 2, 22)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    c = write(tmp_path, plan, G, core, names=names, name="c.pdf")
    assert pypdf.PdfReader(c).metadata.creation_date.astimezone(dt.timezone.utc).date() == dt.date(2023, 11, 14)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_a_41_member_plan_breaks_across_pages_and_loses_no_row(tmp_path, lang):
    departments = ("Borgmesterens Afdeling", "Børn og Unge", "Kultur- og Borgerserviceforvaltningen",
                   "Sundhed og Omsorg", "Teknik og Miljø", "Sociale Forhold og Beskæftigelse")
    G, core, names = forum(41, 7, departments=departments)
    plan = vs.propose_visits(G, core=core, seed=1)
    assert len(plan.pairs) == 20 and plan.visits.groupby("pair_id").size().max() == 3
    for key in (None, names):
        path = write(tmp_path, plan, G, core, lang=lang, names=key, name=f"{key is None}.pdf")
        text = pages(path)
        assert len(text) >= 2
        joined = " ".join(text)
        for row in expected_rows(plan, G, lang, key):  # rows are never split, so each reads whole
            assert row in joined
        for m in G:
            assert joined.count(shown(m, key)) == 3
        header = {"da": "Par Marts: vært → gæst April: vært → gæst Opsamling",
                  "en": "Pair March: host → guest April: host → guest Wrap-up"}[lang]
        on = [i for i, page in enumerate(text) if header in page]
        assert len(on) >= 2 and on == list(range(on[0], on[-1] + 1))  # the header row repeats on every page
        for group in plan.groups.itertuples():
            members = sorted(group.members.split(", "), key=lambda m: (shown(m, key), m))
            assert f"{group.group_id} {group.pair_ids} {shown(members[0], key)}" in joined


def test_location_of_the_sheet(tmp_path):
    assert fc.facilitator_path(tmp_path / "build" / "w", "w", "en") == tmp_path / "build" / "w" / "visits" / \
        "facilitator-en.pdf"
    assert fc.facilitator_path(tmp_path / "build" / "w", "w", "da", tmp_path / "private" / "key.csv") == \
        tmp_path / "private" / "facilitator-w-da.pdf"


# ---------------------------------------------------------------- the command line


def fake_run(wave, *, build="build", **_):
    """The two inputs `pairs` reads from a run (tidy tables, structure.json), without the notebooks."""
    spec, folder = locate(wave, build)
    tidy = validate.tidy_wave(spec)
    Tidy.of(tidy).save(folder)
    core = sorted(tidy.members.loc[tidy.members["department"] == "Alfa", "member_id"])
    io.write_json({"core_periphery": {"ignore": {"core": core}}}, folder / "results" / "structure.json")


def test_cli_writes_the_sheet_in_the_right_place(tiny, tmp_path, capsys, monkeypatch):
    import helpers.pipeline.scheduler

    monkeypatch.setattr(helpers.pipeline.scheduler, "run", fake_run)
    build, private = tmp_path / "build", tmp_path / "private"
    key_path = private / "key.csv"
    assert main(["key", str(tiny), "--out", str(key_path)]) == 0
    key = read_sheet(key_path)  # a sheet for people: ; separated, UTF-8 with BOM
    names, ids = list(key["name"]), list(key["member_id"])
    assert len(names) == 6 and "Åse Ødegård" in names
    capsys.readouterr()

    assert main(["pairs", str(tiny), "--build", str(build)]) == 0
    plain = build / "tiny" / "visits" / "facilitator-da.pdf"
    assert str(plain) in capsys.readouterr().out.splitlines()
    text = " ".join(pages(plain))
    assert all(m in text for m in ids) and not any(n in text for n in names)
    assert sorted(p.name for p in private.iterdir()) == ["key.csv"]

    assert main(["pairs", str(tiny), "--build", str(build), "--key", str(key_path), "--lang", "da,en"]) == 0
    out = capsys.readouterr().out.splitlines()
    for lang in ("da", "en"):
        named = private / f"facilitator-tiny-{lang}.pdf"
        assert str(named) in out and str(build / "tiny" / "visits" / f"facilitator-{lang}.pdf") in out
        text = " ".join(pages(named))
        assert all(n in text for n in names) and not any(m in text for m in ids)
    for path in (build / "tiny").rglob("*"):  # names stay beside the key
        if path.suffix == ".pdf":
            content = " ".join(pages(path))
        elif path.suffix in (".csv", ".json"):
            content = path.read_text(encoding="utf-8-sig")
        else:
            continue
        assert not any(n in content for n in names), path

    assert main(["pairs", str(tiny), "--build", str(build), "--lang", "de"]) == 2
    assert "'de' is not available" in capsys.readouterr().err
