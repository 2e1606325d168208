"""The job-visit pair file kept beside a wave: which members visited each other after it.

:func:`helpers.analysis.visit_effect.visit_effect` asks whether those visits formed ties
by the next wave; :func:`helpers.analysis.visits.propose_visits` writes such a file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.errors import Problem, ValidationError
from helpers.ingest.readers import UnreadableFile, read_csv
from helpers.ingest.wave import VISIT_PAIRS_FILE

__all__ = ["VISIT_PAIR_COLUMNS", "VISIT_PAIRS_FILE", "read_visit_pairs"]

#: Columns of the visit-pair file read by :func:`read_visit_pairs`.
VISIT_PAIR_COLUMNS = ("pair_id", "member_id")


def read_visit_pairs(path: str | Path) -> pd.DataFrame:
    """Read the job-visit pairs of a round (the file kept beside the following wave).

    The file is a CSV (UTF-8 or Windows-1252, comma or semicolon separated) with one row
    per member and pair::

        pair_id,member_id
        P01,k3f9a2c1
        P01,b7d0e4aa
        P02,...

    A pair has two members; one group of three (a trio) is allowed. Other columns are
    ignored, so a sheet with more information can be used as it is.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    pandas.DataFrame
        Columns ``pair_id, member_id`` (strings), sorted by ``pair_id`` then
        ``member_id``.

    Raises
    ------
    ValidationError
        With one :class:`~helpers.errors.Problem` (file, row, column, found, expected)
        for every problem: a missing column, an empty cell, a member listed more than
        once, a pair with other than two or three members.
    """
    path = Path(path)
    try:
        raw = read_csv(path)
    except UnreadableFile as exc:
        raise ValidationError([exc.problem]) from exc
    name, frame = raw.file, raw.frame
    missing = [c for c in VISIT_PAIR_COLUMNS if c not in frame.columns]
    if missing:
        raise ValidationError(
            [Problem(name, 1, c, f"headers {list(frame.columns)}", f"a column named {c!r}") for c in missing]
        )
    problems: list[Problem] = []
    first_row: dict[str, int] = {}
    members: dict[str, list[str]] = {}
    pair_row: dict[str, int] = {}
    for row, pair_id, member in zip(frame.index, frame["pair_id"], frame["member_id"]):
        row = int(row)
        if pair_id == "":
            problems.append(Problem(name, row, "pair_id", "an empty cell", "a pair id, e.g. P01"))
        if member == "":
            problems.append(Problem(name, row, "member_id", "an empty cell", "a member pseudonym"))
        if pair_id == "" or member == "":
            continue
        if member in first_row:
            problems.append(
                Problem(
                    name, row, "member_id", f"{member!r} again (first in row {first_row[member]})",
                    "each member in one pair only",
                )
            )  # fmt: skip
            continue
        first_row[member] = row
        members.setdefault(pair_id, []).append(member)
        pair_row.setdefault(pair_id, row)
    for pair_id, listed in members.items():
        if len(listed) not in (2, 3):
            problems.append(
                Problem(
                    name, pair_row[pair_id], "pair_id", f"pair {pair_id!r} with {len(listed)} member(s)",
                    "2 members (a pair) or 3 (a trio)",
                )
            )  # fmt: skip
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise ValidationError(problems)
    out = pd.DataFrame(
        [(p, m) for p, listed in members.items() for m in listed], columns=list(VISIT_PAIR_COLUMNS)
    )
    return out.sort_values(list(VISIT_PAIR_COLUMNS), ignore_index=True)
