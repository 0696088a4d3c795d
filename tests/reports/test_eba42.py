"""EBA 4.2 (CRR3) templates of the hand-built small bank (small_bank.py), every expected figure
derived by hand below, on SQLite and PostgreSQL; the xBRL-CSV package validates and re-exports
to the same bytes; C 16.01 / C 16.02 equal ``oprisk capital sa --profile eu-crr3``."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import small_bank as sb
from click.testing import CliRunner

from oprisk.cli import main

D = Decimal
M = D(1_000_000)
PERIOD = "2026-06-30"

# --- C 17.01.a: period 1 Jan – 30 Jun 2026, threshold 20,000 ------------------------------------
# new: N1 25,000 (ET7, RB, band 2)  N2 150,000 (ET2, RB, band 3)  N3 1,500,000 (ET4, CF, band 4)
#      G 60,000 (P&S) + 400,000 CNY × 0.125 = 50,000 (corporate items) = 110,000 (ET6, band 3)
# adjusted: A1 +30,000 (ET7, CB)  A2 −10,000 (ET3, AS)
# out: N4 12,000 < 20,000; X1, X2 no line in the period; W1 withdrawn; H1 gain; L1 after 30 June
# recoveries received in the period: N2 other 30,000 (RB, ET2); N3 insurance 400,000 (CF, ET4)
C17_01_A = {
    # CF
    ("0010", "0040"): 1, ("0010", "0080"): 1,
    ("0020", "0040"): 1_500_000, ("0020", "0080"): 1_500_000,
    ("0050", "0040"): 1_500_000, ("0050", "0080"): 1_500_000,
    ("0060", "0040"): 1_500_000, ("0060", "0080"): 1_500_000,
    ("0080", "0040"): 400_000, ("0080", "0080"): 400_000,
    # CB: A1's positive adjustment is a max / top-5 candidate
    ("0330", "0070"): 1, ("0330", "0080"): 1,
    ("0340", "0070"): 30_000, ("0340", "0080"): 30_000,
    ("0350", "0070"): 30_000, ("0350", "0080"): 30_000,
    ("0360", "0070"): 30_000, ("0360", "0080"): 30_000,
    # RB: N1, N2
    ("0410", "0020"): 1, ("0410", "0070"): 1, ("0410", "0080"): 2,
    ("0420", "0020"): 150_000, ("0420", "0070"): 25_000, ("0420", "0080"): 175_000,
    ("0450", "0020"): 150_000, ("0450", "0070"): 25_000, ("0450", "0080"): 150_000,
    ("0460", "0020"): 150_000, ("0460", "0070"): 25_000, ("0460", "0080"): 175_000,
    ("0470", "0020"): 30_000, ("0470", "0080"): 30_000,
    # P&S: G1's part
    ("0510", "0060"): 1, ("0510", "0080"): 1,
    ("0520", "0060"): 60_000, ("0520", "0080"): 60_000,
    ("0550", "0060"): 60_000, ("0550", "0080"): 60_000,
    ("0560", "0060"): 60_000, ("0560", "0080"): 60_000,
    # AS: A2's negative adjustment (no max / top-5 candidate)
    ("0630", "0030"): 1, ("0630", "0080"): 1,
    ("0640", "0030"): -10_000, ("0640", "0080"): -10_000,
    # corporate items: G2's part, under the root's ET6
    ("0810", "0060"): 1, ("0810", "0080"): 1,
    ("0820", "0060"): 50_000, ("0820", "0080"): 50_000,
    ("0850", "0060"): 50_000, ("0850", "0080"): 50_000,
    ("0860", "0060"): 50_000, ("0860", "0080"): 50_000,
    # totals: four new events, the group once
    ("0910", "0020"): 1, ("0910", "0040"): 1, ("0910", "0060"): 1, ("0910", "0070"): 1,
    ("0910", "0080"): 4,
    ("0912", "0070"): 1, ("0912", "0080"): 1,  # N1
    ("0913", "0020"): 1, ("0913", "0060"): 1, ("0913", "0080"): 2,  # N2, G
    ("0914", "0040"): 1, ("0914", "0080"): 1,  # N3
    # 150,000 + 1,500,000 + 110,000 + 25,000 = 1,785,000
    ("0920", "0020"): 150_000, ("0920", "0040"): 1_500_000, ("0920", "0060"): 110_000,
    ("0920", "0070"): 25_000, ("0920", "0080"): 1_785_000,
    ("0922", "0070"): 25_000, ("0922", "0080"): 25_000,
    ("0923", "0020"): 150_000, ("0923", "0060"): 110_000, ("0923", "0080"): 260_000,
    ("0924", "0040"): 1_500_000, ("0924", "0080"): 1_500_000,
    # adjustments: A1 +30,000 (ET7), A2 −10,000 (ET3)
    ("0930", "0030"): 1, ("0930", "0070"): 1, ("0930", "0080"): 2,
    ("0935", "0070"): 1, ("0935", "0080"): 1,
    ("0936", "0030"): 1, ("0936", "0080"): 1,
    ("0940", "0030"): -10_000, ("0940", "0070"): 30_000, ("0940", "0080"): 20_000,
    ("0945", "0070"): 30_000, ("0945", "0080"): 30_000,
    ("0946", "0030"): -10_000, ("0946", "0080"): -10_000,
    # max: ET7 max(25,000, +30,000); top 5: 1,500,000 + 150,000 + 110,000 + 30,000 + 25,000
    ("0950", "0020"): 150_000, ("0950", "0040"): 1_500_000, ("0950", "0060"): 110_000,
    ("0950", "0070"): 30_000, ("0950", "0080"): 1_500_000,
    ("0960", "0020"): 150_000, ("0960", "0040"): 1_500_000, ("0960", "0060"): 110_000,
    ("0960", "0070"): 55_000, ("0960", "0080"): 1_815_000,
    ("0970", "0020"): 30_000, ("0970", "0080"): 30_000,
    ("0980", "0040"): 400_000, ("0980", "0080"): 400_000,
}  # fmt: skip

# --- C 16.01 / C 16.02 (t = 2025; EUR m) -----------------------------------------------------
# group ILDC: avg |II − IE| = (400 + 420 + 450) / 3 = 423.333…; 2.25 % × avg IEA 21,000 = 472.5;
#   + avg DI 12 → 435.333… (memorandum row 0100)
# subsidiary: IC (80 + 85 + 100) / 3 = 88.333…; AC 1,100 → cap 24.75; DC 0 → ILDC 24.75
# group without it: IC (320 + 335 + 350) / 3 = 335; AC 19,900 → cap 447.75; DC 12 → 347
# ILDC = 347 + 24.75 = 371.75; SC = max(50, 80) + max(323.333…, 110) = 403.333…
# FC = (30 + 20 + 40) / 3 + (10 + 20 + 10) / 3 = 30 + 13.333… = 43.333…
# BI = 371.75 + 403.333… + 43.333… = 818.41666… (= 2,455.25 / 3) → bucket 1 (≤ EUR 1bn)
# BIC = 12 % × BI = 98.21 exactly; own funds = BIC (CRR3 Art 312); REA = 12.5 × 98.21 = 1,227.625
C16_01_A = {
    ("0010", "0040"): D("98210000.00"),
    ("0010", "0050"): D("1227625000.00"),
    ("0020", "0010"): D("818416666.67"),
    ("0020", "0020"): D("1500000.00"),  # acquisitions: SC 1.5
    ("0020", "0030"): D("500000.00"),  # disposals: FC 0.5
    ("0030", "0010"): D("371750000.00"),
    ("0040", "0010"): D("347000000.00"),
    ("0050", "0010"): D("24750000.00"),
    ("0060", "0010"): D("403333333.33"),
    ("0060", "0020"): D("1500000.00"),
    ("0070", "0010"): D("43333333.33"),
    ("0070", "0030"): D("500000.00"),
    ("0100", "0010"): D("435333333.33"),
}


@pytest.fixture
def small(db, clock):
    clock.jump(datetime(2026, 7, 20, 9, tzinfo=UTC))
    sb.seed(db)
    cutoff = clock.now + timedelta(seconds=1)
    clock.jump(datetime(2026, 8, 1, 9, tzinfo=UTC))
    return db, cutoff


def params(**kw):
    return dict(entity=sb.GROUP_LEI, legal_entity=sb.GROUP, subsidiaries={sb.SUB: sb.SUB_LEI}, **kw)


def nonzero(table) -> dict:
    return {k: v for k, v in table.cells.items() if v not in (0, None)}


def built(db, t, **kw):
    prm = db.reports._params(**params(**kw))
    return {x.code: x for x in db.reports.build(None, PERIOD, t, prm).tables}


def test_c17_01_a_and_b_by_hand(small):
    db, t = small
    tables = built(db, t)
    assert nonzero(tables["c_17.01.a"]) == C17_01_A
    b = tables["c_17.01.b"]
    assert set(b.cells) == {(f"{r:04d}", c) for r in range(20, 830, 100) for c in ("0090", "0100")}
    assert set(b.cells.values()) == {D("20000.00")}
    a = tables["c_17.01.a"]
    assert a.cells[("0910", "0010")] == 0 and a.kind("0910", "0010") == "count"
    assert "0009" in a.header_rows and not a.applicable("0009", "0010")


def test_c17_02_large_events_by_hand(small):
    db, t = small
    c = built(db, t)["c_17.02"]
    # ≥ 100,000 aggregated gross, new or adjusted in the period: N3, N2, A1 (90,000 + 30,000), G
    assert list(c.rows) == ["N3", "N2", "A1", "G1"]
    assert c.keys["A1"] == ("A1",)
    n2 = {col: c.value("N2", col) for col in c.columns}
    assert (n2["0060"], n2["0070"], n2["0120"]) == (150_000, 120_000, 150_000)  # net of 30,000
    assert n2["0050"] == "eba_qET:qx2068"  # external fraud, the member of C 17.01.a column 0020
    assert (n2["0170"], n2["0181"], n2["0185"]) == ("Small Bank SA", sb.GROUP_LEI, "eba_qCO:qx2000")
    g = {col: c.value("G1", col) for col in c.columns}
    assert (g["0060"], g["0130"], g["0160"], g["0050"]) == (
        110_000,
        60_000,
        50_000,
        "eba_qET:qx2066",
    )
    assert c.value("N3", "0070") == 1_500_000  # insurance is not a direct recovery


def test_c16_by_hand(small):
    db, t = small
    tables = built(db, t)
    a = tables["c_16.01.a"]
    assert {k: v for k, v in a.cells.items() if v != 0} == C16_01_A
    assert tables["c_16.01.b"].cells == {("0110", "0010"): "eba_qAO:qx2024"}
    c2 = tables["c_16.02"].cells
    # yearly items (YEAR-3 = 2023 … LAST YEAR = 2025) and the three-year averages (column 0070)
    assert [c2[("0030", c)] for c in ("0010", "0030", "0050")] == [600 * M, 640 * M, 700 * M]
    assert [c2[("0020", c)] for c in ("0010", "0030", "0050")] == [400 * M, 420 * M, 450 * M]
    assert [c2[("0040", c)] for c in ("0010", "0030", "0050")] == [550 * M, 586 * M, 640 * M]
    assert [c2[("0380", c)] for c in ("0010", "0020", "0050", "0060")] == [
        30 * M, 25 * M, 40 * M, 35 * M,
    ]  # fmt: skip
    assert c2[("0010", "0070")] == D("423333333.33")  # (400 + 420 + 450) / 3
    assert c2[("0110", "0070")] == 21_000 * M
    assert c2[("0310", "0070")] == D("323333333.33")  # (300 + 320 + 350) / 3
    assert c2[("0370", "0070")] == 30 * M and c2[("0420", "0070")] == D("13333333.33")
    assert c2[("0280", "0050")] == D("1100000.00") and ("0090", "0010") not in c2
    c3 = tables["c_16.03"].cells
    assert [c3[("0050", c)] for c in ("0010", "0020", "0030")] == [300_000, -50_000, 400_000]
    # total: provisions + other operating expenses: 0.5, 0.45, 1.1 (EUR m)
    assert [c3[("0080", c)] for c in ("0010", "0020", "0030")] == [500_000, 450_000, 1_100_000]
    c4 = tables["c_16.04"]
    assert c4.keys == {sb.SUB_LEI: (sb.SUB, sb.SUB_LEI)}
    assert [c4.value(sb.SUB_LEI, c) for c in ("0030", "0040", "0050", "0060")] == [
        D("24750000.00"), D("88333333.33"), 1_100 * M, 0,
    ]  # fmt: skip


def cli(db, *args):
    url = db.engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(main, ["--db", url, *args], catch_exceptions=False)


def test_c16_equals_capital_sa_eu_crr3(small, tmp_path):
    db, t = small
    res = cli(
        db, "capital", "sa", "--year", "2025", "--as-of", t.isoformat(), "--profile", "eu-crr3",
        "--legal-entity", sb.GROUP, "--subsidiary", f"{sb.SUB}={sb.SUB_LEI}", "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    sa = json.loads(res.stdout)["result"]
    tables = built(db, t)
    a, c2 = tables["c_16.01.a"].cells, tables["c_16.02"].cells

    def cents(x):
        return D(x).quantize(D("0.01"))

    assert a[("0010", "0040")] == cents(sa["orc"]) and a[("0010", "0050")] == cents(sa["rwa"])
    bi = sa["business_indicator"]
    assert a[("0020", "0010")] == cents(sa["bi"]) and a[("0030", "0010")] == cents(bi["ildc"])
    assert (a[("0060", "0010")], a[("0070", "0010")]) == (cents(bi["sc"]), cents(bi["fc"]))
    assert a[("0040", "0010")] == cents(sa["ildc_split"]["excluding"])
    assert c2[("0010", "0070")] == cents(bi["avg_abs_net_interest"])
    assert c2[("0220", "0070")] == cents(bi["avg_other_operating_income"])
    assert sa["art316"]["required"] is True


def extract_cells(table: str) -> dict[str, tuple[str, str]]:
    import csv
    from pathlib import Path

    path = Path(__file__).parents[1] / "data" / "eba-4.2-opr" / "tables.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return {
            r["datapoint"]: (r["row"][1:], r["column"][1:])
            for r in csv.DictReader(f)
            if r["table"] == table
        }


def package(out):
    [name] = [p for p in out.iterdir() if p.suffix == ".zip"]
    return name


def test_xbrl_package_validates_and_is_reproducible(small, more_small, tmp_path):
    db, t = small
    args = [
        "export", "--framework", "4.2", "--format", "xbrl-csv", "--period", PERIOD,
        "--as-of", t.isoformat(), "--entity", sb.GROUP_LEI, "--legal-entity", sb.GROUP,
        "--subsidiary", f"{sb.SUB}={sb.SUB_LEI}",
    ]  # fmt: skip
    first = tmp_path / "first"
    res = cli(db, *args, "--out", str(first))
    assert res.exit_code == 0, res.output
    zip_path = package(first)
    ok = cli(db, "export", "--validate", str(zip_path))
    assert ok.exit_code == 0 and "valid report package" in ok.output, ok.output
    more_small(db)  # facts learned later change nothing at the same cut-off
    second = tmp_path / "second"
    assert cli(db, *args, "--out", str(second)).exit_code == 0
    assert package(second).read_bytes() == zip_path.read_bytes()
    assert (second / "manifest.json").read_bytes() == (first / "manifest.json").read_bytes()
    assert cli(db, "export", "--verify", str(first)).exit_code == 0
    with zipfile.ZipFile(zip_path) as z:
        top = zip_path.stem
        facts = z.read(f"{top}/reports/c_17.01.a.csv").decode().splitlines()
        indicators = z.read(f"{top}/reports/FilingIndicators.csv").decode().splitlines()
    # every C 17.01.a fact of the package is the hand computation, its cell found through the
    # taxonomy extract (not oprisk's definitions); the 736 cells are all reported
    where = extract_cells("c_17.01.a")
    got = {where[dp]: D(v) for dp, v in (line.split(",") for line in facts[1:])}
    assert len(got) == 736
    assert {k: v for k, v in got.items() if v} == {k: D(v) for k, v in C17_01_A.items()}
    assert indicators == ["templateID,reported"] + [
        f"{fi},true" for fi in ("C_16.01", "C_16.02", "C_16.03", "C_16.04", "C_17.01", "C_17.02")
    ]
    m = json.loads((first / "manifest.json").read_text())
    x2 = next(e for e in m["crr3"]["art320_exclusions"] if e["event"] == "X2")
    # average annual loss 2016-2025 with the exclusions: (2,000,000 + 20,000 + 90,000 + 50,000) / 10
    assert x2["ten_percent_of_average_annual_loss"] == "21600.00" and not x2["materiality_met"]
    assert m["crr3"]["art316"]["required"] and m["files"][zip_path.name]


@pytest.fixture
def more_small():
    def add(db):
        from datetime import date

        db.report("LATE", actor="ann", title="late", event_type="ET7.1", business_line="BL31",
                  discovered_on=date(2026, 3, 1), currency="EUR")  # fmt: skip
        db.record_impact("LATE", actor="ann", amount="500000", currency="EUR",
                         accounted_on=date(2026, 3, 2))  # fmt: skip
        db.record_financials(
            {"legal_entity": sb.GROUP, "year": 2025, "item": "fee_income", "amount": "1"},
            actor="ann",
        )

    return add


def test_art316_waiver_leaves_c17_out_of_the_default_set(small, tmp_path):
    db, t = small
    tmp_path = tmp_path / "out"  # an export folder must be empty (the database file is here)
    r = db.reports.export(None, PERIOD, t, "xbrl-csv", tmp_path, **params(art316_waiver=True))
    assert r.manifest["filing_indicators"]["C_17.01"] is False
    assert r.manifest["crr3"]["art316"]["required"] is False
    assert r.manifest["templates"] == ["c16.01", "c16.02", "c16.03", "c16.04"]
    # asked for explicitly, C 17 is reported all the same
    r = db.reports.export(["c16.01", "c17.01"], PERIOD, t, "xbrl-csv", tmp_path / "b",
                          **params(art316_waiver=True))  # fmt: skip
    assert r.manifest["filing_indicators"] == {
        "C_16.01": True, "C_16.02": False, "C_16.03": False, "C_16.04": False,
        "C_17.01": True, "C_17.02": False,
    }  # fmt: skip
    assert db.reports.validate(package(tmp_path / "b")).ok


def test_framework_follows_the_period_and_usage_errors(small, tmp_path):
    db, t = small
    assert built(db, t)["c_16.01.a"].framework == "4.2"
    legacy = db.reports.build(["c17.01", "c17.02"], "2025-H1", t, db.reports._params())
    assert legacy.framework == "legacy" and [x.code for x in legacy.tables] == ["c17.01", "c17.02"]
    # asked for, 4.2 serves an earlier period too (a parallel run), flagged as not for submission
    r = db.reports.export(["c17.01"], "2025", t, "xbrl-csv", tmp_path / "run", framework="4.2",
                          entity=sb.GROUP_LEI)  # fmt: skip
    assert "not for submission" in r.manifest["notes"]["framework"]
    check = db.reports.validate(package(tmp_path / "run"))
    assert check.ok and "precedes 2026-03-31" in check.notes[0]
    with pytest.raises(Exception, match=r"xbrl-csv.*--entity"):
        db.reports.export(None, PERIOD, t, "xbrl-csv", tmp_path)
    res = cli(db, "export", "--period", PERIOD, "--format", "xbrl-csv", "--entity", "nope",
              "--out", str(tmp_path))  # fmt: skip
    assert res.exit_code == 2 and "'entity'" in res.output
