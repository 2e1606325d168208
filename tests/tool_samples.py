"""Write the survey-tool sample exports in ``tests/data/good/<tool>/<dialect>/``.

Every sample holds the answers of the tiny test wave (``tests/data/tiny``: six fabricated
members, five respondents) as one survey tool exports them, after the tool's documented
format, together with a roster and a complete ``wave.yml``; so each must ingest to
exactly tiny's tidy tables (``tests/test_tool_exports.py``).

    python tests/tool_samples.py      # rewrite the samples from tiny's answers

The layouts:

- Google Forms: one CSV (UTF-8, every cell quoted), ``Timestamp``, the respondent's name
  from a drop-down question, grid questions as ``Question [Row]``;
- Microsoft Forms: one XLSX sheet ``Sheet1`` with ``ID``, ``Start time``, ``Completion
  time``, ``Email``, ``Name`` and ``Last modified time`` before one column per matrix
  row; respondents by directory name ("Last, First") or by e-mail address;
- SurveyXact: variable codes (``s_1``, ``s_2_1``, ...) and answer codes with a codebook
  (variable, value, label); CSV with ``;`` in Windows-1252, UTF-16 with tabs, or XLSX
  with a data sheet and a label sheet;
- Qualtrics: CSV (UTF-8 with a byte-order mark) with three header rows: variable names
  (``Q2_1``), question texts and ``{"ImportId": ...}`` JSON; respondents by the contact
  list's external reference (the member number).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

HERE = Path(__file__).parent
TINY = HERE / "data" / "tiny"
GOOD = HERE / "data" / "good"

RELATIONS_Q = "Hvor ofte samarbejder du med ...?"
EXTERNAL_Q = "I hvilken grad har du relationer til ...?"
RELATION_CODES = {"Aldrig": 1, "Sjældent": 2, "Månedligt": 3, "Ugentligt": 4}  # the tool's own codes
EXTERNAL_CODES = {"Slet ikke": 1, "I mindre grad": 2, "I nogen grad": 3, "I høj grad": 4, "Ved ikke": 9}
EXTERNAL_LABELS = {str(code): label for label, code in EXTERNAL_CODES.items()}
OPENED = dt.datetime(2019, 2, 18, 9, 14, 3)

SAMPLES = {
    "google-forms": ("csv",),
    "microsoft-forms": ("xlsx-directory-names", "xlsx-email"),
    "surveyxact": ("csv-cp1252", "csv-utf16", "xlsx"),
    "qualtrics": ("csv",),
}
"""Tool -> its dialects, one sample folder each."""


def _table(name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO((TINY / name).read_text(encoding="utf-8-sig")), delimiter=";"))


def tiny_answers() -> tuple[list[str], list[str], dict, dict]:
    """Tiny's members, partners, and each respondent's answers as labels.

    Returns
    -------
    (members, partners, relations, external)
        Member names and partner columns in tiny's order; respondent -> member -> label
        and respondent -> partner -> label ("" for a blank; codes written as labels).
    """
    relations_rows, external_rows = _table("relations.csv"), _table("external.csv")
    members, partners = relations_rows[0][1:], external_rows[0][1:]
    relations = {row[0]: dict(zip(members, row[1:])) for row in relations_rows[1:]}
    external = {row[0]: {p: EXTERNAL_LABELS.get(v, v) for p, v in zip(partners, row[1:])} for row in external_rows[1:]}
    return members, partners, relations, external


def email(name: str) -> str:
    """A fabricated address in the reserved ``example.org`` domain.

    Examples
    --------
    >>> email("Åse Ødegård")
    'aase.oedegaard@kommune.example.org'
    """
    folded = name.lower().translate(str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"}))
    return ".".join(folded.split()) + "@kommune.example.org"


def last_first(name: str) -> str:
    first, last = name.rsplit(" ", 1)
    return f"{last}, {first}"


def _csv_text(rows: list[list], delimiter: str = ",", quoting: int = csv.QUOTE_MINIMAL) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _workbook(path: Path, sheets: dict[str, list[list]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append([None if cell == "" else cell for cell in row])
    book.properties.created = book.properties.modified = OPENED
    book.save(path)


def _roster(folder: Path, with_email: bool = False) -> None:
    rows = _table("roster.csv")
    if with_email:
        rows = [rows[0] + ["E-mail"]] + [row + [email(row[1])] for row in rows[1:]]
    (folder / "roster.csv").write_text(_csv_text(rows, ";"), encoding="utf-8-sig", newline="")


def _wave_yml(folder: Path, tool: str, relations: str, external: str, roster_email: bool = False) -> str:
    """The sample's wave.yml; its id names the tool and dialect (samples lie side by side)."""
    email_column = " email: E-mail," if roster_email else ""
    return f"""# A sample {tool} export of the tiny test wave (fabricated names). Written by tests/tool_samples.py.
name: Tiny test forum ({tool})
id: {folder.parent.name}-{folder.name}
date: 2019-02-22
previous: null
roster:
  file: roster.csv
  columns: {{member_id: Nr, name: Navn,{email_column} gender: Køn, role: Stilling, department: Afdeling, answered: Besvaret}}
  values:
    gender: {{Kvinde: female, Mand: male}}
    role: {{Direktør: director, Chef: chief}}
    answered: {{Ja: true, Nej: false}}
relations:
{relations}  question: {RELATIONS_Q}
  scale: {{0: Aldrig, 1: Sjældent, 2: Månedligt, 3: Ugentligt}}
  tie_threshold: 2
external:
{external}  question: {EXTERNAL_Q}
  scale: {{1: Slet ikke, 2: I mindre grad, 3: I nogen grad, 4: I høj grad}}
  dont_know: [Ved ikke]
  partners:
    - {{id: municipalities, column: Andre kommuner, da: Andre kommuner, en: Other municipalities}}
    - {{id: citizens, column: Borgere, da: Borgere, en: Citizens}}
privacy:
  min_group_size: 3
"""


def google_forms(folder: Path) -> None:
    members, partners, relations, external = tiny_answers()
    file = "Netvaerk 2019 (Responses) - Form Responses 1.csv"
    header = (["Timestamp", "Hvem er du?"] + [f"{RELATIONS_Q} [{m}]" for m in members]
              + [f"{EXTERNAL_Q} [{p}]" for p in partners])
    rows = [header]
    for i, who in enumerate(relations):
        when = OPENED + dt.timedelta(hours=5 * i, minutes=7 * i)
        stamp = f"{when:%Y/%m/%d} {when:%I:%M:%S %p} GMT+1".replace(" 0", " ", 1)
        rows.append([stamp, who] + [relations[who][m] for m in members] + [external[who][p] for p in partners])
    (folder / file).write_text(_csv_text(rows, quoting=csv.QUOTE_ALL), encoding="utf-8", newline="")
    both = f"""  file: {file}
  format: wide
  respondent_column: Hvem er du?
  match: name
"""
    (folder / "wave.yml").write_text(_wave_yml(folder, "Google Forms", both + "  member_columns: [\"Hvor ofte*\"]\n", both),
                                     encoding="utf-8")
    _roster(folder)


def microsoft_forms(folder: Path, by_email: bool) -> None:
    members, partners, relations, external = tiny_answers()
    file = "Netværksundersøgelse 2019(1-5).xlsx"
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"] + members + partners
    rows = [header]
    for i, who in enumerate(relations, start=1):
        start = OPENED + dt.timedelta(days=i, minutes=13 * i)
        rows.append([i, start, start + dt.timedelta(minutes=4, seconds=17 * i), email(who), last_first(who), ""]
                    + [relations[who][m] for m in members] + [external[who][p] for p in partners])
    _workbook(folder / file, {"Sheet1": rows})
    who = ("  respondent_column: Email\n  respondent_match: email\n  match: name\n" if by_email
           else "  respondent_column: Name\n  match: name\n")
    relations_yml = (f"  file: {file}\n  format: wide\n{who}"
                     "  ignore_columns: [ID, Start time, Completion time, Email, Name, Last modified time]\n")
    external_yml = f"  file: {file}\n  format: wide\n{who}"
    (folder / "wave.yml").write_text(_wave_yml(folder, "Microsoft Forms", relations_yml, external_yml, by_email),
                                     encoding="utf-8")
    _roster(folder, with_email=by_email)


def _surveyxact_tables() -> tuple[list[list], list[list]]:
    members, partners, relations, external = tiny_answers()
    code_of = {m: i for i, m in enumerate(members, start=1)}
    header = ["respondentid", "s_1"] + [f"s_2_{i}" for i in range(1, len(members) + 1)] \
        + [f"s_3_{i}" for i in range(1, len(partners) + 1)]
    data = [header]
    for i, who in enumerate(relations):
        data.append([40817 + 3 * i, code_of[who]]
                    + [RELATION_CODES.get(relations[who][m], "") for m in members]
                    + [EXTERNAL_CODES.get(external[who][p], "") for p in partners])
    labels = [["Variable", "Value", "Label"], ["respondentid", "", "Respondent-id"], ["s_1", "", "Hvem er du?"]]
    labels += [["s_1", code_of[m], m] for m in members]
    for i, m in enumerate(members, start=1):
        labels.append([f"s_2_{i}", "", f"{RELATIONS_Q} - {m}"])
        labels += [[f"s_2_{i}", code, label] for label, code in RELATION_CODES.items()]
    for i, p in enumerate(partners, start=1):
        labels.append([f"s_3_{i}", "", f"{EXTERNAL_Q} - {p}"])
        labels += [[f"s_3_{i}", code, label] for label, code in EXTERNAL_CODES.items()]
    return data, labels


def surveyxact(folder: Path, dialect: str) -> None:
    data, labels = _surveyxact_tables()
    if dialect == "xlsx":
        file = "surveyxact.xlsx"
        _workbook(folder / file, {"Dataset": data, "Labels": labels})
        where, codebook = f"  file: {file}\n  sheet: Dataset\n", "  labels: {sheet: Labels}\n"
    else:
        file = "dataset.csv"
        delimiter, encoding = (";", "cp1252") if dialect == "csv-cp1252" else ("\t", "utf-16")
        for name, rows in ((file, data), ("labels.csv", labels)):
            (folder / name).write_bytes(_csv_text(rows, delimiter).encode(encoding))
        where, codebook = f"  file: {file}\n", "  labels: labels.csv\n"
    common = f"{where}  format: wide\n  respondent_column: s_1\n  match: name\n{codebook}"
    (folder / "wave.yml").write_text(_wave_yml(folder, "SurveyXact", common + "  member_columns: [\"s_2_*\"]\n", common),
                                     encoding="utf-8")
    _roster(folder)


QUALTRICS_META = [
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/Copenhagen"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Europe/Copenhagen"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"Europe/Copenhagen"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientLastName", "Recipient Last Name", '{"ImportId":"recipientLastName"}'),
    ("RecipientFirstName", "Recipient First Name", '{"ImportId":"recipientFirstName"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
    ("ExternalReference", "External Data Reference", '{"ImportId":"externalDataReference"}'),
    ("LocationLatitude", "Location Latitude", '{"ImportId":"locationLatitude"}'),
    ("LocationLongitude", "Location Longitude", '{"ImportId":"locationLongitude"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
]
"""Qualtrics' metadata columns: variable name, question text, ImportId."""


def qualtrics(folder: Path) -> None:
    members, partners, relations, external = tiny_answers()
    number = {row[1]: row[0] for row in _table("roster.csv")[1:]}
    file = "Netvaerk 2019_February 22, 2019_10.15.csv"
    names = [m[0] for m in QUALTRICS_META] + [f"Q2_{i}" for i in range(1, len(members) + 1)] \
        + [f"Q3_{i}" for i in range(1, len(partners) + 1)]
    texts = [m[1] for m in QUALTRICS_META] + [f"{RELATIONS_Q} - {m}" for m in members] \
        + [f"{EXTERNAL_Q} - {p}" for p in partners]
    ids = [m[2] for m in QUALTRICS_META] + [f'{{"ImportId":"QID2_{i}"}}' for i in range(1, len(members) + 1)] \
        + [f'{{"ImportId":"QID3_{i}"}}' for i in range(1, len(partners) + 1)]
    rows = [names, texts, ids]
    for i, who in enumerate(relations):
        start = OPENED + dt.timedelta(hours=3 * i, minutes=11 * i)
        end = start + dt.timedelta(seconds=250 + 31 * i)
        first, last = who.rsplit(" ", 1)
        meta = [f"{start:%Y-%m-%d %H:%M:%S}", f"{end:%Y-%m-%d %H:%M:%S}", "0", "", "100", str(250 + 31 * i), "1",
                f"{end:%Y-%m-%d %H:%M:%S}", f"R_{'3kZ8qPw2Lm5Xa7Bc9Df1Gh4Jn6'[i:i + 15]}", last, first, email(who),
                number[who], "", "", "email", "DA"]
        rows.append(meta + [relations[who][m] for m in members] + [external[who][p] for p in partners])
    (folder / file).write_text(_csv_text(rows), encoding="utf-8-sig", newline="")
    common = (f"  file: {file}\n  header_row: 2     # row 1: variable names (Q2_1), row 2: question texts\n"
              "  skip_rows: [3]    # row 3: Qualtrics' ImportIds\n  format: wide\n"
              "  respondent_column: External Data Reference\n  respondent_match: id\n  match: name\n")
    (folder / "wave.yml").write_text(_wave_yml(folder, "Qualtrics", common + "  member_columns: [\"Hvor ofte*\"]\n",
                                               common), encoding="utf-8")
    _roster(folder)


def write_samples(dest: Path = GOOD) -> list[Path]:
    """Write every sample folder under ``dest``; return them.

    Parameters
    ----------
    dest : Path
        The folder to write ``<tool>/<dialect>/`` into (default: ``tests/data/good``).

    Returns
    -------
    list of Path
        The sample folders, in :data:`SAMPLES` order.
    """
    makers = {
        ("google-forms", "csv"): google_forms,
        ("microsoft-forms", "xlsx-directory-names"): lambda f: microsoft_forms(f, by_email=False),
        ("microsoft-forms", "xlsx-email"): lambda f: microsoft_forms(f, by_email=True),
        ("surveyxact", "csv-cp1252"): lambda f: surveyxact(f, "csv-cp1252"),
        ("surveyxact", "csv-utf16"): lambda f: surveyxact(f, "csv-utf16"),
        ("surveyxact", "xlsx"): lambda f: surveyxact(f, "xlsx"),
        ("qualtrics", "csv"): qualtrics,
    }
    folders = []
    for tool, dialects in SAMPLES.items():
        for dialect in dialects:
            folder = dest / tool / dialect
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            makers[tool, dialect](folder)
            folders.append(folder)
    return folders


if __name__ == "__main__":
    for path in write_samples():
        print(path)
