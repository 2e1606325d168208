"""Exports of codes: read their texts from a label sheet or codebook.

Some survey tools (SurveyXact among them) export a data table whose headers are variable
codes (``s_1``, ``s_2_1``, ...) and whose answers are answer codes (``1`` ... ``4``), with
the question and answer texts in a separate table: a sheet of the same workbook, or a
codebook file beside the data. ``wave.yml`` says where with a question's ``labels``
setting (:class:`helpers.ingest.wave.Labels`).

The codebook is read as one table with a column of variable codes, a column of answer
codes and a column of texts:

=========  =====  ==================================
Variable   Value  Label
=========  =====  ==================================
s_1               Hvem er du?
s_1        1      Åse Ødegård
s_2_1             Hvor ofte ...? - Åse Ødegård
s_2_1      4      Ugentligt
=========  =====  ==================================

A row without a value gives the variable's text (the header it is read under); a row
with one gives the text of that answer code. :func:`apply_codebook` turns a table of
codes into a table of texts, which is then checked like any other export.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from helpers.errors import Problem
from helpers.ingest.readers import RawTable, UnreadableFile, normalise_text, read_table
from helpers.ingest.wave import Labels

__all__ = ["Codebook", "apply_codebook", "read_codebook"]


@dataclass(frozen=True)
class Codebook:
    """Texts of an export's variables and answer codes.

    Attributes
    ----------
    file : str
        The codebook's file name (and sheet), as problems name it.
    variables : dict
        Variable code (case-folded) -> the variable's text.
    values : dict
        Variable code (case-folded) -> {answer code: the answer's text}.
    """

    file: str
    variables: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)


def _code(text: str) -> str:
    """An answer code as compared: ``3``, ``3.0`` and ``03`` are the same code."""
    text = normalise_text(text)
    match = re.fullmatch(r"0*(\d+)(?:\.0+)?", text)
    return match.group(1) if match else text


def _column(table: RawTable, wanted: str) -> str | None:
    folded = [c for c in table.frame.columns if c.casefold() == normalise_text(wanted).casefold()]
    return folded[0] if len(folded) == 1 else None


def read_codebook(folder: Path, labels: Labels, export_file: str, section: str) -> tuple[Codebook | None, list[Problem]]:
    """Read the label sheet or codebook that ``labels`` names.

    Parameters
    ----------
    folder : Path
        The wave folder.
    labels : Labels
        The question's ``labels`` setting.
    export_file : str
        The question's export file: the codebook's file when ``labels`` names none.
    section : str
        ``relations`` or ``external``, for problems naming ``wave.yml`` keys.

    Returns
    -------
    (Codebook or None, list of Problem)
        The codebook, or None and the problems that kept it from being read.
    """
    file = labels.file or export_file
    path = folder / file
    if not path.is_file():
        return None, [Problem(file, None, None, "no such file",
                              f"the codebook that wave.yml's {section}.labels names")]
    try:
        table = read_table(path, labels.sheet)
    except UnreadableFile as exc:
        problem = exc.problem
        expected = problem.expected
        if labels.sheet is not None or "sheet" in problem.found:
            expected += f" (the sheet of texts is wave.yml's {section}.labels.sheet)"
        return None, [dataclasses.replace(problem, expected=expected)]
    wanted = {"variable_column": labels.variable_column, "value_column": labels.value_column,
              "label_column": labels.label_column}
    found = {key: _column(table, header) for key, header in wanted.items()}
    missing = [key for key, header in found.items() if header is None]
    if missing:
        shown = f"{file}, sheet {table.sheet!r}" if table.sheet else file
        return None, [Problem(shown, table.header_row, wanted[key], "no such column",
                              f"the codebook's column that wave.yml's {section}.labels.{key} names "
                              f"(columns are: {', '.join(table.frame.columns)})") for key in missing]
    variables: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    for _, row in table.frame.iterrows():
        variable, value, text = (row[found[k]] for k in ("variable_column", "value_column", "label_column"))
        if not variable or not text:
            continue
        if value:
            values.setdefault(variable.casefold(), {})[_code(value)] = text
        else:
            variables.setdefault(variable.casefold(), text)
    name = f"{file}, sheet {table.sheet!r}" if table.sheet else file
    return Codebook(name, variables, values), []


def apply_codebook(table: RawTable, book: Codebook) -> RawTable:
    """The table with variable codes read as their texts, and answer codes as their answers.

    A header that the codebook does not know, or whose text another column already has,
    is kept as it is; so is a cell whose code has no text (it is then refused, or
    accepted, as the checks of the question decide). The table's ``aliases`` record
    each variable code under its new header, so that ``wave.yml`` may name a column by
    either.

    Parameters
    ----------
    table : RawTable
        The export as read.
    book : Codebook
        Its codebook.

    Returns
    -------
    RawTable
        A new table; ``table`` is not changed.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = RawTable("x.csv", pd.DataFrame({"s_1": ["2"], "s_2_1": ["4"]}, index=pd.Index([2], name="row")))
    >>> book = Codebook("labels.csv", {"s_1": "Hvem er du?", "s_2_1": "Bo Bæk"},
    ...                 {"s_1": {"2": "Åse Ødegård"}, "s_2_1": {"4": "Ugentligt"}})
    >>> apply_codebook(raw, book).frame.to_dict("records")
    [{'Hvem er du?': 'Åse Ødegård', 'Bo Bæk': 'Ugentligt'}]
    """
    renamed: dict[str, str] = {}
    taken = set(table.frame.columns)
    for column in table.frame.columns:
        text = book.variables.get(column.casefold())
        if text and text not in taken:
            renamed[column] = text
            taken.add(text)
    frame = table.frame.copy()
    for column in frame.columns:
        answers = book.values.get(column.casefold())
        if answers:
            frame[column] = [answers.get(_code(cell), cell) if cell else cell for cell in frame[column]]
    frame = frame.rename(columns=renamed)
    aliases = dict(table.aliases)
    aliases.update({code: text for code, text in renamed.items()})
    duplicates = {renamed.get(h, h): positions for h, positions in table.duplicate_columns.items()}
    return dataclasses.replace(table, frame=frame, aliases=aliases, duplicate_columns=duplicates)
