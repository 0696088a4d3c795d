"""Derive oprisk's EBA 4.2 template definitions from the offline taxonomy extract.

    python scripts/derive_eba42_definitions.py [EXTRACT_DIR]

EXTRACT_DIR (default ``tests/data/eba-4.2-opr``, a copy of the shared reference extract; its
README says where it comes from) holds ``tables.csv``, ``labels.csv`` and ``module.json``. The
script writes, into ``src/oprisk/reports/templates/``:

- ``eba-4.2.json``   the module (entry point, reference dates, filing indicators) and, per table,
                     its template id, filing indicator, CSV file, title, key columns, and the
                     qET members of the seven event types (read from C 17.01.a's columns);
- ``eba-4.2-axes.csv``  every row / column / key of every table with its label, in template
                     order, and whether it is a header (no datapoint);
- ``eba-4.2-cells.csv`` every datapoint of the extract: table, row, column, datapoint, type,
                     allowed values, and either the ``source`` oprisk fills it from or the
                     reason it is ``not_produced``.

The sources follow fixed rules per table (below); a datapoint the rules do not cover makes the
script fail, so a new taxonomy version cannot be half-mapped silently. The output is sorted and
byte-stable: re-running the script on the same extract changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "oprisk" / "reports" / "templates"

#: C 17.01 row blocks: first row code → business line (template order; reference §6.2)
BLOCKS = {0: "BL1", 100: "BL2", 200: "BL8", 300: "BL4", 400: "BL3", 500: "BL5", 600: "BL6",
          700: "BL7", 800: "BL9"}  # fmt: skip
#: offset in a block → measure
BLOCK_ITEMS = {10: "events", 20: "gross", 30: "adj_events", 40: "adjustments", 50: "max",
               60: "top5", 70: "direct", 80: "insurance"}  # fmt: skip
TOTAL_ITEMS = {
    910: "events", 911: "events_band1", 912: "events_band2", 913: "events_band3",
    914: "events_band4", 920: "gross", 921: "gross_band1", 922: "gross_band2",
    923: "gross_band3", 924: "gross_band4", 930: "adj_events", 935: "adj_events_pos",
    936: "adj_events_neg", 940: "adjustments", 945: "adjustments_pos",
    946: "adjustments_neg", 950: "max", 960: "top5", 970: "direct", 980: "insurance",
}  # fmt: skip
EVENT_TYPES = {10: "ET1", 20: "ET2", 30: "ET3", 40: "ET4", 50: "ET5", 60: "ET6", 70: "ET7",
               80: "all"}  # fmt: skip
C17_02 = {
    20: "accounted_on", 30: "occurred_on", 40: "discovered_on", 50: "event_type",
    60: "gross", 70: "gross_net_direct", 170: "legal_entity", 181: "code",
    185: "code_type", 190: "business_unit", 200: "description",
    **{80 + 10 * i: f"gross|{bl}" for i, bl in enumerate(
        ("BL1", "BL2", "BL8", "BL4", "BL3", "BL5", "BL6", "BL7", "BL9"))},
}  # fmt: skip
YEARS = {  # C 16.02 / C 16.03 columns → (year offset from t, value basis)
    "c_16.02": {10: (-2, ""), 20: (-2, "_prudential"), 30: (-1, ""), 40: (-1, "_prudential"),
                50: (0, ""), 60: (0, "_prudential")},
    "c_16.03": {10: (-2, ""), 20: (-1, ""), 30: (0, "")},
}  # fmt: skip
C16_02_ITEMS = {
    30: "interest_income", 40: "ii_interest", 50: "ii_lease_income", 60: "ii_lease_profits",
    70: "interest_expense", 80: "ie_interest", 90: "ie_lease_expenses", 100: "ie_lease_losses",
    120: "interest_earning_assets", 130: "iea_cash", 140: "iea_debt_securities",
    150: "iea_loans_and_advances", 160: "iea_derivatives", 170: "iea_derivatives_trading",
    180: "iea_derivatives_hedge", 190: "iea_leased_assets", 210: "dividend_income",
    230: "ooi_ips", 240: "ooi_held_for_sale", 250: "ooi_other", 270: "ooe_ips",
    280: "ooe_operational_losses", 290: "ooe_held_for_sale", 300: "ooe_other",
    320: "fee_income", 330: "fi_ips", 350: "fee_expense", 360: "fe_ips",
    380: "net_pnl_trading_book", 390: "tb_held_for_trading", 400: "tb_hedge_accounting",
    410: "tb_exchange_differences", 430: "net_pnl_banking_book", 440: "bb_derecognition",
    450: "bb_mandatorily_fv", 460: "bb_designated_fv", 470: "bb_hedge_accounting",
    480: "bb_exchange_differences",
}  # fmt: skip
#: C 16.02 column 0070 (three-year averages) → field of the BI result
C16_02_AVERAGES = {
    10: "avg_abs_net_interest", 110: "avg_interest_earning_assets", 200: "avg_dividend_income",
    220: "avg_other_operating_income", 260: "avg_other_operating_expense",
    310: "avg_fee_income", 340: "avg_fee_expense", 370: "avg_abs_pnl_trading_book",
    420: "avg_abs_pnl_banking_book",
}  # fmt: skip
C16_03_ITEMS = {10: "opr_interest_expenses", 20: "opr_other_operating_expenses",
                30: "opr_administrative_expenses", 40: "opr_depreciation", 50: "opr_provisions",
                60: "opr_impairment", 70: "opr_other"}  # fmt: skip
C16_01_ROWS = {20: "bi", 30: "ildc", 40: "ildc_excluding_314_3", 50: "ildc_314_3", 60: "sc",
               70: "fc", 100: "ildc_including_314_3"}  # fmt: skip
C16_01_COLUMNS = {10: "value", 20: "acquisition", 30: "disposal", 40: "own_funds", 50: "rea"}
C16_04 = {30: "ildc", 40: "ic", 50: "ac", 60: "dc"}
NOT_PRODUCED_ASA = (
    "ASA under Art 314(4): an alternative treatment that needs the competent authority's "
    "permission; oprisk does not compute it"
)


def source(table: str, row: int | None, col: int) -> tuple[str, str]:
    """(source, not_produced reason) of one datapoint; exactly one of the two is non-empty."""
    if table == "c_17.01.a":
        assert row is not None
        scope = "total" if row >= 900 else BLOCKS[row // 100 * 100]
        measure = TOTAL_ITEMS[row] if row >= 900 else BLOCK_ITEMS[row % 100]
        return f"c17|{scope}|{measure}|{EVENT_TYPES[col]}", ""
    if table == "c_17.01.b":
        assert row is not None
        return f"threshold|{BLOCKS[row // 100 * 100]}|{'low' if col == 90 else 'high'}", ""
    if table == "c_17.02":
        return f"event|{C17_02[col]}", ""
    if table == "c_16.04":
        return f"subsidiary|{C16_04[col]}", ""
    if table == "c_16.01.b":
        return "c16.01|fc_approach", ""
    if table == "c_16.01.a":
        assert row is not None
        if row in (80, 90):
            return "", NOT_PRODUCED_ASA
        if row == 10:
            return f"c16.01|{C16_01_COLUMNS[col]}", ""
        return f"c16.01|{C16_01_ROWS[row]}|{C16_01_COLUMNS[col]}", ""
    if table == "c_16.02":
        assert row is not None
        if col == 70:
            return f"average|{C16_02_AVERAGES[row]}", ""
        offset, basis = YEARS[table][col]
        if row == 20:
            return f"net_interest{basis}|{offset}", ""
        return f"financial|{C16_02_ITEMS[row]}{basis}|{offset}", ""
    if table == "c_16.03":
        assert row is not None
        offset, _ = YEARS[table][col]
        if row == 80:
            return f"opr_total|{offset}", ""
        return f"financial|{C16_03_ITEMS[row]}|{offset}", ""
    raise KeyError(table)


def code(value: str) -> int | None:
    return None if value == "r*" else int(value[1:])


def derive(extract: Path) -> dict[str, bytes]:
    tables = list(csv.DictReader((extract / "tables.csv").open(encoding="utf-8", newline="")))
    labels = list(csv.DictReader((extract / "labels.csv").open(encoding="utf-8", newline="")))
    module = json.loads((extract / "module.json").read_text(encoding="utf-8"))

    cells = io.StringIO()
    w = csv.writer(cells, lineterminator="\n")
    w.writerow(["table", "row", "column", "datapoint", "type", "allowed", "source", "not_produced"])
    with_data: set[tuple[str, str, str]] = set()
    for t in sorted(tables, key=lambda t: (t["table"], t["row"], t["column"])):
        src, why = source(t["table"], code(t["row"]), int(t["column"][1:]))
        w.writerow(
            [t["table"], t["row"], t["column"], t["datapoint"], t["type"], t["allowed_values"],
             src, why]
        )  # fmt: skip
        with_data |= {(t["table"], "row", t["row"][1:]), (t["table"], "column", t["column"][1:])}

    axes = io.StringIO()
    w = csv.writer(axes, lineterminator="\n")
    w.writerow(["table", "axis", "code", "label", "header"])
    titles: dict[str, str] = {}
    for lab in labels:
        table, axis = lab["table"], lab["axis"]
        if axis == "table":
            titles[table] = lab["label"].split(":", 1)[1].strip()
        if axis not in ("row", "column", "key"):
            continue
        header = axis != "key" and (table, axis, lab["code"]) not in with_data
        w.writerow([table, axis, lab["code"], lab["label"], int(header)])

    et_members = {}
    for t in tables:  # the event-type members, from C 17.01.a's event-type columns
        col = int(t["column"][1:])
        if t["table"] == "c_17.01.a" and t["row"] == "r0010" and col < 80:
            dims = dict(d.split("=") for d in t["dimensions"].split(";"))
            et_members[EVENT_TYPES[col]] = dims["eba_dim_4.0:qEEB"]
    definition = {
        "framework": "4.2",
        "source": module["_source"],
        "entry_point": module["entryPoint"],
        "module": module["module"],
        "from_reference_date": module["documentInfo"]["eba:documentation"]["FromReferenceDate"],
        "namespaces": module["documentInfo"]["namespaces"],
        "parameters": module["parameters"],
        "filing_indicators": module["filingIndicators"]["codes_for_these_tables"],
        "event_type_members": dict(sorted(et_members.items())),
        "tables": {
            t["table"]: {
                "template": t["template"],
                "filing_indicator": t["eba:documentation"]["FilingIndicator"],
                "url": t["url"],
                "title": titles[t["table"]],
                "open": t["open"],
                "key_columns": [
                    {"column": k["column"], "code": k["headerCode"], "type": k["type"]}
                    for k in t["keyColumns"]
                ],
                "csv_columns": t["csvColumns"],
            }
            for t in module["tables"].values()
        },
    }
    return {
        "eba-4.2-cells.csv": cells.getvalue().encode("utf-8"),
        "eba-4.2-axes.csv": axes.getvalue().encode("utf-8"),
        "eba-4.2.json": (json.dumps(definition, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode(),
    }  # fmt: skip


def main(argv: list[str]) -> int:
    extract = Path(argv[1]) if len(argv) > 1 else ROOT / "tests" / "data" / "eba-4.2-opr"
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in derive(extract).items():
        (OUT / name).write_bytes(data)
        print(f"{OUT / name}: {len(data.splitlines()) - 1} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
