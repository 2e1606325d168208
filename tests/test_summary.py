"""Tests of helpers.handout.sections.summary: the five points follow the data and keep the privacy rule."""

from __future__ import annotations

import re
from fractions import Fraction

import networkx as nx
import pytest

from helpers.escape import markdown_plain
from helpers.handout import sections
from helpers.handout.context import Context, percent
from helpers.handout.sections import summary
from helpers.lang import NBSP
from helpers.results.departments import Departments
from test_sections import clique, forum, write_wave


def with_departments(folder, G, seed=1) -> Context:
    write_wave(folder, G, seed=seed)
    Departments.compute(G, seed=seed).save(folder)
    return Context(folder, "en", seed)


def core_and_periphery(core: int = 6, periphery: int = 12) -> nx.DiGraph:
    """A dense core (a clique) and a periphery whose members each name two core members."""
    G = forum({"A": (core + periphery) // 2, "B": (core + periphery) - (core + periphery) // 2})
    nodes = sorted(G.nodes, key=lambda n: (int(n[1:]), n[0]))
    inner, outer = nodes[:core], nodes[core:]
    clique(G, inner)
    for i, member in enumerate(outer):
        G.add_edges_from([(member, inner[i % core]), (member, inner[(i + 1) % core])])
    return G


def test_a_planted_core_is_told_apart_and_nobody_is_indispensable(tmp_path):
    ctx = write_wave(tmp_path, core_and_periphery())
    verdict = summary.core_verdict(ctx)
    assert verdict in ("clear", "weak")  # a clique core: clear or weak by the test against random networks
    assert summary.resilience(ctx) == "nobody"
    core = {"clear": "a clear core", "weak": "only a weak core"}[verdict]
    assert summary.headline(ctx) == f"The forum has {core} – but nobody is indispensable"
    point = summary.core_point(ctx)
    assert point.body.replace(NBSP, " ") == "6 of the forum's 18 members form the core; 67 % are in the periphery."  # 12 / 18


def test_two_cliques_on_one_bridge_rest_on_a_few_people(tmp_path):
    G = forum({"A": 5, "B": 5})
    clique(G, [f"A{i}" for i in range(5)])
    clique(G, [f"B{i}" for i in range(5)])
    G.add_edges_from([("A1", "B1"), ("B1", "A1")])  # A1 and B1 are the only cut vertices
    ctx = write_wave(tmp_path, G)
    assert summary.resilience(ctx) == "some"
    assert summary.headline(ctx).endswith("– and the network rests on a few people")


def test_a_count_of_fewer_than_k_members_is_not_printed(tmp_path):
    G = forum({"A": 5, "B": 5})
    clique(G, [f"A{i}" for i in range(5)])
    clique(G, [f"B{i}" for i in range(5)])
    G.add_edges_from([("A1", "B1"), ("B1", "A1")])  # two cut vertices, k = 3
    ctx = with_departments(tmp_path, G)
    point = summary.resilience_point(ctx)
    assert point.heading == "The network rests on a few people"
    assert "if fewer than 3 particular members drop out" in point.body
    assert not re.search(r"\b2 particular", point.body)


def test_a_split_network_says_so(tmp_path):
    G = forum({"A": 5, "B": 5})
    clique(G, [f"A{i}" for i in range(5)])
    clique(G, [f"B{i}" for i in range(5)])
    ctx = write_wave(tmp_path, G)
    assert summary.resilience(ctx) == "disconnected"


def test_departments_verdict_counts_the_ties_across(tmp_path):
    G = core_and_periphery()
    ctx = with_departments(tmp_path, G)
    found = summary.departments_verdict(ctx)
    dept = dict(G.nodes(data="department"))
    across = sum(dept[u] != dept[v] for u, v in G.edges)  # by hand: ties between departments
    assert found["share"] == pytest.approx(across / G.number_of_edges())
    assert found["verdict"] in ("inside", "across", "chance")


def test_one_department_has_no_departments_point(tmp_path):
    G = forum({"A": 10})
    clique(G, [f"A{i}" for i in range(4)])
    for i in range(4, 10):
        G.add_edge(f"A{i}", "A0")
    ctx = write_wave(tmp_path, G)
    assert summary.departments_verdict(ctx) is None


@pytest.mark.parametrize("denominator", range(1, 121))
def test_percentages_round_half_up_as_exact_fractions_do(denominator):
    """Every share n/d (d <= 120) prints as exact arithmetic rounds it, half up (37/40 -> 93 %)."""
    for numerator in range(denominator + 1):
        exact = Fraction(100 * numerator, denominator)
        expected = int(exact + Fraction(1, 2))  # floor(x + 1/2): half up for non-negative x
        assert percent(numerator / denominator, "en") == f"{expected}{NBSP}%", (numerator, denominator)
    assert percent(37 / 40, "da") == f"93{NBSP}%"


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_example_summary_states_the_numbers_of_its_sections(example_run, lang):
    """Against the planted example, counted independently from the tidy tables: 12 of 40
    members in the core, 37 of 40 answered (92.5 % -> 93 %), 611 of 1,443 possible ties."""
    from helpers.results.tidy import Tidy

    _, _, folder = example_run
    ctx = Context(folder, lang, 20190222)
    text = markdown_plain(summary.text(ctx)).replace(NBSP, " ")
    tidy = Tidy.load(folder)
    members, relations = tidy.members, tidy.relations
    respondents = int(members["answered"].sum())
    ties = relations[relations["rating"] >= 2]
    dept = dict(zip(members["member_id"], members["department"]))
    across = Fraction(sum(dept[s] != dept[t] for s, t in zip(ties["source"], ties["target"])), len(ties))
    share = int(100 * across + Fraction(1, 2))
    expected = {"da": [f"Pointerne bygger på svar fra {respondents} af forummets {len(members)} medlemmer (svarprocent 93 %).",
                       "12 af forummets 40 medlemmer udgør kernen; 70 % befinder sig i periferien.",
                       "42,3 % af de mulige relationer findes (611 ud af 1.443).",
                       f"{share} % af relationerne går på tværs af magistratsafdelingerne"],
                "en": [f"The points are based on the answers of {respondents} of the forum's {len(members)} members (response rate 93 %).",
                       "12 of the forum's 40 members form the core; 70 % are in the periphery.",
                       "42.3 % of the possible relations exist (611 of 1,443).",
                       f"{share} % of the relations cross department lines"]}[lang]
    for sentence in expected:
        assert sentence in text, sentence
    headline = {"da": "Forummet har en tydelig kerne – men ingen er uundværlig",  # the seminar's finding
                "en": "The forum has a clear core – but nobody is indispensable"}[lang]
    assert summary.headline(ctx) == headline
    # the same numbers, printed the same way, in the sections that state them in full
    body = markdown_plain("\n".join([sections.purpose.text(ctx), sections.structure.text(ctx),
                                     sections.departments.text(ctx)])).replace(NBSP, " ")
    for number in ("93 %", "42,3 %" if lang == "da" else "42.3 %", f"{share} %"):
        assert number in body, number


def test_unlinked_departments_of_fewer_than_k_members_are_not_named(tmp_path):
    G = forum({"A": 5, "B": 5, "C": 2})
    clique(G, [f"A{i}" for i in range(5)] + [f"B{i}" for i in range(5)])
    G.add_edges_from([("C0", "C1"), ("C1", "C0")])  # C: two members, no ties to A or B
    ctx = with_departments(tmp_path, G)
    found = ctx.departments.unlinked_pairs
    assert {("A", "C"), ("B", "C")} <= set(zip(found["group_a"], found["group_b"]))  # the analysis finds them
    assert sections.departments.unlinked(ctx) == []  # neither the section nor the summary names C's two members
    assert not sections.departments.all_linked(ctx)
    assert "All departments have relations" not in sections.departments.text(ctx)
    point = summary.departments_point(ctx)
    assert "C" not in re.findall(r"\b[A-C]\b", point.body)
    assert "All departments have relations" not in point.body  # and nothing untrue instead


# ------------------------------------------------------------------------------ headings that state the finding


def first_line(markdown: str) -> str:
    return markdown.split("\n", 1)[0]


def random_forum() -> nx.DiGraph:
    """24 members in three departments, 180 ties drawn at random: no tendency by department."""
    G = forum({"A": 8, "B": 8, "C": 8})
    nodes = sorted(G)
    G.add_edges_from((nodes[u], nodes[v]) for u, v in nx.gnm_random_graph(24, 180, seed=11, directed=True).edges)
    return G


def silos() -> nx.DiGraph:
    """Three departments of six, each a clique, joined by two mutual ties: relations inside departments."""
    G = forum({"A": 6, "B": 6, "C": 6})
    for dept in "ABC":
        clique(G, [n for n, d in G.nodes(data="department") if d == dept])
    G.add_edges_from([("A1", "B1"), ("B1", "A1"), ("B2", "C2"), ("C2", "B2")])
    return G


def two_cliques_on_a_bridge() -> nx.DiGraph:
    G = forum({"A": 5, "B": 5})
    clique(G, [f"A{i}" for i in range(5)])
    clique(G, [f"B{i}" for i in range(5)])
    G.add_edges_from([("A1", "B1"), ("B1", "A1")])
    return G


def two_apart() -> nx.DiGraph:
    G = forum({"A": 5, "B": 5})
    clique(G, [f"A{i}" for i in range(5)])
    clique(G, [f"B{i}" for i in range(5)])
    return G


def everyone() -> nx.DiGraph:
    G = forum({"A": 4, "B": 4})
    clique(G, list(G))
    return G


def one_department() -> nx.DiGraph:
    G = forum({"A": 10})
    clique(G, [f"A{i}" for i in range(4)])
    G.add_edges_from((f"A{i}", "A0") for i in range(4, 10))
    return G


HEADING_FORUMS = {"planted core": core_and_periphery, "random": random_forum, "silos": silos,
                  "bridge": two_cliques_on_a_bridge, "two parts": two_apart, "everyone with everyone": everyone,
                  "one department": one_department}


@pytest.mark.parametrize("name", sorted(HEADING_FORUMS))
def test_the_structure_heading_states_what_its_section_says(tmp_path, name):
    """The heading's two claims against the section's own bullets and against networkx: the
    core's verdict (clear/weak/none) as the first bullet words it, with the core's density
    counted by hand; the resilience from weak components and articulation points."""
    G = HEADING_FORUMS[name]()
    ctx = with_departments(tmp_path, G)
    section = sections.structure.text(ctx)
    heading, first = first_line(section), section.split("\n- ")[1]
    assert heading == f"## {summary.headline(ctx)}"
    core = ctx.structure.core if ctx.has_core else []
    if not ctx.has_core:
        assert heading.startswith("## No core can be told apart from a periphery")
        assert first.startswith("Everyone works with everyone") or first.startswith("No core")
    elif heading.startswith("## The forum has a clear core"):
        assert first.startswith("A clear core-periphery structure")
        periphery = set(G) - set(core)
        within = lambda part: sum(u in part and v in part for u, v in G.edges) / (len(part) * (len(part) - 1))
        assert within(set(core)) >= 2 * within(periphery)  # counted by hand: a clear core is denser inside
    else:
        assert heading.startswith("## The forum has only a weak core")
        assert first.startswith("A weak core-periphery structure")
    undirected = nx.Graph(G)
    if not nx.is_connected(undirected):
        assert heading.endswith("and the network does not hold together")
        assert "The network does not hold together" in section
    elif list(nx.articulation_points(undirected)):
        assert heading.endswith("and the network rests on a few people")
        assert "indispensable:" in section
    else:
        assert heading.endswith("but nobody is indispensable")
        assert "Nobody is indispensable!" in section
    if name == "everyone with everyone":  # by construction: no core can be told apart
        assert not ctx.has_core


def test_the_structure_heading_with_too_few_answers_says_so(tmp_path):
    G = core_and_periphery()
    for member in sorted(G)[2:]:  # two respondents, k = 3
        G.nodes[member]["answered"] = False
        G.remove_edges_from(list(G.out_edges(member)))
    ctx = with_departments(tmp_path, G)
    assert ctx.thin
    assert first_line(sections.structure.text(ctx)) == "## Too few answers for an analysis"
    assert sections.departments.heading(ctx) == "## Collaboration across departments"  # no finding to state


def test_the_structure_heading_without_relations_says_so(tmp_path):
    ctx = with_departments(tmp_path, forum({"A": 4, "B": 4}))
    assert ctx.no_ties
    assert sections.structure.heading(ctx) == "## No relations named"  # (the test wave has no answer scale)
    assert sections.departments.heading(ctx) == "## Collaboration across departments"


@pytest.mark.parametrize("name", sorted(HEADING_FORUMS))
def test_the_departments_heading_states_what_its_section_says(tmp_path, name):
    """The heading's finding against the E-I sentence of the section, and against the E-I
    index counted by hand ((external - internal) / all ties)."""
    G = HEADING_FORUMS[name]()
    ctx = with_departments(tmp_path, G)
    heading, body = sections.departments.heading(ctx), sections.departments.text(ctx)
    if name == "one department":
        assert heading == "## Collaboration across departments"
        assert body.startswith("All members belong to one department")
        return
    dept = dict(G.nodes(data="department"))
    external = sum(dept[u] != dept[v] for u, v in G.edges)
    ei = (external - (G.number_of_edges() - external)) / G.number_of_edges()
    shown = re.search(r"The E-I index for the departments is ([−-]?[0-9.]+)", body).group(1)
    assert float(shown.replace("−", "-")) == pytest.approx(ei, abs=0.005)
    if "thus cluster more within" in body:  # most ties still cross when external > internal (E-I > 0)
        assert heading == ("## Most relations cross departments – but fewer than chance would give" if ei > 0
                           else "## Relations cluster within the departments")
    elif "thus cluster less within" in body:
        assert heading == "## Relations run largely across the departments"
    else:
        assert heading == "## Relations cross the departments as a random distribution would"
        assert "no clear tendency" in body or "about what a random spread" in body
    if name == "silos":  # by construction: 90 ties inside departments, 4 across
        assert heading == "## Relations cluster within the departments"
    if name == "random":  # by construction: no tendency (the E-I test's p > 0.05)
        assert heading == "## Relations cross the departments as a random distribution would"


def _point_with(monkeypatch, tmp_path, **verdict):
    """The departments point of a small forum, with the departments' verdict replaced."""
    G = forum({"A": 5, "B": 5})
    clique(G, [f"A{i}" for i in range(5)] + [f"B{i}" for i in range(5)])
    tmp_path.mkdir(exist_ok=True)
    ctx = with_departments(tmp_path, G)
    monkeypatch.undo()
    found = {**summary.departments_verdict(ctx), **verdict}
    monkeypatch.setattr(summary, "departments_verdict", lambda _ctx: found)
    return summary.departments_point(ctx)


def test_an_undefined_e_i_index_makes_no_claim_about_chance(monkeypatch, tmp_path):
    point = _point_with(monkeypatch, tmp_path, verdict="chance", heading="untested", tested=False)
    assert point.heading == "Relations across the departments"
    assert "random" not in point.body and "chance" not in point.body
    assert re.match(r"\d+\s?% of the relations cross department lines\.", point.body)


def test_many_unlinked_pairs_are_counted_not_listed(monkeypatch, tmp_path):
    pairs = [f"D{i} – D{i + 1}" for i in range(summary.MAX_LISTED + 1)]
    many = _point_with(monkeypatch, tmp_path, unlinked=pairs, all_linked=False)
    assert f"{len(pairs)} pairs of departments have no relations" in many.body and "D0" not in many.body
    few = _point_with(monkeypatch, tmp_path / "few", unlinked=pairs[:2], all_linked=False)
    assert "D0 – D1" in few.body
