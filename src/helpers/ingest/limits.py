"""Limits on what a wave's input may hold, checked before anything large is parsed.

A leadership forum's export is a few kilobytes; an export that is orders of magnitude
larger is a mistake or an attack (a "zip bomb" workbook, a cell of a million characters,
millions of blank rows). Every limit here fails at once with a
:class:`~helpers.errors.Problem` naming the file (and row, column or setting), so that
``forum-network validate`` refuses such input in seconds and a few hundred megabytes,
instead of a run failing minutes later. ``data/README.md`` ("Limits") lists them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from helpers.errors import Problem

__all__ = ["column_letter", 
    "MAX_CSV_FILE_BYTES", "MAX_CSV_BYTES", "MAX_XLSX_BYTES", "MAX_XLSX_UNCOMPRESSED", "MAX_CELLS", "MAX_CELL_CHARS", "FIELD_CHARS",
    "WAVE_TEXT_CHARS", "xlsx_problem", "cell_problem", "too_many_cells", "text_problem", "roster_problems",
    "wave_problems",
]

MAX_CSV_FILE_BYTES = 128 * 1024**2
"""Largest CSV file opened (128 MiB), blank rows at its end included."""
MAX_CSV_BYTES = 16 * 1024**2
"""Most CSV text parsed (16 MiB), once the blank rows at the end are left out."""
MAX_XLSX_BYTES = 64 * 1024**2
"""Largest XLSX file read (64 MiB, compressed)."""
MAX_XLSX_UNCOMPRESSED = 256 * 1024**2
"""Largest total of an XLSX workbook's parts once unpacked (256 MiB), checked from the zip's directory."""
MAX_CELLS = 2_000_000
"""Most cells read from one sheet or CSV file (rows x columns as stored)."""
MAX_CELL_CHARS = 32_767
"""Longest cell read: Excel's own limit for a cell."""
FIELD_CHARS = {"member_id": 64, "name": 200, "gender": 100, "role": 100, "department": 100, "answered": 100}
"""Longest roster value per tidy field (characters, after normalising white space)."""
WAVE_TEXT_CHARS = {"name": 200, "question": 1000, "scale label": 100, "partner label": 100, "column": 500,
                   "file": 255}
"""Longest text per kind of setting in ``wave.yml``."""


def _size(n: int) -> str:
    return f"{n / 1024**2:,.1f} MiB" if n >= 1024**2 else f"{n:,} bytes"


def _short(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def xlsx_problem(path: Path, name: str) -> Problem | None:
    """A problem if an XLSX file is larger than the limits, judged from the zip's directory alone.

    The zip's central directory states each part's unpacked size; Python's ``zipfile``
    (which ``openpyxl`` uses) never unpacks a part beyond its stated size, so the total
    bounds what parsing can meet. Returns None for a file within the limits, and for a
    file that is not a zip archive (the workbook reader reports that).

    Parameters
    ----------
    path : Path
        The workbook.
    name : str
        How the problem names the file.

    Returns
    -------
    Problem or None
    """
    size = path.stat().st_size
    if size > MAX_XLSX_BYTES:
        return Problem(name, None, None, f"a workbook of {_size(size)}",
                       f"at most {_size(MAX_XLSX_BYTES)} (a survey export is far smaller)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    total = sum(m.file_size for m in members)
    if total > MAX_XLSX_UNCOMPRESSED:
        largest = max(members, key=lambda m: m.file_size)
        return Problem(name, None, None,
                       f"a workbook that unpacks to {_size(total)} ({largest.filename!r}: {_size(largest.file_size)})",
                       f"at most {_size(MAX_XLSX_UNCOMPRESSED)} unpacked (a survey export is far smaller)")
    return None


def too_many_cells(name: str, row: int, cells: int) -> Problem:
    """The problem of a sheet or file holding more than :data:`MAX_CELLS` cells (reached at ``row``).

    Parameters
    ----------
    name : str
        The file (or sheet) name the problem names.
    row : int
        The row at which the limit was passed, as a spreadsheet shows it.
    cells : int
        The number of cells counted up to that row.

    Returns
    -------
    Problem
        The problem, for the whole row (no column).
    """
    return Problem(name, row, None, f"more than {MAX_CELLS:,} cells ({cells:,} by this row)",
                   f"at most {MAX_CELLS:,} cells: a survey export is far smaller (blank rows formatted "
                   "down to the sheet's end? delete them, or export only the answers)")


def cell_problem(name: str, records, header_row: int = 1) -> Problem | None:
    """A problem for the first cell longer than :data:`MAX_CELL_CHARS`, naming its row and column.

    Parameters
    ----------
    name : str
        The file's name.
    records : iterable of (int, list of str)
        Numbered rows of cells, as the readers parse them.
    header_row : int
        The header's row: a long cell below it is named by its column header.

    Examples
    --------
    >>> cell_problem("r.csv", [(1, ["Navn", "Afdeling"]), (2, ["Bo", "x" * 40000])]).column
    'Afdeling'
    >>> cell_problem("r.csv", [(1, ["Navn"]), (2, ["Bo"])]) is None
    True
    """
    header: list[str] = []
    header_number = None
    for number, cells in records:
        if header_number is None and number >= header_row and any(cells):
            header, header_number = [str(c).strip() for c in cells], number
        for i, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                column = header[i] if number != header_number and i < len(header) else ""
                where = column if column and len(column) <= 200 else column_letter(i + 1)
                return Problem(name, number, where, f"a cell of {len(cell):,} characters ({_short(cell)})",
                               f"at most {MAX_CELL_CHARS:,} characters in a cell (Excel's limit)")
    return None


def text_problem(file: str, row: int | None, column: str | None, what: str, text: str, limit: int) -> Problem | None:
    """A problem if ``text`` is longer than ``limit`` characters, naming the field ``what``.

    Examples
    --------
    >>> print(text_problem("roster.csv", 4, "Afdeling", "department", "x" * 101, 100))
    roster.csv, row 4, column 'Afdeling': found a department of 101 characters ('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'); expected a department of at most 100 characters
    """
    text = str(text)
    if len(text) <= limit:
        return None
    return Problem(file, row, column, f"a {what} of {len(text):,} characters ({_short(text)})",
                   f"a {what} of at most {limit:,} characters")


def roster_problems(roster, file: str, columns: dict[str, str]) -> list[Problem]:
    """Roster values longer than :data:`FIELD_CHARS` allows, one problem per field and row.

    Parameters
    ----------
    roster : pandas.DataFrame
        The roster as validation reads it: a ``row`` column and one ``<field>_raw``
        column per roster field.
    file : str
        The roster's file name.
    columns : dict
        Tidy field -> the export's column header (``wave.yml``'s ``roster.columns``).
    """
    problems = []
    for field, limit in FIELD_CHARS.items():
        raw = f"{field}_raw"
        if roster is None or raw not in roster:
            continue
        for number, value in zip(roster["row"], roster[raw], strict=True):
            problem = text_problem(file, int(number), columns.get(field), field.replace("_", " "), value, limit)
            if problem is not None:
                problems.append(problem)
    return problems


def wave_problems(name, questions: dict, partners, roster_file, columns: dict, translations: dict) -> list[Problem]:
    """Texts in ``wave.yml`` longer than :data:`WAVE_TEXT_CHARS` allows, each naming its setting.

    Parameters
    ----------
    name : str
        The wave's display name.
    questions : dict
        ``"relations"`` and ``"external"`` -> :class:`~helpers.ingest.wave.Question`.
    partners : sequence of Partner
        The external partner types.
    roster_file : str
        The roster's file name.
    columns : dict
        ``roster.columns``: tidy field -> the export's column header.
    translations : dict
        ``translations``: language -> name, and question and scale per question.
    """
    checks = [("name", "name", name), ("roster.file", "file", roster_file)]
    checks += [(f"roster.columns.{k}", "column", v) for k, v in columns.items()]
    for key, q in questions.items():
        checks += [(f"{key}.question", "question", q.text), (f"{key}.file", "file", q.file),
                   (f"{key}.respondent_column", "column", q.respondent_column)]
        checks += [(f"{key}.scale.{code}", "scale label", label) for code, label in q.scale.items()]
        checks += [(f"{key}.ignore_columns", "column", v) for v in q.ignore_columns]
        checks += [(f"{key}.dont_know", "scale label", v) for v in q.dont_know]
        checks += [(f"{key}.{attr}", "column", getattr(q, attr)) for attr in ("target_column", "rating_column")
                   if getattr(q, attr)]
    for i, p in enumerate(partners):
        checks += [(f"external.partners[{i}].{attr}", "partner label" if attr in ("da", "en") else "column",
                    getattr(p, attr)) for attr in ("id", "column", "da", "en")]
    for lang, texts in (translations or {}).items():
        if "name" in texts:
            checks.append((f"translations.{lang}.name", "name", texts["name"]))
        for key in questions:
            entry = texts.get(key) or {}
            if "question" in entry:
                checks.append((f"translations.{lang}.{key}.question", "question", entry["question"]))
            checks += [(f"translations.{lang}.{key}.scale.{code}", "scale label", label)
                       for code, label in (entry.get("scale") or {}).items()]
    problems = []
    for setting, kind, text in checks:
        if text is None:
            continue
        problem = text_problem("wave.yml", None, setting, kind, text, WAVE_TEXT_CHARS[kind])
        if problem is not None:
            problems.append(problem)
    return problems


def column_letter(position: int) -> str:
    """The spreadsheet letter of a 1-based column position.

    Parameters
    ----------
    position : int
        1 for column A.

    Returns
    -------
    str

    Examples
    --------
    >>> column_letter(1), column_letter(26), column_letter(28)
    ('A', 'Z', 'AB')
    """
    letters = ""
    while position > 0:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
