"""The CLI's habits: schema commands, FX rates, CSV for people and Excel, hints in CLI words."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from oprisk.cli import main
from oprisk.cli.losses import SUMMARY_COLUMNS
from oprisk.cli.options import cli_wording


def run(url: str, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["--db", url, *args], input=input)


def test_db_current_history_upgrade_and_downgrade(empty_db_url: str) -> None:
    from oprisk.store import migrate

    head = migrate.head_revision()
    r = run(empty_db_url, "db", "current")
    assert r.exit_code == 0 and "revision none" in r.output and "oprisk db upgrade" in r.output
    history = run(empty_db_url, "db", "history").output.splitlines()
    assert history[0].startswith("0001") and history[-1].startswith(head)
    sql = run(empty_db_url, "db", "upgrade", "--sql")
    assert sql.exit_code == 0 and "CREATE TABLE events" in sql.output
    assert (
        run(empty_db_url, "db", "current").output.count("revision none") == 1
    )  # --sql ran nothing
    assert run(empty_db_url, "db", "upgrade").exit_code == 0
    assert "up to date" in run(empty_db_url, "db", "current").output
    down = run(empty_db_url, "db", "downgrade", "0001", "--sql")
    if empty_db_url.startswith("sqlite"):  # batch mode rebuilds tables from the live schema
        assert down.exit_code == 2 and "without --sql" in down.stderr
    else:
        assert down.exit_code == 0 and "0001" in down.output
    refused = run(empty_db_url, "db", "downgrade", "0001", input="n\n")
    assert refused.exit_code == 1 and "up to date" in run(empty_db_url, "db", "current").output
    assert run(empty_db_url, "db", "downgrade", "0001", "--yes").exit_code == 0
    assert "revision 0001" in run(empty_db_url, "db", "current").output


def test_fx_record_and_list(db_url: str) -> None:
    r = run(db_url, "fx", "record", "cny", "2025-12-31", "0.128", "--actor", "treasury")
    assert r.exit_code == 0 and "CNY/EUR 0.128 on 2025-12-31" in r.output
    rows = json.loads(run(db_url, "fx", "list", "--json").output)
    assert rows == [
        {
            "currency": "CNY",
            "quote": "EUR",
            "rate_date": "2025-12-31",
            "rate": "0.128",
            "position": 1,
        }
    ]
    bad = run(db_url, "fx", "record", "CNY", "31.12.2025", "0.128")
    assert bad.exit_code == 2 and "like 2025-12-31" in bad.stderr


@pytest.fixture
def loaded(tmp_path):  # type: ignore[no-untyped-def]
    from oprisk.api import connect

    url = f"sqlite:///{tmp_path / 'l.db'}"
    with connect(url) as db:
        db.report("中文-1", actor="a", title="伪造存单骗贷", event_type="ET2", business_line="BL3",
                  discovered_on=date(2025, 3, 4), currency="EUR")  # fmt: skip
        db.record_impact("中文-1", actor="a", amount="1500000", currency="EUR",
                         accounted_on=date(2025, 3, 31))  # fmt: skip
    return url


def test_losses_csv_has_the_table_columns_and_excel_gets_a_bom(loaded: str) -> None:
    csv = run(loaded, "losses", "--csv").output
    assert csv.splitlines()[0] == ",".join(SUMMARY_COLUMNS)
    assert "2025-03-31" in csv and "00:00:00" not in csv  # calendar days, not midnight stamps
    assert (
        len(run(loaded, "losses", "--csv", "--all-columns").output.splitlines()[0].split(",")) > 30
    )
    excel = CliRunner().invoke(main, ["--db", loaded, "losses", "--excel", "--all-columns"])
    assert excel.stdout_bytes.startswith("\ufeff".encode()) and "伪造存单骗贷" in excel.stdout


def test_library_hints_are_shown_in_cli_words() -> None:
    assert cli_wording("…: record it with db.record_fx_rate(currency, date, rate)").endswith(
        "record it with `oprisk fx record CURRENCY DATE RATE`"
    )
    assert (
        cli_wording("pass legal_entity= to restrict them") == "pass --legal-entity to restrict them"
    )
    assert cli_wording("(pass allow_any_threshold=True for another)") == (
        "(pass --allow-any-threshold for another)"
    )
