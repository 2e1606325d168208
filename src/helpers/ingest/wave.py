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

__all__ = ["ROSTER_FIELDS", "REQUIRED_ROSTER_FIELDS", "GENDERS", "WAVE_ID", "ROLES", "Partner", "Question",
           "WaveSpec", "load_wave", "VISIT_PAIRS_FILE", "AUTO_PREVIOUS", "previous_by_date", "locate",
           "previous_wave", "wave_text"]

ROSTER_FIELDS = ("member_id", "name", "gender", "role", "department", "answered")
REQUIRED_ROSTER_FIELDS = ("member_id", "gender", "role", "department", "answered")
GENDERS = ("female", "male")
WAVE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
ROLES = ("director", "chief")


@dataclass(frozen=True)
class Partner:
    """One kind of external partner: stable id, the export's column, Danish and English labels."""

    id: str
    column: str
    da: str
    en: str

    def label(self, lang: str) -> str:
        """The label in ``lang`` ("da" or "en")."""
        return self.da if lang == "da" else self.en


@dataclass(frozen=True)
class Question:
    """One survey question as exported: file, layout, how members are named, answer scale.

    ``sheet``, ``header_row`` and ``skip_rows`` say where the table is (an XLSX sheet by
    name or number from 1; the spreadsheet row of the column headers; data rows to leave
    out). ``ignore_columns`` lists columns of a wide relations export that are not
    members (time stamps, respondent numbers). ``dont_know`` lists answers meaning
    "don't know".
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

    def partner_labels(self, lang: str) -> dict[str, str]:
        """Partner id -> label in ``lang``, in the handout's order."""
        return {p.id: p.label(lang) for p in self.partners}

    def input_files(self) -> list[Path]:
        """The wave's files that the analysis reads, ``wave.yml`` first."""
        names = ["wave.yml", self.roster_file, self.relations.file, self.external.file]
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
                else:
                    self.problems.append(Problem("wave.yml", None, f"{where}.{key}", repr(value),
                                                 "name (a text), relations or external (each with question and scale)"))
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
        match = self.get(f"{key}.match", "'name' or 'id'", str, default="name")
        if match not in ("name", "id"):
            self.problems.append(Problem("wave.yml", None, f"{key}.match", repr(match), "'name' or 'id'"))
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
        )


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
    path = folder / "wave.yml"
    if not path.is_file():
        raise SurveyError(f"{folder}: no wave.yml here; a wave folder holds the raw export files and a wave.yml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise SurveyError(f"{path}: not readable as UTF-8 YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ValidationError([Problem("wave.yml", None, None, repr(data), "a mapping of settings")])

    r = _Reader(data)
    wave_id = r.get("id", "a short wave id such as \"2019-02\"")
    wave_id = folder.name if wave_id is None or isinstance(wave_id, (dict, list)) else str(wave_id)
    if not WAVE_ID.fullmatch(wave_id) or ".." in wave_id:
        r.problems.append(Problem("wave.yml", None, "id", repr(wave_id),
                                  "a short id of letters, digits, '-', '_' or '.' (it names the build folder)"))
    date = r.get("date", "a date such as 2019-02-22")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            r.problems.append(Problem("wave.yml", None, "date", repr(date), "a date such as 2019-02-22"))
    elif date is not None and not isinstance(date, dt.date):
        r.problems.append(Problem("wave.yml", None, "date", repr(date), "a date such as 2019-02-22"))
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
    roster_file = r.get("roster.file", "the roster's file name", str)
    roster_header = r.whole("roster.header_row", "the spreadsheet row of the column headers (1 or more)", default=1)
    roster_skip = r.rows("roster.skip_rows", roster_header)
    roster_sheet = r.sheet("roster.sheet")
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
    relations = r.question("relations")
    external = r.question("external")
    if external.format != "wide":
        r.problems.append(Problem("wave.yml", None, "external.format", repr(external.format),
                                  "'wide': one row per respondent, one column per partner type"))
    threshold = r.whole("relations.tie_threshold", "the lowest rating that makes a tie", least=-(10**9))
    if threshold is not None and relations.scale and threshold not in relations.scale:
        r.problems.append(
            Problem("wave.yml", None, "relations.tie_threshold", str(threshold), f"one of the scale's codes {sorted(relations.scale)}")
        )
    if "name" not in columns:
        for key, question in (("relations", relations), ("external", external)):
            if question.match == "name":
                r.problems.append(Problem("wave.yml", None, "roster.columns.name", "nothing",
                                          f"the roster's name column: {key}.match is 'name' (or set match: id)"))
                break
    partners = []
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
    dont_know = r.texts("external.dont_know", "a list of answers")
    for key, question in (("relations", relations), ("external", external)):
        labels = {" ".join(v.split()).casefold() for v in question.scale.values()} | {str(k) for k in question.scale}
        clash = [x for x in question.dont_know if " ".join(x.split()).casefold() in labels]
        if clash:
            r.problems.append(Problem("wave.yml", None, f"{key}.dont_know", repr(clash[0]),
                                      "answers that are not also on the scale"))
    translations = r.translations({"relations": relations.scale, "external": external.scale})
    min_group = r.whole("privacy.min_group_size", "a whole number >= 1", default=3)
    name = r.get("name", "a display name", default=wave_id)
    if name is None or isinstance(name, (dict, list)):
        r.problems.append(Problem("wave.yml", None, "name", repr(name), "a display name"))
    if r.problems:
        raise ValidationError(r.problems)
    return WaveSpec(
        folder=folder,
        id=wave_id,
        name=str(name),
        date=date,
        previous=None if data.get("previous") is None else str(data["previous"]),
        roster_file=roster_file,
        roster_columns={k: str(v) for k, v in columns.items()},
        roster_values={k: {str(a): b for a, b in (v or {}).items()} for k, v in values.items()},
        relations=relations,
        tie_threshold=int(threshold),
        external=external,
        dont_know=dont_know,
        partners=tuple(partners),
        min_group_size=int(min_group),
        raw=data,
        roster_sheet=roster_sheet,
        roster_header_row=roster_header or 1,
        roster_skip_rows=roster_skip,
        translations=translations,
    )


#: The visit pairs formed after a wave, recorded beside its raw files (``forum-network pairs``
#: writes the proposal as a file of this name to start from).
VISIT_PAIRS_FILE = "visit-pairs.csv"
#: ``previous: auto`` in ``wave.yml``: compare with the latest earlier wave beside this one.
AUTO_PREVIOUS = "auto"


def _closing_date(folder: Path) -> dt.date | None:
    """A wave folder's closing date as its ``wave.yml`` states it, or None if unreadable."""
    try:
        date = yaml.safe_load((folder / "wave.yml").read_text(encoding="utf-8")).get("date")
        return date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
    except (OSError, yaml.YAMLError, UnicodeDecodeError, AttributeError, TypeError, ValueError):
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
        No such wave, or its ``wave.yml`` is faulty.
    """
    from helpers.paths import build_dir, find_wave

    spec = load_wave(find_wave(wave))
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
