"""Recognise the survey tool that wrote an export, from the export alone.

Used twice: by :mod:`helpers.ingest.validate` to turn a tool's typical mistake in
``wave.yml`` into a problem that names the setting to change, and by
:mod:`helpers.ingest.draft` to draft a ``wave.yml``. Each test looks at what the tool's
documented export format always has:

- **Qualtrics** (CSV): three header rows, variable names (``Q1_1``), question texts, and
  ``{"ImportId":"QID1_1"}`` JSON;
- **SurveyXact**: variable codes as headers (``s_1``, ``s_2_1``) with the texts in a
  label sheet or codebook;
- **Google Forms** (CSV): a first column ``Timestamp`` (``Tidsstempel`` in Danish) and
  grid questions as ``Question [Row]``;
- **Microsoft Forms** (XLSX): ``ID``, ``Start time``, ``Completion time``, ``Email``,
  ``Name`` (or their Danish forms) before the questions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from helpers.ingest.readers import RawTable, normalise_text

__all__ = ["EMAIL", "GOOGLE_FORMS_COLUMNS", "MICROSOFT_FORMS_COLUMNS", "QUALTRICS_METADATA", "TOOLS",
           "detect_tool", "import_id_rows", "is_email", "looks_like_codebook", "variable_codes"]

TOOLS = ("qualtrics", "surveyxact", "google-forms", "microsoft-forms", "other")
"""The tools :func:`detect_tool` tells apart (``other``: none of them)."""

EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}")
_IMPORT_ID = re.compile(r'^\{\s*"ImportId"\s*:')
_VARIABLE_CODE = re.compile(r"(?i)s_\d+(?:_\d+)*")

GOOGLE_FORMS_COLUMNS = frozenset({"timestamp", "tidsstempel", "email address", "e-mailadresse"})
"""Google Forms' own columns (English and Danish), case-folded."""

MICROSOFT_FORMS_COLUMNS = frozenset({
    "id", "start time", "completion time", "email", "name", "last modified time",
    "starttidspunkt", "tidspunkt for fuldførelse", "mail", "e-mail", "navn", "tidspunkt for seneste ændring",
})
"""Microsoft Forms' own columns (English and Danish), case-folded."""

QUALTRICS_METADATA = frozenset({
    "startdate", "enddate", "status", "ipaddress", "progress", "duration (in seconds)", "finished",
    "recordeddate", "responseid", "recipientlastname", "recipientfirstname", "recipientemail",
    "externalreference", "locationlatitude", "locationlongitude", "distributionchannel", "userlanguage",
    "start date", "end date", "response type", "ip address", "recorded date", "response id",
    "recipient last name", "recipient first name", "recipient email", "external data reference",
    "location latitude", "location longitude", "distribution channel", "user language",
})
"""Qualtrics' metadata columns, by variable name and by question text, case-folded."""


def is_email(text: str) -> bool:
    """Whether a cell is an e-mail address.

    Parameters
    ----------
    text : str
        A cell.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_email("bo.baek@example.org"), is_email("Bæk, Bo")
    (True, False)
    """
    return bool(EMAIL.fullmatch(normalise_text(text)))


def import_id_rows(table: RawTable) -> list[int]:
    """Spreadsheet rows (the header's included) that are Qualtrics' ImportId row.

    Parameters
    ----------
    table : RawTable
        An export as read.

    Returns
    -------
    list of int
        Rows most of whose filled cells are ``{"ImportId": ...}`` JSON.

    Examples
    --------
    >>> import pandas as pd
    >>> t = RawTable("q.csv", pd.DataFrame(), rows=((1, ("Q1_1",)), (2, ("Bo",)), (3, ('{"ImportId":"QID1_1"}',))))
    >>> import_id_rows(t)
    [3]
    """
    return [n for n, cells in table.rows if sum(bool(_IMPORT_ID.match(c)) for c in cells if c) >= 1
            and sum(bool(_IMPORT_ID.match(c)) for c in cells if c) * 2 >= sum(1 for c in cells if c)]


def variable_codes(headers: Iterable[str]) -> list[str]:
    """The headers that are SurveyXact variable codes (``s_1``, ``s_2_1``).

    Parameters
    ----------
    headers : iterable of str
        Column headers.

    Returns
    -------
    list of str
        Those that are codes, in their order.

    Examples
    --------
    >>> variable_codes(["respondentid", "s_1", "s_2_1", "Bo Bæk"])
    ['s_1', 's_2_1']
    """
    return [h for h in headers if _VARIABLE_CODE.fullmatch(normalise_text(h))]


def looks_like_codebook(headers: Iterable[str]) -> bool:
    """Whether a table's headers are those of a label sheet or codebook (variable, value, label).

    Parameters
    ----------
    headers : iterable of str
        Column headers (or a sheet's first filled row).

    Returns
    -------
    bool
        True when there is a column of variables and one of texts (Danish or English names).

    Examples
    --------
    >>> looks_like_codebook(["Variabel", "Værdi", "Tekst"]), looks_like_codebook(["Nr", "Navn"])
    (True, False)
    """
    folded = {normalise_text(h).casefold() for h in headers}
    variable = folded & {"variable", "variabel", "variable name", "variabelnavn", "name"}
    label = folded & {"label", "tekst", "text", "etiket", "label text", "labeltekst"}
    return bool(variable and label)


def detect_tool(table: RawTable) -> str:
    """The survey tool that wrote ``table`` (one of :data:`TOOLS`).

    Parameters
    ----------
    table : RawTable
        The export, read with its first filled row as the header.

    Returns
    -------
    str
        ``qualtrics``, ``surveyxact``, ``google-forms``, ``microsoft-forms`` or ``other``.
    """
    headers = [normalise_text(h).casefold() for h in table.frame.columns]
    if import_id_rows(table) or len(set(headers) & QUALTRICS_METADATA) >= 4:
        return "qualtrics"
    if len(variable_codes(headers)) >= 2:
        return "surveyxact"
    if headers and headers[0] in GOOGLE_FORMS_COLUMNS:
        return "google-forms"
    if len(set(headers[:6]) & MICROSOFT_FORMS_COLUMNS) >= 3:
        return "microsoft-forms"
    return "other"
