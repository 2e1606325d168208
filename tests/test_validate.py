"""Ingest and validation: every rule is reported with file, row, column, value and expectation."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.errors import ValidationError
from helpers.analysis.network import build_graph, summary
from helpers.ingest.validate import tidy_wave
from helpers.ingest.wave import load_wave

from conftest import edit


def problems(folder):
    with pytest.raises(ValidationError) as info:
        tidy_wave(load_wave(folder))
    return info.value.problems


def where(problem):
    return (problem.file, problem.row, problem.column)


def test_tiny_wave_is_read_and_pseudonymised(tiny):
    tidy = tidy_wave(load_wave(tiny))
    assert list(tidy.members.columns) == ["member_id", "gender", "role", "department", "answered"]
    assert len(tidy.members) == 6 and tidy.members["answered"].sum() == 5
    # names never leave ingest
    text = tidy.members.to_csv() + tidy.relations.to_csv() + tidy.external.to_csv()
    assert "Åse" not in text and "Ødegård" not in text
    # the hand count of ratings >= 2 in relations.csv is 11 (3 + 2 + 1 + 3 + 2), out of 5 x 5
    s = summary(build_graph(tidy.members, tidy.relations, 2))
    assert (s["ties"], s["possible_ties"]) == (11, 25)
    assert tidy.meta["relations"]["blank_cells"] == 1  # Bo left Eva blank
    status = tidy.external["status"].value_counts().to_dict()
    assert status == {"answered": 8, "blank": 1, "dont_know": 1}
    assert tidy.external.loc[tidy.external["status"] != "answered", "rating"].isna().all()


def test_pseudonyms_are_stable_and_keyed(tiny, monkeypatch):
    first = tidy_wave(load_wave(tiny)).members["member_id"]
    again = tidy_wave(load_wave(tiny)).members["member_id"]
    assert first.tolist() == again.tolist()
    monkeypatch.setenv("FORUM_NETWORK_SECRET", "another key")
    assert set(tidy_wave(load_wave(tiny)).members["member_id"]).isdisjoint(first)


@pytest.mark.parametrize("encoding,sep", [("utf-8", ","), ("cp1252", ";"), ("utf-8-sig", "\t")])
def test_encodings_and_separators(tiny, encoding, sep):
    for name in ("roster.csv", "relations.csv", "external.csv"):
        path = tiny / name
        text = path.read_text(encoding="utf-8-sig").replace(";", sep)
        path.write_bytes(text.encode(encoding))
    tidy = tidy_wave(load_wave(tiny))
    assert len(tidy.relations) == 24


def test_numbers_codes_and_decimal_comma(tiny):
    edit(tiny / "relations.csv", "Bo Bæk;Ugentligt;;Ugentligt", "Bo Bæk;3;;3,0")
    tidy = tidy_wave(load_wave(tiny))
    assert len(tidy.relations) == 24


def test_xlsx_export(tiny):
    for name in ("roster", "relations", "external"):
        frame = pd.read_csv(tiny / f"{name}.csv", sep=";", encoding="utf-8-sig", dtype=str)
        frame.to_excel(tiny / f"{name}.xlsx", index=False)
        (tiny / f"{name}.csv").unlink()
        edit(tiny / "wave.yml", f"file: {name}.csv", f"file: {name}.xlsx")
    assert len(tidy_wave(load_wave(tiny)).relations) == 24


def test_long_edge_list(tiny):
    wide = pd.read_csv(tiny / "relations.csv", sep=";", encoding="utf-8-sig", dtype=str)
    long = wide.melt(id_vars="Respondent", var_name="Kollega", value_name="Svar").dropna()
    long.to_csv(tiny / "edges.csv", index=False)
    edit(tiny / "wave.yml", "file: relations.csv\n  format: wide",
         "file: edges.csv\n  format: long\n  target_column: Kollega\n  rating_column: Svar")
    assert len(tidy_wave(load_wave(tiny)).relations) == 24


def test_duplicate_member_id(tiny):
    edit(tiny / "roster.csv", "3;Cecilie", "2;Cecilie")
    p = problems(tiny)
    assert ("roster.csv", 4, "Nr") in map(where, p)
    assert "unique member id (row 3" in str(p[0])


def test_unknown_member_column_and_unknown_respondent(tiny):
    edit(tiny / "relations.csv", ";Finn Gad\n", ";Finn Gadd\n")
    edit(tiny / "relations.csv", "\nEva Falk;", "\nEva Fa1k;")
    p = problems(tiny)
    assert ("relations.csv", 1, "Finn Gadd") in map(where, p)
    assert ("relations.csv", 6, "Respondent") in map(where, p)
    unknown = next(x for x in p if x.row == 6)
    assert unknown.found == "'Eva Fa1k'" and "roster" in unknown.expected


def test_self_tie(tiny):
    edit(tiny / "relations.csv", "\nÅse Ødegård;;", "\nÅse Ødegård;Ugentligt;")
    (p,) = problems(tiny)
    assert where(p) == ("relations.csv", 2, "Åse Ødegård")
    assert "themselves" in p.expected


def test_rating_outside_scale(tiny):
    edit(tiny / "relations.csv", "Cecilie Dahl;Månedligt;Sjældent", "Cecilie Dahl;Dagligt;7")
    edit(tiny / "external.csv", "Eva Falk;Slet ikke", "Eva Falk;5")
    p = problems(tiny)
    assert [where(x) for x in p] == [
        ("relations.csv", 4, "Åse Ødegård"), ("relations.csv", 4, "Bo Bæk"), ("external.csv", 6, "Andre kommuner")]
    assert p[0].found == "'Dagligt'" and "3 (Ugentligt)" in p[0].expected
    assert "Ved ikke" in p[2].expected


def test_roster_member_without_department_or_with_unmapped_gender(tiny):
    edit(tiny / "roster.csv", "Beta;Ja\n5", ";Ja\n5")
    edit(tiny / "roster.csv", "Eva Falk;Kvinde", "Eva Falk;K")
    p = problems(tiny)
    assert ("roster.csv", 5, "Afdeling") in map(where, p)
    assert ("roster.csv", 6, "Køn") in map(where, p)


def test_answered_flag_contradicts_data(tiny):
    edit(tiny / "roster.csv", "Beta;Ja\n5", "Beta;Nej\n5")  # Dan has a row of ratings
    edit(tiny / "roster.csv", "Finn Gad;Mand;Chef;Beta;Nej", "Finn Gad;Mand;Chef;Beta;Ja")  # Finn has none
    p = problems(tiny)
    assert ("relations.csv", 5, "Respondent") in map(where, p)
    assert ("roster.csv", 7, "Besvaret") in map(where, p)


def test_respondent_answering_twice(tiny):
    path = tiny / "external.csv"
    path.write_text(path.read_text(encoding="utf-8-sig") + "Bo Bæk;1;1\n", encoding="utf-8")
    (p,) = problems(tiny)
    assert where(p) == ("external.csv", 7, "Respondent") and "row 3" in p.expected


@pytest.mark.parametrize("content,found", [
    (b"", "an empty file"),
    ("\ufeffRespondent;Andre kommuner;Borgere\n".encode(), "a header row only"),
    # UTF-16 with a byte-order mark (Excel's "Unicode text") is read; without the mark it is refused
    ("Respondent;Borgere\n".encode("utf-16-le"), "NUL bytes"),
])
def test_empty_header_only_and_unreadable_files(tiny, content, found):
    (tiny / "external.csv").write_bytes(content)
    (p,) = problems(tiny)
    assert p.file == "external.csv" and found in p.found


def test_mapping_names_a_missing_column(tiny):
    edit(tiny / "wave.yml", "column: Borgere", "column: Borgerne")
    (p,) = problems(tiny)
    assert where(p) == ("external.csv", 1, "Borgerne")
    assert "Borgere" in p.expected  # lists the columns the file has


def test_every_problem_is_collected(tiny):
    edit(tiny / "roster.csv", "3;Cecilie", "2;Cecilie")
    edit(tiny / "relations.csv", "Dan Eriksen;Månedligt", "Dan Eriksen;Dagligt")
    edit(tiny / "wave.yml", "column: Borgere", "column: Borgerne")
    message = str(pytest.raises(ValidationError, tidy_wave, load_wave(tiny)).value)
    assert message.startswith("3 problems")
    assert "roster.csv, row 4" in message and "relations.csv, row 5" in message and "external.csv" in message


def test_bad_wave_settings_are_listed(tiny):
    edit(tiny / "wave.yml", "tie_threshold: 2", "tie_threshold: 9")
    edit(tiny / "wave.yml", "department: Afdeling, ", "")
    p = problems(tiny)
    assert {x.column for x in p} == {"relations.tie_threshold", "roster.columns.department"}
    assert all(x.file == "wave.yml" for x in p)


SEMINAR = """previous: null
seminar:
  name: Seminar om netværk
  date: 2019-03-07
  sender: Center for Ledelse
  visits: {invitation: 2019-03-11, first: 2019-03, second: "2019-04", wrap_up: 2019-05-20}
"""


def test_the_optional_seminar_block_is_read(tiny):
    assert load_wave(tiny).seminar == {}  # optional: a wave without it is read as before
    edit(tiny / "wave.yml", "previous: null\n", SEMINAR)
    spec = load_wave(tiny)
    assert spec.seminar == {"name": "Seminar om netværk", "date": "2019-03-07", "sender": "Center for Ledelse",
                            "visits": {"invitation": "2019-03-11", "first": "2019-03", "second": "2019-04",
                                       "wrap_up": "2019-05-20"}}
    assert tidy_wave(spec).meta["seminar"] == spec.seminar  # and travels to the handout


def test_bad_seminar_values_are_listed_by_key(tiny):
    bad = SEMINAR.replace("date: 2019-03-07", "date: \"2019-02-30\"").replace("first: 2019-03", "first: 2019-13")
    bad = bad.replace("sender: Center for Ledelse", "sender: [a, b]").replace("wrap_up:", "later: 2019-06, wrap_up:")
    edit(tiny / "wave.yml", "previous: null\n", bad + "  venue: Rådhuset\n")
    p = problems(tiny)
    assert {x.column for x in p} == {"seminar.date", "seminar.visits.first", "seminar.sender", "seminar.visits.later",
                                     "seminar.venue"}
    assert all(x.file == "wave.yml" for x in p)


def test_seminar_texts_may_be_translated(tiny):
    edit(tiny / "wave.yml", "previous: null\n", SEMINAR + "translations:\n  en:\n    seminar: {name: Network seminar}\n")
    assert load_wave(tiny).translations["en"] == {"seminar": {"name": "Network seminar"}}
    edit(tiny / "wave.yml", "seminar: {name: Network seminar}", "seminar: {venue: Town hall}")
    assert {x.column for x in problems(tiny)} == {"translations.en.seminar"}
