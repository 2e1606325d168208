"""A survey wave's settings, read from its ``wave.yml``.

A wave is one folder holding the raw export files as the survey tool delivered them and a
``wave.yml`` that says what was asked, on which scales, and how the export's columns map
onto members and partner types. ``data/README.md`` documents every key.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from helpers.errors import Problem, SurveyError, ValidationError
from helpers import safeyaml
from helpers.ingest.limits import wave_problems

__all__ = ["AUTO_PREVIOUS", "GENDERS", "Labels", "MATCH_KEYS", "Partner", "Question", "ROLES", "ROSTER_FIELDS",
           "REQUIRED_ROSTER_FIELDS", "VISIT_PAIRS_FILE", "WAVE_ID", "WaveSpec", "load_wave", "locate", "previous_by_date",
           "previous_wave", "wave_text", "SEMINAR_TEXTS", "VISIT_STAGES"]

#: The optional ``seminar`` texts of ``wave.yml`` that the handout's cover prints (translatable).
SEMINAR_TEXTS = ("name", "sender")
#: The optional ``seminar.visits`` stages of the job-visit timeline, in order.
VISIT_STAGES = ("invitation", "first", "second", "wrap_up")

ROSTER_FIELDS = ("member_id", "name", "email", "gender", "role", "department", "answered")
REQUIRED_ROSTER_FIELDS = ("member_id", "gender", "role", "department", "answered")
GENDERS = ("female", "male")
WAVE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
ROLES = ("director", "chief")
MATCH_KEYS = ("name", "id", "email")
"""How an export names members: by name ("First Last" or "Last, First"), member id, or e-mail address."""


@dataclass(frozen=True)
class Partner:
    """One kind of external partner: stable id, the export's column, Danish and English labels."""

    id: str
    column: str
    da: str
    en: str

    def label(self, lang: str) -> str:
        """The label in a handout language.

        Parameters
        ----------
        lang : str
            "da" or "en".

        Returns
        -------
        str
        """
        return self.da if lang == "da" else self.en


@dataclass(frozen=True)
class Labels:
    """Where a question's texts are when the export holds only codes (SurveyXact's label sheet or codebook).

    The codebook is a table with one row per variable (its code and its text, the value
    cell empty) and one row per answer code of a variable (code, value and the answer's
    text). Headers that are variable codes are read as their texts, and answer codes as
    their answers' texts.

    Attributes
    ----------
    file : str or None
        The codebook's file; None for a sheet of the export's own workbook.
    sheet : str or int or None
        The codebook's sheet (XLSX).
    variable_column, value_column, label_column : str
        The codebook's columns of variable codes, answer codes and texts.
    """

    file: str | None = None
    sheet: str | int | None = None
    variable_column: str = "Variable"
    value_column: str = "Value"
    label_column: str = "Label"


@dataclass(frozen=True)
class Question:
    """One survey question as exported: file, layout, how members are named, answer scale.

    ``sheet``, ``header_row`` and ``skip_rows`` say where the table is (an XLSX sheet by
    name or number from 1; the spreadsheet row of the column headers; data rows to leave
    out). ``ignore_columns`` lists columns of a wide relations export that are not
    members (time stamps, respondent numbers); ``member_columns``, when given, the
    patterns (``*`` and ``?`` as wildcards) of the columns that are, every other column
    being left out. ``dont_know`` lists answers meaning "don't know". ``labels`` says
    where the texts of an export of codes are (:class:`Labels`). ``match`` is one of
    :data:`MATCH_KEYS`, for the members the answers are about; ``respondent_match`` for
    the respondent column (the same unless ``wave.yml`` says otherwise: a tool may name
    respondents by their e-mail address and the rated members by name).
    """

    file: str
    format: str
    respondent_column: str
    match: str
    text: str
    scale: dict[int, str]
    sheet: str | int | None = None
    target_column: str | None = None
    rating_column: str | None = None
    header_row: int = 1
    skip_rows: tuple[int, ...] = ()
    ignore_columns: tuple[str, ...] = ()
    dont_know: tuple[str, ...] = ()
    member_columns: tuple[str, ...] = ()
    labels: Labels | None = None
    respondent_match: str = "name"


@dataclass(frozen=True)
class WaveSpec:
    """Everything ``wave.yml`` says about a wave.

    Attributes
    ----------
    folder : Path
        The wave folder (raw files and ``wave.yml``).
    id, name : str
        Short id (for example ``"2019-02"``) and display name.
    date : datetime.date
        When the survey closed.
    previous : str or None
        Id of the wave this one is compared with.
    roster_file : str
        The members roster.
    roster_columns : dict
        Roster field (``member_id``, ``name``, ``gender``, ``role``, ``department``,
        ``answered``) -> the export's column header.
    roster_values : dict
        Field -> {export value: tidy value}, for gender, role and answered.
    relations : Question
        The relation question; ``relations.scale`` maps codes to labels.
    tie_threshold : int
        A relation rating at or above this makes a tie.
    external : Question
        The external-relations question.
    dont_know : tuple of str
        Answers that mean "don't know" (excluded from means, and counted).
    partners : tuple of Partner
        The partner types, in the order the handout shows them.
    min_group_size : int
        Handout cells describing fewer people than this are suppressed.
    roster_sheet, roster_header_row, roster_skip_rows
        Where the roster's table is, as for :class:`Question`.
    translations : dict
        Handout language -> texts of the wave in that language, for a handout in another
        language than the survey's: ``name`` and, under ``relations`` and ``external``,
        ``question`` and ``scale`` (code -> label, every code of the scale). All
        optional; a text without a translation is shown as the survey had it
        (:func:`wave_text`).
    seminar : dict
        The optional ``seminar`` block, for the handout's cover and the job-visit timeline:
        ``name`` and ``sender`` (texts), ``date`` (ISO date), and ``visits`` with
        ``invitation``, ``first``, ``second`` and ``wrap_up``, each an ISO date
        (``2019-03-04``) or a month (``2019-03``). Only the keys given; dates as ISO text.
    """

    folder: Path
    id: str
    name: str
    date: dt.date
    previous: str | None
    roster_file: str
    roster_columns: dict[str, str]
    roster_values: dict[str, dict[str, Any]]
    relations: Question
    tie_threshold: int
    external: Question
    dont_know: tuple[str, ...]
    partners: tuple[Partner, ...]
    min_group_size: int = 3
    raw: dict = field(default_factory=dict, repr=False, compare=False)
    roster_sheet: str | int | None = None
    roster_header_row: int = 1
    roster_skip_rows: tuple[int, ...] = ()
    translations: dict[str, dict] = field(default_factory=dict)
    seminar: dict = field(default_factory=dict)

    def partner_labels(self, lang: str) -> dict[str, str]:
        """Partner id -> label in a handout language, in the handout's order.

        Parameters
        ----------
        lang : str
            "da" or "en".

        Returns
        -------
        dict
        """
        return {p.id: p.label(lang) for p in self.partners}

    def input_files(self) -> list[Path]:
        """The wave's files that the analysis reads, ``wave.yml`` first.

        Returns
        -------
        list of Path
            ``wave.yml``, the roster, the exports and any codebook file, each once.
        """
        names = ["wave.yml", self.roster_file, self.relations.file, self.external.file]
        names += [q.labels.file for q in (self.relations, self.external) if q.labels and q.labels.file]
        return [self.folder / n for n in dict.fromkeys(names)]


def _kinds(kind) -> tuple:
    return kind if isinstance(kind, tuple) else (kind,)


class _Reader:
    """Walks the parsed YAML and collects problems instead of stopping at the first."""

    def __init__(self, data: dict):
        self.data = data
        self.problems: list[Problem] = []

    def get(self, path: str, expected: str, kind=None, default=...):
        node: Any = self.data
        for key in path.split("."):
            if not isinstance(node, dict) or key not in node:
                if default is not ...:
                    return default
                self.problems.append(Problem("wave.yml", None, path, "nothing", expected))
                return None
            node = node[key]
        if node is None:  # "key:" with nothing after it
            if default is not ...:
                return default
            self.problems.append(Problem("wave.yml", None, path, "nothing", expected))
            return None
        if kind is not None and (not isinstance(node, kind) or (isinstance(node, bool) and bool not in _kinds(kind))):
            self.problems.append(Problem("wave.yml", None, path, repr(node), expected))
            return None
        return node

    def whole(self, path: str, expected: str, default=..., least: int = 1) -> int | None:
        """A whole number >= ``least`` (not a yes/no)."""
        value = self.get(path, expected, int, default=default)
        if isinstance(value, int) and value < least:
            self.problems.append(Problem("wave.yml", None, path, repr(value), expected))
            return None
        return value

    def texts(self, path: str, expected: str) -> tuple[str, ...]:
        """A list of texts (numbers are taken as text); missing means an empty list."""
        value = self.get(path, expected, list, default=[]) or []
        if any(isinstance(v, (dict, list)) or v is None for v in value):
            self.problems.append(Problem("wave.yml", None, path, repr(value), expected))
            return ()
        return tuple(str(v) for v in value)

    def rows(self, path: str, header_row: int | None) -> tuple[int, ...]:
        """Spreadsheet row numbers below the header."""
        value = self.get(path, "a list of row numbers below the header", list, default=[]) or []
        bad = [v for v in value if not isinstance(v, int) or isinstance(v, bool) or v <= (header_row or 1)]
        if bad:
            self.problems.append(Problem("wave.yml", None, path, repr(bad[0]),
                                         f"row numbers below the header (row {header_row or 1}), as a spreadsheet shows them"))
            return ()
        return tuple(sorted(set(value)))

    def sheet(self, path: str):
        value = self.get(path, "a sheet name, or a sheet number counting from 1", default=None)
        if value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            return value
        self.problems.append(Problem("wave.yml", None, path, repr(value), "a sheet name, or a sheet number counting from 1"))
        return None

    def scale(self, path: str) -> dict[int, str]:
        raw = self.get(path, "a mapping of whole-number codes to answer labels", dict)
        if not raw:
            return {}
        try:
            if any(isinstance(k, (bool, float)) for k in raw):
                raise ValueError("not a whole number")
            scale = {int(k): str(v) for k, v in sorted(raw.items(), key=lambda kv: int(kv[0]))}
        except (TypeError, ValueError, OverflowError):
            self.problems.append(
                Problem("wave.yml", None, path, repr(list(raw)), "whole-number codes as keys")
            )
            return {}
        labels = [" ".join(v.split()).casefold() for v in scale.values()]
        twice = sorted({v for v in scale.values() if labels.count(" ".join(v.split()).casefold()) > 1})
        if twice or any(v is None or isinstance(v, (dict, list)) for v in raw.values()):
            self.problems.append(Problem("wave.yml", None, path, repr(twice[0]) if twice else repr(list(raw.values())),
                                         "a distinct text label for every code"))
            return {}
        return scale

    def translations(self, scales: dict[str, dict[int, str]]) -> dict[str, dict]:
        """``translations``: language -> {name, relations: {question, scale}, external: {...}}."""
        from helpers.lang import LANGS

        raw = self.get("translations", "a mapping of handout languages to translated texts", dict, default={})
        out: dict[str, dict] = {}
        for lang, texts in (raw or {}).items():
            where = f"translations.{lang}"
            if lang not in LANGS:
                self.problems.append(Problem("wave.yml", None, where, repr(lang), f"a handout language: {', '.join(LANGS)}"))
                continue
            if not isinstance(texts, dict):
                self.problems.append(Problem("wave.yml", None, where, repr(texts),
                                             "a mapping with name, relations and external"))
                continue
            entry: dict = {}
            for key, value in texts.items():
                if key == "name" and isinstance(value, (str, int, float)) and not isinstance(value, bool):
                    entry["name"] = str(value)
                elif key in scales and isinstance(value, dict):
                    entry[key] = self._translated_question(f"{where}.{key}", value, scales[key])
                elif key == "seminar" and isinstance(value, dict) and set(value) <= set(SEMINAR_TEXTS) and all(
                        isinstance(v, str) and v.strip() for v in value.values()):
                    entry[key] = {k: " ".join(v.split()) for k, v in value.items()}
                else:
                    self.problems.append(Problem("wave.yml", None, f"{where}.{key}", repr(value),
                                                 "name (a text), relations or external (each with question and "
                                                 "scale), or seminar (name and/or sender, texts)"))
            out[str(lang)] = entry
        return out

    def _translated_question(self, where: str, value: dict, scale: dict[int, str]) -> dict:
        out: dict = {}
        for key, text in value.items():
            if key == "question" and isinstance(text, str):
                out["question"] = " ".join(text.split())
            elif key == "scale" and isinstance(text, dict):
                try:
                    labels = {int(k): v for k, v in text.items() if not isinstance(k, (bool, float))}
                except (TypeError, ValueError):
                    labels = {}
                if set(labels) != set(scale) or len(labels) != len(text) or not all(
                        isinstance(v, str) and v.strip() for v in labels.values()):
                    self.problems.append(Problem("wave.yml", None, f"{where}.scale", repr(text),
                                                 f"a text label for each of the scale's codes {sorted(scale)}"))
                else:
                    out["scale"] = {str(k): labels[k] for k in sorted(labels)}
            else:
                self.problems.append(Problem("wave.yml", None, f"{where}.{key}", repr(text),
                                             "question (a text) or scale (code -> label)"))
        return out

    def question(self, key: str) -> Question:
        fmt = self.get(f"{key}.format", "'wide' or 'long'", str, default="wide")
        if fmt not in ("wide", "long"):
            self.problems.append(Problem("wave.yml", None, f"{key}.format", repr(fmt), "'wide' or 'long'"))
        match = self.get(f"{key}.match", "'name', 'id' or 'email'", str, default="name")
        if match not in MATCH_KEYS:
            self.problems.append(Problem("wave.yml", None, f"{key}.match", repr(match), "'name', 'id' or 'email'"))
        respondent_match = self.get(f"{key}.respondent_match", "'name', 'id' or 'email'", str, default=match)
        if respondent_match not in MATCH_KEYS:
            self.problems.append(Problem("wave.yml", None, f"{key}.respondent_match", repr(respondent_match),
                                         "'name', 'id' or 'email'"))
        long = fmt == "long"
        header_row = self.whole(f"{key}.header_row", "the spreadsheet row of the column headers (1 or more)", default=1)
        return Question(
            file=self.get(f"{key}.file", "the export's file name", str) or "",
            format=fmt,
            respondent_column=self.get(f"{key}.respondent_column", "the column naming the respondent", str) or "",
            match=match,
            text=str(self.get(f"{key}.question", "the question's wording", default="")).strip(),
            scale=self.scale(f"{key}.scale"),
            sheet=self.sheet(f"{key}.sheet"),
            target_column=self.get(f"{key}.target_column", "the column naming the rated member", str)
            if long and key == "relations" else None,
            rating_column=self.get(f"{key}.rating_column", "the column holding the rating", str)
            if long and key == "relations" else None,
            header_row=header_row or 1,
            skip_rows=self.rows(f"{key}.skip_rows", header_row),
            ignore_columns=self.texts(f"{key}.ignore_columns", "a list of column headers"),
            dont_know=self.texts(f"{key}.dont_know", "a list of answers"),
            member_columns=self.patterns(f"{key}.member_columns"),
            labels=self.labels(f"{key}.labels"),
            respondent_match=respondent_match,
        )

    def patterns(self, path: str) -> tuple[str, ...]:
        """A column pattern or a list of them (a single text is a list of one)."""
        value = self.get(path, "a list of column headers or patterns", default=None)
        if isinstance(value, str):
            return (value,)
        return self.texts(path, "a list of column headers or patterns") if value is not None else ()

    def labels(self, path: str) -> Labels | None:
        """``labels``: a codebook file name, or a mapping with file, sheet and its column names."""
        value = self.get(path, "a codebook file, or a mapping with file, sheet and columns", default=None)
        if value is None:
            return None
        if isinstance(value, str):
            value = {"file": value}
        expected = "a mapping of file, sheet, variable_column, value_column, label_column"
        if not isinstance(value, dict) or not set(value) <= {"file", "sheet", "variable_column", "value_column",
                                                           "label_column"}:
            self.problems.append(Problem("wave.yml", None, path, repr(value), expected))
            return None
        texts = {k: v for k, v in value.items() if k != "sheet"}
        bad = [k for k, v in texts.items() if not isinstance(v, str) or not v.strip()]
        if bad:
            self.problems.append(Problem("wave.yml", None, f"{path}.{bad[0]}", repr(value[bad[0]]), "a text"))
            return None
        file = texts.get("file")
        if file is not None and (Path(file).is_absolute() or ".." in Path(file).parts or "\\" in file):
            self.problems.append(Problem("wave.yml", None, f"{path}.file", repr(file),
                                         "a file in the wave folder, named relative to it (no '..')"))
            return None
        return Labels(sheet=self.sheet(f"{path}.sheet"), **texts)


def load_wave(folder: str | Path) -> WaveSpec:
    """Read and check a wave folder's ``wave.yml``.

    Parameters
    ----------
    folder : str or Path
        The wave folder.

    Returns
    -------
    WaveSpec

    Raises
    ------
    SurveyError
        The folder or its ``wave.yml`` is missing or is not valid YAML.
    ValidationError
        Keys are missing or have the wrong kind of value (all such problems are listed).
    """
    folder = Path(folder)
    data = _read_settings(folder)
    r = _Reader(data)
    wave_id = _wave_id(r, folder)
    date = _closing(r)
    roster = _roster(r)
    relations = r.question("relations")
    external = r.question("external")
    if external.format != "wide":
        r.problems.append(Problem("wave.yml", None, "external.format", repr(external.format),
                                  "'wide': one row per respondent, one column per partner type"))
    threshold = _tie_threshold(r, relations)
    _check_match_columns(r, roster["columns"], relations, external)
    partners = _partners(r)
    dont_know = r.texts("external.dont_know", "a list of answers")
    _check_dont_know(r, relations, external)
    translations = r.translations({"relations": relations.scale, "external": external.scale})
    min_group = r.whole("privacy.min_group_size", "a whole number >= 1", default=3)
    seminar = _seminar(r)
    name = r.get("name", "a display name", default=wave_id)
    if name is None or isinstance(name, (dict, list)):
        r.problems.append(Problem("wave.yml", None, "name", repr(name), "a display name"))
    r.problems += wave_problems(name, {"relations": relations, "external": external}, partners, roster["file"],
                                roster["columns"], translations)
    r.problems += file_problems(folder, {"roster.file": roster["file"], "relations.file": relations.file,
                                         "external.file": external.file})
    if r.problems:
        raise ValidationError(r.problems)
    return WaveSpec(
        folder=folder,
        id=wave_id,
        name=str(name),
        date=date,
        previous=None if data.get("previous") is None else str(data["previous"]),
        roster_file=roster["file"],
        roster_columns={k: str(v) for k, v in roster["columns"].items()},
        roster_values={k: {str(a): b for a, b in (v or {}).items()} for k, v in roster["values"].items()},
        relations=relations,
        tie_threshold=int(threshold),
        external=external,
        dont_know=dont_know,
        partners=tuple(partners),
        min_group_size=int(min_group),
        raw=data,
        roster_sheet=roster["sheet"],
        roster_header_row=roster["header_row"] or 1,
        roster_skip_rows=roster["skip_rows"],
        translations=translations,
        seminar=seminar,
    )


def _read_settings(folder: Path) -> dict:
    """The parsed ``wave.yml`` of ``folder``: a mapping, or a SurveyError / ValidationError."""
    path = folder / "wave.yml"
    if not path.is_file():
        raise SurveyError(f"{folder}: no wave.yml here; a wave folder holds the raw export files and a wave.yml")
    try:
        data = safeyaml.load_file(path, "wave.yml")
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise SurveyError(f"{path}: not readable as UTF-8 YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ValidationError([Problem("wave.yml", None, None, repr(data), "a mapping of settings")])
    return data


def _wave_id(r: _Reader, folder: Path) -> str:
    """``id``: a plain folder name (the folder's own name when missing)."""
    wave_id = r.get("id", "a short wave id such as \"2019-02\"")
    wave_id = folder.name if wave_id is None or isinstance(wave_id, (dict, list)) else str(wave_id)
    if not WAVE_ID.fullmatch(wave_id) or ".." in wave_id:
        r.problems.append(Problem("wave.yml", None, "id", repr(wave_id),
                                  "a short id of letters, digits, '-', '_' or '.' (it names the build folder)"))
    return wave_id


def _closing(r: _Reader):
    """``date``: the day the survey closed, as a date (or as found, with a problem)."""
    date = r.get("date", "a date such as 2019-02-22")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            r.problems.append(Problem("wave.yml", None, "date", repr(date), "a date such as 2019-02-22"))
    elif date is not None and not isinstance(date, dt.date):
        r.problems.append(Problem("wave.yml", None, "date", repr(date), "a date such as 2019-02-22"))
    return date


def _seminar(r: _Reader) -> dict:
    """``seminar`` (optional): the cover's name, date and sender, and the job visits' dates.

    Returns the keys given, with dates as ISO text (a visit stage may be a month,
    ``2019-03``); every wrong value is a problem naming its key.
    """
    raw = r.get("seminar", "a mapping with name, date, sender and visits", dict, default={}) or {}
    out: dict = {}
    allowed = (*SEMINAR_TEXTS, "date", "visits")
    for key, value in raw.items():
        where = f"seminar.{key}"
        if key not in allowed:
            r.problems.append(Problem("wave.yml", None, where, repr(value), f"one of {', '.join(allowed)}"))
        elif key in SEMINAR_TEXTS:
            if isinstance(value, str) and value.strip():
                out[key] = " ".join(value.split())
            else:
                r.problems.append(Problem("wave.yml", None, where, repr(value), "a text"))
        elif key == "date":
            day = _iso_day(value)
            if day is None:
                r.problems.append(Problem("wave.yml", None, where, repr(value), "a date such as 2019-03-07"))
            else:
                out["date"] = day
        else:
            if not isinstance(value, dict):
                r.problems.append(Problem("wave.yml", None, where, repr(value),
                                          f"a mapping with {', '.join(VISIT_STAGES)}"))
                continue
            visits = {}
            for stage, when in value.items():
                found = _iso_day(when) or _iso_month(when)
                if stage not in VISIT_STAGES:
                    r.problems.append(Problem("wave.yml", None, f"{where}.{stage}", repr(when),
                                              f"one of {', '.join(VISIT_STAGES)}"))
                elif found is None:
                    r.problems.append(Problem("wave.yml", None, f"{where}.{stage}", repr(when),
                                              "a date such as 2019-03-04 or a month such as 2019-03"))
                else:
                    visits[stage] = found
            out["visits"] = visits
    return out


def _iso_day(value) -> str | None:
    """A date (or ISO date text) as ISO text; None if it is not one."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return None
    return None


def _iso_month(value) -> str | None:
    """A month written ``2019-03`` as that text; None if it is not one.

    Examples
    --------
    >>> _iso_month("2019-03"), _iso_month("2019-13"), _iso_month(201903)
    ('2019-03', None, None)
    """
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.strptime(value.strip(), "%Y-%m").strftime("%Y-%m")
    except ValueError:
        return None


def _roster(r: _Reader) -> dict:
    """The ``roster`` section: file, columns, where the table is, and value mappings."""
    columns = _roster_columns(r)
    settings = {"columns": columns, "file": r.get("roster.file", "the roster's file name", str)}
    settings["header_row"] = r.whole("roster.header_row", "the spreadsheet row of the column headers (1 or more)",
                                     default=1)
    settings["skip_rows"] = r.rows("roster.skip_rows", settings["header_row"])
    settings["sheet"] = r.sheet("roster.sheet")
    settings["values"] = _roster_values(r)
    return settings


def _roster_columns(r: _Reader) -> dict:
    """``roster.columns``: every required field mapped, no unknown field, every header a text."""
    columns = r.get("roster.columns", "roster field -> export column", dict) or {}
    for key in REQUIRED_ROSTER_FIELDS:
        if key not in columns:
            r.problems.append(Problem("wave.yml", None, f"roster.columns.{key}", "nothing", "the roster's column for " + key))
    for key, column in columns.items():
        if key not in ROSTER_FIELDS:
            r.problems.append(Problem("wave.yml", None, f"roster.columns.{key}", "an unknown roster field",
                                      "one of " + ", ".join(ROSTER_FIELDS)))
        elif column is None or isinstance(column, (dict, list, bool)) or not str(column).strip():
            r.problems.append(Problem("wave.yml", None, f"roster.columns.{key}", repr(column), "a column header"))
    return columns


def _roster_values(r: _Reader) -> dict:
    """``roster.values``: export value -> tidy value for gender, role and answered."""
    values = r.get("roster.values", "export value -> tidy value, per field", dict, default={}) or {}
    for key, mapping in values.items():
        if key not in ("gender", "role", "answered"):
            r.problems.append(Problem("wave.yml", None, f"roster.values.{key}", "an unknown field", "gender, role or answered"))
        elif mapping is not None and not isinstance(mapping, dict):
            r.problems.append(Problem("wave.yml", None, f"roster.values.{key}", repr(mapping), "export value -> tidy value"))
    values = {k: v for k, v in values.items() if k in ("gender", "role", "answered") and isinstance(v, dict)}
    for key, allowed in (("gender", GENDERS), ("role", ROLES), ("answered", (True, False))):
        for raw_value, tidy in (values.get(key) or {}).items():
            if tidy not in allowed or (key != "answered" and not isinstance(tidy, str)) or (
                    key == "answered" and not isinstance(tidy, bool)):
                r.problems.append(
                    Problem("wave.yml", None, f"roster.values.{key}.{raw_value}", repr(tidy),
                            " or ".join(map(str, allowed)).replace("True or False", "true or false"))
                )
    return values


def _tie_threshold(r: _Reader, relations: Question) -> int | None:
    """``relations.tie_threshold``: one of the relation scale's codes."""
    threshold = r.whole("relations.tie_threshold", "the lowest rating that makes a tie", least=-(10**9))
    if threshold is not None and relations.scale and threshold not in relations.scale:
        r.problems.append(
            Problem("wave.yml", None, "relations.tie_threshold", str(threshold), f"one of the scale's codes {sorted(relations.scale)}")
        )
    return threshold


def _check_match_columns(r: _Reader, columns: dict, relations: Question, external: Question) -> None:
    """Matching by name or by e-mail needs the roster's column of names or e-mail addresses."""
    for field_, other in (("name", "id"), ("email", "name")):
        if field_ in columns:
            continue
        for key, question in (("relations", relations), ("external", external)):
            setting = "match" if question.match == field_ else "respondent_match"
            if field_ == getattr(question, setting):
                what = "name column" if field_ == "name" else "column of e-mail addresses"
                r.problems.append(Problem("wave.yml", None, f"roster.columns.{field_}", "nothing",
                                          f"the roster's {what}: {key}.{setting} is '{field_}' "
                                          f"(or set {setting}: {other})"))
                break


def _partners(r: _Reader) -> list[Partner]:
    """``external.partners``: id, column, da and en of each partner type; ids and columns distinct."""
    partners: list[Partner] = []
    for i, p in enumerate(r.get("external.partners", "a list of partner types", list) or []):
        missing = [k for k in ("id", "column", "da", "en") if not isinstance(p, dict) or k not in p
                   or p[k] is None or isinstance(p[k], (dict, list))]
        if missing:
            r.problems.append(Problem("wave.yml", None, f"external.partners[{i}]", repr(p), "keys id, column, da, en"))
            continue
        partner = Partner(str(p["id"]), str(p["column"]), str(p["da"]), str(p["en"]))
        for attr in ("id", "column"):
            if any(getattr(q, attr) == getattr(partner, attr) for q in partners):
                r.problems.append(Problem("wave.yml", None, f"external.partners[{i}].{attr}", repr(getattr(partner, attr)),
                                          f"a different {attr} for every partner type"))
        partners.append(partner)
    return partners


def _check_dont_know(r: _Reader, relations: Question, external: Question) -> None:
    """A "don't know" answer must not also be a label or code of the question's scale."""
    for key, question in (("relations", relations), ("external", external)):
        labels = {" ".join(v.split()).casefold() for v in question.scale.values()} | {str(k) for k in question.scale}
        clash = [x for x in question.dont_know if " ".join(x.split()).casefold() in labels]
        if clash:
            r.problems.append(Problem("wave.yml", None, f"{key}.dont_know", repr(clash[0]),
                                      "answers that are not also on the scale"))


def file_problems(folder: Path, files: dict[str, str | None]) -> list[Problem]:
    """Problems for ``file:`` settings that lead out of the wave folder.

    A wave reads only files in its own folder: an absolute path, a ``..`` step or a
    link that resolves outside it is refused before anything is read, so that no
    message can quote a file from elsewhere (a key, a system file).

    Parameters
    ----------
    folder : Path
        The wave folder.
    files : dict
        Setting (``"roster.file"``) -> the file it names.

    Examples
    --------
    >>> [p.column for p in file_problems(Path("."), {"roster.file": "../key.csv", "relations.file": "r.csv",
    ...                                              "external.file": "/etc/passwd"})]
    ['roster.file', 'external.file']
    """
    problems = []
    base = Path(folder).resolve()
    for setting, file in files.items():
        if not file:
            continue
        target = (base / file).resolve()
        if Path(file).is_absolute() or ".." in Path(file).parts or not target.is_relative_to(base) or target == base:
            problems.append(Problem("wave.yml", None, setting, repr(file),
                                    "a file in the wave folder (a name such as roster.csv; no folder outside it)"))
    return problems


def duplicate_ids(spec: WaveSpec) -> list[Path]:
    """Other wave folders beside ``spec``'s whose ``wave.yml`` gives the same ``id``.

    A wave folder copied for the next survey keeps the old ``id`` until it is edited;
    two waves with one id would share a build folder and be compared with each other.

    Parameters
    ----------
    spec : WaveSpec
        The wave; the folders beside ``spec.folder`` are searched.

    Returns
    -------
    list of Path
        The other wave folders giving ``spec.id``, sorted; folders whose ``wave.yml``
        cannot be read are skipped.
    """
    same = []
    for sibling in sorted(spec.folder.parent.iterdir()):
        if sibling.resolve() == spec.folder.resolve() or not (sibling / "wave.yml").is_file():
            continue
        try:
            data = safeyaml.load_file(sibling / "wave.yml")
        except (OSError, SurveyError, yaml.YAMLError, UnicodeDecodeError, ValueError):
            continue
        if isinstance(data, dict) and str(data.get("id", sibling.name)) == spec.id:
            same.append(sibling)
    return same


def check_unique_id(spec: WaveSpec) -> None:
    """Refuse a wave whose ``id`` another wave folder beside it also gives, naming both folders.

    Parameters
    ----------
    spec : WaveSpec
        The wave to check.

    Raises
    ------
    SurveyError
        Another wave folder beside it gives the same ``id`` (see :func:`duplicate_ids`).
    """
    same = duplicate_ids(spec)
    if same:
        raise SurveyError(f"{spec.folder} and {same[0]} both give the wave id {spec.id!r} (a copied wave.yml?): "
                          "each wave needs its own id, which names its build folder; edit id in the newer one's "
                          "wave.yml")


#: The visit pairs formed after a wave, recorded beside its raw files (``forum-network pairs``
#: writes the proposal as a file of this name to start from).
VISIT_PAIRS_FILE = "visit-pairs.csv"
#: ``previous: auto`` in ``wave.yml``: compare with the latest earlier wave beside this one.
AUTO_PREVIOUS = "auto"


def _closing_date(folder: Path) -> dt.date | None:
    """A wave folder's closing date as its ``wave.yml`` states it, or None if unreadable."""
    try:
        date = safeyaml.load_file(folder / "wave.yml").get("date")
        return date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
    except (OSError, SurveyError, yaml.YAMLError, UnicodeDecodeError, AttributeError, TypeError, ValueError):
        return None


def previous_by_date(spec: WaveSpec) -> Path | None:
    """The wave folder beside ``spec``'s that closed last before it, or None.

    What ``previous: auto`` in ``wave.yml`` means: of the sibling folders that hold a
    ``wave.yml`` with a readable ``date``, the one with the latest date before
    ``spec.date``. A wave folder copied for the next survey thus keeps comparing with
    the one before it, and the first wave of a series is compared with nothing.

    Parameters
    ----------
    spec : WaveSpec
        The wave whose predecessor is wanted.

    Returns
    -------
    Path or None
        The predecessor's folder; None when no sibling closed earlier.
    """
    earlier = []
    for sibling in sorted(spec.folder.parent.iterdir()):
        if sibling.resolve() == spec.folder.resolve() or not (sibling / "wave.yml").is_file():
            continue
        date = _closing_date(sibling)
        if date is not None and date < spec.date:
            earlier.append((date, sibling.name, sibling))
    return max(earlier)[2] if earlier else None


def locate(wave: str | Path, build: str | Path = "build") -> tuple[WaveSpec, Path]:
    """The settings and build folder of a wave given as an id or a folder.

    Parameters
    ----------
    wave : str or Path
        A wave id (under ``data/raw`` or ``data/example``) or a wave folder
        (:func:`helpers.paths.find_wave`).
    build : str or Path
        The build folder (relative paths are taken from the project root).

    Returns
    -------
    (WaveSpec, Path)
        The wave's settings and its build folder (``build/<wave id>``).

    Raises
    ------
    SurveyError
        No such wave, its ``wave.yml`` is faulty, or another wave folder beside it gives the same id.
    """
    from helpers.paths import build_dir, find_wave

    spec = load_wave(find_wave(wave))
    check_unique_id(spec)
    return spec, build_dir(spec.id, build)


def previous_wave(spec: WaveSpec, previous: str | Path | None = None,
                  build: str | Path = "build") -> tuple[WaveSpec, Path] | None:
    """The wave to compare with, as ``(WaveSpec, build folder)``; None if there is none.

    ``previous`` if given, else the one ``wave.yml`` names. A name is looked up beside
    the wave's own folder first, then as :func:`helpers.paths.find_wave` does;
    ``"auto"`` means the latest earlier wave beside this one (:func:`previous_by_date`),
    and none when there is no earlier one.

    Parameters
    ----------
    spec : WaveSpec
        The wave.
    previous : str or Path, optional
        The wave to compare with, overriding ``wave.yml``.
    build : str or Path
        The build folder.

    Returns
    -------
    (WaveSpec, Path) or None

    Raises
    ------
    SurveyError
        The wave named cannot be found, or did not close before this one.
    """
    name = previous if previous is not None else spec.previous
    if name is None:
        return None
    if str(name) == AUTO_PREVIOUS:
        found = previous_by_date(spec)
        return None if found is None else locate(found, build)
    beside = spec.folder.parent / str(name)
    try:
        spec_a, folder_a = locate(beside if (beside / "wave.yml").is_file() else name, build)
    except SurveyError as exc:
        raise SurveyError(f"{spec.id} names {name!r} as its previous wave, but: {exc}") from exc
    if spec_a.date >= spec.date:
        raise SurveyError(f"{spec.id} (closed {spec.date}) cannot be compared with {spec_a.id} as its previous wave: "
                          f"that wave closed {spec_a.date}, not before")
    return spec_a, folder_a


def wave_text(meta: dict, lang: str, *path: str) -> Any:
    """A text of the wave in the handout's language: its translation if ``wave.yml`` gives
    one (``translations.<lang>.<path>``), else as the survey had it (``<path>``).

    Parameters
    ----------
    meta : dict
        The wave's description as ingest writes it (``tidy/wave.json``).
    lang : str
        The handout's language.
    *path : str
        Keys to the text, e.g. ``"name"`` or ``"relations", "scale"``.

    Returns
    -------
    object
        The text (or mapping of texts), or None when neither has it.

    Examples
    --------
    >>> meta = {"name": "Bølge 1", "relations": {"scale": {"0": "Aldrig"}},
    ...         "translations": {"en": {"name": "Wave 1"}}}
    >>> wave_text(meta, "en", "name"), wave_text(meta, "da", "name"), wave_text(meta, "en", "relations", "scale")
    ('Wave 1', 'Bølge 1', {'0': 'Aldrig'})
    """
    def walk(node: Any) -> Any:
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        return node

    found = walk((meta.get("translations") or {}).get(lang))
    return found if found is not None else walk(meta)
