"""Turn a wave's raw export into validated, pseudonymised tidy tables.

:func:`tidy_wave` reads the roster, the relation question and the external-relations
question as ``wave.yml`` describes them, checks every rule below, and collects every
problem before failing, so that one run tells the user everything to fix:

- a mapping in ``wave.yml`` that names a column the file lacks;
- an empty, header-only or unreadable file;
- duplicate member ids; a roster member without gender, role or department, or with a
  value ``wave.yml`` does not map;
- a relation or rating naming an unknown member; a respondent missing from the roster;
  a respondent who answered twice;
- self-ties; a rating outside the declared scale;
- an "answered" flag that contradicts the data.

Tidy tables use English snake_case columns and pseudonymous member ids; names stay here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from . import __version__
from .errors import Problem, ValidationError
from .pseudonym import load_secret, pseudonym
from .readers import RawTable, UnreadableFile, normalise_text, parse_number, read_table
from .wave import ROSTER_FIELDS, WaveSpec

MEMBER_COLUMNS = ["member_id", "gender", "role", "department", "answered"]
RELATION_COLUMNS = ["source", "target", "rating"]
EXTERNAL_COLUMNS = ["member_id", "partner", "rating", "status"]


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


class _Collector:
    def __init__(self, spec: WaveSpec):
        self.spec = spec
        self.problems: list[Problem] = []

    def add(self, *args) -> None:
        self.problems.append(Problem(*args))

    def read(self, file: str, sheet=None) -> RawTable | None:
        path = self.spec.folder / file
        if not path.is_file():
            self.add(file, None, None, "no such file", f"the export named in wave.yml, in {self.spec.folder}")
            return None
        try:
            return read_table(path, sheet)
        except UnreadableFile as exc:
            self.problems.append(exc.problem)
            return None

    def require_columns(self, table: RawTable, columns: dict[str, str]) -> bool:
        ok = True
        for setting, column in columns.items():
            if column not in table.frame.columns:
                self.add(table.file, 1, column, "no such column",
                         f"the column that wave.yml's {setting} names (columns are: {', '.join(table.frame.columns)})")
                ok = False
        return ok


def _scale_lookup(scale: dict[int, str]) -> dict[str, int]:
    lookup = {_key(label): code for code, label in scale.items()}
    lookup.update({str(code): code for code in scale})
    return lookup


def _parse_rating(text: str, lookup: dict[str, int]) -> int | None:
    if _key(text) in lookup:
        return lookup[_key(text)]
    number = parse_number(text)
    if number is not None and number.is_integer() and str(int(number)) in lookup:
        return int(number)
    return None


def _describe_scale(scale: dict[int, str]) -> str:
    return "one of " + ", ".join(f"{code} ({label})" for code, label in scale.items())


def _read_roster(c: _Collector) -> pd.DataFrame | None:
    spec = c.spec
    table = c.read(spec.roster_file)
    if table is None or not c.require_columns(table, {f"roster.columns.{k}": v for k, v in spec.roster_columns.items()}):
        return None
    f, cols = table.frame, spec.roster_columns
    rows = []
    seen: dict[str, int] = {}
    for number, row in f.iterrows():
        record = {"row": number}
        for key in ROSTER_FIELDS:
            if key not in cols:
                continue
            raw = row[cols[key]]
            record[key] = raw
            if key == "name":
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
        mid = normalise_text(row[cols["member_id"]])
        if mid:
            if mid in seen:
                c.add(table.file, number, cols["member_id"], repr(mid), f"a unique member id (row {seen[mid]} has it too)")
            seen.setdefault(mid, number)
        rows.append(record)
    return pd.DataFrame(rows)


SKIP = "\0skip"


class _Members:
    """Resolve how an export names a member (by name or by id) to the roster's member id."""

    def __init__(self, roster: pd.DataFrame):
        ids = [normalise_text(m) for m in roster["member_id"]]
        dupes = {m for m in ids if ids.count(m) > 1}
        # Members whose id is not unique are reported by the roster check; answers about
        # them are skipped rather than reported again as self-ties or double answers.
        self.by_id = {m: (SKIP if m in dupes else m) for m in ids if m}
        self.by_name: dict[str, str] = {}
        if "name" in roster:
            for name, mid in zip(roster["name"], ids):
                if name and mid:
                    self.by_name[_key(name)] = SKIP if mid in dupes else mid

    def resolve(self, text: str, match: str) -> str | None:
        """The member id, None if unknown, or SKIP if the roster's id for it is not unique."""
        return self.by_name.get(_key(text)) if match == "name" else self.by_id.get(normalise_text(text))


def _respondent_rows(c: _Collector, table: RawTable, question, members: _Members, seen: dict):
    """Yield (spreadsheet row, member id, row) for each resolvable respondent row."""
    col = question.respondent_column
    for number, row in table.frame.iterrows():
        who = row[col]
        mid = members.resolve(who, question.match) if who else None
        if mid is None:
            found = "an empty cell" if not who else repr(who)
            c.add(table.file, number, col, found, f"a respondent in the roster (matched by {question.match})")
            continue
        if mid == SKIP:
            continue
        key = (table.file, mid)
        if key in seen:
            c.add(table.file, number, col, repr(who), f"one row per respondent (row {seen[key]} is the same person)")
            continue
        seen[key] = number
        yield number, mid, row


def _read_relations(c: _Collector, members: _Members, seen: dict) -> list[dict] | None:
    q = c.spec.relations
    table = c.read(q.file, q.sheet)
    if table is None:
        return None
    lookup = _scale_lookup(q.scale)
    out: list[dict] = []
    if q.format == "long":
        if not c.require_columns(table, {"relations.respondent_column": q.respondent_column,
                                         "relations.target_column": q.target_column,
                                         "relations.rating_column": q.rating_column}):
            return None
        for number, row in table.frame.iterrows():
            src = members.resolve(row[q.respondent_column], q.match)
            dst = members.resolve(row[q.target_column], q.match)
            if src is None:
                c.add(table.file, number, q.respondent_column, repr(row[q.respondent_column]), "a respondent in the roster")
            if dst is None:
                c.add(table.file, number, q.target_column, repr(row[q.target_column]), "a member in the roster")
            if src is None or dst is None or SKIP in (src, dst):
                continue
            out.extend(_rating_cell(c, table.file, number, q.rating_column, row[q.rating_column], src, dst, lookup, q.scale))
        keys = [(r["source"], r["target"]) for r in out]
        for r, k in zip(out, keys):
            if keys.count(k) > 1 and r is out[keys.index(k)]:
                c.add(table.file, r["row"], None, "the same respondent and member twice", "one rating per pair")
        return out
    if not c.require_columns(table, {"relations.respondent_column": q.respondent_column}):
        return None
    targets = {}
    for column in table.frame.columns:
        if column == q.respondent_column:
            continue
        mid = members.resolve(column, q.match)
        if mid is None:
            c.add(table.file, 1, column, "a column for an unknown member", f"a roster member's {q.match} as header")
        elif mid != SKIP:
            targets[column] = mid
    for number, src, row in _respondent_rows(c, table, q, members, seen):
        for column, dst in targets.items():
            out.extend(_rating_cell(c, table.file, number, column, row[column], src, dst, lookup, q.scale))
    return out


def _rating_cell(c, file, number, column, text, src, dst, lookup, scale) -> list[dict]:
    if text == "":
        return []
    if src == dst:
        c.add(file, number, column, repr(text), "an empty cell: a respondent does not rate themselves")
        return []
    rating = _parse_rating(text, lookup)
    if rating is None:
        c.add(file, number, column, repr(text), _describe_scale(scale))
        return []
    return [{"source": src, "target": dst, "rating": rating, "row": number}]


def _read_external(c: _Collector, members: _Members, seen: dict) -> list[dict] | None:
    spec, q = c.spec, c.spec.external
    table = c.read(q.file, q.sheet)
    if table is None:
        return None
    columns = {"external.respondent_column": q.respondent_column}
    columns.update({f"external.partners[{p.id}].column": p.column for p in spec.partners})
    if not c.require_columns(table, columns):
        return None
    lookup = _scale_lookup(q.scale)
    dont_know = {_key(x) for x in spec.dont_know}
    out = []
    for number, mid, row in _respondent_rows(c, table, q, members, seen):
        for p in spec.partners:
            text = row[p.column]
            record = {"member_id": mid, "partner": p.id, "rating": float("nan"), "row": number}
            if text == "":
                record["status"] = "blank"
            elif _key(text) in dont_know:
                record["status"] = "dont_know"
            else:
                rating = _parse_rating(text, lookup)
                if rating is None:
                    c.add(table.file, number, p.column, repr(text),
                          _describe_scale(q.scale) + (", or " + " / ".join(spec.dont_know) if spec.dont_know else ""))
                    continue
                record.update(status="answered", rating=float(rating))
            out.append(record)
    return out


def _check_answered(c: _Collector, roster: pd.DataFrame, relations: list[dict], external: list[dict]) -> None:
    spec = c.spec
    col = spec.roster_columns["answered"]
    gave = {r["source"] for r in relations}
    rows_ext = {r["member_id"]: r["row"] for r in external if r["status"] != "blank"}
    first_rel = {}
    for r in relations:
        first_rel.setdefault(r["source"], r["row"])
    ids = [normalise_text(m) for m in roster["member_id"]]
    for _, m in roster.iterrows():
        flag, mid = m.get("answered"), normalise_text(m["member_id"])
        if not isinstance(flag, bool) or ids.count(mid) > 1:
            continue
        if flag and mid not in gave:
            c.add(spec.roster_file, m["row"], col, repr(m[col] if col in m else flag),
                  f"the 'not answered' value: {spec.relations.file} holds no rating from this member")
        if not flag and mid in gave:
            c.add(spec.relations.file, first_rel[mid], spec.relations.respondent_column, "ratings from this member",
                  f"no ratings: {spec.roster_file} row {m['row']} says the member did not answer")
        elif not flag and mid in rows_ext:
            c.add(spec.external.file, rows_ext[mid], spec.external.respondent_column, "ratings from this member",
                  f"no ratings: {spec.roster_file} row {m['row']} says the member did not answer")


def input_hash(spec: WaveSpec) -> str:
    """SHA-256 over the wave's input files (name and bytes), in a fixed order."""
    h = hashlib.sha256()
    for path in spec.input_files():
        if path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def tidy_wave(spec: WaveSpec, secret: bytes | None = None) -> TidyWave:
    """Read, check and pseudonymise one wave.

    Parameters
    ----------
    spec : WaveSpec
        The wave, from :func:`helpers.wave.load_wave`.
    secret : bytes, optional
        Pseudonym key (default: :func:`helpers.pseudonym.load_secret`).

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
    members = _Members(roster) if roster is not None else None
    seen: dict = {}
    relations = _read_relations(c, members, seen) if members else c.read(spec.relations.file) and None
    external = _read_external(c, members, seen) if members else c.read(spec.external.file) and None
    if roster is not None and relations is not None and external is not None:
        _check_answered(c, roster, relations, external)
    if c.problems:
        raise ValidationError(c.problems)

    secret = load_secret() if secret is None else secret
    alias = {normalise_text(m): pseudonym(m, secret) for m in roster["member_id"]}
    if len(set(alias.values())) != len(alias):  # 8 hex digits: practically never
        raise ValidationError([Problem(spec.roster_file, None, None, "two member ids with the same pseudonym",
                                       "distinct pseudonyms; rerun with a new pseudonym key")])
    members_df = pd.DataFrame({
        "member_id": [alias[normalise_text(m)] for m in roster["member_id"]],
        "gender": roster["gender"], "role": roster["role"],
        "department": roster["department"], "answered": roster["answered"].astype(bool),
    })[MEMBER_COLUMNS].sort_values("member_id", ignore_index=True)
    rel = pd.DataFrame(relations, columns=RELATION_COLUMNS + ["row"])
    rel = pd.DataFrame({"source": rel["source"].map(alias), "target": rel["target"].map(alias),
                        "rating": rel["rating"].astype("int64")}).sort_values(["source", "target"], ignore_index=True)
    order = {p.id: i for i, p in enumerate(spec.partners)}
    ext = pd.DataFrame(external, columns=EXTERNAL_COLUMNS + ["row"])
    ext = pd.DataFrame({"member_id": ext["member_id"].map(alias), "partner": ext["partner"],
                        "rating": ext["rating"].astype(float), "status": ext["status"]})
    ext = ext.sort_values(["member_id", "partner"], key=lambda s: s.map(order) if s.name == "partner" else s,
                          ignore_index=True)
    n_resp = int(members_df["answered"].sum())
    meta = {
        "wave": spec.id, "name": spec.name, "date": spec.date.isoformat(), "previous": spec.previous,
        "relations": {"question": spec.relations.text, "scale": {str(k): v for k, v in spec.relations.scale.items()},
                      "tie_threshold": spec.tie_threshold,
                      "blank_cells": int(n_resp * (len(members_df) - 1) - len(rel))},
        "external": {"question": spec.external.text, "scale": {str(k): v for k, v in spec.external.scale.items()},
                     "partners": [{"id": p.id, "da": p.da, "en": p.en} for p in spec.partners]},
        "min_group_size": spec.min_group_size,
        "input_sha256": input_hash(spec),
        "helpers_version": __version__,
    }
    return TidyWave(members_df, rel, ext, meta)
