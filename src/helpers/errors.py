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
            where += f", column {_shorten(repr(self.column))}"
        return f"{where}: found {_shorten(self.found)}; expected {self.expected}"


MESSAGE_CHARS = 300
"""Longest value quoted in a message: a 100 kB cell is shown by its start and its length."""


def _shorten(text: str) -> str:
    """``text``, cut to :data:`MESSAGE_CHARS` characters with a note of its length.

    Examples
    --------
    >>> _shorten("kort")
    'kort'
    >>> _shorten("x" * 1000)[-30:]
    'xxx… (1,000 characters in all)'
    """
    if len(text) <= MESSAGE_CHARS:
        return text
    return f"{text[:MESSAGE_CHARS]}… ({len(text):,} characters in all)"


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


def os_error_message(exc: OSError) -> str:
    """A system error (full disk, read-only or forbidden folder) as one sentence that says what to do.

    Examples
    --------
    >>> import errno
    >>> os_error_message(OSError(errno.ENOSPC, "No space left on device", "build/x"))
    'build/x: the disk is full (No space left on device); free some space and run again: what was written before is kept'
    """
    import errno

    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or str(exc)
    advice = {
        errno.ENOSPC: "the disk is full ({reason}); free some space and run again",
        errno.EDQUOT: "the disk quota is used up ({reason}); free some space and run again",
        errno.EROFS: "the folder is on a read-only file system ({reason}); choose a writable build folder (--build)",
        errno.EACCES: "permission denied ({reason}); make the folder writable, or choose another one",
        errno.EPERM: "operation not permitted ({reason}); make the folder writable, or choose another one",
    }.get(exc.errno, "a system error ({reason})")
    return f"{where}{advice.format(reason=reason)}: what was written before is kept"
