"""A survey wave's settings, read from its ``wave.yml``.

A wave is one folder holding the raw export files as the survey tool delivered them and a
``wave.yml`` that says what was asked, on which scales, and how the export's columns map
onto members and partner types. ``data/README.md`` documents every key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, SurveyError, ValidationError

ROSTER_FIELDS = ("member_id", "name", "gender", "role", "department", "answered")
REQUIRED_ROSTER_FIELDS = ("member_id", "gender", "role", "department", "answered")
GENDERS = ("female", "male")
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
    """One survey question as exported: file, layout, how members are named, answer scale."""

    file: str
    format: str
    respondent_column: str
    match: str
    text: str
    scale: dict[int, str]
    sheet: str | int | None = None
    target_column: str | None = None
    rating_column: str | None = None


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

    def partner_labels(self, lang: str) -> dict[str, str]:
        """Partner id -> label in ``lang``, in the handout's order."""
        return {p.id: p.label(lang) for p in self.partners}

    def input_files(self) -> list[Path]:
        """The wave's files that the analysis reads, ``wave.yml`` first."""
        names = ["wave.yml", self.roster_file, self.relations.file, self.external.file]
        return [self.folder / n for n in dict.fromkeys(names)]


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
        if kind is not None and not isinstance(node, kind):
            self.problems.append(Problem("wave.yml", None, path, repr(node), expected))
            return None
        return node

    def scale(self, path: str) -> dict[int, str]:
        raw = self.get(path, "a mapping of whole-number codes to answer labels", dict)
        if not raw:
            return {}
        try:
            return {int(k): str(v) for k, v in sorted(raw.items(), key=lambda kv: int(kv[0]))}
        except (TypeError, ValueError):
            self.problems.append(
                Problem("wave.yml", None, path, repr(list(raw)), "whole-number codes as keys")
            )
            return {}

    def question(self, key: str) -> Question:
        fmt = self.get(f"{key}.format", "'wide' or 'long'", str, default="wide")
        if fmt not in ("wide", "long"):
            self.problems.append(Problem("wave.yml", None, f"{key}.format", repr(fmt), "'wide' or 'long'"))
        match = self.get(f"{key}.match", "'name' or 'id'", str, default="name")
        if match not in ("name", "id"):
            self.problems.append(Problem("wave.yml", None, f"{key}.match", repr(match), "'name' or 'id'"))
        long = fmt == "long"
        return Question(
            file=self.get(f"{key}.file", "the export's file name", str) or "",
            format=fmt,
            respondent_column=self.get(f"{key}.respondent_column", "the column naming the respondent", str) or "",
            match=match,
            text=str(self.get(f"{key}.question", "the question's wording", default="")).strip(),
            scale=self.scale(f"{key}.scale"),
            sheet=self.get(f"{key}.sheet", "a sheet name or number", default=None),
            target_column=self.get(f"{key}.target_column", "the column naming the rated member", str)
            if long and key == "relations" else None,
            rating_column=self.get(f"{key}.rating_column", "the column holding the rating", str)
            if long and key == "relations" else None,
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
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SurveyError(f"{path}: not readable as UTF-8 YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ValidationError([Problem("wave.yml", None, None, repr(data), "a mapping of settings")])

    r = _Reader(data)
    wave_id = str(r.get("id", "a short wave id such as \"2019-02\"") or folder.name)
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
    values = r.get("roster.values", "export value -> tidy value, per field", dict, default={}) or {}
    for key, allowed in (("gender", GENDERS), ("role", ROLES)):
        for raw_value, tidy in (values.get(key) or {}).items():
            if tidy not in allowed:
                r.problems.append(
                    Problem("wave.yml", None, f"roster.values.{key}.{raw_value}", repr(tidy), " or ".join(allowed))
                )
    relations = r.question("relations")
    external = r.question("external")
    threshold = r.get("relations.tie_threshold", "the lowest rating that makes a tie", int)
    if threshold is not None and relations.scale and threshold not in relations.scale:
        r.problems.append(
            Problem("wave.yml", None, "relations.tie_threshold", str(threshold), f"one of the scale's codes {sorted(relations.scale)}")
        )
    partners = []
    for i, p in enumerate(r.get("external.partners", "a list of partner types", list) or []):
        missing = [k for k in ("id", "column", "da", "en") if not isinstance(p, dict) or k not in p]
        if missing:
            r.problems.append(Problem("wave.yml", None, f"external.partners[{i}]", repr(p), "keys id, column, da, en"))
            continue
        partners.append(Partner(str(p["id"]), str(p["column"]), str(p["da"]), str(p["en"])))
    min_group = r.get("privacy.min_group_size", "a whole number >= 1", int, default=3)
    if r.problems:
        raise ValidationError(r.problems)
    return WaveSpec(
        folder=folder,
        id=wave_id,
        name=str(r.get("name", "a display name", default=wave_id)),
        date=date,
        previous=None if data.get("previous") is None else str(data["previous"]),
        roster_file=str(r.get("roster.file", "the roster's file name")),
        roster_columns={k: str(v) for k, v in columns.items()},
        roster_values={k: {str(a): b for a, b in (v or {}).items()} for k, v in values.items()},
        relations=relations,
        tie_threshold=int(threshold),
        external=external,
        dont_know=tuple(str(x) for x in (r.get("external.dont_know", "a list of answers", list, default=[]) or [])),
        partners=tuple(partners),
        min_group_size=int(min_group),
        raw=data,
    )
