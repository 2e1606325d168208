"""Turn a wave's raw export into validated, pseudonymised tidy tables.

:func:`tidy_wave` reads the roster, the relation question and the external-relations
question as ``wave.yml`` describes them, checks every rule below, and collects every
problem before failing, so that one run tells the user everything to fix:

- a mapping in ``wave.yml`` that names a column the file lacks (with a hint when the
  headers are in another row or on another sheet); a header used twice;
- an empty, header-only, cut-off or unreadable file (see :mod:`helpers.ingest.readers`);
- duplicate member ids; a member id unlike all the others (a name where a number
  belongs); two members with the same name when answers are matched by name; a roster
  member without name (when matched by name), gender, role or department, or with a
  value ``wave.yml`` does not map;
- a relation or rating naming an unknown member; members named by id where
  ``wave.yml`` says by name (or the reverse); a respondent missing from the roster; a
  respondent who answered twice; a roster member without a column in a wide relations
  export; two columns for one member; answers in a column without a header;
- self-ties; a rating outside the declared scale, including "don't know" answers to
  the relations question unless its ``dont_know`` lists them;
- an "answered" flag that contradicts the data.

Survey-tool quirks that are accepted are described in ``data/README.md`` ("Survey-tool
quirks"); rows and columns left out are listed in the tidy ``wave.json``.

Tidy tables use English snake_case columns and pseudonymous member ids; names stay here.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from helpers import __version__
from helpers.errors import Problem, ValidationError
from helpers.ingest.pseudonym import load_secret, pseudonym
from helpers.ingest.readers import (RawTable, UnreadableFile, column_letter, is_summary_label, normalise_text, parse_number,
                      read_table)
from helpers.ingest.wave import ROSTER_FIELDS, Question, WaveSpec

__all__ = ["MEMBER_COLUMNS", "RELATION_COLUMNS", "EXTERNAL_COLUMNS", "DONT_KNOW_WORDS", "HEADER_SEARCH_ROWS",
           "TidyWave", "canonical_id", "SKIP", "input_hash", "tidy_wave"]

MEMBER_COLUMNS = ["member_id", "gender", "role", "department", "answered"]
RELATION_COLUMNS = ["source", "target", "rating"]
EXTERNAL_COLUMNS = ["member_id", "partner", "rating", "status"]
DONT_KNOW_WORDS = frozenset({"ved ikke", "ved ej", "don't know", "dont know", "do not know", "vet ikke", "?"})
"""Answers that read as "don't know" even when ``wave.yml`` does not list them (for hints)."""
HEADER_SEARCH_ROWS = 10


@dataclass
class TidyWave:
    """A wave's validated tables.

    Attributes
    ----------
    members : pandas.DataFrame
        ``member_id, gender, role, department, answered``, one row per roster member.
    relations : pandas.DataFrame
        ``source, target, rating``: every rating a respondent gave (blanks left out).
    external : pandas.DataFrame
        ``member_id, partner, rating, status``: one row per respondent and partner type;
        ``status`` is ``answered``, ``dont_know`` or ``blank``, ``rating`` is NaN unless answered.
    meta : dict
        Wave settings and counts the report needs (JSON-serialisable).
    """

    members: pd.DataFrame
    relations: pd.DataFrame
    external: pd.DataFrame
    meta: dict = field(default_factory=dict)


def _key(text: str) -> str:
    return normalise_text(text).casefold()


def canonical_id(text: str) -> str:
    """A member id as compared and pseudonymised: normalised text; a number without
    leading zeros or a ``.0`` that a spreadsheet added.

    Examples
    --------
    >>> canonical_id(" 0042 "), canonical_id("42.0"), canonical_id("0"), canonical_id("A-07")
    ('42', '42', '0', 'A-07')
    """
    text = normalise_text(text)
    match = re.fullmatch(r"0*(\d+)(?:\.0)?", text)
    return match.group(1) if match else text


def _quote(values, limit: int = 3) -> str:
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:limit])
    return shown + (", …" if len(values) > limit else "")


class _Collector:
    """Collects problems, and rows or columns left out, while the wave is read."""

    def __init__(self, spec: WaveSpec):
        self.spec = spec
        self.problems: list[Problem] = []
        self.skipped: list[dict] = []
        self.headers: dict[str, str] = {}  # setting -> the header it matched, for later messages

    def add(self, *args) -> None:
        self.problems.append(Problem(*args))

    def read(self, file: str, section: str, sheet=None, header_row: int = 1, skip_rows=()) -> RawTable | None:
        path = self.spec.folder / file
        if not path.is_file():
            near = sorted(p.name for p in self.spec.folder.iterdir() if p.name.casefold() == file.casefold()) \
                if self.spec.folder.is_dir() else []
            hint = f" (the folder has {near[0]!r}: names must match exactly)" if near else ""
            self.add(file, None, None, "no such file" + hint, f"the export that wave.yml's {section}.file names")
            return None
        try:
            table = read_table(path, sheet, header_row=header_row, skip_rows=skip_rows)
        except UnreadableFile as exc:
            self.problems.append(exc.problem)
            return None
        last = max(n for n, _ in table.rows)
        beyond = [n for n in skip_rows if n > last]
        if beyond:
            self.add("wave.yml", None, f"{section}.skip_rows", str(beyond[0]),
                     f"rows of {file} (its last filled row is {last})")
        for row, why in table.skipped:
            self.skipped.append({"file": file, "row": row, "column": None, "why": why})
        return table

    def require(self, table: RawTable, columns: dict[str, str], section: str) -> dict[str, str] | None:
        """Setting -> the table's header for each wanted column, or None (and problems) if any is missing.

        Headers match after normalisation, and ignoring case when that is unambiguous.
        """
        found, missing = {}, {}
        for setting, wanted in columns.items():
            actual = _find_column(table, wanted)
            if actual is None:
                missing[setting] = wanted
            else:
                found[setting] = actual
                self.headers[setting] = actual
        if missing and not self._explain_missing(table, missing, section):
            for setting, wanted in missing.items():
                self.add(table.file, table.header_row, wanted, "no such column",
                         f"the column that wave.yml's {setting} names (columns are: {', '.join(table.frame.columns)})")
        for actual in dict.fromkeys(found.values()):
            self.check_unique(table, actual)
        return None if missing else found

    def check_unique(self, table: RawTable, column: str) -> None:
        if column in table.duplicate_columns:
            letters = " and ".join(column_letter(p) for p in table.duplicate_columns[column])
            self.add(table.file, table.header_row, column, f"the same header in columns {letters}",
                     "every column header once")

    def _explain_missing(self, table: RawTable, missing: dict[str, str], section: str) -> bool:
        """One clear problem when all missing columns are in another row or on another sheet."""
        wanted = {_key(w) for w in missing.values()}
        h = table.header_row
        for number, cells in table.rows[:HEADER_SEARCH_ROWS]:
            if number != h and wanted <= {_key(c) for c in cells if c}:
                held = next((c for c in dict(table.rows)[h] if c), "")
                if number > h:
                    self.add(table.file, number, None,
                             f"the column headers in row {number}, below row {h} ({held[:40]!r})",
                             f"the headers in row {h}; if rows above them hold a title or the question's text, "
                             f"set header_row: {number} in wave.yml's {section} section")
                else:
                    self.add(table.file, number, None, f"the column headers in row {number}",
                             f"header_row: {number} in wave.yml's {section} section (it says {h})")
                return True
        for sheet, cells in table.sheets.items():
            if wanted <= {_key(c) for c in cells if c}:
                self.add(table.file, None, None,
                         f"the column{'s' if len(missing) > 1 else ''} {_quote(missing.values())} on sheet "
                         f"{sheet!r}, not on sheet {table.sheet!r}",
                         f"sheet: {sheet} in wave.yml's {section} section")
                return True
        return False


def _find_column(table: RawTable, wanted: str) -> str | None:
    wanted = normalise_text(wanted)
    if wanted in table.frame.columns:
        return wanted
    folded = [c for c in table.frame.columns if c.casefold() == wanted.casefold()]
    return folded[0] if len(folded) == 1 else None


def _scale_lookup(scale: dict[int, str]) -> dict[str, int]:
    lookup = {_key(label): code for code, label in scale.items()}
    lookup.update({str(code): code for code in scale})
    return lookup


_CODE_AND_LABEL = (re.compile(r"\(?(-?\d+)\)?\s*[-.=:)]?\s+(\D.*)"), re.compile(r"(\D.*?)\s*\((-?\d+)\)"))


def _parse_rating(text: str, lookup: dict[str, int]) -> int | None:
    """The scale code of a cell holding a code, a label, or both ("3 - Ugentligt", "Ugentligt (3)")."""
    if _key(text) in lookup:
        return lookup[_key(text)]
    number = parse_number(text)
    if number is not None:
        return int(number) if number.is_integer() and str(int(number)) in lookup else None
    for i, pattern in enumerate(_CODE_AND_LABEL):
        match = pattern.fullmatch(normalise_text(text))
        if match:
            code, label = match.groups() if i == 0 else match.groups()[::-1]
            if code in lookup and lookup.get(_key(label)) == lookup[code]:
                return lookup[code]
    return None


def _describe_scale(scale: dict[int, str]) -> str:
    return "one of " + ", ".join(f"{code} ({label})" for code, label in scale.items())


def _read_roster(c: _Collector) -> pd.DataFrame | None:
    spec = c.spec
    table = c.read(spec.roster_file, "roster", spec.roster_sheet, spec.roster_header_row, spec.roster_skip_rows)
    if table is None:
        return None
    found = c.require(table, {f"roster.columns.{k}": v for k, v in spec.roster_columns.items()}, "roster")
    if found is None:
        return None
    cols = {setting.rsplit(".", 1)[1]: actual for setting, actual in found.items()}
    by_name = "name" in (spec.relations.match, spec.external.match)
    rows = []
    seen: dict[str, int] = {}
    names: dict[str, int] = {}
    for number, row in table.frame.iterrows():
        record = {"row": number}
        for key in ROSTER_FIELDS:
            if key not in cols:
                continue
            raw = row[cols[key]]
            record[key] = raw
            record[f"{key}_raw"] = raw
            if key == "name":
                if raw == "" and by_name:
                    c.add(table.file, number, cols[key], "an empty cell",
                          "the member's name: wave.yml matches answers to members by name")
                elif raw and by_name:
                    if _key(raw) in names:
                        c.add(table.file, number, cols[key], repr(raw),
                              f"a unique name, as wave.yml matches answers by name (row {names[_key(raw)]} has it "
                              "too; or set match: id)")
                    names.setdefault(_key(raw), number)
                continue
            if raw == "":
                c.add(table.file, number, cols[key], "an empty cell", f"the member's {key.replace('_', ' ')}")
                continue
            mapping = spec.roster_values.get(key)
            if key in ("gender", "role", "answered"):
                allowed = mapping or {"gender": {"female": "female", "male": "male"},
                                      "role": {"director": "director", "chief": "chief"},
                                      "answered": {"true": True, "false": False}}[key]
                folded = {_key(k): v for k, v in allowed.items()}
                if _key(raw) not in folded:
                    c.add(table.file, number, cols[key], repr(raw), "one of " + ", ".join(map(repr, allowed)))
                else:
                    record[key] = folded[_key(raw)]
        mid = canonical_id(row[cols["member_id"]])
        record["id"] = mid
        if mid:
            if mid in seen:
                c.add(table.file, number, cols["member_id"], repr(row[cols["member_id"]]),
                      f"a unique member id (row {seen[mid]} has it too)")
            seen.setdefault(mid, number)
        rows.append(record)
    roster = pd.DataFrame(rows)
    _check_id_kinds(c, table, cols["member_id"], roster)
    return roster


def _check_id_kinds(c: _Collector, table: RawTable, column: str, roster: pd.DataFrame) -> None:
    """When most member ids are numbers, one that is not is a mix-up (a name in the id column)."""
    ids = [m for m in roster["id"] if m]
    digits = [m for m in ids if m.isdigit()]
    if len(digits) * 3 >= len(ids) * 2 and len(digits) < len(ids):
        for number, mid in zip(roster["row"], roster["id"]):
            if mid and not mid.isdigit():
                c.add(table.file, number, column, repr(mid),
                      f"a member id of digits, like the roster's other {len(digits)} ids")


SKIP = "\0skip"


class _Members:
    """Resolve how an export names a member (by name or by id) to the roster's member id."""

    def __init__(self, roster: pd.DataFrame, by_name: bool):
        ids = list(roster["id"])
        counts = Counter(ids)
        # Members whose id (or, when answers are matched by name, name) is not unique or
        # is missing are reported by the roster check; answers about them are skipped
        # rather than reported again as self-ties, double answers or missing columns.
        self.unmatchable = {m for m in ids if counts[m] > 1}
        self.rows = dict(zip(ids, roster["row"]))
        names = list(roster["name"]) if "name" in roster else [""] * len(ids)
        name_counts = Counter(_key(n) for n in names if n)
        self.label = {m: (n or m) for m, n in zip(ids, names)}
        if by_name:
            self.unmatchable |= {m for m, n in zip(ids, names) if not n or name_counts[_key(n)] > 1}
        self.by_id = {m: (SKIP if m in self.unmatchable else m) for m in ids if m}
        self.by_name: dict[str, str] = {}
        for name, mid in zip(names, ids):
            if name and mid:
                self.by_name[_key(name)] = SKIP if mid in self.unmatchable else mid
        self.ids = [m for m in dict.fromkeys(ids) if m and m not in self.unmatchable]

    def resolve(self, text: str, match: str) -> str | None:
        """The member id, None if unknown, or SKIP if the roster's entry for it is not usable."""
        if not text:
            return None
        return self.by_name.get(_key(text)) if match == "name" else self.by_id.get(canonical_id(text))


#: Member column headers that carry the question's text, as survey tools write them:
#: "<question> - <member>" (also with an en dash or a colon) and "<question> [<member>]".
_MEMBER_IN_HEADER = (re.compile(r"\[([^\[\]]+)\]\s*$"), re.compile(r".*\s[-–:]\s+(.+?)\s*$"))


def _header_member(members: _Members, column: str, match: str) -> str | None:
    """The member a wide export's column header names: the whole header, or else the
    member after the question's text ("Hvor ofte ...? - Bo Bæk", "Hvor ofte ...? [Bo Bæk]")."""
    mid = members.resolve(column, match)
    for pattern in _MEMBER_IN_HEADER:
        if mid is not None:
            break
        found = pattern.search(column)
        mid = members.resolve(found.group(1), match) if found else None
    return mid


def _mixed_up(c: _Collector, table: RawTable, row, column, texts: list[str], q: Question, section: str,
              members: _Members, what: str) -> bool:
    """One problem, instead of one per cell, when members are named by id where wave.yml says name (or back)."""
    texts = [t for t in texts if t]
    if len(texts) < 2 or any(members.resolve(t, q.match) is not None for t in texts):
        return False
    other = "id" if q.match == "name" else "name"
    if sum(members.resolve(t, other) is not None for t in texts) * 2 < len(texts):
        return False
    c.add(table.file, row, column, f"{what} that are member {other}s ({_quote(texts)})",
          f"member {q.match}s, as wave.yml's {section}.match says; set match: {other} if the export names "
          f"members by {other}")
    return True


def _unknown_respondent(c: _Collector, table: RawTable, number: int, column: str, who: str, match: str) -> None:
    found = "an empty cell" if not who else repr(who)
    expected = f"a respondent in the roster (matched by {match})"
    if is_summary_label(who):
        expected += "; a summary row is left out only at the bottom of the table"
    c.add(table.file, number, column, found, expected)


def _respondent_rows(c: _Collector, table: RawTable, q: Question, section: str, column: str, members: _Members,
                     seen: dict):
    """Yield (spreadsheet row, member id, row) for each resolvable respondent row."""
    for number, row in table.frame.iterrows():
        who = row[column]
        mid = members.resolve(who, q.match)
        if mid is None:
            _unknown_respondent(c, table, number, column, who, q.match)
            continue
        if mid == SKIP:
            continue
        key = (section, mid)
        if key in seen:
            c.add(table.file, number, column, repr(who), f"one row per respondent (row {seen[key]} is the same person)")
            continue
        seen[key] = number
        yield number, mid, row


class _Ratings:
    """Turns rating cells into records; counts "don't know" answers."""

    def __init__(self, c: _Collector, q: Question, section: str):
        self.c, self.q, self.section = c, q, section
        self.lookup = _scale_lookup(q.scale)
        self.dont_know = {_key(x) for x in q.dont_know}
        self.hint_words = DONT_KNOW_WORDS | {_key(x) for x in c.spec.dont_know}
        self.dont_know_cells = 0

    def cell(self, file, number, column, text, src, dst) -> list[dict]:
        if text == "":
            return []
        if src == dst:
            self.c.add(file, number, column, repr(text), "an empty cell: a respondent does not rate themselves")
            return []
        if _key(text) in self.dont_know:
            self.dont_know_cells += 1
            return []
        rating = _parse_rating(text, self.lookup)
        if rating is None:
            expected = _describe_scale(self.q.scale)
            if _key(text) in self.hint_words:
                expected += (f"; the {self.section} question has no \"don't know\" answer: list {text!r} under "
                             f"{self.section}.dont_know in wave.yml to count it as unanswered")
            self.c.add(file, number, column, repr(text), expected)
            return []
        return [{"source": src, "target": dst, "rating": rating, "row": number}]


def _shared_columns(spec: WaveSpec) -> set[str]:
    """Columns of the external question, when one export holds both questions on one sheet."""
    r, e = spec.relations, spec.external
    if r.file != e.file or r.sheet != e.sheet or r.header_row != e.header_row:
        return set()
    return {_key(p.column) for p in spec.partners} | {_key(e.respondent_column)} - {_key(r.respondent_column)}


def _read_relations(c: _Collector, members: _Members, seen: dict, ratings: _Ratings) -> list[dict] | None:
    q = c.spec.relations
    table = c.read(q.file, "relations", q.sheet, q.header_row, q.skip_rows)
    if table is None:
        return None
    if q.format == "long":
        return _read_long(c, table, q, members, ratings)
    found = c.require(table, {"relations.respondent_column": q.respondent_column}, "relations")
    if found is None:
        return None
    resp = found["relations.respondent_column"]
    h, file = table.header_row, table.file
    ignore = {_key(x) for x in q.ignore_columns} | _shared_columns(c.spec)
    member_columns = [col for col in table.frame.columns if col != resp and _key(col) not in ignore]
    for position in table.unnamed_columns:
        c.add(file, h, None, f"answers in column {column_letter(position)}, which has no header",
              "a roster member's name as the header of every column with answers")
    if _mixed_up(c, table, h, None, member_columns, q, "relations", members, "column headers"):
        return None
    if _mixed_up(c, table, None, resp, list(table.frame[resp]), q, "relations", members, "respondents"):
        return None
    targets: dict[str, str] = {}
    column_of: dict[str, str] = {}
    for column in member_columns:
        c.check_unique(table, column)
        mid = _header_member(members, column, q.match)
        if mid is None and is_summary_label(column):
            c.skipped.append({"file": file, "row": None, "column": column, "why": "a summary column"})
        elif mid is None:
            c.add(file, h, column, "a column for an unknown member",
                  f"a roster member's {q.match} as header (list other columns under relations.ignore_columns "
                  "in wave.yml)")
        elif mid in column_of:
            c.add(file, h, column, f"a second column for the member of column {column_of[mid]!r}", "one column per member")
        elif mid != SKIP:
            targets[column] = mid
            column_of[mid] = column
    for mid in members.ids:
        if mid not in column_of:
            c.add(file, h, None, f"no column for roster member {members.label[mid]!r} (roster row {members.rows[mid]})",
                  f"a column for every roster member, headed by the member's {q.match}")
    out: list[dict] = []
    for number, src, row in _respondent_rows(c, table, q, "relations", resp, members, seen):
        for column, dst in targets.items():
            out.extend(ratings.cell(file, number, column, row[column], src, dst))
    return out


def _read_long(c: _Collector, table: RawTable, q: Question, members: _Members, ratings: _Ratings) -> list[dict] | None:
    found = c.require(table, {"relations.respondent_column": q.respondent_column,
                              "relations.target_column": q.target_column,
                              "relations.rating_column": q.rating_column}, "relations")
    if found is None:
        return None
    src_col, dst_col, rating_col = (found[f"relations.{k}"] for k in ("respondent_column", "target_column",
                                                                       "rating_column"))
    f = table.frame
    if (_mixed_up(c, table, None, src_col, list(f[src_col]), q, "relations", members, "respondents")
            or _mixed_up(c, table, None, dst_col, list(f[dst_col]), q, "relations", members, "rated members")):
        return None
    out: list[dict] = []
    first: dict[tuple[str, str], int] = {}
    for number, row in f.iterrows():
        src = members.resolve(row[src_col], q.match)
        dst = members.resolve(row[dst_col], q.match)
        if src is None:
            _unknown_respondent(c, table, number, src_col, row[src_col], q.match)
        if dst is None:
            c.add(table.file, number, dst_col, "an empty cell" if not row[dst_col] else repr(row[dst_col]),
                  f"a member in the roster (matched by {q.match})")
        if src is None or dst is None or SKIP in (src, dst):
            continue
        if (src, dst) in first:
            c.add(table.file, number, None, "the same respondent and member twice",
                  f"one rating per pair (row {first[src, dst]} has this pair)")
            continue
        first[src, dst] = number
        out.extend(ratings.cell(table.file, number, rating_col, row[rating_col], src, dst))
    return out


def _read_external(c: _Collector, members: _Members, seen: dict) -> list[dict] | None:
    spec, q = c.spec, c.spec.external
    table = c.read(q.file, "external", q.sheet, q.header_row, q.skip_rows)
    if table is None:
        return None
    columns = {"external.respondent_column": q.respondent_column}
    columns.update({f"external.partners[{p.id}].column": p.column for p in spec.partners})
    found = c.require(table, columns, "external")
    if found is None:
        return None
    resp = found["external.respondent_column"]
    if _mixed_up(c, table, None, resp, list(table.frame[resp]), q, "external", members, "respondents"):
        return None
    lookup = _scale_lookup(q.scale)
    dont_know = {_key(x) for x in spec.dont_know + q.dont_know}
    out = []
    for number, mid, row in _respondent_rows(c, table, q, "external", resp, members, seen):
        for p in spec.partners:
            column = found[f"external.partners[{p.id}].column"]
            text = row[column]
            record = {"member_id": mid, "partner": p.id, "rating": float("nan"), "row": number}
            if text == "":
                record["status"] = "blank"
            elif _key(text) in dont_know:
                record["status"] = "dont_know"
            else:
                rating = _parse_rating(text, lookup)
                if rating is None:
                    expected = _describe_scale(q.scale) + (", or " + " / ".join(spec.dont_know) if spec.dont_know else "")
                    if _key(text) in DONT_KNOW_WORDS:
                        expected += (f"; list {text!r} under external.dont_know in wave.yml to count it as "
                                     "\"don't know\"")
                    c.add(table.file, number, column, repr(text), expected)
                    continue
                record.update(status="answered", rating=float(rating))
            out.append(record)
    return out


def _check_answered(c: _Collector, roster: pd.DataFrame, members: _Members, relations: list[dict],
                    external: list[dict]) -> None:
    spec = c.spec
    col = c.headers.get("roster.columns.answered", spec.roster_columns["answered"])
    rel_col = c.headers.get("relations.respondent_column", spec.relations.respondent_column)
    ext_col = c.headers.get("external.respondent_column", spec.external.respondent_column)
    gave = {r["source"] for r in relations}
    rows_ext = {}
    for r in external:
        if r["status"] != "blank":
            rows_ext.setdefault(r["member_id"], r["row"])
    first_rel = {}
    for r in relations:
        first_rel.setdefault(r["source"], r["row"])
    for _, m in roster.iterrows():
        flag, mid = m.get("answered"), m["id"]
        if not isinstance(flag, bool) or not mid or mid in members.unmatchable:
            continue
        if flag and mid not in gave:
            c.add(spec.roster_file, m["row"], col, repr(m["answered_raw"]),
                  f"the 'not answered' value: {spec.relations.file} holds no rating from this member")
        if not flag and mid in gave:
            c.add(spec.relations.file, first_rel[mid], rel_col, "ratings from this member",
                  f"no ratings: {spec.roster_file} row {m['row']} says the member did not answer")
        elif not flag and mid in rows_ext:
            c.add(spec.external.file, rows_ext[mid], ext_col, "ratings from this member",
                  f"no ratings: {spec.roster_file} row {m['row']} says the member did not answer")


def input_hash(spec: WaveSpec) -> str:
    """SHA-256 over the wave's input files (name and bytes), in a fixed order."""
    h = hashlib.sha256()
    for path in spec.input_files():
        if path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _departments(values: pd.Series) -> pd.Series:
    """Spell every department as its first row does, when rows differ only in case."""
    first: dict[str, str] = {}
    for v in values:
        first.setdefault(v.casefold(), v)
    return values.map(lambda v: first[v.casefold()])


def tidy_wave(spec: WaveSpec, secret: bytes | None = None) -> TidyWave:
    """Read, check and pseudonymise one wave.

    Parameters
    ----------
    spec : WaveSpec
        The wave, from :func:`helpers.ingest.wave.load_wave`.
    secret : bytes, optional
        Pseudonym key (default: :func:`helpers.ingest.pseudonym.load_secret`).

    Returns
    -------
    TidyWave

    Raises
    ------
    ValidationError
        Listing every problem found, each with file, row, column, value and expectation.
    """
    c = _Collector(spec)
    roster = _read_roster(c)
    by_name = "name" in (spec.relations.match, spec.external.match)
    members = _Members(roster, by_name) if roster is not None else None
    seen: dict = {}
    ratings = _Ratings(c, spec.relations, "relations")
    if members is not None:
        relations = _read_relations(c, members, seen, ratings)
        external = _read_external(c, members, seen)
    else:  # still report unreadable answer files
        c.read(spec.relations.file, "relations", spec.relations.sheet, spec.relations.header_row,
               spec.relations.skip_rows)
        if spec.external.file != spec.relations.file:
            c.read(spec.external.file, "external", spec.external.sheet, spec.external.header_row,
                   spec.external.skip_rows)
        relations = external = None
    if roster is not None and relations is not None and external is not None:
        _check_answered(c, roster, members, relations, external)
    if c.problems:
        raise ValidationError(c.problems)

    secret = load_secret() if secret is None else secret
    alias = {m: pseudonym(m, secret) for m in roster["id"]}
    if len(set(alias.values())) != len(alias):  # 8 hex digits: practically never
        raise ValidationError([Problem(spec.roster_file, None, None, "two member ids with the same pseudonym",
                                       "distinct pseudonyms; rerun with a new pseudonym key")])
    members_df = pd.DataFrame({
        "member_id": roster["id"].map(alias),
        "gender": roster["gender"], "role": roster["role"],
        "department": _departments(roster["department"]), "answered": roster["answered"].astype(bool),
    })[MEMBER_COLUMNS].sort_values("member_id", ignore_index=True)
    respondents = set(roster.loc[roster["answered"].astype(bool), "id"])
    rel = pd.DataFrame(relations, columns=RELATION_COLUMNS + ["row"])
    rel = pd.DataFrame({"source": rel["source"].map(alias), "target": rel["target"].map(alias),
                        "rating": rel["rating"].astype("int64")}).sort_values(["source", "target"], ignore_index=True)
    order = {p.id: i for i, p in enumerate(spec.partners)}
    # Rows of members who did not answer (all blank, or the answered check would have
    # failed) are not respondents' rows: the table holds respondents only.
    ext = pd.DataFrame([r for r in external if r["member_id"] in respondents], columns=EXTERNAL_COLUMNS + ["row"])
    ext = pd.DataFrame({"member_id": ext["member_id"].map(alias), "partner": ext["partner"],
                        "rating": ext["rating"].astype(float), "status": ext["status"]})
    ext = ext.sort_values(["member_id", "partner"], key=lambda s: s.map(order) if s.name == "partner" else s,
                          ignore_index=True)
    n_resp = int(members_df["answered"].sum())
    meta = {
        "wave": spec.id, "name": spec.name, "date": spec.date.isoformat(), "previous": spec.previous,
        "relations": {"question": spec.relations.text, "scale": {str(k): v for k, v in spec.relations.scale.items()},
                      "tie_threshold": spec.tie_threshold,
                      "blank_cells": int(n_resp * (len(members_df) - 1) - len(rel)),
                      "dont_know_cells": ratings.dont_know_cells},
        "external": {"question": spec.external.text, "scale": {str(k): v for k, v in spec.external.scale.items()},
                     "partners": [{"id": p.id, "da": p.da, "en": p.en} for p in spec.partners]},
        "min_group_size": spec.min_group_size,
        "translations": spec.translations,
        "skipped": [dict(zip(("file", "row", "column", "why"), t)) for t in sorted(
            {(s["file"], s["row"], s["column"], s["why"]) for s in c.skipped},
            key=lambda t: (t[0], t[1] or 0, t[2] or ""))],
        "input_sha256": input_hash(spec),
        "helpers_version": __version__,
    }
    return TidyWave(members_df, rel, ext, meta)
