"""The writers: the workbook holds the same values as the CSV, and only supervisory content;
CSV and JSON formatting is fixed."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from oprisk.reports.xlsx import CODES, GREY


def csv_cells(path) -> dict[tuple[str, str, str], str]:
    with open(path, encoding="utf-8", newline="") as f:
        return {(r["template"], r["row"], r["column"]): r["value"] for r in csv.DictReader(f)}


def xlsx_cells(path) -> dict[tuple[str, str, str], object]:
    """Cells read back from the workbook by their codes: row codes in column A (closed tables) or
    the first key column (open tables), column codes in the code row."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets[1:]:
        codes = {j: ws.cell(CODES, j).value for j in range(1, ws.max_column + 1)}
        for i in range(CODES + 1, ws.max_row + 1):
            row = ws.cell(i, 1).value
            for j, col in codes.items():
                v = ws.cell(i, j).value
                if v is not None and col is not None:
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
    db.reports.export("all", "2025", t, ["xlsx", "csv"], tmp_path, threshold=10_000)
    from_csv: dict = {}
    for name in ("c16", "c17.01", "c17.02", "or1", "or2", "or3"):
        from_csv |= csv_cells(tmp_path / f"{name}.csv")
    from_xl = xlsx_cells(tmp_path / "oprisk-2025.xlsx")
    from_xl = {k: v for k, v in from_xl.items() if k[1] != "None"}
    assert from_xl.keys() == from_csv.keys()
    wrong = {k: (from_xl[k], v) for k, v in from_csv.items() if not same(from_xl[k], v)}
    assert not wrong
    wb = openpyxl.load_workbook(tmp_path / "oprisk-2025.xlsx")
    assert wb.sheetnames == ["Cover", "C 16.00", "C 17.01", "C 17.02", "OR1", "OR2", "OR3"]
    ws = wb["C 17.01"]
    assert ws.freeze_panes == "C6"
    assert (
        ws["A7"].value == "0010"
        and ws["C5"].value == "0010"
        and ws["B6"].value.startswith("Corporate")
    )
    amounts = [
        c
        for row in ws.iter_rows(min_row=6)
        for c in row
        if isinstance(c.value, int | float) and c.value >= 15000
    ]
    assert amounts and all(c.number_format.startswith("#,##0.00") for c in amounts)


def test_workbook_holds_only_supervisory_content(seeded, tmp_path):
    db, t = seeded
    tmp_path = tmp_path / "out"  # an export folder must be empty (the database file is here)
    db.reports.export("all", "2025", t, "xlsx", tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "oprisk-2025.xlsx")
    for ws in wb.worksheets[1:]:
        text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
        assert "unconfirmed" not in text.lower() and "Notes" not in text, ws.title
        # the code column holds only codes (or, in an open table, the first key)
        for i in range(CODES + 1, ws.max_row + 1):
            v = ws.cell(i, 1).value
            if ws.title in ("C 17.02",):
                continue
            assert v is None or (str(v).replace(".", "").isalnum() and len(str(v)) <= 4), (
                ws.title,
                v,
            )
        assert all(c.value is None or len(str(c.value)) <= 4 for c in ws[CODES]), (
            ws.title
        )  # the code row holds only codes
    cover = {r[0].value: r[1].value for r in wb["Cover"].iter_rows(min_row=3) if r[0].value}
    assert cover["Knowledge cut-off: log position"] == db.position(t)  # a number, not text
    assert cover["Reporting period: reference date"].date() == date(2025, 12, 31)
    assert cover["Interim period"] is False and cover["C 17.02 threshold (gross loss)"] == 100000
    # not-applicable cells are shaded: C 16.00 row 030 (a TSA line) has no own funds column
    ws = wb["C 16.00"]
    row = next(i for i in range(6, ws.max_row + 1) if ws.cell(i, 1).value == "030")
    col = next(j for j in range(3, ws.max_column + 1) if ws.cell(CODES, j).value == "070")
    assert ws.cell(row, col).fill.fgColor.rgb.endswith(GREY) and ws.cell(row, col).value is None
    assert not ws.cell(row, 3).fill.fgColor.rgb.endswith(GREY)


def test_eba42_workbook_shades_header_rows_and_columns(db, clock, tmp_path):
    from datetime import UTC

    import small_bank as sb

    clock.jump(datetime(2026, 7, 20, 9, tzinfo=UTC))
    sb.seed(db)
    tmp_path = tmp_path / "out"  # an export folder must be empty (the database file is here)
    db.reports.export(None, "2026-06-30", None, ["xlsx", "csv"], tmp_path, legal_entity=sb.GROUP,
                      subsidiaries={sb.SUB: sb.SUB_LEI})  # fmt: skip
    wb = openpyxl.load_workbook(tmp_path / "oprisk-2026-06-30.xlsx")
    assert wb.sheetnames[1:] == [
        "C 16.01.a", "C 16.01.b", "C 16.02", "C 16.03", "C 16.04", "C 17.01.a", "C 17.01.b",
        "C 17.02",
    ]  # fmt: skip
    ws = wb["C 17.01.a"]
    assert ws["A6"].value == "0009" and ws["B6"].value == "CORPORATE FINANCE [CF]"
    assert ws["A6"].fill.fgColor.rgb.endswith(GREY) and ws["C6"].fill.fgColor.rgb.endswith(GREY)
    ws = wb["C 16.02"]
    codes = [ws.cell(CODES, j).value for j in range(3, ws.max_column + 1)]
    assert codes[:3] == ["0009", "0010", "0020"]  # the YEAR-3 header column, then its values
    assert ws.cell(CODES, 3).fill.fgColor.rgb.endswith(GREY)
    ws = wb["C 16.04"]  # an open table: the keys first
    assert [ws.cell(CODES, j).value for j in (1, 2, 3)] == ["0010", "0020", "0030"]
    assert [ws.cell(CODES + 1, j).value for j in (1, 2)] == [sb.SUB, sb.SUB_LEI]
    from_csv: dict = {}
    for p in tmp_path.glob("c_*.csv"):
        from_csv |= csv_cells(p)
    from_xl = xlsx_cells(tmp_path / "oprisk-2026-06-30.xlsx")
    open_tables = {"C 16.04", "C 17.02"}
    closed = {k: v for k, v in from_csv.items() if k[0] not in open_tables}
    assert all(same(from_xl[k], v) for k, v in closed.items())
    assert {k for k in from_xl if k[0] not in open_tables} == set(closed)


def test_csv_and_json_formatting(seeded, tmp_path):
    db, t = seeded
    tmp_path = tmp_path / "out"  # an export folder must be empty (the database file is here)
    db.reports.export(["c17.01", "c17.02", "or3"], "2025", t, ["csv", "json"], tmp_path,
                      threshold=10_000)  # fmt: skip
    raw = (tmp_path / "c17.01.csv").read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    rows = list(csv.DictReader(raw.decode("utf-8").splitlines()))
    assert list(rows[0]) == [
        "template",
        "row",
        "column",
        "value",
        "kind",
        "row_label",
        "column_label",
    ]
    by = {(r["row"], r["column"]): r for r in rows}
    assert by[("0920", "0080")]["value"] == "1549000.00" and by[("0910", "0080")]["value"] == "6"
    assert by[("0540", "0060")]["value"] == "-5000.00"  # a negative number stays a number
    c1702 = {
        (r["row"], r["column"]): r["value"]
        for r in csv.DictReader((tmp_path / "c17.02.csv").read_text(encoding="utf-8").splitlines())
    }
    assert c1702[("C-BIG", "0020")] == date(2025, 2, 1).isoformat()
    assert c1702[("C-BIG", "0010")] == "C-BIG"  # the key, as a cell of its key column
    text = (tmp_path / "c17.01.json").read_text(encoding="utf-8")
    assert '"0080": 1549000.00' in text  # amounts: bare numbers with exactly two decimals
    doc = json.loads(text)
    assert doc["cells"]["0910"]["0080"] == 6 and doc["knowledge_cutoff"]["position"] == db.position(
        t
    )
    assert list(doc) == sorted(doc) and "notes" not in doc
    or3 = json.loads((tmp_path / "or3.json").read_text(encoding="utf-8"), parse_float=Decimal)
    assert or3["cells"]["2"]["a"].as_tuple().exponent == -6  # the ILM with six decimals
    m = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert any("unconfirmed" in n for n in m["notes"]["c17.01"])  # the notes are here instead


@pytest.mark.parametrize("period", ["2025", "2025-H1"])
def test_period_labels_in_file_names(seeded, tmp_path, period):
    db, t = seeded
    tmp_path = tmp_path / "out"  # an export folder must be empty (the database file is here)
    r = db.reports.export(["c17.02"], period, t, "xlsx", tmp_path)
    assert list(r.files) == [f"oprisk-{period}.xlsx"]
