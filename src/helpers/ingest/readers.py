"""Read a survey tool's raw export into a table of text cells.

Survey tools and spreadsheet programs write the same table in many ways: CSV in UTF-8,
UTF-8 with a byte-order mark, Windows-1252 or UTF-16 (Excel's "Unicode text"), separated
by semicolons (the Danish Excel default), commas or tabs, numbers with a decimal comma,
or an XLSX workbook. This module hides those differences: every reader returns a
:class:`RawTable` whose cells are normalised text ("" for an empty cell), with the
spreadsheet row number of every row kept so that a problem can be reported where the
user will look for it.

What a reader accepts without being told (each is a quirk real exports have):

- blank rows anywhere, and blank rows above the header;
- a first line ``sep=;`` (Excel's separator hint; the header is then row 1, as Excel
  shows it);
- trailing separators and columns without a header that hold nothing;
- cells written as ``="0042"`` (a trick some tools use to keep Excel from turning
  text into numbers);
- summary rows at the bottom of a table: rows whose first filled cell is one of
  :data:`SUMMARY_LABELS` ("I alt", "Total", ...) with nothing but blank or other
  summary rows below them. They are left out and listed in :attr:`RawTable.skipped`.

What it refuses, with a :class:`~helpers.errors.Problem` in :class:`UnreadableFile`:
bytes that are not text in a supported encoding, text encoded twice ("Ã¸" for "ø"), a
UTF-8 byte-order mark in front of Windows-1252 text, a file cut off in the middle of a
row or character, a quote that is never closed, a file whose lines are one cell each
(a separator other than ``;``, ``,`` or tab, or every line quoted whole), data rows
separated differently from the header, an empty or header-only file, and a workbook
that cannot be opened or lacks the sheet asked for.

Which columns a wave needs, and so whether a duplicated header or a column without a
header matters, is for :mod:`helpers.ingest.validate` to decide: the table records both.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.errors import Problem
from helpers.ingest import limits
from helpers.ingest.limits import column_letter

__all__ = ["ENCODINGS", "DELIMITERS", "SUMMARY_LABELS", "XLSX_SUFFIXES", "SNIFF_LINES", "RawTable", "UnreadableFile",
           "normalise_text", "column_letter", "is_summary_label", "read_csv", "read_xlsx", "read_table",
           "read_sheet", "parse_number"]

ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = (";", ",", "\t")
SUMMARY_LABELS = frozenset({
    "i alt", "ialt", "total", "totalt", "totals", "grand total", "sum", "summa", "samlet", "samlet antal",
    "antal", "antal svar", "count", "gennemsnit", "average", "mean",
})
"""Labels of a summary row (compared after case folding, without a trailing colon)."""

XLSX_SUFFIXES = (".xlsx", ".xlsm")
SNIFF_LINES = 20
_MOJIBAKE = re.compile("[ÃÂ][" + re.escape(bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore")) + "]")
_EXCEL_TEXT = re.compile(r'^="(.*)"$', re.S)
_INVISIBLE = dict.fromkeys(  # format characters: zero-width space, soft hyphen, byte-order mark, ...
    c for c in (*range(0x20000), *range(0xE0000, 0xE0080)) if unicodedata.category(chr(c)) == "Cf"
)


@dataclass(frozen=True)
class RawTable:
    """A raw export as text cells.

    Attributes
    ----------
    file : str
        The file's name as reported in problems.
    frame : pandas.DataFrame
        One column per distinct named header, every cell a normalised string ("" when
        empty). The index holds the spreadsheet row number of each row. When a header
        occurs twice, the frame holds its first column (see ``duplicate_columns``).
    encoding : str or None
        The encoding the CSV was read with (None for XLSX).
    delimiter : str or None
        The CSV separator (None for XLSX).
    header_row : int
        Spreadsheet row number of the header (1 unless rows above it were skipped).
    sheet : str or None
        The XLSX sheet read (None for CSV).
    sheets : dict
        XLSX only: every other sheet's name -> its first filled row, so that a problem
        can say which sheet holds the columns wanted.
    rows : tuple
        Every filled row as ``(row number, cells)``, including the header and any rows
        above it (title or question-text rows).
    duplicate_columns : dict
        Header -> 1-based positions of the columns that carry it, for headers that occur
        more than once.
    unnamed_columns : tuple of int
        1-based positions of columns without a header that hold something.
    skipped : tuple
        ``(row number, reason)`` of data rows left out (summary rows, ``skip_rows``).
    aliases : dict
        Another name of a column -> its header in ``frame`` (a variable code read as its
        text, see :mod:`helpers.ingest.codebook`).
    """

    file: str
    frame: pd.DataFrame
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int = 1
    sheet: str | None = None
    sheets: dict = field(default_factory=dict)
    rows: tuple = ()
    duplicate_columns: dict = field(default_factory=dict)
    unnamed_columns: tuple = ()
    skipped: tuple = ()
    aliases: dict = field(default_factory=dict)


class UnreadableFile(Exception):
    """Raised with the :class:`~helpers.errors.Problem` that made a file unreadable."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def normalise_text(value: str) -> str:
    """NFC-normalise, drop invisible format characters, strip and collapse white space.

    Exports differ in how they write æ, ø and å (one code point, or a letter plus a
    combining mark), in stray or non-breaking spaces and in invisible characters such as
    zero-width spaces, soft hyphens or a stray byte-order mark; this makes such variants
    compare equal.

    Parameters
    ----------
    value : str
        A cell or header (anything else is turned into text first).

    Returns
    -------
    str

    Examples
    --------
    >>> normalise_text("  Søren\\u00a0 Kierkega\\u030ard ")
    'Søren Kierkegård'
    >>> normalise_text("\\ufeffBo\\u200b B\\u00e6k")
    'Bo Bæk'
    """
    text = unicodedata.normalize("NFC", str(value)).translate(_INVISIBLE)
    return " ".join(text.split())


def is_summary_label(text: str) -> bool:
    """Whether a cell reads like the label of a totals row or column ("I alt", "Total:").

    Parameters
    ----------
    text : str
        The cell.

    Returns
    -------
    bool
        True for one of :data:`SUMMARY_LABELS`, in any case, with or without a colon.

    Examples
    --------
    >>> is_summary_label("I alt"), is_summary_label("Total:"), is_summary_label("Bo Bæk")
    (True, True, False)
    """
    return normalise_text(text).casefold().rstrip(":").strip() in SUMMARY_LABELS


def _unreadable(name: str, found: str, expected: str, row: int | None = None) -> UnreadableFile:
    return UnreadableFile(Problem(name, row, None, found, expected))


def _line_of(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def _is_utf8(data: bytes) -> bool:
    """True for UTF-8 holding at least one non-ASCII character (so not plain ASCII)."""
    try:
        return not data.decode("utf-8-sig").isascii()
    except UnicodeDecodeError:
        return False


def _decode(data: bytes, name: str) -> tuple[str, str]:
    # Excel's "Unicode text" is UTF-16 with a byte-order mark; it is read as it is.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(codecs.BOM_UTF32_LE):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _unreadable(name, f"UTF-16 text that cannot be decoded ({exc.reason})",
                              "complete UTF-16 text, or CSV in UTF-8 or Windows-1252") from exc
        if "\x00" not in text:
            return text, "utf-16"
    if b"\x00" in data:
        raise _unreadable(name, "NUL bytes (a binary file, or UTF-16 text without a byte-order mark)",
                          "CSV text in UTF-8, Windows-1252 or UTF-16 with a byte-order mark")
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8):] if bom else data
    try:
        text, encoding = body.decode("utf-8"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.end >= len(body) and exc.reason == "unexpected end of data" and _is_utf8(body[: exc.start]):
            raise _unreadable(name, "a file that ends in the middle of a character",
                              "a complete file: it seems cut off; export it again", _line_of(body, exc.start)) from exc
        if bom:
            raise _unreadable(
                name, f"a UTF-8 byte-order mark, but byte 0x{body[exc.start]:02X} that is not UTF-8",
                "text in one encoding: UTF-8 throughout, or Windows-1252 without the UTF-8 mark "
                "(save the file again as 'CSV UTF-8')", _line_of(body, exc.start)) from exc
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError as exc2:
            raise _unreadable(name, f"byte 0x{data[exc2.start]:02X} that is neither UTF-8 nor Windows-1252",
                              "CSV text in UTF-8 or Windows-1252", _line_of(data, exc2.start)) from exc2
    bad = _MOJIBAKE.search(text)
    if bad:
        try:
            meant = bad.group().encode("cp1252").decode("utf-8")
        except UnicodeError:
            meant = None
        if meant:
            raise _unreadable(
                name, f"text encoded twice: {bad.group()!r} where {meant!r} was meant",
                "text saved once, in UTF-8 or Windows-1252 (open the original export, not a re-saved copy)",
                text[: bad.start()].count("\n") + 1)
    return text, encoding


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


_FILLED_LINE = re.compile(r"[^\r\n]*\S[^\r\n]*")


def _filled_lines(text: str, n: int, head: int = 1_000_000) -> list[str]:
    """The first ``n`` lines of ``text`` that are not blank, without splitting all of a large text."""
    part = text[:head]
    lines = [line for line in part.splitlines() if line.strip()]
    if len(lines) > n or len(part) == len(text):
        return lines[:n]
    found = []
    for match in _FILLED_LINE.finditer(text):  # a flood of blank lines at the top: skipped at C speed
        found.append(match.group())
        if len(found) == n:
            break
    return found


def _trim_blank_tail(text):
    r"""``text`` (str, or bytes in an ASCII-compatible encoding) without the blank lines and
    lines of bare separators after its last filled line.

    Spreadsheets export the rows they once formatted: a million ``;;;`` lines after the
    data. Cutting them before parsing keeps the reading of such a file fast and small.

    Examples
    --------
    >>> _trim_blank_tail("a;b\r\nc;d;\r\n;;\r\n\r\n;;;\r\n")
    'a;b\r\nc;d;\r\n'
    >>> _trim_blank_tail(b"a,b\n1,2"), _trim_blank_tail("\n\n")
    (b'a,b\n1,2', '\n\n')
    """
    blank, nl, cr = (b" \t;,\r\n", b"\n", b"\r") if isinstance(text, bytes) else (" \t;,\r\n", "\n", "\r")
    body = text.rstrip(blank)
    if len(body) == len(text) or not body:
        return text
    ends = [i for i in (text.find(nl, len(body)), text.find(cr, len(body))) if i >= 0]
    if not ends:  # only trailing separators on the last line: a cut-off check needs them
        return text
    end = min(ends)
    if text[end:end + 2] == cr + nl:
        end += 1
    return text[: end + 1]


def _sniff_delimiter(text: str) -> str:
    """The separator that splits the first lines most consistently into more than one cell.

    For each candidate the most common number of cells per line is found; the separator
    whose most common count holds for the most lines wins (then the one giving more
    cells, then ``;`` before ``,`` before tab). This keeps a title line above the header,
    names written "Dahl, Cecilie" and decimal commas from misleading the choice.
    """
    lines = _filled_lines(text, SNIFF_LINES)

    def score(d: str) -> tuple[int, int, int]:
        counts = [_count_outside_quotes(line, d) for line in lines]
        common = max(set(counts), key=lambda k: (counts.count(k), k)) if counts else 0
        return (counts.count(common) if common else 0, common, -DELIMITERS.index(d))

    best = max(DELIMITERS, key=score)
    return best if score(best)[1] else ","


_CSV_ERRORS = {
    "unexpected end of data": "a quote mark that is never closed (the rest of the file is read as one cell)",
    "expected after": "a quoted cell with more text after its closing quote",
}


def _parse_csv(text: str, delimiter: str, name: str, first_row: int) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    number = first_row - 1
    cells_read = 0
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))  # long cells are refused below, naming their column
    try:
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                problem = limits.cell_problem(name, records)
                if problem is not None:
                    raise UnreadableFile(problem)
                return records
            if not any(cells):  # a blank row: nothing to keep (its number still counts)
                continue
            cells_read += len(cells)
            if cells_read > limits.MAX_CELLS:
                raise UnreadableFile(limits.too_many_cells(name, number, cells_read))
            records.append((number, cells))
    except csv.Error as exc:
        reason = next((msg for key, msg in _CSV_ERRORS.items() if key in str(exc)), f"malformed CSV ({exc})")
        if "never closed" in reason and not text.endswith(("\n", "\r")):
            reason = "a file that ends inside a quoted cell"
        raise _unreadable(name, reason, "well-formed CSV: quotes in pairs around a whole cell; "
                          "if the file was cut off, export it again", number) from exc
    finally:
        csv.field_size_limit(limit)


def _cell(text: str) -> str:
    match = _EXCEL_TEXT.match(text)
    return normalise_text(match.group(1) if match else text)


def _first_filled(cells) -> str:
    return next((c for c in cells if c), "")


def _build(name: str, records: list[tuple[int, list[str]]], *, header_row: int = 1, skip_rows=(),
           ended: bool = True, empty: str = "an empty file", **extra) -> RawTable:
    """Turn numbered rows of cells into a :class:`RawTable` (see the module's rules).

    The steps: find the header, refuse tables whose rows are one cell each (a separator
    that was not recognised) or that were cut off, place the columns, and leave out the
    rows asked for and summary rows at the bottom.
    """
    records = [(n, [_cell(c) for c in cells]) for n, cells in records]
    filled = [(n, cells) for n, cells in records if any(cells)]
    number, header, data = _header_and_data(name, filled, header_row, empty)
    delimiter = extra.get("delimiter")
    _check_one_column(name, number, header, data, delimiter)
    _check_rows_split_as_header(name, number, header, data, delimiter)
    _check_header_split_as_rows(name, number, header, data, delimiter)
    if not ended:
        _check_cut_off(name, records, data)
    positions, unnamed = _positions(header, data)
    kept, skipped = _leave_out(name, number, data, skip_rows)
    columns = list(positions)
    frame = pd.DataFrame([[cells[positions[h][0]] for h in columns] for _, cells in kept],
                         columns=columns, index=pd.Index([n for n, _ in kept], name="row"), dtype=object)
    return RawTable(
        name, frame, header_row=number,
        rows=tuple((n, tuple(cells)) for n, cells in filled),
        duplicate_columns={h: tuple(p + 1 for p in ps) for h, ps in positions.items() if len(ps) > 1},
        unnamed_columns=unnamed, skipped=tuple(sorted(skipped)), **extra)


def _header_and_data(name: str, filled: list, header_row: int, empty: str) -> tuple[int, list[str], list]:
    """The header's row number and cells, and the data rows below it, all padded to one width."""
    if not filled:
        raise _unreadable(name, empty, "a header row and at least one data row")
    from_header = [(n, cells) for n, cells in filled if n >= header_row]
    if not from_header:
        raise _unreadable(name, f"nothing from row {header_row} on (the last filled row is {filled[-1][0]})",
                          "the header in the row that wave.yml's header_row names", header_row)
    number, header = from_header[0]
    data = from_header[1:]
    width = max(len(cells) for _, cells in from_header)
    header = header + [""] * (width - len(header))
    return number, header, [(n, cells + [""] * (width - len(cells))) for n, cells in data]


def _filled_count(cells) -> int:
    return sum(1 for c in cells if c)


def _check_one_column(name: str, number: int, header: list[str], data: list, delimiter: str | None) -> None:
    """Refuse a table whose every row is one cell: a separator other than ; , or tab, or lines quoted whole."""
    if _filled_count(header) > 1 or any(_filled_count(cells) > 1 for _, cells in data):
        return
    only = _first_filled(header)
    inner = [d for d in DELIMITERS if _count_outside_quotes(only, d)]
    if delimiter is None:  # a workbook
        how = f"each row is one cell holding {inner[0]!r} separators" if inner else "one filled column"
    else:
        how = (f"each line is one cell holding {inner[0]!r} separators (lines quoted whole?)" if inner
               else "the columns are separated by something other than ; , or tab")
    raise _unreadable(name, f"a single column, {_short(only)}: {how}",
                      "columns separated by semicolons, commas or tabs", number)


def _check_rows_split_as_header(name: str, number: int, header: list[str], data: list, delimiter: str | None) -> None:
    """Refuse data rows that are one cell each holding another separator than the header's."""
    named = _filled_count(header)
    if named < 2 or not data:
        return
    other = [d for d in DELIMITERS if d != delimiter]
    one_cell = [(n, _first_filled(cells)) for n, cells in data
                if _filled_count(cells) == 1
                and any(_first_filled(cells).count(d) >= max(1, (named - 1) // 2) for d in other)]
    if len(one_cell) * 2 <= len(data):
        return
    n, cell = one_cell[0]
    d = max(other, key=cell.count)
    expected = (f"cells separated by {delimiter!r}, as in the header (row {number})" if delimiter
                else f"one value per cell, as in the header (row {number})")
    raise _unreadable(name, f"data rows that are one cell each, holding {d!r} separators ({_short(cell)})",
                      expected, n)


def _check_header_split_as_rows(name: str, number: int, header: list[str], data: list, delimiter: str | None) -> None:
    """Refuse a header that is one cell holding another separator than the data rows'."""
    width = len(header)
    if _filled_count(header) != 1 or width <= 1:
        return
    only = _first_filled(header)
    inner = [d for d in DELIMITERS if d != delimiter and only.count(d) >= max(1, (width - 1) // 2)]
    if inner:
        expected = (f"header cells separated by {delimiter!r}, as in the data rows" if delimiter
                    else "one header per cell, as the data rows have one value per cell")
        raise _unreadable(name, f"a header that is one cell holding {inner[0]!r} separators ({_short(only)})",
                          expected, number)


def _check_cut_off(name: str, records: list, data: list) -> None:
    """Refuse a file without a final line break whose last row has fewer cells than the others."""
    if len(data) < 2:
        return
    last_n, last = data[-1]
    used = max((i + 1 for i, c in enumerate(last) if c), default=0)
    lengths = {n: len(cells) for n, cells in records}
    raw_len = lengths[last_n]
    others = [lengths[m] for m, _ in data[:-1]]
    if raw_len < min(others) and used:
        raise _unreadable(name, f"a last row cut short ({raw_len} of {min(others)} cells, no line break at the end)",
                          "complete rows: the file seems cut off; export it again", last_n)


def _positions(header: list[str], data: list) -> tuple[dict[str, list[int]], tuple[int, ...]]:
    """Header -> its 0-based column positions; 1-based positions of unnamed columns holding something."""
    positions: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        if h:
            positions.setdefault(h, []).append(i)
    unnamed = tuple(i + 1 for i, h in enumerate(header) if not h and any(cells[i] for _, cells in data))
    return positions, unnamed


def _leave_out(name: str, number: int, data: list, skip_rows) -> tuple[list, list[tuple[int, str]]]:
    """The data rows kept, and ``(row, reason)`` of those left out: skip_rows, and summary rows at the bottom."""
    wanted = set(skip_rows or ())
    skipped = [(n, "listed in wave.yml's skip_rows") for n, _ in data if n in wanted]
    kept = [(n, cells) for n, cells in data if n not in wanted]
    while kept and is_summary_label(_first_filled(kept[-1][1])):
        n, cells = kept.pop()
        skipped.append((n, f"a summary row ({_first_filled(cells)!r}) at the bottom of the table"))
    if not kept:
        found = "a header row only" + (" (and rows left out: " + ", ".join(str(n) for n, _ in sorted(skipped)) + ")"
                                       if skipped else "")
        raise _unreadable(name, found, "at least one data row below the header", number)
    return kept, skipped


def _short(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def read_csv(path: str | Path, name: str | None = None, *, header_row: int = 1, skip_rows=()) -> RawTable:
    """Read a CSV export, whatever its encoding and separator.

    Parameters
    ----------
    path : str or Path
        The file.
    name : str, optional
        How problems name the file (default: the file name).
    header_row : int
        Spreadsheet row of the column headers; rows above it are ignored (a title or a
        question-text row). Blank rows before the header are skipped in any case.
    skip_rows : collection of int
        Spreadsheet rows to leave out (``skip_rows`` in ``wave.yml``).

    Returns
    -------
    RawTable

    Raises
    ------
    UnreadableFile
        The file is empty, holds a header only, is cut off, or is not CSV text in a
        supported encoding.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "x.csv")
    ...     _ = open(p, "w", encoding="cp1252").write("sep=,\\nNavn,Svar\\nBo Bæk,2\\nI alt,2\\n")
    ...     t = read_csv(p)
    >>> t.delimiter, t.encoding, t.frame.to_dict("records"), t.skipped
    (',', 'cp1252', [{'Navn': 'Bo Bæk', 'Svar': '2'}], ((3, "a summary row ('I alt') at the bottom of the table"),))
    """
    path = Path(path)
    name = name or path.name
    size = path.stat().st_size
    if size > limits.MAX_CSV_FILE_BYTES:
        raise _unreadable(name, f"a file of {size / 1024**2:,.1f} MiB",
                          f"at most {limits.MAX_CSV_FILE_BYTES // 1024**2} MiB (a survey export is far smaller)")
    data = path.read_bytes()
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = _trim_blank_tail(data)  # the blank rows a spreadsheet adds at the end, before anything else
    if len(data) > limits.MAX_CSV_BYTES:
        raise _unreadable(name, f"{len(data) / 1024**2:,.1f} MiB of rows (besides blank rows at the end)",
                          f"at most {limits.MAX_CSV_BYTES // 1024**2} MiB of rows (a survey export is far smaller)")
    text, encoding = _decode(data, name)
    text = _trim_blank_tail(text)
    first_row = 1
    directive = re.match(r"(?i)sep=(.)[ \t]*(\r\n|\n|\r|$)", text)
    if directive:
        delimiter, text = directive.group(1), text[directive.end():]
    else:
        delimiter = _sniff_delimiter(text)
    records = _parse_csv(text, delimiter, name, first_row)
    return _build(name, records, header_row=header_row, skip_rows=skip_rows,
                  ended=text.endswith(("\n", "\r")) or not text, encoding=encoding, delimiter=delimiter)


def _xlsx_cell(value) -> str:
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    return str(value)


def _choose_sheet(names: list[str], sheet, name: str) -> str:
    if sheet is None:
        return names[0]
    if isinstance(sheet, bool):
        sheet = str(sheet)
    text = normalise_text(str(sheet))
    by_text = [s for s in names if normalise_text(s) == text] or [s for s in names if _fold(s) == _fold(text)]
    if len(by_text) == 1:
        return by_text[0]
    if isinstance(sheet, int) and 1 <= sheet <= len(names):
        return names[sheet - 1]
    listed = ", ".join(repr(s) for s in names)
    raise _unreadable(name, f"no sheet {sheet!r} (the workbook's sheets: {listed})",
                      "a sheet name, or a sheet number counting from 1, in wave.yml's sheet setting")


def _fold(text: str) -> str:
    return normalise_text(text).casefold()


def read_xlsx(path: str | Path, sheet: str | int | None = None, name: str | None = None, *,
              header_row: int = 1, skip_rows=()) -> RawTable:
    """Read one sheet of an XLSX workbook (the first one unless ``sheet`` is given).

    Parameters
    ----------
    path : str or Path
        The workbook.
    sheet : str or int, optional
        Sheet name, or number counting from 1 (default: the first sheet).
    name : str, optional
        How problems name the file (default: the file name).
    header_row, skip_rows
        As in :func:`read_csv`.

    Returns
    -------
    RawTable
        With ``sheet`` the sheet read and ``sheets`` the first filled row of every other sheet.

    Raises
    ------
    UnreadableFile
        The workbook cannot be opened, lacks the sheet, or the sheet is empty.
    """
    import openpyxl

    path = Path(path)
    name = name or path.name
    too_large = limits.xlsx_problem(path, name)  # before anything is unpacked
    if too_large is not None:
        raise UnreadableFile(too_large)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        head = path.read_bytes()[:2048]
        looks_text = b"\x00" not in head and head[:2] != b"PK"
        found = ("text, not a workbook (a CSV file named .xlsx?)" if looks_text
                 else f"a workbook that cannot be opened ({type(exc).__name__})")
        raise _unreadable(name, found, "an XLSX workbook saved by Excel or the survey tool") from exc
    try:
        names = list(book.sheetnames)
        if not names:
            raise _unreadable(name, "a workbook without sheets", "an XLSX workbook with the answers on a sheet")
        chosen = _choose_sheet(names, sheet, name)

        def rows_of(ws, limit=None):
            # the sheet's own <dimension> may be stale (rows beyond it were lost): read what is there
            ws.reset_dimensions()
            out, cells = [], 0
            for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
                cells += len(row)
                if cells > limits.MAX_CELLS:
                    raise UnreadableFile(limits.too_many_cells(name, number, cells))
                if all(v is None for v in row):
                    continue
                out.append((number, [_xlsx_cell(v) for v in row]))
                if limit and any(out[-1][1]):
                    break
            problem = limits.cell_problem(name, out)
            if problem is not None:
                raise UnreadableFile(problem)
            return out

        others = {}
        for s in names:
            if s != chosen:
                first = [cells for _, cells in rows_of(book[s], limit=True) if any(cells)]
                others[s] = tuple(normalise_text(c) for c in first[0]) if first else ()
        records = rows_of(book[chosen])
    except UnreadableFile:
        raise
    except Exception as exc:
        raise _unreadable(name, f"a workbook that cannot be read ({type(exc).__name__})",
                          "an XLSX workbook saved by Excel or the survey tool") from exc
    finally:
        book.close()
    listed = ", ".join(repr(s) for s in names)
    empty = f"an empty sheet {chosen!r}" + (f" (the workbook's sheets: {listed}; choose one with wave.yml's sheet)"
                                              if len(names) > 1 else "")
    return _build(name, records, header_row=header_row, skip_rows=skip_rows, empty=empty,
                  sheet=chosen, sheets=others)


def read_table(path: str | Path, sheet: str | int | None = None, *, header_row: int = 1, skip_rows=()) -> RawTable:
    """Read a raw export by its file type (``.xlsx`` and ``.xlsm`` as workbooks, others as CSV text).

    Parameters
    ----------
    path : str or Path
        The export.
    sheet : str or int, optional
        XLSX only: as in :func:`read_xlsx`.
    header_row, skip_rows
        As in :func:`read_csv`.

    Returns
    -------
    RawTable

    Raises
    ------
    UnreadableFile
        See :func:`read_csv` and :func:`read_xlsx`; also for old ``.xls`` and
        OpenDocument workbooks, which must be saved again as ``.xlsx`` or CSV.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return read_xlsx(path, sheet, header_row=header_row, skip_rows=skip_rows)
    if suffix in (".xls", ".ods", ".numbers"):
        raise _unreadable(path.name, f"a {suffix} workbook", "an .xlsx workbook or a CSV file (save it again as one)")
    return read_csv(path, header_row=header_row, skip_rows=skip_rows)


def parse_number(text: str) -> float | None:
    """Parse a number written with a decimal point or a decimal comma; None if it is not one.

    Parameters
    ----------
    text : str
        A cell.

    Returns
    -------
    float or None
        The number; None for text, NaN and infinities.

    Examples
    --------
    >>> parse_number("2,5"), parse_number("3"), parse_number(" 1.0 "), parse_number("Ved ikke")
    (2.5, 3.0, 1.0, None)
    >>> parse_number("nan"), parse_number("inf"), parse_number("1_0")
    (None, None, None)
    """
    text = text.strip().replace("\u2212", "-")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        return None
    try:
        value = float(text)
    except (ValueError, OverflowError):
        return None
    return value if value == value and abs(value) != float("inf") else None


def read_sheet(path: Path) -> pd.DataFrame:
    """Read a CSV file meant for people, as :func:`write_sheet` writes it or a spreadsheet saved it.

    Any separator (``;``, ``,`` or tab) and UTF-8 (with or without a byte-order mark) or
    Windows-1252; every cell is text (white space normalised), formula quotes taken off.

    Parameters
    ----------
    path : Path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
        The file's rows, every cell and column name text, with a fresh index.

    Raises
    ------
    UnreadableFile
        The file is empty, cut off, or not CSV text.
    """
    from helpers.escape import csv_uncell

    frame = read_csv(path).frame.reset_index(drop=True)
    frame.columns = [csv_uncell(c) for c in frame.columns]
    return frame.map(csv_uncell)
