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
- an "answered" flag that contradicts the data;
- a survey tool's typical slip, as one problem naming the ``wave.yml`` setting that fixes
  it: Qualtrics' ImportId row read as answers (``header_row``, ``skip_rows``), SurveyXact
  variable codes without their codebook (``labels``), respondents named by e-mail
  address (``respondent_match: email``, ``roster.columns.email``).

Survey-tool quirks that are accepted are described in ``data/README.md`` ("Survey-tool
quirks"); rows and columns left out are listed in the tidy ``wave.json``.

Tidy tables use English snake_case columns and pseudonymous member ids; names stay here.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from helpers import __version__
from helpers.errors import Problem, ValidationError
from helpers.ingest import tools
from helpers.ingest.codebook import apply_codebook, read_codebook
from helpers.ingest.limits import roster_problems
from helpers.ingest.pseudonym import fingerprint, load_secret, pseudonym
from helpers.ingest.readers import (RawTable, UnreadableFile, column_letter, is_summary_label, normalise_text, parse_number,
                      read_table)
from helpers.ingest.wave import MATCH_KEYS, ROSTER_FIELDS, Labels, Question, WaveSpec

__all__ = ["DONT_KNOW_WORDS", "EXTERNAL_COLUMNS", "HEADER_SEARCH_ROWS", "MEMBER_COLUMNS", "Members", "RELATION_COLUMNS",
           "SKIP", "TidyWave", "canonical_id", "header_member", "named_in_header", "input_hash", "tidy_wave"]

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

    Parameters
    ----------
    text : str
        An id as a cell holds it.

    Returns
    -------
    str

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
        self.roster_table: RawTable | None = None  # for hints naming a roster column

    def add(self, *args) -> None:
        self.problems.append(Problem(*args))

    def read(self, file: str, section: str, sheet=None, header_row: int = 1, skip_rows=(),
             labels: Labels | None = None) -> RawTable | None:
        """The export ``file`` as a table (its codes read as texts when ``labels`` is given), or None."""
        table = self._read_table(file, section, sheet, header_row, skip_rows)
        if table is None or labels is None:
            return table
        book, problems = read_codebook(self.spec.folder, labels, file, section)
        self.problems.extend(problems)
        return None if book is None else apply_codebook(table, book)

    def _read_table(self, file: str, section: str, sheet, header_row: int, skip_rows) -> RawTable | None:
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

        Headers match after normalisation, and ignoring case when that is unambiguous; a
        partner type's column also when its header names it after the question's text.
        """
        found, missing = {}, {}
        for setting, wanted in columns.items():
            actual = _find_column(table, wanted, in_question=".partners[" in setting)
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


def _find_column(table: RawTable, wanted: str, *, in_question: bool = False) -> str | None:
    """The table's header for ``wanted``: the same text, a variable code's text (see
    :mod:`helpers.ingest.codebook`), the same text in another case when unambiguous and,
    with ``in_question``, a header that names it after the question's text
    (``"I hvilken grad ...? [Borgere]"``)."""
    wanted = normalise_text(wanted)
    if wanted in table.frame.columns:
        return wanted
    aliases = {normalise_text(k).casefold(): v for k, v in table.aliases.items()}
    if wanted.casefold() in aliases:
        return aliases[wanted.casefold()]
    folded = [c for c in table.frame.columns if c.casefold() == wanted.casefold()]
    if len(folded) == 1 or not in_question:
        return folded[0] if len(folded) == 1 else None
    named = [c for c in table.frame.columns if _key(named_in_header(c) or "") == _key(wanted)]
    return named[0] if len(named) == 1 else None


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
    c.roster_table = table
    found = c.require(table, {f"roster.columns.{k}": v for k, v in spec.roster_columns.items()}, "roster")
    if found is None:
        return None
    cols = {setting.rsplit(".", 1)[1]: actual for setting, actual in found.items()}
    matched = {key for q in (spec.relations, spec.external) for key in (q.match, q.respondent_match)}
    rows = []
    seen: dict[str, int] = {}
    texts: dict[tuple[str, str], int] = {}
    for number, row in table.frame.iterrows():
        record = {"row": number}
        for key in ROSTER_FIELDS:
            if key not in cols:
                continue
            raw = row[cols[key]]
            record[key] = record[f"{key}_raw"] = raw
            if key in ("name", "email"):
                if key in matched:
                    _check_match_text(c, table, number, cols[key], key, raw, texts)
            elif raw == "":
                c.add(table.file, number, cols[key], "an empty cell", f"the member's {key.replace('_', ' ')}")
            elif key in ("gender", "role", "answered"):
                _map_value(c, table, number, cols[key], key, raw, record)
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


def _check_match_text(c: _Collector, table: RawTable, number: int, column: str, key: str, raw: str,
                      texts: dict[tuple[str, str], int]) -> None:
    """A roster name or e-mail that answers are matched by: present, and no other member's."""
    what = "name" if key == "name" else "e-mail address"
    if raw == "":
        c.add(table.file, number, column, "an empty cell",
              f"the member's {what}: wave.yml matches answers to members by {what}")
        return
    seen = texts.setdefault((key, _name_key(raw)), number)
    if seen != number:
        c.add(table.file, number, column, repr(raw),
              f"a unique {what}, as wave.yml matches answers by {what} (row {seen} has it too; or set match: id)")


def _map_value(c: _Collector, table: RawTable, number: int, column: str, key: str, raw: str, record: dict) -> None:
    """Gender, role or the answered flag, mapped through ``roster.values`` (or taken as tidy values)."""
    allowed = c.spec.roster_values.get(key) or {"gender": {"female": "female", "male": "male"},
                                                "role": {"director": "director", "chief": "chief"},
                                                "answered": {"true": True, "false": False}}[key]
    folded = {_key(k): v for k, v in allowed.items()}
    if _key(raw) not in folded:
        c.add(table.file, number, column, repr(raw), "one of " + ", ".join(map(repr, allowed)))
    else:
        record[key] = folded[_key(raw)]


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


def _name_key(text: str) -> str:
    """A name as compared: normalised, case-folded, one space after a comma."""
    return re.sub(r"\s*,\s*", ", ", _key(text))


def _last_first(name: str) -> list[str]:
    """The "Last, First" forms of a "First Last" name, as directories write them.

    Examples
    --------
    >>> _last_first("Cecilie Dahl Hansen")
    ['Dahl Hansen, Cecilie', 'Hansen, Cecilie Dahl']
    """
    parts = normalise_text(name).split()
    return [" ".join(parts[i:]) + ", " + " ".join(parts[:i]) for i in range(1, len(parts))] if "," not in name else []


class Members:
    """Resolve how an export names a member (by name, id or e-mail) to the roster's member id.

    A name also matches in the "Last, First" form of a directory ("Ødegård, Åse"), unless
    that form would fit two members or is some member's name as written.

    Parameters
    ----------
    roster : pandas.DataFrame
        One row per roster member: ``id`` (canonical member id), ``row`` (its spreadsheet
        row) and, when the roster has them, ``name`` and ``email``.
    keys : set of str
        The keys answers are matched by (see :data:`helpers.ingest.wave.MATCH_KEYS`):
        members whose name or e-mail is missing or shared are then not matched by any key.
    """

    def __init__(self, roster: pd.DataFrame, keys: set[str]):
        ids = list(roster["id"])
        counts = Counter(ids)
        # Members whose id (or, when answers are matched by name or e-mail, name or
        # e-mail) is not unique or is missing are reported by the roster check; answers
        # about them are skipped rather than reported again as self-ties, double answers
        # or missing columns.
        self.unmatchable = {m for m in ids if counts[m] > 1}
        self.rows = dict(zip(ids, roster["row"]))
        names = list(roster["name"]) if "name" in roster else [""] * len(ids)
        self.label = {m: (n or m) for m, n in zip(ids, names)}
        self.by_key: dict[str, dict[str, str]] = {}
        for key in ("name", "email"):
            texts = list(roster[key]) if key in roster else [""] * len(ids)
            text_counts = Counter(_name_key(t) for t in texts if t)
            if key in keys:
                self.unmatchable |= {m for m, t in zip(ids, texts) if not t or text_counts[_name_key(t)] > 1}
            self.by_key[key] = {_name_key(t): mid for t, mid in zip(texts, ids) if t and mid}
        self.by_key["id"] = {m: m for m in ids if m}
        self._add_last_first(names, ids)
        for index in self.by_key.values():
            for text, mid in index.items():
                index[text] = SKIP if mid in self.unmatchable else mid
        self.ids = [m for m in dict.fromkeys(ids) if m and m not in self.unmatchable]

    def _add_last_first(self, names: list[str], ids: list[str]) -> None:
        forms = Counter(_name_key(f) for n in names if n for f in _last_first(n))
        index = self.by_key["name"]
        for name, mid in zip(names, ids):
            for form in (_name_key(f) for f in _last_first(name or "")):
                if mid and forms[form] == 1 and form not in index:
                    index[form] = mid

    def resolve(self, text: str, match: str) -> str | None:
        """The member a cell names.

        Parameters
        ----------
        text : str
            A cell or header naming a member.
        match : str
            How it names them: ``name`` (also "Last, First"), ``id`` or ``email``.

        Returns
        -------
        str or None
            The member id, None if unknown, or :data:`SKIP` if the roster's entry for it
            is not usable (a problem about it is reported by the roster check).
        """
        if not text:
            return None
        return self.by_key["id"].get(canonical_id(text)) if match == "id" else self.by_key[match].get(_name_key(text))


#: Member column headers that carry the question's text, as survey tools write them:
#: "<question> - <member>" (also with an en dash or a colon) and "<question> [<member>]".
_MEMBER_IN_HEADER = (re.compile(r"\[([^\[\]]+)\]\s*$"), re.compile(r".*\s[-–:]\s+(.+?)\s*$"))


def named_in_header(column: str) -> str | None:
    """What a header names after the question's text ("Q? [Bo Bæk]", "Q? - Bo Bæk"), or None.

    Parameters
    ----------
    column : str
        A column header.

    Returns
    -------
    str or None
        The text in the last brackets, or after the last `` - ``, `` – `` or ``: ``.

    Examples
    --------
    >>> named_in_header("Hvor ofte ...? [Bo Bæk]"), named_in_header("Borgere")
    ('Bo Bæk', None)
    """
    for pattern in _MEMBER_IN_HEADER:
        found = pattern.search(column)
        if found:
            return found.group(1)
    return None


def header_member(members: Members, column: str, match: str) -> str | None:
    """The member a wide export's column header names: the whole header, or else the
    member after the question's text ("Hvor ofte ...? - Bo Bæk", "Hvor ofte ...? [Bo Bæk]").

    Parameters
    ----------
    members : Members
        The roster's members.
    column : str
        The header.
    match : str
        How headers name members (see :meth:`Members.resolve`).

    Returns
    -------
    str or None
        As :meth:`Members.resolve`.
    """
    mid = members.resolve(column, match)
    for pattern in _MEMBER_IN_HEADER:
        if mid is not None:
            break
        found = pattern.search(column)
        mid = members.resolve(found.group(1), match) if found else None
    return mid


_NOUNS = {"name": "names", "id": "ids", "email": "e-mail addresses"}


def _mixed_up(c: _Collector, table: RawTable, row, column, texts: list[str], q: Question, section: str,
              members: Members, what: str, setting: str = "match") -> bool:
    """One problem, instead of one per cell, when members are named by another key than ``wave.yml`` says.

    ``setting`` is the key that says it: ``match`` (members rated) or ``respondent_match``.
    """
    texts = [t for t in texts if t]
    match = getattr(q, setting)
    resolve = members.resolve if setting != "match" else lambda t, key: header_member(members, t, key)
    if len(texts) < 2 or any(resolve(t, match) is not None for t in texts):
        return False
    for other in (k for k in MATCH_KEYS if k != match):
        if sum(resolve(t, other) is not None for t in texts) * 2 >= len(texts):
            noun = _NOUNS[other][:-1] if other != "email" else "e-mail address"
            if setting != "match" and (section == "relations" or other == "email"):
                # the member columns were matched as `match` says: only the respondents differ
                fix = f"set respondent_match: {other} if the export names respondents by {noun}"
            else:
                fix = f"set match: {other} if the export names members by {noun}"
            if setting != "match" and section == "external" and other != "email":
                fix += f" (respondent_match: {other} if it names only the respondents so)"
            c.add(table.file, row, column, f"{what} that are member {_NOUNS[other]} ({_quote(texts)})",
                  f"member {_NOUNS[match]}, as wave.yml's {section}.{setting} says; {fix}")
            return True
    if match != "email" and sum(tools.is_email(t) for t in texts) * 2 >= len(texts):
        c.add(table.file, row, column, f"{what} that are e-mail addresses ({_quote(texts)})",
              f"member {_NOUNS[match]}, as wave.yml's {section}.{setting} says; set {setting}: email in the "
              f"{section} section and {_email_column_hint(c)}")
        return True
    return False


def _email_column_hint(c: _Collector) -> str:
    """How to name the roster's column of e-mail addresses in wave.yml."""
    if "email" in c.spec.roster_columns:
        return f"check that roster.columns.email ({c.spec.roster_columns['email']!r}) holds the same addresses"
    table = c.roster_table
    if table is not None:
        for column in table.frame.columns:
            cells = [v for v in table.frame[column] if v]
            if cells and sum(tools.is_email(v) for v in cells) * 2 > len(cells):
                return f"roster.columns.email: {column} (the roster's column of e-mail addresses)"
    return ("roster.columns.email: the roster's column of e-mail addresses (add the members' addresses to "
            f"{c.spec.roster_file} if it has none)")


def _tool_mistake(c: _Collector, table: RawTable, q: Question, section: str) -> bool:
    """One problem naming the wave.yml setting, for a survey tool's typical mistake (True if found)."""
    return _qualtrics_rows(c, table, q, section) or _codes_without_labels(c, table, q, section)


def _qualtrics_rows(c: _Collector, table: RawTable, q: Question, section: str) -> bool:
    """Qualtrics' question-text and ImportId rows read as answers: name header_row and skip_rows."""
    rows = [n for n in tools.import_id_rows(table) if n in table.frame.index]
    if not rows:
        return False
    n = rows[0]
    cells = dict(table.rows)[n]
    shown = next((x for x in cells if x), "")
    if n - 1 > table.header_row:  # the header is the variable names' row: the question texts are row n - 1
        texts = dict(table.rows).get(n - 1, ())
        position = list(table.frame.columns).index(q.respondent_column) \
            if q.respondent_column in table.frame.columns else None
        renamed = texts[position] if position is not None and position < len(texts) else ""
        tail = (f"; then name columns by their question text, e.g. respondent_column: {renamed}" if renamed
                else "; then name columns by their question text (row 2 of the file)")
        fix = f"header_row: {n - 1} and skip_rows: [{n}] in wave.yml's {section} section{tail}"
    else:
        fix = f"skip_rows: [{n}] in wave.yml's {section} section"
    c.add(table.file, n, None, f"Qualtrics' ImportId row ({_quote([shown], 1)}) read as answers",
          f"answers only: {fix}")
    return True


def _codes_without_labels(c: _Collector, table: RawTable, q: Question, section: str) -> bool:
    """Headers that are variable codes (SurveyXact) with no codebook: name the labels setting."""
    codes = tools.variable_codes(table.frame.columns)
    if q.labels is not None or len(codes) < 2:
        return False
    sheet = next((name for name, cells in table.sheets.items() if tools.looks_like_codebook(cells)), None)
    if sheet is not None:
        fix = f"labels: {{sheet: {sheet}}}"
    else:
        near = sorted(p.name for p in c.spec.folder.iterdir() if p.is_file() and p.name != table.file
                      and re.search(r"(?i)label|codebook|kodebog|etiket|variab", p.name))
        fix = f"labels: {near[0]}" if near else "labels: <the codebook file or label sheet exported with the data>"
    c.add(table.file, table.header_row, None,
          f"columns named by variable codes ({_quote(codes)}) and no texts to read them by",
          f"{fix} in wave.yml's {section} section: the codebook gives the codes their questions and answers "
          "(ignore_columns would leave the answers out)")
    return True


def _unknown_respondent(c: _Collector, table: RawTable, number: int, column: str, who: str, match: str) -> None:
    found = "an empty cell" if not who else repr(who)
    expected = f"a respondent in the roster (matched by {match})"
    if is_summary_label(who):
        expected += "; a summary row is left out only at the bottom of the table"
    c.add(table.file, number, column, found, expected)


def _respondent_rows(c: _Collector, table: RawTable, q: Question, section: str, column: str, members: Members,
                     seen: dict):
    """Yield (spreadsheet row, member id, row) for each resolvable respondent row."""
    for number, row in table.frame.iterrows():
        who = row[column]
        mid = members.resolve(who, q.respondent_match)
        if mid is None:
            _unknown_respondent(c, table, number, column, who, q.respondent_match)
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


def _shared_columns(spec: WaveSpec, table: RawTable) -> set[str]:
    """Headers of the external question, when one export holds both questions on one sheet."""
    r, e = spec.relations, spec.external
    if r.file != e.file or r.sheet != e.sheet or r.header_row != e.header_row:
        return set()
    wanted = [p.column for p in spec.partners] + [e.respondent_column]
    found = {_find_column(table, w, in_question=True) for w in wanted} - {None}
    return found - {_find_column(table, r.respondent_column)}


def _matches(column: str, patterns, aliases: dict) -> bool:
    """Whether a header (or the variable code it was read from) fits one of the patterns (``*``, ``?``)."""
    names = {_key(column)} | {_key(code) for code, header in aliases.items() if header == column}
    return any(fnmatch.fnmatchcase(n, _key(p)) for n in names for p in patterns)


def _member_columns(c: _Collector, table: RawTable, q: Question, resp: str) -> list[str]:
    """A wide relations export's columns that name members: all but the respondent's, ignored and shared ones."""
    shared = _shared_columns(c.spec, table)
    columns = [col for col in table.frame.columns
               if col != resp and col not in shared and not _matches(col, q.ignore_columns, table.aliases)]
    if q.member_columns:
        columns = [col for col in columns if _matches(col, q.member_columns, table.aliases)]
    return columns


def _read_relations(c: _Collector, members: Members, seen: dict, ratings: _Ratings) -> list[dict] | None:
    q = c.spec.relations
    table = c.read(q.file, "relations", q.sheet, q.header_row, q.skip_rows, q.labels)
    if table is None:
        return None
    if q.format == "long":
        return _read_long(c, table, q, members, ratings)
    if _tool_mistake(c, table, q, "relations"):
        return None
    found = c.require(table, {"relations.respondent_column": q.respondent_column}, "relations")
    if found is None:
        return None
    resp = found["relations.respondent_column"]
    h, file = table.header_row, table.file
    member_columns = _member_columns(c, table, q, resp)
    for position in table.unnamed_columns:
        c.add(file, h, None, f"answers in column {column_letter(position)}, which has no header",
              "a roster member's name as the header of every column with answers")
    if _mixed_up(c, table, h, None, member_columns, q, "relations", members, "column headers"):
        return None
    if _mixed_up(c, table, None, resp, list(table.frame[resp]), q, "relations", members, "respondents",
                 "respondent_match"):
        return None
    targets: dict[str, str] = {}
    column_of: dict[str, str] = {}
    for column in member_columns:
        c.check_unique(table, column)
        mid = header_member(members, column, q.match)
        if mid is None and is_summary_label(column):
            c.skipped.append({"file": file, "row": None, "column": column, "why": "a summary column"})
        elif mid is None:
            c.add(file, h, column, "a column for an unknown member",
                  f"a roster member's {q.match} as header (list other columns under relations.ignore_columns "
                  "in wave.yml, or name the member columns by a pattern under relations.member_columns)")
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


def _read_long(c: _Collector, table: RawTable, q: Question, members: Members, ratings: _Ratings) -> list[dict] | None:
    found = c.require(table, {"relations.respondent_column": q.respondent_column,
                              "relations.target_column": q.target_column,
                              "relations.rating_column": q.rating_column}, "relations")
    if found is None:
        return None
    src_col, dst_col, rating_col = (found[f"relations.{k}"] for k in ("respondent_column", "target_column",
                                                                       "rating_column"))
    f = table.frame
    if (_mixed_up(c, table, None, src_col, list(f[src_col]), q, "relations", members, "respondents",
                 "respondent_match")
            or _mixed_up(c, table, None, dst_col, list(f[dst_col]), q, "relations", members, "rated members")):
        return None
    out: list[dict] = []
    first: dict[tuple[str, str], int] = {}
    for number, row in f.iterrows():
        src = members.resolve(row[src_col], q.respondent_match)
        dst = members.resolve(row[dst_col], q.match)
        if src is None:
            _unknown_respondent(c, table, number, src_col, row[src_col], q.respondent_match)
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


def _read_external(c: _Collector, members: Members, seen: dict) -> list[dict] | None:
    spec, q = c.spec, c.spec.external
    table = c.read(q.file, "external", q.sheet, q.header_row, q.skip_rows, q.labels)
    if table is None or _tool_mistake(c, table, q, "external"):
        return None
    columns = {"external.respondent_column": q.respondent_column}
    columns.update({f"external.partners[{p.id}].column": p.column for p in spec.partners})
    found = c.require(table, columns, "external")
    if found is None:
        return None
    resp = found["external.respondent_column"]
    if _mixed_up(c, table, None, resp, list(table.frame[resp]), q, "external", members, "respondents",
                 "respondent_match"):
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


def _check_answered(c: _Collector, roster: pd.DataFrame, members: Members, relations: list[dict],
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
    """SHA-256 over the wave's input files (name and bytes), in a fixed order.

    Parameters
    ----------
    spec : WaveSpec
        The wave; its :meth:`~helpers.ingest.wave.WaveSpec.input_files` are hashed.

    Returns
    -------
    str
        64 hex digits.
    """
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
    c.problems += roster_problems(roster, spec.roster_file, spec.roster_columns)  # before a long text costs time
    keys = {q.match for q in (spec.relations, spec.external)} | {q.respondent_match for q in (spec.relations, spec.external)}
    members = Members(roster, keys) if roster is not None else None
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
        "seminar": spec.seminar,
        "skipped": [dict(zip(("file", "row", "column", "why"), t)) for t in sorted(
            {(s["file"], s["row"], s["column"], s["why"]) for s in c.skipped},
            key=lambda t: (t[0], t[1] or 0, t[2] or ""))],
        "input_sha256": input_hash(spec),
        "key_fingerprint": fingerprint(secret),
        "helpers_version": __version__,
    }
    return TidyWave(members_df, rel, ext, meta)
