"""The writers: the workbook holds the same values as the CSV; CSV and JSON formatting is fixed."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from decimal import Decimal

import openpyxl


def csv_cells(path) -> dict[tuple[str, str, str], str]:
    with open(path, encoding="utf-8", newline="") as f:
        return {(r["template"], r["row"], r["column"]): r["value"] for r in csv.DictReader(f)}


def xlsx_cells(path) -> dict[tuple[str, str, str], object]:
    """Cells read back from the workbook by their margin codes (column A, header row 5)."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets[1:]:
        first = 3 if ws.cell(4, 2).value == "Item" else 2
        codes = {
            j: ws.cell(5, j).value for j in range(first, ws.max_column + 1) if ws.cell(5, j).value
        }
        for i in range(6, ws.max_row + 1):
            row = ws.cell(i, 1).value
            if row is None or row == "Notes":
                continue
            for j, col in codes.items():
                v = ws.cell(i, j).value
                if v is not None:
                    out[(ws.title, str(row), str(col))] = v
    return out


def same(xl: object, text: str) -> bool:
    if isinstance(xl, datetime):
        return xl.date().isoformat() == text
    if isinstance(xl, int | float):
        return Decimal(str(xl)) == Decimal(text)
    return str(xl) == text


def test_xlsx_equals_csv(seeded, tmp_path):
    db, t = seeded
    tmp_path = tmp_path / "out"  # an export folder must be empty (the database file is here)
    db.reports.export("all", "2025", t, ["xlsx", "csv"], tmp_path)
    from_csv: dict = {}
    for name in ("c16", "c17.01", "c17.02", "or1", "or2", "or3"):
        from_csv |= csv_cells(tmp_path / f"{name}.csv")
    from_xl = xlsx_cells(tmp_path / "oprisk-2025.xlsx")
    assert from_xl.keys() == from_csv.keys()
    wrong = {k: (from_xl[k], v) for k, v in from_csv.items() if not same(from_xl[k], v)}
    assert not wrong
    wb = openpyxl.load_workbook(tmp_path / "oprisk-2025.xlsx")
    assert wb.sheetnames == ["Cover", "C 16.00", "C 17.01", "C 17.02", "OR1", "OR2", "OR3"]
    cover = {r[0].value: r[1].value for r in wb["Cover"].iter_rows(min_row=3) if r[0].value}
    assert cover["Knowledge cut-off: log position"] == str(db.position(t))
    ws = wb["C 17.01"]
    assert ws.freeze_panes == "C6"
    assert (
        ws["B6"].value.startswith("Corporate finance")
        and ws["A7"].value == "0010"
        and ws["C5"].value == "0010"
    )
    amounts = [
        c
        for row in ws.iter_rows(min_row=6)
        for c in row
        if isinstance(c.value, int | float) and c.value >= 15000
    ]
    assert amounts and all(c.number_format.startswith("#,##0.00") for c in amounts)


def test_csv_and_json_formatting(seeded, tmp_path):
    db, t = seeded
    tmp_path = tmp_path / "out"  # an export folder must be empty (the database file is here)
    db.reports.export(["c17.01", "c17.02", "or3"], "2025", t, ["csv", "json"], tmp_path)
    raw = (tmp_path / "c17.01.csv").read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    rows = list(csv.DictReader(raw.decode("utf-8").splitlines()))
    assert rows[0].keys() == {
        "template",
        "row",
        "column",
        "value",
        "kind",
        "row_label",
        "column_label",
    }
    by = {(r["row"], r["column"]): r for r in rows}
    assert by[("0920", "0080")]["value"] == "1549000.00" and by[("0910", "0080")]["value"] == "6"
    assert by[("0540", "0060")]["value"] == "-5000.00"
    c1702 = {
        (r["row"], r["column"]): r["value"]
        for r in csv.DictReader((tmp_path / "c17.02.csv").read_text(encoding="utf-8").splitlines())
    }
    assert c1702[("C-BIG", "0020")] == date(2025, 2, 1).isoformat()
    text = (tmp_path / "c17.01.json").read_text(encoding="utf-8")
    assert '"0080": 1549000.00' in text  # amounts: bare numbers with exactly two decimals
    doc = json.loads(text)
    assert doc["cells"]["0910"]["0080"] == 6 and doc["knowledge_cutoff"]["position"] == db.position(
        t
    )
    assert list(doc) == sorted(doc)
    or3 = json.loads((tmp_path / "or3.json").read_text(encoding="utf-8"), parse_float=Decimal)
    assert or3["cells"]["2"]["a"].as_tuple().exponent == -6  # the ILM with six decimals
