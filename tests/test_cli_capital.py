"""``oprisk capital bia|tsa|asa|sa`` on both databases: table and JSON output, exit codes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner

from oprisk.cli import main

D = Decimal
T = datetime(2026, 2, 15, tzinfo=UTC)
BI = {  # basel-oprisk.md §4.7, EUR m, 2022..2024
    "interest_income": [2400, 2600, 2900],
    "interest_expense": [1300, 1500, 1750],
    "interest_earning_assets": [45000, 48000, 51000],
    "dividend_income": [20, 25, 30],
    "fee_income": [700, 750, 800],
    "fee_expense": [200, 220, 240],
    "other_operating_income": [80, 60, 90],
    "other_operating_expense": [120, 100, 110],
    "net_pnl_trading_book": [150, -90, 210],
    "net_pnl_banking_book": [40, 30, -20],
}


@pytest.fixture
def url(db, db_url, clock):
    """A database with the §4.7 BI items, GI by line for the ASA/TSA, and 2015..2024 losses
    of 18, 25, 12, 40, 22, 15, 30, 19, 27, 21 (EUR m) known at T; a late loss after T."""
    clock.jump(datetime(2026, 2, 1, tzinfo=UTC))
    rows = []
    for i, y in enumerate((2022, 2023, 2024)):
        rows += [
            {"legal_entity": "Bank AG", "year": y, "item": k, "amount": str(v[i] * 10**6)}
            for k, v in BI.items()
        ]
        rows += [
            {
                "legal_entity": "Bank AG",
                "year": y,
                "item": "gross_income",
                "business_line": bl,
                "amount": str(a * 10**6),
            }
            for bl, a in (("BL2", 200), ("BL3", 600), ("BL4", 300))
        ]
        rows += [
            {
                "legal_entity": "Bank AG",
                "year": y,
                "item": "loans_and_advances",
                "business_line": bl,
                "amount": str(a * 10**6),
            }
            for bl, a in (("BL3", 10000), ("BL4", 8000))
        ]
    db.record_financials(rows, actor="finance")
    annual = [18, 25, 12, 40, 22, 15, 30, 19, 27, 21]
    for y, m in zip(range(2015, 2025), annual, strict=True):
        db.report(
            f"E{y}",
            actor="ann",
            title="loss",
            event_type="ET7",
            business_line="BL3",
            discovered_on=date(y, 1, 2),
            currency="EUR",
        )
        db.record_impact(
            f"E{y}", actor="ann", amount=str(m * 10**6), currency="EUR", accounted_on=date(y, 6, 30)
        )
    clock.jump(datetime(2026, 3, 1, tzinfo=UTC))
    db.record_impact(
        "E2024", actor="ann", amount="1000000", currency="EUR", accounted_on=date(2024, 12, 31)
    )
    return db_url


def run(url: str, *args: str):
    return CliRunner().invoke(main, ["--db", url, "capital", *args])


def test_sa_json_carries_every_intermediate_the_cutoff_and_the_profile(url, db):
    res = run(
        url,
        "sa",
        "--year",
        "2024",
        "--as-of",
        "2026-02-15",
        "--profile",
        "basel",
        "--threshold",
        "20000",
        "--bi-unit",
        "1e6",
        "--json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    pos, time = db.cutoff(T)
    assert out["knowledge_cutoff"] == {
        "as_of": "2026-02-15",
        "position": pos,
        "time": time.isoformat(),
    }
    assert out["profile"]["name"] == "basel" and out["profile"]["thresholds"] == ["20000", "100000"]
    assert (out["approach"], out["year"], out["legal_entity"], out["currency"]) == (
        "sa",
        2024,
        "Bank AG",
        "EUR",
    )
    r = out["result"]
    assert r["result"] == "SAResult"
    bi = r["business_indicator"]
    assert (D(bi["ildc"]), D(bi["sc"]), D(bi["fc"]), D(bi["bi"])) == (
        D(1105),
        D(860),
        D(180),
        D(2145),
    )
    assert bi["cap_binds"] is True and len(bi["yearly"]) == 3
    assert D(r["bic"]["bic"]) == D("291.75") and [b["bucket"] for b in r["bic"]["buckets"]] == [
        1,
        2,
        3,
    ]
    lc = r["loss_component"]
    assert [D(a["net_loss"]) / 10**6 for a in lc["annual_losses"]] == [
        18,
        25,
        12,
        40,
        22,
        15,
        30,
        19,
        27,
        21,
    ]
    assert len(lc["events"]) == 10 and len(lc["postings"]) == 10
    assert D(lc["lc"]) == D("343500000") and D(r["lc"]) == D("343.5")
    assert round(D(r["ilm_formula"]["ilm"]), 6) == D("1.050063") and r["ilm_rule"] == "formula"
    assert round(D(r["orc"]), 2) == D("306.36") and round(D(r["rwa"]), 2) == D("3829.45")

    now = json.loads(
        run(
            url, "sa", "--year", "2024", "--profile", "basel", "--threshold", "20000", "--json"
        ).stdout
    )
    assert now["knowledge_cutoff"]["position"] == db.position() > pos
    assert D(now["result"]["loss_component"]["total_loss"]) - D(lc["total_loss"]) == D(1000000)


def test_table_output_is_the_summary(url):
    res = run(url, "bia", "--year", "2024", "--as-of", "2026-02-15")
    assert res.exit_code == 0, res.output
    assert "knowledge cut-off position" in res.stdout and "capital (EUR)" in res.stdout
    assert "165,000,000.00" in res.stdout  # 0.15 × (1,100 + 1,100 + 1,100) m / 3 … lines summed
    assert "value (EUR)" in res.stdout  # the money unit in the header
    res = run(url, "asa", "--year", "2024")
    assert res.exit_code == 0, res.output
    assert "ASA" in res.stdout
    res = run(url, "tsa", "--year", "2024", "--profile", "eu-crr3")
    assert res.exit_code == 0 and "eu-crr3" in res.stdout


def test_errors_exit_2_with_one_line(url):
    for args, text in [
        (("tsa", "--year", "2030"), "no gross income recorded for 2028–2030"),
        (("sa", "--year", "2024", "--threshold", "20000"), "needs --profile"),
        (
            ("sa", "--year", "2024", "--profile", "cn-nfra"),
            "amounts in CNY and the calculation is in EUR",
        ),
        (("sa", "--year", "2024", "--profile", "basel", "--threshold", "5"), "threshold"),
        (("bia", "--year", "2024", "--profile", "nope"), "nope"),
    ]:
        res = run(url, *args)
        assert res.exit_code == 2, (args, res.output)
        assert (
            res.stderr.count("\n") == 1 and res.stderr.startswith("error: ") and text in res.stderr
        )
        assert res.stdout == ""
