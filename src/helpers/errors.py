"""Errors a user can act on.

Every problem found in a survey wave names the file, the row and the column where it
was found, the value found there and what was expected instead, so that the person who
exported the data can fix the export (or the wave's ``wave.yml``) without reading code.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SurveyError", "Problem", "ValidationError"]


class SurveyError(Exception):
    """Base class of the errors a user caused and can fix (bad input, bad settings).

    The command-line interface prints these as one clear message, never as a traceback.
    """


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a wave's input.

    Parameters
    ----------
    file : str
        File name, relative to the wave folder.
    row : int or None
        Row as a spreadsheet shows it (the header is row 1), or None for the whole file.
    column : str or None
        Column header, or None for a whole row or file.
    found : str
        What was found (a value, or a short description).
    expected : str
        What was expected instead.
    """

    file: str
    row: int | None
    column: str | None
    found: str
    expected: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: found {self.found}; expected {self.expected}"


class ValidationError(SurveyError):
    """A wave's input has one or more problems; all of them are listed.

    Parameters
    ----------
    problems : list of Problem
        Every problem found, in file and row order.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        lines = [f"{len(self.problems)} {noun} in the survey data:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))
