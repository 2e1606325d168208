"""Read a survey tool's raw export into a table of text cells.

Survey tools and spreadsheet programs write the same table in many ways: CSV in UTF-8,
UTF-8 with a byte-order mark or Windows-1252, separated by commas or semicolons (the
Danish Excel default), numbers with a decimal comma, or an XLSX workbook. This module
hides those differences: every reader returns a :class:`RawTable` whose cells are
stripped text ("" for an empty cell), with the spreadsheet row number of every row kept
so that a problem can be reported where the user will look for it.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import Problem

ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = (";", ",", "\t")


@dataclass(frozen=True)
class RawTable:
    """A raw export as text cells.

    Attributes
    ----------
    file : str
        The file's name as reported in problems.
    frame : pandas.DataFrame
        One column per header, every cell a stripped string ("" when empty). The index
        holds the spreadsheet row number of each row (the header is row 1).
    encoding : str or None
        The encoding the CSV was read with (None for XLSX).
    delimiter : str or None
        The CSV separator (None for XLSX).
    """

    file: str
    frame: pd.DataFrame
    encoding: str | None = None
    delimiter: str | None = None


class UnreadableFile(Exception):
    """Raised with the :class:`~helpers.errors.Problem` that made a file unreadable."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def normalise_text(value: str) -> str:
    """NFC-normalise, strip and collapse inner white space.

    Exports differ in how they write æ, ø and å (one code point, or a letter plus a
    combining mark) and in stray spaces; this makes such variants compare equal.

    Examples
    --------
    >>> normalise_text("  Søren\\u00a0 Kierkega\\u030ard ")
    'Søren Kierkegård'
    """
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if b"\x00" in data:
        raise UnreadableFile(
            Problem(name, None, None, "NUL bytes (a binary file, or UTF-16 text)", "CSV text in UTF-8 or Windows-1252")
        )
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        Problem(name, None, None, "bytes that are neither UTF-8 nor Windows-1252", "CSV text in UTF-8 or Windows-1252")
    )


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _frame_from_rows(rows: list[list[str]], name: str) -> pd.DataFrame:
    # Drop rows that are entirely empty (spreadsheets leave them), but keep row numbers.
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise UnreadableFile(Problem(name, None, None, "an empty file", "a header row and at least one data row"))
    header = [normalise_text(h) for h in rows[0]]
    while header and header[-1] == "":  # trailing separators after the last header
        header.pop()
    body, numbers = [], []
    for number, row in enumerate(rows[1:], start=2):
        cells = [normalise_text(c) for c in row]
        if not any(cells):
            continue
        extra = cells[len(header):]
        if any(extra):
            raise UnreadableFile(
                Problem(name, number, None, f"{len(cells)} cells", f"at most {len(header)} cells, as in the header")
            )
        body.append((cells + [""] * len(header))[: len(header)])
        numbers.append(number)
    if not body:
        raise UnreadableFile(Problem(name, None, None, "a header row only", "at least one data row below the header"))
    blank = [i for i, h in enumerate(header) if h == ""]
    if blank:
        raise UnreadableFile(Problem(name, 1, None, f"an empty header in column {blank[0] + 1}", "a name for every column"))
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise UnreadableFile(Problem(name, 1, dupes[0], "the same header twice", "every column header once"))
    return pd.DataFrame(body, columns=header, index=pd.Index(numbers, name="row"), dtype=object)


def read_csv(path: str | Path, name: str | None = None) -> RawTable:
    """Read a CSV export, whatever its encoding and separator.

    Parameters
    ----------
    path : str or Path
        The file.
    name : str, optional
        How problems name the file (default: the file name).

    Returns
    -------
    RawTable

    Raises
    ------
    UnreadableFile
        The file is empty, holds a header only, or is not text in a supported encoding.
    """
    path = Path(path)
    name = name or path.name
    text, encoding = _decode(path.read_bytes(), name)
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = _sniff_delimiter(first)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise UnreadableFile(Problem(name, None, None, f"malformed CSV ({exc})", "well-formed CSV")) from exc
    return RawTable(name, _frame_from_rows(rows, name), encoding, delimiter)


def read_xlsx(path: str | Path, sheet: str | int | None = None, name: str | None = None) -> RawTable:
    """Read one sheet of an XLSX workbook (the first one unless ``sheet`` is given).

    Raises
    ------
    UnreadableFile
        The workbook cannot be opened, lacks the sheet, or the sheet is empty.
    """
    path = Path(path)
    name = name or path.name
    try:
        book = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise UnreadableFile(Problem(name, None, None, f"a workbook that cannot be opened ({type(exc).__name__})", "an XLSX workbook")) from exc
    names = list(book)
    key = names[0] if sheet is None else (names[sheet] if isinstance(sheet, int) and sheet < len(names) else sheet)
    if key not in book:
        raise UnreadableFile(Problem(name, None, None, f"sheets {names}", f"a sheet named {sheet!r}"))
    values = book[key]

    def cell(v) -> str:
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    rows = [[cell(v) for v in row] for row in values.itertuples(index=False)]
    return RawTable(name, _frame_from_rows(rows, name))


def read_table(path: str | Path, sheet: str | int | None = None) -> RawTable:
    """Read a raw export by its file type (``.csv``, ``.txt``, ``.xlsx``)."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet)
    return read_csv(path)


def parse_number(text: str) -> float | None:
    """Parse a number written with a decimal point or a decimal comma; None if it is not one.

    Examples
    --------
    >>> parse_number("2,5"), parse_number("3"), parse_number(" 1.0 "), parse_number("Ved ikke")
    (2.5, 3.0, 1.0, None)
    """
    text = text.strip().replace("\u2212", "-")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None
