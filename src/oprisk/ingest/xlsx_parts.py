"""The raw XML parts of an XLSX workbook, checked before a parser reads them.

An XLSX file is a zip of XML parts, and a small one can hold a lot: a part that decompresses to
gigabytes (a zip bomb), a DTD whose entities expand exponentially (billion laughs), a single cell
of hundreds of megabytes in the sheet (which an XML parser would build in memory). So before
openpyxl opens the workbook every XML part's declared size is checked against
``max_xlsx_part_size`` and its prolog for a DTD (an XLSX part never has one), and the sheet is
scanned once, in chunks, for a run of text or a tag longer than a cell may be; the same pass
collects the sheet's merged ranges (read-only parsing does not report them). The shared-string
table, which a workbook must hold in memory, is read by :func:`read_shared_strings` into a plain
list: openpyxl's own reader keeps every parsed element alive until the end of the part, about
nine times the part's size in memory.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import IO, Any

from oprisk.errors import IngestionError
from oprisk.ingest.limits import Limits
from oprisk.ingest.records import CHUNK

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SI, _T, _R = f"{_MAIN}si", f"{_MAIN}t", f"{_MAIN}r"

__all__ = ["check_workbook", "open_workbook", "read_shared_strings", "scan_sheet"]

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+[0-9]+)(?::([A-Z]+[0-9]+))?"')
_ELEMENT = re.compile(rb"<[A-Za-z_]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
#: bytes of XML one character of a cell can take: 3 in UTF-8 for CJK, 5 for "&amp;", plus slack
_BYTES_PER_CHAR = 6
#: merged ranges a sheet may have (each is held in memory while the sheet is read)
MAX_MERGES = 100_000


def check_workbook(path: Path, limits: Limits) -> None:
    """Refuse a workbook with an XML part over the size limit or with a DTD (before parsing)."""
    where = f"cannot read {str(path)!r}"
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith((".xml", ".rels")):
                    continue
                if info.file_size > limits.max_xlsx_part_size:
                    raise IngestionError(
                        f"{where}: its part {info.filename} decompresses to {info.file_size:,} "
                        f"bytes, above {limits.describe('max_xlsx_part_size')} (raise it in the "
                        "mapping if the workbook is real, or save the sheet as CSV)"
                    )
                with archive.open(info) as part:
                    if _declares_dtd(part):
                        raise IngestionError(
                            f"{where}: its part {info.filename} declares a DTD (entities), which "
                            "no Excel workbook does; refused as hostile XML"
                        )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise IngestionError(f"{where}: not a readable XLSX workbook ({exc})") from None


def _declares_dtd(part: IO[bytes]) -> bool:
    """Whether a DTD comes before the part's first element (the only place one can be)."""
    tail = b""
    for chunk in iter(lambda: part.read(CHUNK), b""):
        buf = tail + chunk
        element = _ELEMENT.search(buf)
        if _DTD.search(buf, 0, element.start() if element else len(buf)):
            return True
        if element:
            return False
        tail = buf[-16:]
    return False


def scan_sheet(
    archive: zipfile.ZipFile, part: str, limits: Limits
) -> list[tuple[int, int, int, int, str]]:
    """Scan a sheet's XML: refuse a cell or tag too long for ``max_field_size``; return the
    merged ranges (min_row, min_col, max_row, max_col, ref)."""
    from openpyxl.utils.cell import coordinate_to_tuple

    longest = limits.max_field_size * _BYTES_PER_CHAR + 4096
    found: list[tuple[int, int, int, int, str]] = []
    tail = b""
    run = 0  # bytes since the last "<"
    with archive.open(part) as src:
        for chunk in iter(lambda: src.read(CHUNK), b""):
            pieces = chunk.split(b"<")
            run += len(pieces[0])
            if len(pieces) > 1:
                run = max(run, max(map(len, pieces[1:-1]), default=0))
                if run <= longest:
                    run = len(pieces[-1])
            if run > longest:
                raise IngestionError(
                    f"cannot read {archive.filename!r}: its sheet {part} holds a cell or tag of "
                    f"more than {longest:,} bytes, too long for {limits.describe('max_field_size')} "
                    "characters; refused before reading it"
                )
            buf = tail + chunk
            last = 0
            for m in _MERGE.finditer(buf):
                a = m.group(1).decode()
                b = (m.group(2) or m.group(1)).decode()
                (r1, c1), (r2, c2) = coordinate_to_tuple(a), coordinate_to_tuple(b)
                found.append((r1, c1, r2, c2, f"{a}:{b}"))
                last = m.end()
            if len(found) > MAX_MERGES:
                raise IngestionError(
                    f"cannot read {archive.filename!r}: its sheet {part} has more than "
                    f"{MAX_MERGES:,} merged ranges; unmerge the cells or save the sheet as CSV"
                )
            tail = buf[max(last, len(buf) - 200) :]
    return found


def read_shared_strings(part: IO[bytes]) -> list[str]:
    """The shared strings of a workbook as openpyxl reads them (the plain text and the rich-text
    runs of each item, phonetic runs aside), keeping no parsed element past its item."""
    from defusedxml.ElementTree import iterparse

    strings: list[str] = []
    root = None
    for event, element in iterparse(part, events=("start", "end")):
        if root is None:
            root = element
        if event != "end" or element.tag != _SI:
            continue
        text = [t.text or "" for t in element.findall(_T)]
        text += [t.text or "" for r in element.findall(_R) for t in r.findall(_T)]
        strings.append("".join(text).replace("x005F_", ""))
        root.clear()  # the items parsed so far: iterparse would keep them all
    return strings


def open_workbook(path: Path) -> Any:
    """An openpyxl read-only workbook (cached formula values), its shared strings read lean."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    class _Reader(ExcelReader):
        def read_strings(self) -> None:
            ct = self.package.find(SHARED_STRINGS)
            if ct is not None:
                with self.archive.open(ct.PartName[1:]) as src:
                    self.shared_strings = read_shared_strings(src)

    reader = _Reader(path, read_only=True, data_only=True)
    reader.read()
    return reader.wb
