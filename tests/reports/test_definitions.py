"""The template definitions against the EBA 4.2 taxonomy extract (tests/data/eba-4.2-opr, a copy
of the shared reference; its README says how it was read from the published taxonomy).

Every cell oprisk fills exists in the extract with the same datapoint and type; every datapoint of
the extract is either filled (it has a source) or listed as not produced with a reason."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from oprisk.reports.definitions import framework, table_def

EXTRACT = Path(__file__).parents[1] / "data" / "eba-4.2-opr"


def extract_cells() -> dict[tuple[str, str, str], dict[str, str]]:
    with (EXTRACT / "tables.csv").open(encoding="utf-8", newline="") as f:
        return {
            (r["table"], r["row"].removeprefix("r"), r["column"].removeprefix("c")): r
            for r in csv.DictReader(f)
        }


def test_every_filled_cell_is_in_the_extract_with_its_datapoint():
    ref = extract_cells()
    fw = framework("4.2")
    seen = set()
    for code, t in fw.tables.items():
        for (row, col), cell in t.cells.items():
            key = (code, row if row != "*" else "*", col)
            assert key in ref, f"{code} {row} {col} is not a cell of the taxonomy"
            assert cell.datapoint == ref[key]["datapoint"], key
            assert cell.xbrl_type == ref[key]["type"], key
            assert ";".join(cell.allowed) == ref[key]["allowed_values"], key
            seen.add(key)
    assert seen == set(ref), f"reportable cells missing from the definitions: {set(ref) - seen}"
    assert len(seen) == 978


def test_each_reportable_cell_is_filled_or_says_why_not():
    fw = framework("4.2")
    not_produced = {}
    for code, t in fw.tables.items():
        for (row, col), cell in t.cells.items():
            assert (cell.source is None) != (cell.not_produced is None), (code, row, col)
            if cell.not_produced:
                assert len(cell.not_produced) > 20
                not_produced[(code, row, col)] = cell.not_produced
        sources = [c.source for c in t.cells.values() if c.source]
        assert len(sources) == len(set(sources)), f"{code}: a source fills two cells"
    # only the Art 314(4) ASA rows of C 16.01.a are not produced
    assert sorted(not_produced) == [("c_16.01.a", "0080", "0040"), ("c_16.01.a", "0090", "0040")]


def test_axes_and_module_match_the_extract():
    fw = framework("4.2")
    with (EXTRACT / "labels.csv").open(encoding="utf-8", newline="") as f:
        labels = [r for r in csv.DictReader(f) if r["axis"] in ("row", "column", "key")]
    for lab in labels:
        t = fw.tables[lab["table"]]
        axis = {"row": t.rows, "column": t.columns, "key": t.keys}[lab["axis"]]
        match = [a for a in axis if a.code == lab["code"]]
        assert len(match) == 1 and match[0].label == lab["label"].strip(), lab
    module = json.loads((EXTRACT / "module.json").read_text(encoding="utf-8"))
    assert fw.meta["entry_point"] == module["entryPoint"]
    assert fw.filing_indicators == {
        k: tuple(v) for k, v in module["filingIndicators"]["codes_for_these_tables"].items()
    }
    for t in module["tables"].values():
        d = fw.tables[t["table"]]
        assert (d.template, d.url, d.open) == (t["template"], t["url"], t["open"])
        assert d.key_names == tuple(k["column"] for k in t["keyColumns"])
        assert d.filing_indicator == t["eba:documentation"]["FilingIndicator"]
    # a header row or column is one without any datapoint
    c1702 = fw.tables["c_17.02"]
    assert [a.code for a in c1702.columns if a.header] == ["0079"]
    assert {a.code for a in fw.tables["c_17.01.a"].rows if a.header} == {
        f"{b:04d}" for b in range(9, 910, 100)
    }


def test_event_type_members_are_read_from_the_c17_01_columns():
    members = framework("4.2").meta["event_type_members"]
    allowed = table_def("c_17.02").cells[("*", "0050")].allowed
    assert sorted(members.values()) == sorted(allowed)
    assert members["ET1"] == "eba_qET:qx2065" and members["ET7"] == "eba_qET:qx2069"


def test_legacy_definitions_are_consistent():
    fw = framework("legacy")
    assert set(fw.tables) == {"c16", "c17.01", "c17.02"}
    for code, t in fw.tables.items():
        rows, cols = {a.code for a in t.rows}, {a.code for a in t.columns}
        for (row, col), cell in t.cells.items():
            assert row == "*" or row in rows, (code, row)
            assert col in cols, (code, col)
            assert cell.kind in ("count", "amount", "date", "text")
            assert (cell.source is None) != (cell.not_produced is None)
    assert table_def("c17.02").open and not table_def("c17.01").open
    with pytest.raises(Exception, match="template"):
        table_def("c_99.01")
