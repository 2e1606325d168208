"""Draft a wave's ``wave.yml`` from a survey tool's export (``forum-network init``).

A new user has an export and a roster, and no wish to learn the data model first. The
draft is made in named steps, each a guess that the written file explains in a comment:

1. read the export as it is (encoding, separator, sheet) and recognise the tool
   (:func:`helpers.ingest.tools.detect_tool`);
2. find the header row (Qualtrics: the question texts in row 2, its ImportId row left
   out) and, for an export of codes, the codebook beside it (SurveyXact);
3. read the roster, if there is one, and guess its columns and values;
4. find the member columns (headers that name roster members, or else the biggest group
   of columns under one question), the partner columns (the other question's group) and
   the respondent column (the one whose cells name members best, by name, id or e-mail);
5. order each question's answers into a scale (known Danish and English scales, the
   codebook's codes, numbers, or else as found) and pick out "don't know" answers;
6. write the draft, refusing to overwrite a file.

What cannot be guessed (the English partner names, a roster value nobody maps) is
written with a ``TODO`` comment; ``forum-network validate`` then checks the result.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from helpers.errors import SurveyError
from helpers.ingest import tools
from helpers.ingest.codebook import Codebook, apply_codebook, read_codebook
from helpers.ingest.readers import RawTable, UnreadableFile, normalise_text, parse_number, read_table
from helpers.ingest.validate import DONT_KNOW_WORDS, SKIP, Members, canonical_id, header_member, named_in_header
from helpers.ingest.wave import WAVE_ID, Labels

__all__ = ["KNOWN_SCALES", "PARTNER_IDS", "Draft", "draft_wave", "write_draft"]

KNOWN_SCALES = (
    ("Aldrig", "Sjældent", "Månedligt", "Ugentligt", "Dagligt"),
    ("Aldrig", "Sjældent", "Af og til", "Ofte", "Meget ofte"),
    ("Slet ikke", "I mindre grad", "I nogen grad", "I høj grad", "I meget høj grad"),
    ("Never", "Rarely", "Monthly", "Weekly", "Daily"),
    ("Never", "Rarely", "Sometimes", "Often", "Very often"),
    ("Not at all", "To a small degree", "To some degree", "To a high degree", "To a very high degree"),
    ("Not at all", "To a small extent", "To some extent", "To a great extent", "To a very great extent"),
)
"""Answer scales in their order, lowest first: a question's answers found in one are ordered by it."""

PARTNER_IDS = {
    "andre kommuner": "municipalities", "kommuner": "municipalities", "regioner": "regions", "regionen": "regions",
    "staten": "ministries", "ministerier": "ministries", "styrelser": "ministries",
    "ministerier og styrelser": "ministries", "virksomheder": "businesses", "erhvervslivet": "businesses",
    "virksomheder/erhvervsliv": "businesses", "virksomheder og erhvervsliv": "businesses", "interesseorganisationer": "interest_organisations",
    "uddannelsesinstitutioner": "education", "borgere": "citizens", "other municipalities": "municipalities",
    "regions": "regions", "ministries": "ministries", "businesses": "businesses",
    "interest organisations": "interest_organisations", "education": "education", "citizens": "citizens",
}
"""Partner texts (case-folded) -> the partner ids the example waves use."""

PARTNER_EN = {"municipalities": "Other municipalities", "regions": "Regions", "ministries": "Ministries and agencies",
              "businesses": "Businesses", "interest_organisations": "Interest organisations",
              "education": "Education institutions", "citizens": "Citizens"}

_ROSTER_HEADERS = {
    "member_id": ("nr", "id", "medarbejdernr", "medarbejdernummer", "member id", "member_id", "medlemsnr", "løbenr"),
    "name": ("navn", "name", "fulde navn", "full name", "medlem", "member"),
    "email": ("e-mail", "email", "mail", "e-mailadresse", "email address"),
    "gender": ("køn", "gender", "sex"),
    "role": ("stilling", "rolle", "role", "titel", "title", "position"),
    "department": ("afdeling", "forvaltning", "magistratsafdeling", "department", "område", "direktørområde"),
    "answered": ("besvaret", "answered", "svaret", "har svaret", "responded"),
}
_VALUES = {
    "gender": {"kvinde": "female", "k": "female", "female": "female", "woman": "female", "f": "female",
               "mand": "male", "m": "male", "male": "male", "man": "male"},
    "role": {"direktør": "director", "director": "director", "direktion": "director",
             "chef": "chief", "chief": "chief", "leder": "chief", "manager": "chief", "head": "chief"},
    "answered": {"ja": True, "yes": True, "1": True, "true": True, "sand": True,
                 "nej": False, "no": False, "0": False, "false": False, "falsk": False},
}
_RESPONSE_NUMBERS = frozenset({"id", "respondentid", "respondent-id", "response id", "responseid", "svar-id"})
"""The tools' numbers of a response: never the respondent, though they may look like member numbers."""
_CODEBOOK_NAME = re.compile(r"(?i)label|codebook|kodebog|etiket|variab")
_ROSTER_NAME = re.compile(r"(?i)roster|medlem|deltager|members|participants")


@dataclass
class Draft:
    """A drafted ``wave.yml``: its text, and what was guessed.

    Attributes
    ----------
    text : str
        The YAML, with a comment on every guess.
    tool : str
        The tool recognised (see :data:`helpers.ingest.tools.TOOLS`).
    notes : list of str
        One line per guess or gap, for the command line to print.
    """

    text: str
    tool: str
    notes: list = field(default_factory=list)


# ------------------------------------------------------------------ steps 1-2: the export


@dataclass
class _Export:
    path: Path
    table: RawTable
    tool: str
    header_row: int = 1
    skip_rows: tuple = ()
    sheet: str | None = None
    labels: Labels | None = None
    codebook: Codebook | None = None
    notes: list = field(default_factory=list)


def _data_sheet(path: Path) -> str | None:
    """The first sheet of a workbook that is not a codebook (None for CSV)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    first = read_table(path)
    names = [first.sheet, *first.sheets]
    if tools.looks_like_codebook(first.frame.columns) and len(names) > 1:
        return next(s for s in names[1:] if not tools.looks_like_codebook(first.sheets[s]))
    return first.sheet


def _dialect(table: RawTable) -> str:
    if table.sheet is not None:
        return f"XLSX, sheet {table.sheet!r}"
    encoding = {"utf-8-sig": "UTF-8", "cp1252": "Windows-1252", "utf-16": "UTF-16"}.get(table.encoding, table.encoding)
    separator = {";": "semicolons", ",": "commas", "\t": "tabs"}.get(table.delimiter, repr(table.delimiter))
    return f"CSV in {encoding}, separated by {separator}"


def _read_export(path: Path) -> _Export:
    """Steps 1 and 2: the export read at its header row, its codes read as texts."""
    sheet = _data_sheet(path)
    table = read_table(path, sheet)
    export = _Export(path, table, tools.detect_tool(table), sheet=table.sheet if len(table.sheets) else None)
    export.notes.append(f"{path.name}: {_dialect(table)}; written by {export.tool}")
    import_rows = tools.import_id_rows(table)
    if import_rows:  # Qualtrics: variable names, question texts, ImportIds
        export.header_row, export.skip_rows = import_rows[0] - 1, (import_rows[0],)
        export.table = read_table(path, sheet, header_row=export.header_row, skip_rows=export.skip_rows)
    if export.tool == "surveyxact":
        _find_codebook(export)
    return export


def _find_codebook(export: _Export) -> None:
    """SurveyXact: the label sheet of the workbook, or a codebook file beside the export."""
    table = export.table
    sheet = next((s for s, cells in table.sheets.items() if tools.looks_like_codebook(cells)), None)
    candidates = [] if sheet else sorted(p for p in export.path.parent.iterdir()
                                         if p.is_file() and p != export.path and _CODEBOOK_NAME.search(p.name))
    for file in ([None] if sheet else candidates):
        try:
            headers = read_table(export.path if file is None else file, sheet).frame.columns
        except UnreadableFile:
            continue
        columns = {k: _pick(headers, names) for k, names in (
            ("variable_column", ("variable", "variabel", "variabelnavn", "variable name", "name")),
            ("value_column", ("value", "værdi", "kode", "code")),
            ("label_column", ("label", "tekst", "text", "etiket", "labeltekst")))}
        if None in columns.values():
            continue
        labels = Labels(file=None if file is None else file.name, sheet=sheet, **columns)
        book, problems = read_codebook(export.path.parent, labels, export.path.name, "relations")
        if book is not None:
            export.labels, export.codebook = labels, book
            export.table = apply_codebook(table, book)
            export.notes.append(f"codebook: {labels.file or export.path.name}"
                                + (f", sheet {sheet!r}" if sheet else ""))
            return
    export.notes.append("no codebook found beside the export: set labels in wave.yml")


def _pick(headers, names) -> str | None:
    folded = {normalise_text(h).casefold(): h for h in headers}
    return next((folded[n] for n in names if n in folded), None)


# ------------------------------------------------------------------ step 3: the roster


@dataclass
class _Roster:
    path: Path
    table: RawTable
    columns: dict
    values: dict
    members: Members | None


def _find_roster(export: Path, roster: Path | None) -> Path | None:
    if roster is not None:
        return Path(roster)
    beside = sorted(p for p in export.parent.iterdir() if p.is_file() and p != export and _ROSTER_NAME.search(p.name)
                    and p.suffix.lower() in (".csv", ".xlsx", ".txt"))
    return beside[0] if beside else None


def _read_roster(path: Path) -> _Roster:
    """Step 3: the roster's columns by their headers (or their contents), and its values."""
    table = read_table(path)
    frame = table.frame
    columns = {key: _pick(frame.columns, names) for key, names in _ROSTER_HEADERS.items()}
    if columns["email"] is None:
        columns["email"] = next((c for c in frame.columns if _share(frame[c], tools.is_email) > 0.5), None)
    if columns["member_id"] is None:
        columns["member_id"] = next((c for c in frame.columns if frame[c].is_unique
                                     and _share(frame[c], lambda v: v.isdigit()) == 1), None)
    columns = {k: v for k, v in columns.items() if v is not None}
    values = {}
    for key in ("gender", "role", "answered"):
        if key in columns:
            found = sorted({v for v in frame[columns[key]] if v})
            values[key] = {v: _VALUES[key].get(v.casefold()) for v in found}
    members = None
    if "member_id" in columns:
        roster = pd.DataFrame({"id": [canonical_id(v) for v in frame[columns["member_id"]]], "row": frame.index,
                               "name": list(frame[columns["name"]]) if "name" in columns else "",
                               "email": list(frame[columns["email"]]) if "email" in columns else ""})
        members = Members(roster, set())
    return _Roster(path, table, columns, values, members)


def _distinct_members(cells, members: Members, key: str) -> float:
    """Distinct members named in the filled cells, per filled cell (1.0: every row another member)."""
    cells = [c for c in cells if c]
    found = {members.resolve(c, key) for c in cells} - {None, SKIP}
    return len(found) / len(cells) if cells else 0.0


def _share(cells, test) -> float:
    cells = [c for c in cells if c]
    return sum(bool(test(c)) for c in cells) / len(cells) if cells else 0.0


# ------------------------------------------------------------------ step 4: the columns


def _question_of(header: str) -> str | None:
    """The question's text in a header that names a row after it ("Q? [Row]", "Q? - Row")."""
    row = named_in_header(header)
    if row is None:
        return None
    text = header[: header.rfind(row)].rstrip(" [-–:")
    return normalise_text(text) or None


def _groups(columns) -> dict[str, list[str]]:
    """Columns grouped by the question their header names before its row."""
    groups: dict[str, list[str]] = {}
    for column in columns:
        question = _question_of(column)
        if question:
            groups.setdefault(question, []).append(column)
    return groups


def _member_columns(export: _Export, roster: _Roster | None) -> tuple[list[str], str]:
    """The relation question's columns, and how they name members."""
    columns = list(export.table.frame.columns)
    if roster is not None and roster.members is not None:
        for key in ("name", "id", "email"):
            named = [c for c in columns if header_member(roster.members, c, key) not in (None, SKIP)]
            if len(named) >= 2:
                return named, key
    groups = sorted(_groups(columns).values(), key=len, reverse=True) or _groups_by_scale(export)
    return (groups[0] if groups else []), "name"


def _groups_by_scale(export: _Export) -> list[list[str]]:
    """Columns whose answers all come from one known scale, per scale, biggest group first
    (headers that are the matrix rows alone, as Microsoft Forms writes them)."""
    frame = export.table.frame
    groups: dict[int, list[str]] = {}
    for column in frame.columns:
        answers = {normalise_text(v).casefold() for v in frame[column] if v} - DONT_KNOW_WORDS
        fits = [i for i, known in enumerate(KNOWN_SCALES) if answers and answers <= {k.casefold() for k in known}]
        if fits:
            groups.setdefault(fits[0], []).append(column)
    return sorted(groups.values(), key=len, reverse=True)


def _partner_columns(export: _Export, members: list[str], respondent: str | None) -> list[str]:
    """The external question's columns: the other question's group, or the answer columns after the members'."""
    columns = list(export.table.frame.columns)
    question = _question_of(members[0]) if members else None
    groups = [g for q, g in _groups(columns).items() if q != question and len(g) >= 2 and not set(g) & set(members)]
    if groups:
        return max(groups, key=len)
    after = columns[columns.index(members[-1]) + 1:] if members else []
    return [c for c in after if c != respondent and _is_answer_column(export.table.frame[c])]


def _is_answer_column(cells) -> bool:
    filled = [c for c in cells if c]
    return bool(filled) and len(set(filled)) <= 12 and not any(tools.is_email(c) for c in filled)


def _respondent_column(export: _Export, roster: _Roster | None, taken: set[str]) -> tuple[str | None, str, str]:
    """The column naming the respondent, how it names them, and why it was chosen."""
    frame = export.table.frame
    others = [c for c in frame.columns if c not in taken and normalise_text(c).casefold() not in _RESPONSE_NUMBERS]
    if roster is not None and roster.members is not None:
        best = max(((_distinct_members(frame[c], roster.members, key), -i, c, key)
                    for i, c in enumerate(others) for key in ("email", "name", "id")), default=(0, 0, None, "name"))
        if best[0] > 0.5:
            return best[2], best[3], f"its cells name {best[0]:.0%} distinct roster members, by {best[3]}"
    preferred = ("external data reference", "recipient email", "name", "navn", "hvem er du?", "email", "e-mail")
    pick = _pick(others, preferred)
    if pick is None:
        pick = next((c for c in others if re.search(r"(?i)navn|name|hvem|who", c)), None)
    key = "email" if pick is not None and _share(frame[pick], tools.is_email) > 0.5 else \
        "id" if pick is not None and _share(frame[pick], lambda v: v.isdigit()) > 0.5 else "name"
    return pick, key, "its header reads like the respondent's (no roster to check against)"


# ------------------------------------------------------------------ step 5: the scales


def _scale(export: _Export, columns: list[str], start: int) -> tuple[dict[int, str], list[str], str]:
    """The answers of ``columns`` as a scale from ``start``, the don't-know answers, and how it was ordered."""
    found = Counter(v for c in columns for v in export.table.frame[c] if v)
    dont_know = sorted(v for v in found if normalise_text(v).casefold() in DONT_KNOW_WORDS)
    answers = [v for v in found if v not in dont_know]
    folded = {normalise_text(v).casefold(): v for v in answers}
    for known in KNOWN_SCALES:
        order = [k.casefold() for k in known]
        if folded and set(folded) <= set(order):
            top = max(order.index(k) for k in folded)
            labels = [folded.get(k.casefold(), k) for k in known[:top + 1]]
            return dict(enumerate(labels, start)), dont_know, "a known scale, lowest first"
    coded = _codebook_order(export, columns, answers)
    if coded:
        return dict(enumerate(coded, start)), dont_know, "ordered by the codebook's answer codes"
    numbers = {v: parse_number(v) for v in answers}
    if answers and all(n is not None and n.is_integer() for n in numbers.values()):
        codes = sorted(int(n) for n in numbers.values())
        return {c: str(c) for c in range(codes[0], codes[-1] + 1)}, dont_know, "the answers are numbers"
    return dict(enumerate(sorted(answers), start)), dont_know, "TODO: put the answers in order, lowest first"


def _codebook_order(export: _Export, columns: list[str], answers: list[str]) -> list[str]:
    """The answers in the order of their codes in the codebook, when it gives them all."""
    if export.codebook is None or not answers:
        return []
    book = export.codebook.values.get(_code_of(export, columns[0]), {})
    if not set(answers) <= set(book.values()):
        return []
    ordered = sorted(book.items(), key=lambda kv: (parse_number(kv[0]) is None, parse_number(kv[0]) or 0))
    return [text for _, text in ordered if normalise_text(text).casefold() not in DONT_KNOW_WORDS]


def _code_of(export: _Export, header: str) -> str:
    return next((code.casefold() for code, h in export.table.aliases.items() if h == header), header.casefold())


# ------------------------------------------------------------------ step 6: the text


_PLAIN = re.compile(r"[^\W\d][\w .()/+-]*", re.UNICODE)


def _q(value) -> str:
    """A YAML scalar: plain when that reads back as the same text, else double-quoted.

    Examples
    --------
    >>> _q("Bo Bæk"), _q("Hvor ofte ...?"), _q("yes"), _q(3)
    ('Bo Bæk', '"Hvor ofte ...?"', '"yes"', '3')
    """
    if isinstance(value, (bool, int)):
        return str(value).lower() if isinstance(value, bool) else str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text == text.strip() and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow(mapping: dict) -> str:
    return "{" + ", ".join(f"{_q(k)}: {_q(v)}" for k, v in mapping.items()) + "}"


def _pattern(export: _Export, columns: list[str]) -> str | None:
    """A pattern that fits exactly ``columns`` among the export's headers (a common prefix, or code prefix)."""
    headers = list(export.table.frame.columns)
    for names in (columns, [_code_of(export, c) for c in columns]):
        prefix = os.path.commonprefix([n.casefold() for n in names])
        prefix = names[0][:len(prefix)].split("[")[0]  # a bracket would start a character class
        if len(prefix) >= 3:
            pattern = prefix + "*"
            fits = [h for h in headers if h.casefold().startswith(prefix.casefold())
                    or _code_of(export, h).startswith(prefix.casefold())]
            if sorted(fits) == sorted(columns):
                return pattern
    return None


@dataclass
class _Guess:
    members: list
    match: str
    partners: list
    respondent: str | None
    respondent_match: str
    why_respondent: str


def _file_line(path: Path, folder: Path) -> str:
    """``  file: ...`` naming ``path`` relative to the wave folder; a file elsewhere must be copied in."""
    relative = os.path.relpath(path.resolve(), folder.resolve())
    if ".." not in Path(relative).parts:
        return f"  file: {_q(Path(relative).as_posix())}"
    return f"  file: {_q(path.name)}   # TODO: copy {path.name} into this folder (wave.yml reads files only here)"


def _question_block(export: _Export, g: _Guess, folder: Path, section: str, shared: set[str]) -> list[str]:
    lines = [_file_line(export.path, folder)]
    if export.sheet is not None:
        lines.append(f"  sheet: {_q(export.sheet)}")
    if export.header_row != 1:
        lines.append(f"  header_row: {export.header_row}       # guess: row {export.header_row - 1} holds variable "
                     f"names, row {export.header_row} the question texts naming the members")
    if export.skip_rows:
        lines.append(f"  skip_rows: {list(export.skip_rows)}      # guess: Qualtrics' ImportId row, not answers")
    lines.append("  format: wide")
    lines.append(f"  respondent_column: {_q(g.respondent or 'TODO')}" + (
        f"   # guess: {g.why_respondent}" if g.respondent else "   # TODO: the column naming the respondent"))
    if g.respondent_match != g.match:
        lines.append(f"  respondent_match: {g.respondent_match}")
    lines.append(f"  match: {g.match}" + ("   # guess: the member columns' headers name members by "
                                          f"{g.match}" if section == "relations" else ""))
    if export.labels is not None:
        lines.append(f"  labels: {_labels_text(export.labels)}   # guess: the codebook beside the export")
    if section == "relations":
        pattern = _pattern(export, g.members)
        if pattern:
            lines.append(f"  member_columns: [{_q(pattern)}]   # guess: the {len(g.members)} columns naming members")
        else:
            others = [c for c in export.table.frame.columns
                      if c not in g.members and c != g.respondent and c not in shared]
            if others:
                lines.append(f"  ignore_columns: [{', '.join(_q(c) for c in others)}]   # guess: not members")
    return lines


def _labels_text(labels: Labels) -> str:
    parts = {"file": labels.file, "sheet": labels.sheet}
    parts.update({k: getattr(labels, k) for k in ("variable_column", "value_column", "label_column")
                  if getattr(labels, k) != getattr(Labels(), k)})
    parts = {k: v for k, v in parts.items() if v is not None}
    return _q(labels.file) if set(parts) == {"file"} else _flow(parts)


def _question_text(columns: list[str], fallback: str) -> str:
    texts = {_question_of(c) for c in columns} - {None}
    return texts.pop() if len(texts) == 1 else fallback


def _roster_block(roster: _Roster | None, wave_folder: Path, match_keys: set[str]) -> list[str]:
    if roster is None:
        return ["roster:",
                "  file: TODO            # TODO: the members roster (CSV or XLSX); give it to init with --roster",
                "  columns: {member_id: TODO, name: TODO, gender: TODO, role: TODO, department: TODO, answered: TODO}"]
    columns = {k: v for k, v in roster.columns.items() if k != "email" or "email" in match_keys}
    lines = ["roster:", _file_line(roster.path, wave_folder),
             f"  columns: {_flow(columns)}   # guess: by the roster's headers"]
    missing = [k for k in ("member_id", "gender", "role", "department", "answered") if k not in columns]
    if missing:
        lines.append(f"  # TODO: no column found for {', '.join(missing)}")
    if roster.values:
        lines.append("  values:")
        for key, mapping in roster.values.items():
            unknown = [v for v, tidy in mapping.items() if tidy is None]
            shown = {v: ("TODO" if tidy is None else tidy) for v, tidy in mapping.items()}
            note = f"   # TODO: map {', '.join(map(repr, unknown))}" if unknown else ""
            lines.append(f"    {key}: {_flow(shown)}{note}")
    return lines


def _partners_block(export: _Export, partners: list[str]) -> list[str]:
    lines = ["  partners:                # guess: one per column of the second question; check en"]
    used: set[str] = set()
    for column in partners:
        text = named_in_header(column) or column
        pid = PARTNER_IDS.get(text.casefold()) or re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_") or "partner"
        while pid in used:
            pid += "_2"
        used.add(pid)
        en = PARTNER_EN.get(pid, text)
        lines.append(f"    - {_flow({'id': pid, 'column': text, 'da': text, 'en': en})}"
                     + ("" if pid in PARTNER_EN else "   # TODO: the English name"))
    return lines


def _closing_date(export: _Export) -> tuple[dt.date, str]:
    frame = export.table.frame
    for column in frame.columns:
        if normalise_text(column).casefold() in ("timestamp", "tidsstempel", "completion time", "end date",
                                                  "enddate", "recorded date", "tidspunkt for fuldførelse"):
            dates = [_date(v) for v in frame[column]]
            dates = [d for d in dates if d is not None]
            if dates:
                return max(dates), f"guess: the last answer's date ({column})"
    return dt.date.today(), "TODO: the day the survey closed"


def _date(text: str) -> dt.date | None:
    match = re.match(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", text) or None
    if match:
        try:
            return dt.date(*map(int, match.groups()))
        except ValueError:
            return None
    return None


def draft_wave(export: str | Path, roster: str | Path | None = None, out: str | Path | None = None) -> Draft:
    """Draft the ``wave.yml`` of an export (see the module's steps).

    Parameters
    ----------
    export : str or Path
        The survey tool's export (CSV or XLSX).
    roster : str or Path, optional
        The members roster; by default a file beside the export whose name says roster
        (``roster``, ``medlemmer``, ``deltagere``, ...), if any.
    out : str or Path, optional
        Where the draft will be written (default: ``wave.yml`` beside the export); file
        names in the draft are relative to its folder.

    Returns
    -------
    Draft

    Raises
    ------
    SurveyError
        The export or the roster cannot be read (:class:`~helpers.ingest.readers.UnreadableFile`
        is turned into one, with the reason).
    """
    export = Path(export)
    out = Path(out) if out is not None else export.with_name("wave.yml")
    try:
        ex = _read_export(export)
        roster_path = _find_roster(export, Path(roster) if roster else None)
        ros = _read_roster(roster_path) if roster_path is not None else None
    except UnreadableFile as exc:
        raise SurveyError(str(exc.problem)) from exc
    except OSError as exc:
        raise SurveyError(f"{exc.filename}: {exc.strerror}") from exc
    members, match = _member_columns(ex, ros)
    if len(members) < 2:
        raise SurveyError(f"{export.name}: found no columns naming members (a matrix question with one row per "
                          "member); give the roster with --roster, or write wave.yml from data/README.md")
    respondent, respondent_match, why = _respondent_column(ex, ros, set(members))
    partners = _partner_columns(ex, members, respondent)
    g = _Guess(members, match, partners, respondent, respondent_match, why)
    second = (ex, g) if partners else _external_elsewhere(ex, ros, match)
    text = _render(ex, ros, g, second, out.parent)
    notes = ex.notes + [f"roster: {ros.path.name}" if ros else "no roster: give one with --roster",
                        f"{len(members)} member columns (by {match}); respondents in {respondent!r} "
                        f"(by {respondent_match})"]
    if second is not None:
        notes.append(f"{len(second[1].partners)} partner columns in {second[0].path.name}")
    return Draft(text, ex.tool, notes)


def _external_elsewhere(ex: _Export, ros: _Roster | None, match: str) -> tuple[_Export, _Guess] | None:
    """The external question in another export beside ``ex`` (a tool that writes one file per question)."""
    skip = {ex.path, ros.path if ros else None}
    for path in sorted(ex.path.parent.iterdir()):
        if (path in skip or not path.is_file() or path.suffix.lower() not in (".csv", ".xlsx", ".xlsm", ".txt")
                or _CODEBOOK_NAME.search(path.name) or _ROSTER_NAME.search(path.name)):
            continue
        try:
            other = _read_export(path)
        except UnreadableFile:
            continue
        respondent, respondent_match, why = _respondent_column(other, ros, set())
        partners = [c for c in other.table.frame.columns if c != respondent
                    and normalise_text(c).casefold() not in _RESPONSE_NUMBERS and _is_answer_column(other.table.frame[c])]
        if respondent is not None and partners:
            ex.notes.extend(other.notes)
            return other, _Guess([], match, partners, respondent, respondent_match, why)
    return None


def _render(ex: _Export, ros: _Roster | None, g: _Guess, second: tuple[_Export, _Guess] | None,
            folder: Path) -> str:
    wave_id = folder.resolve().name if WAVE_ID.fullmatch(folder.resolve().name) else "TODO"
    date, date_note = _closing_date(ex)
    rel_scale, _, rel_how = _scale(ex, g.members, 0)
    threshold = sorted(rel_scale)[len(rel_scale) // 2] if rel_scale else 0
    shared = set(g.partners) | ({g.respondent} if g.respondent else set())
    lines = [f"# Drafted by forum-network init from {ex.path.name} ({ex.tool}). Check every line marked",
             "# guess or TODO, then run: forum-network validate <this folder>", "",
             f"name: {_q(wave_id)}               # TODO: the name the handout shows",
             f"id: {_q(wave_id)}" + ("" if wave_id != "TODO" else "   # TODO: a short id such as \"2019-02\""),
             f"date: {date.isoformat()}         # {date_note}",
             "previous: auto           # compare with the latest earlier wave beside this one, if any", ""]
    keys = {g.match, g.respondent_match} | ({second[1].respondent_match} if second else set())
    lines += _roster_block(ros, folder, keys)
    lines += ["", "relations:"] + _question_block(ex, g, folder, "relations", shared)
    lines += [f"  question: {_q(_question_text(g.members, 'TODO: the question'))}",
              f"  scale: {_flow(rel_scale)}   # guess: {rel_how}",
              f"  tie_threshold: {threshold}         # guess: the upper half of the scale makes a tie"]
    lines += ["", "external:"] + _external_lines(second, folder, shared)
    lines += ["", "privacy:", "  min_group_size: 3", ""]
    return "\n".join(lines)


def _external_lines(second: tuple[_Export, _Guess] | None, folder: Path, shared: set[str]) -> list[str]:
    if second is None:
        return ["  # TODO: no second question found: file, respondent_column, question, scale, partners"]
    ex, g = second
    scale, dont_know, how = _scale(ex, g.partners, 1)
    lines = _question_block(ex, g, folder, "external", shared)
    lines += [f"  question: {_q(_question_text(g.partners, 'TODO: the question'))}",
              f"  scale: {_flow(scale)}   # guess: {how}"]
    if dont_know:
        lines.append(f"  dont_know: [{', '.join(_q(v) for v in dont_know)}]   # guess: answers meaning \"don't know\"")
    return lines + _partners_block(ex, g.partners)


def write_draft(export: str | Path, roster: str | Path | None = None, out: str | Path | None = None) -> tuple[Path, Draft]:
    """Draft the ``wave.yml`` of ``export`` and write it to ``out``, never over an existing file.

    Parameters
    ----------
    export, roster, out
        As for :func:`draft_wave`.

    Returns
    -------
    (Path, Draft)
        The file written and the draft.

    Raises
    ------
    SurveyError
        ``out`` exists already (nothing is written), or the export cannot be drafted.
    """
    export = Path(export)
    target = Path(out) if out is not None else export.with_name("wave.yml")
    if target.exists():
        raise SurveyError(f"{target}: exists already; init never overwrites a file (give another --out, "
                          "or move the file away)")
    draft = draft_wave(export, roster, target)
    try:
        with open(target, "x", encoding="utf-8") as fh:  # "x": fails rather than overwrite
            fh.write(draft.text)
    except FileExistsError as exc:
        raise SurveyError(f"{target}: exists already; init never overwrites a file") from exc
    return target, draft
