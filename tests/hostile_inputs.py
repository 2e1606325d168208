"""Large and malformed inputs of the hostile-input corpus, made at test time (never committed).

Each generator takes the case's folder and writes the file the case's ``expected.yml``
names under ``generate``.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

MIB = 1024**2


def _workbook(path: Path, rows: list[list]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _rewrite(path: Path, member: str, edit) -> None:
    """Rewrite one part of a zip archive (an XLSX workbook) with ``edit(bytes) -> bytes``."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, edit(data) if info.filename == member else data)
    shutil.move(tmp, path)


def stale_dimension(folder: Path, file: str, source: Path) -> None:
    """The CSV ``source`` as a workbook whose stored ``<dimension>`` claims only the first two rows."""
    import csv

    with open(source, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    target = _workbook(folder / file, rows)
    _rewrite(target, "xl/worksheets/sheet1.xml",
             lambda xml: re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:F3" />', xml))


def zip_bomb(folder: Path, file: str, mib: int = 300) -> None:
    """A workbook of about a megabyte holding one cell of ``mib`` MiB (a "zip bomb")."""
    target = _workbook(folder / file, [["Medarbejdernr", "Navn"], ["1", "x"]])
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(target) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, src.read(info.filename))
                continue
            with dst.open(info.filename, "w", force_zip64=True) as out:
                out.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                          b'<row r="1"><c r="A1" t="inlineStr"><is><t>')
                chunk = b"x" * MIB
                for _ in range(mib):
                    out.write(chunk)
                out.write(b"</t></is></c></row></sheetData></worksheet>")
    shutil.move(tmp, target)


def entity_bomb(folder: Path, file: str, source: Path) -> None:
    """The CSV ``source`` as a workbook whose sheet declares nine levels of nested XML entities
    ("billion laughs", a billion characters) and uses the last in a cell."""
    import csv

    with open(source, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    target = _workbook(folder / file, rows)
    entities = b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1)) * 10) for i in range(1, 10))
    doctype = b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol0 "lollollollollollollollollollol">' + entities + b"]>"
    cell = b'<row r="99"><c r="A99" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>'
    _rewrite(target, "xl/worksheets/sheet1.xml",
             lambda xml: doctype + xml.split(b"?>", 1)[-1].replace(b"</sheetData>", cell, 1))


def blank_rows(folder: Path, file: str, source: Path, mib: int = 48, where: str = "end") -> None:
    """The CSV ``source`` with ``mib`` MiB of blank rows (``;;;;``) at its ``end`` or in its ``middle``."""
    text = source.read_text(encoding="utf-8-sig")
    head, _, rest = text.partition("\n")
    flood = ";;;;\r\n" * (mib * MIB // 6)
    body = head + "\n" + (flood + rest if where == "middle" else rest + flood)
    (folder / file).write_text(body, encoding="utf-8-sig")


def long_cell(folder: Path, file: str, source: Path, column: str, chars: int = 200_000) -> None:
    """The CSV ``source`` with the first data row's cell in ``column`` made ``chars`` characters long (quoted)."""
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(";")
    cells = lines[1].split(";")
    cells[header.index(column)] = '"' + "Afdeling " * (chars // 9) + '"'
    lines[1] = ";".join(cells)
    (folder / file).write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")


def yaml_bomb(folder: Path, file: str, where: str = "top") -> None:
    """``file`` with nine levels of nested aliases (a "billion laughs") added at ``where``."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    text = (folder / file).read_text(encoding="utf-8")
    if where == "scale":
        bomb = "\n".join("  " + line for line in lines)
        text = re.sub(r"(?m)^relations:\n", "relations:\n" + bomb.replace("a9: &a9", "x_bomb: &a9") + "\n", text, count=1)
    else:
        text = "\n".join(lines) + "\n" + text
    (folder / file).write_text(text, encoding="utf-8")


GENERATORS = {
    "stale_dimension": stale_dimension,
    "zip_bomb": zip_bomb,
    "entity_bomb": entity_bomb,
    "blank_rows": blank_rows,
    "long_cell": long_cell,
    "yaml_bomb": yaml_bomb,
}
