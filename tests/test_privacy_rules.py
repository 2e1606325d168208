"""The description rule and where it applies: sentences, heatmap rows and columns, the
interactive view's tooltips and data attributes, the exports.

Small forums built by hand, so the right answer is known by construction: a department of
one and one of two, each department with one director. Truth is counted from the graph
in the test (which members a description fits, which ties a block holds), never copied
from the output.
"""

from __future__ import annotations

import html as htmllib
import itertools
import re

import matplotlib
import networkx as nx
import pytest

from helpers import privacy
from helpers.analysis import exports
from helpers.cli import main
from helpers.handout import sections
from helpers.handout.interactive import network_html
from helpers.handout.suppression import describe_member, group_labels, may_describe, merge_blocks

from test_sections import clique, forum, write_wave

matplotlib.use("Agg")


# ------------------------------------------------------------------------------ the rule


def test_the_rule_by_the_reader_who_subtracts():
    # a description is safe when neither the described set nor what is left of the frame
    # is a group of 1..k-1 people (an empty rest singles out nobody)
    for k in (1, 2, 3, 5):
        for frame in range(0, 13):
            for fit in range(0, frame + 1):
                singles_out = 0 < fit < k or 0 < frame - fit < k
                assert may_describe(fit, frame, k) == (fit > 0 and not singles_out), (fit, frame, k)
    with pytest.raises(ValueError):
        may_describe(1, 1, 0)


def test_one_director_per_department_no_description_tells_them_apart():
    G = forum({"A": 6, "B": 5, "C": 4})  # first of each is the director
    for k in (2, 3):
        for dept in "ABC":
            members = [v for v, d in G.nodes(data="department") if d == dept]
            found = {str(describe_member(G, v, k)) for v in members}
            # the director and the chiefs of one department read the same: "a member from X"
            assert found == {str(("member_of", {"department": dept}))}


def test_a_role_is_named_only_when_the_rest_of_the_department_is_large_enough():
    G = nx.Graph()
    G.add_nodes_from((f"x{i}", {"department": "X", "role": "chief" if i < 3 else "director"}) for i in range(6))
    G.add_nodes_from((f"y{i}", {"department": "Y", "role": "chief"}) for i in range(4))
    assert describe_member(G, "x0", 3) == ("role_in", {"role": "chief", "department": "X"})  # 3 chiefs, 3 directors
    assert describe_member(G, "y0", 3) == ("role_in", {"role": "chief", "department": "Y"})  # the whole department
    G.remove_node("x5")  # now two directors: "the chiefs of X" would leave two
    assert describe_member(G, "x0", 3) == ("member_of", {"department": "X"})


def test_small_groups_are_merged_or_hidden():
    assert group_labels({"A": 6, "B": 6, "C": 1, "D": 2}, 3, other="Other") == {
        "A": "A", "B": "B", "C": "Other", "D": "Other"}
    assert group_labels({"A": 6, "B": 6, "C": 1}, 3, other="Other") == {"A": "A", "B": "B", "C": None}
    assert privacy.group_labels is group_labels


# ------------------------------------------------------------------------------ a forum with a department of one and one of two


def small_departments() -> nx.DiGraph:
    """A and B of six (cliques), C of one and D of two; every member answered."""
    G = forum({"A": 6, "B": 6, "C": 1, "D": 2})
    clique(G, [f"A{i}" for i in range(6)])
    clique(G, [f"B{i}" for i in range(6)])
    G.add_edges_from([("C0", "A0"), ("C0", "A1"), ("C0", "B0"), ("A0", "C0"), ("D0", "A2"), ("D1", "D0"),
                      ("D0", "D1"), ("D1", "B3"), ("B3", "D1"), ("A3", "B4"), ("B4", "A3")])
    return G


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    return write_wave(tmp_path_factory.mktemp("small"), small_departments())


def test_heatmap_blocks_merge_small_departments_in_rows_and_columns(wave):
    G = small_departments()
    blocks = sections.departments.shown_blocks(wave).set_index(["source_department", "target_department"])
    names = set(blocks.index.get_level_values(0)) | set(blocks.index.get_level_values(1))
    assert names == {"A", "B", "Other"}
    other = {"C0", "D0", "D1"}
    # counted from the graph: ties from the three small-department members to A, and possible ties
    # (three respondents times six members of A)
    to_a = sum(1 for u, v in G.edges if u in other and v.startswith("A"))
    assert blocks.loc[("Other", "A"), "ties"] == to_a == 3
    assert blocks.loc[("Other", "A"), "density"] == pytest.approx(to_a / 18)
    within = sum(1 for u, v in G.edges if u in other and v in other)
    assert blocks.loc[("Other", "Other"), "ties"] == within and blocks.loc[("Other", "Other"), "possible"] == 3 * 2


def test_heatmap_figure_has_no_row_or_column_of_a_small_department(wave):
    import matplotlib.pyplot as plt

    ax = sections.departments.figure(wave)
    rows = [t.get_text() for t in ax.get_yticklabels()]
    columns = [t.get_text() for t in ax.get_xticklabels()]
    plt.close("all")
    assert rows == columns == ["A", "B", "Other"]


def test_sentences_name_no_small_department(wave):
    text = sections.departments.text(wave) + sections.structure.text(wave)
    assert "Departments of fewer than 3 members are merged into “Other”." in text
    assert not re.search(r"\b[CD]\b", text.replace("C0", ""))  # neither C nor D is named anywhere
    assert "member from" not in text and "chief in" not in text


def test_rules_are_stated_in_the_appendix(wave):
    rules = sections.rules.text(wave)
    assert "at least 3 members fit it" in rules
    assert "merged into “Other”" in rules and "In this survey this applies to 2 departments." in rules
    assert "neither the department's name, nor the coreness, nor the relations" in rules


# ------------------------------------------------------------------------------ the interactive view


def points(out: str) -> dict[int, dict]:
    found = {}
    for i, nb, fill, title in re.findall(
            r'data-i="(\d+)" data-nb="([\d ]*)" tabindex="0" role="img" fill="(#\w+)"[^>]*><title>(.*?)</title>', out,
            flags=re.S):
        found[int(i)] = {"nb": {int(j) for j in nb.split()}, "fill": fill,
                         "lines": htmllib.unescape(title).split("\n")}
    return found


def test_view_shows_small_departments_as_other_without_coreness_or_partners():
    G = small_departments()
    nodes = sorted(G)
    positions = {v: (i % 5, i // 5) for i, v in enumerate(nodes)}
    coreness = {v: 0.5 for v in nodes}
    out = network_html(G, {"A0", "C0"}, coreness, positions, min_group_size=3)
    found = points(out)
    small = {nodes.index(v) for v in ("C0", "D0", "D1")}
    for i in small:
        assert found[i]["lines"][0] == "Department: Other"
        assert not any(line.startswith("Coreness") for line in found[i]["lines"])
        assert found[i]["nb"] == set()
    for i, p in found.items():
        assert not p["nb"] & small  # nobody's partner list names them either
        if i not in small:
            assert any(line.startswith("Coreness") for line in p["lines"])
    # A0's partners: its clique (C0 is left out)
    assert found[nodes.index("A0")]["nb"] == {nodes.index(f"A{i}") for i in range(1, 6)}
    assert "C" not in re.findall(r"</svg>([^<]+)</li>", out) and "D" not in re.findall(r"</svg>([^<]+)</li>", out)


def test_view_hides_a_department_of_one_that_other_cannot_cover():
    G = forum({"A": 6, "B": 6, "C": 1})
    clique(G, [f"A{i}" for i in range(6)])
    G.add_edges_from([("C0", "A0"), ("A0", "C0")])
    nodes = sorted(G)
    out = network_html(G, set(), {v: 0.5 for v in nodes}, {v: (i, 0) for i, v in enumerate(nodes)}, min_group_size=3)
    lone = points(out)[nodes.index("C0")]
    assert lone["lines"] == ["–"] and lone["nb"] == set() and lone["fill"] == "#555555"
    assert ">C</li>" not in out and ">Other</li>" not in out


# ------------------------------------------------------------------------------ the exports


def test_default_exports_hold_only_attributes_that_single_nobody_out(tmp_path):
    G = small_departments()
    for v in G:
        G.nodes[v]["answered"] = v != "B5"
    written = exports.write_all(G, tmp_path, core={"A0"}, coreness={v: 0.5 for v in G}, k=3)
    H = nx.read_graphml(written["graphml"])
    departments = {a.get("department") for _, a in H.nodes(data=True)}
    assert departments == {"A", "B", "other"}
    assert all("role" not in a and "answered" not in a for _, a in H.nodes(data=True))  # one director each
    assert all("rating" not in a for *_, a in H.edges(data=True))
    table = exports.read_dl(written["dl_attributes"])
    assert "director" not in table.columns and "answered" not in table.columns
    assert not [c for c in table.columns if c in ("department=C", "department=D")]
    net = written["pajek"].read_text(encoding="utf-8")
    assert " role " not in net and "answered" not in net and "director" not in net
    gexf = written["gexf"].read_text(encoding="utf-8")
    assert "director" not in gexf and "answered" not in gexf


def test_full_exports_only_on_request_and_outside_the_project(tmp_path, capsys):
    G = small_departments()
    for v in G:
        G.nodes[v]["answered"] = True
        for u in G.successors(v):
            G.edges[v, u]["rating"] = 3
    full = exports.write_all(G, tmp_path / "full", k=3, full=True)
    H = nx.read_graphml(full["graphml"])
    assert {a["role"] for _, a in H.nodes(data=True)} == {"director", "chief"}
    assert {a["rating"] for *_, a in H.edges(data=True)} == {3}
    with pytest.raises(ValueError, match="full=True"):
        exports.write_dl(G, tmp_path / "r.dl", values="rating")
    assert main(["export", "2019-02", "--full"]) == 2
    assert "--full writes personal data" in capsys.readouterr().err


def test_safe_attributes_exhaustively_leave_no_small_combination():
    # every combination of the exported attributes holds at least k members, in forums with
    # departments of 1..7, 1..7 and 3 members (directors first, genders alternating)
    k = 3
    for sizes in itertools.product(range(1, 8), repeat=2):
        G = forum({"A": sizes[0], "B": sizes[1], "C": 3})
        kept = exports.safe_attributes(G, k)
        combos: dict = {}
        for v in G:
            key = tuple(kept[a][v] for a in kept)
            if None in key:
                continue
            combos[key] = combos.get(key, 0) + 1
        assert all(n >= k for n in combos.values()), (sizes, kept.keys(), combos)
        # one director per department: department and role never go out together
        assert not ("department" in kept and "role" in kept), (sizes, kept.keys())


def test_merge_blocks_by_hand():
    import pandas as pd

    b = pd.DataFrame({"source_department": ["A", "A", "C", "C", "D", "D", "A", "C", "D"],
                      "target_department": ["A", "C", "A", "C", "A", "D", "D", "D", "C"],
                      "ties": [5, 1, 2, 0, 1, 1, 0, 1, 0], "possible": [6, 3, 3, 0, 6, 2, 6, 2, 2]})
    m = merge_blocks(b, {"A": "A", "C": "O", "D": "O"}).set_index(["source_department", "target_department"])
    assert m.loc[("O", "A"), "ties"] == 3 and m.loc[("O", "A"), "possible"] == 9
    assert m.loc[("O", "O"), "ties"] == 2 and m.loc[("O", "O"), "possible"] == 6
    assert m.loc[("A", "O"), "density"] == pytest.approx(1 / 9)
